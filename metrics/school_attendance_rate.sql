-- One row per school-age child looked after at R (pipeline/compute/sql/50_education.sql):
-- sessions attended over sessions possible in rows whose PERIOD_END is in W.
-- A child with no possible sessions adds 0 to both.
SELECT la, as_at, r, child,
  attended AS num,
  possible AS den
FROM edu_attendance
