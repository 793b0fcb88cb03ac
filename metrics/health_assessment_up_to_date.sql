-- CLA at r in the current period of care for at least 12 months at r (view health_cohort,
-- pipeline/compute/sql/60_health.sql); numerator: HEALTH_ASSESSMENT = 1 in OC2 (no OC2 row counts as not done).
SELECT la, as_at, r, child, CASE WHEN health_assessment THEN 1 ELSE 0 END AS num, 1 AS den
FROM health_cohort
