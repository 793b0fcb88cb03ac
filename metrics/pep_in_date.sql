-- Children looked after at R, aged 3 to 17 on the 31 August before R, in the current period
-- of care for at least 28 days (edu_pep_cohort); in date when a COMPLETE PEP is dated within
-- the pep_window_months() (4) months up to and including R: months_before(R, 4) < PEP_DATE <= R.
SELECT k.la, k.as_at, k.r, k.child,
  CASE WHEN EXISTS (
    SELECT 1 FROM pep_c p
    WHERE p.la = k.la AND p.as_at = k.as_at AND p.r = k.r AND p.child = k.child
      AND upper(trim(p.pep_status)) = 'COMPLETE'
      AND within_months(p.pep_date, k.r, pep_window_months())
  ) THEN 1 ELSE 0 END AS num,
  1 AS den
FROM edu_pep_cohort k
