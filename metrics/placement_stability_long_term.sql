-- CLA at r, aged under 16 at r, in the current period of care for at least 30 months at r;
-- numerator: the current carer spell (with the A4/A6 rule, see cla_spell) has lasted at
-- least 24 months at r.
SELECT s.la, s.as_at, s.r, s.child,
  CASE WHEN s.stable_since IS NOT NULL AND lasted_months(s.stable_since, s.r, 24) THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cla_spell s
JOIN (SELECT DISTINCT ON (la, as_at, r, child) la, as_at, r, child, dob FROM hdr WHERE dob IS NOT NULL ORDER BY la, as_at, r, child, dob) h
  ON h.la = s.la AND h.as_at = s.as_at AND h.r = s.r AND h.child = s.child
WHERE age_on(h.dob, s.r) < 16
  AND lasted_months(s.period_start, s.r, 30)
