-- One row per OC3 row in the 19_21 cohort, less ACCOM starting G (gone abroad), H (deported)
-- or R (residence not known). A blank or '0' ACCOM stays in and is not suitable.
SELECT la, as_at, r, child, dob,
  CASE WHEN accom LIKE '%1' THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cl_cohort
WHERE band = '19_21'
  AND NOT coalesce(left(accom, 1) IN ('G', 'H', 'R'), false)
