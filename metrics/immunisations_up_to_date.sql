-- CLA at r in the current period of care for at least 12 months at r; numerator:
-- IMMUNISATIONS = 1 in OC2 (no OC2 row counts as not done).
WITH o AS (
  SELECT la, as_at, r, child, bool_or(trim(immunisations) = '1') AS done
  FROM oc2_c GROUP BY la, as_at, r, child
)
SELECT p.la, p.as_at, p.r, p.child,
  CASE WHEN coalesce(o.done, false) THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cla_period p
LEFT JOIN o ON o.la = p.la AND o.as_at = p.as_at AND o.r = p.r AND o.child = p.child
WHERE lasted_months(p.period_start, p.r, 12)
