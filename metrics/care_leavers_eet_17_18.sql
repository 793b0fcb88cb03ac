-- One row per OC3 row in the 17_18 cohort; EET = education, employment or training.
SELECT la, as_at, r, child, dob,
  CASE WHEN activ IN ('F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5') THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cl_cohort
WHERE band = '17_18'
