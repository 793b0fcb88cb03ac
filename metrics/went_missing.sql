-- Children with an episode (short breaks dropped) overlapping W: starts on or before r and
-- ends after the first day of W or has not ended. Numerator: at least one MISSING = M
-- incident starting in W.
WITH cohort AS (
  SELECT DISTINCT la, as_at, r, child FROM ep
  WHERE decom <= r AND (dec IS NULL OR dec > w_start(r))
), m AS (
  SELECT DISTINCT la, as_at, r, child FROM missing_c
  WHERE upper(trim(missing)) = 'M' AND mis_start >= w_start(r) AND mis_start <= r
)
SELECT c.la, c.as_at, c.r, c.child,
  CASE WHEN m.child IS NOT NULL THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cohort c
LEFT JOIN m ON m.la = c.la AND m.as_at = c.as_at AND m.r = c.r AND m.child = c.child
