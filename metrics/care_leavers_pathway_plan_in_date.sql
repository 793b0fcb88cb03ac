-- Tracking rows aged 18 to 20 at R with an OPEN case; pathway plan reviewed within the
-- 6 months up to and including R (a date after R is left out).
SELECT la, as_at, r, child, dob,
  CASE WHEN within_months(pathway_plan_date, r, 6) THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cl_tracking_cohort
WHERE case_status = 'OPEN'
