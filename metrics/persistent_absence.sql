-- School-age children with at least one possible session in W; persistent absence when
-- missed (possible - attended) is 10% or more of possible, in exact integer arithmetic
-- (exactly 90% attendance IS persistent absence).
SELECT la, as_at, r, child,
  CASE WHEN 10 * (possible - attended) >= possible THEN 1 ELSE 0 END AS num,
  1 AS den
FROM edu_attendance
WHERE possible > 0
