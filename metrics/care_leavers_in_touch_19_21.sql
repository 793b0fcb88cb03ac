-- One row per OC3 row in the 19_21 cohort (pipeline/compute/sql/40_care_leavers.sql).
SELECT la, as_at, r, child, dob,
  CASE WHEN in_touch = 'YES' THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cl_cohort
WHERE band = '19_21'
