-- CLA at r; numerator: the placement open at r is outside the own LA and more than 20.0
-- miles from home (an unknown distance is not more than 20 miles).
SELECT la, as_at, r, child,
  CASE WHEN outside_la AND distance IS NOT NULL AND distance > 20.0 THEN 1 ELSE 0 END AS num,
  1 AS den
FROM placement_at_r
