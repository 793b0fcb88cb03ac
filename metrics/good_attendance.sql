-- School-age children with at least one possible session in W; good attendance when
-- attended is good_attendance_threshold() per cent (95) of possible or more, exactly:
-- 100 * attended >= threshold * possible (exactly 95% IS good attendance).
SELECT la, as_at, r, child,
  CASE WHEN 100 * attended >= good_attendance_threshold() * possible THEN 1 ELSE 0 END AS num,
  1 AS den
FROM edu_attendance
WHERE possible > 0
