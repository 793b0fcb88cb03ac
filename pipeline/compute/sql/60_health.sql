-- Health (OC2): the cohort of the three health KPIs, with each child's OC2 flags.
-- Cohort: CLA at r, looked after (current period of care) for at least 12 months at r.
-- A child with several OC2 rows counts as done if any row says 1; no OC2 row = not done.
-- OC2 rows of children outside the cohort are ignored (clarification 1).
CREATE OR REPLACE TEMP VIEW health_cohort AS
WITH o AS (
  SELECT la, as_at, r, child,
    bool_or(trim(health_assessment) = '1') AS health_assessment,
    bool_or(trim(teeth_check) = '1') AS teeth_check,
    bool_or(trim(immunisations) = '1') AS immunisations
  FROM oc2_c GROUP BY la, as_at, r, child
)
SELECT p.la, p.as_at, p.r, p.child,
  coalesce(o.health_assessment, false) AS health_assessment,
  coalesce(o.teeth_check, false) AS teeth_check,
  coalesce(o.immunisations, false) AS immunisations
FROM cla_period p
LEFT JOIN o ON o.la = p.la AND o.as_at = p.as_at AND o.r = p.r AND o.child = p.child
WHERE lasted_months(p.period_start, p.r, 12);
