-- CLA at r with a known distance (placement open at r); numerator: 20.0 miles or less.
-- CLA at r with an unknown distance are returned with den = 0 and unknown = 1.
SELECT la, as_at, r, child,
  CASE WHEN distance IS NOT NULL AND distance <= 20.0 THEN 1 ELSE 0 END AS num,
  CASE WHEN distance IS NOT NULL THEN 1 ELSE 0 END AS den,
  CASE WHEN distance IS NULL THEN 1 ELSE 0 END AS unknown
FROM placement_at_r
