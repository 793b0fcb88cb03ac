-- CLA at r; numerator: 3 or more placements overlapping W (from every period of care that
-- overlaps W: clarification 5). A placement overlaps W when it starts on or before r and
-- ends after the first day of W or has not ended.
SELECT c.la, c.as_at, c.r, c.child,
  CASE WHEN coalesce(p.n, 0) >= 3 THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cla c
LEFT JOIN (
  SELECT la, as_at, r, child, CAST(count(*) AS INTEGER) AS n
  FROM placements
  WHERE start <= r AND (end_date IS NULL OR end_date > w_start(r))
  GROUP BY la, as_at, r, child
) p ON p.la = c.la AND p.as_at = c.as_at AND p.r = c.r AND p.child = c.child
