-- Health (OC2): the cohort of the three health KPIs, with each child's OC2 flags.
-- Cohort: CLA at r, looked after (current period of care) for at least 12 months at r.
-- A child with several OC2 rows counts as done if any row says 1; no OC2 row = not done.
-- OC2 rows of children outside the cohort are ignored (clarification 1).
-- The OC2 flags are the same at every r of a snapshot: summed up once per child
-- (health_oc2_snap); the cohort is materialised (three KPIs read it).
CREATE OR REPLACE TEMP VIEW health_oc2_snap AS
SELECT o.la, o.as_at, o.child,
  bool_or(trim(o.health_assessment) = '1') AS health_assessment,
  bool_or(trim(o.teeth_check) = '1') AS teeth_check,
  bool_or(trim(o.immunisations) = '1') AS immunisations
FROM oc2 o JOIN calc_snap s ON s.la = o.la AND s.as_at = o.as_at
GROUP BY o.la, o.as_at, o.child;
CREATE OR REPLACE TEMP VIEW health_cohort AS
SELECT p.la, p.as_at, p.r, p.child,
  coalesce(o.health_assessment, false) AS health_assessment,
  coalesce(o.teeth_check, false) AS teeth_check,
  coalesce(o.immunisations, false) AS immunisations
FROM cla_period p
LEFT JOIN health_oc2_snap o ON o.la = p.la AND o.as_at = p.as_at AND o.child = p.child
WHERE lasted_months(p.period_start, p.r, 12);
