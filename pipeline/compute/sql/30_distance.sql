-- Distance from home and in/out of the own LA for the placement open at r (spec/kpis.md
-- "Distance" and clarifications 6 and 7). The placement open at r is the episode open at r,
-- temporary or not (it is where the child is at r).

-- Postcodes. A full postcode (with or without its space) in compact form, e.g. 'HA12AB'.
CREATE OR REPLACE TEMP MACRO pc_compact(p) AS NULLIF(upper(regexp_replace(coalesce(p, ''), '\s', '', 'g')), '');
CREATE OR REPLACE TEMP MACRO pc_full(p) AS
  CASE WHEN regexp_full_match(pc_compact(p), '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}') THEN pc_compact(p) END;
-- Its sector: 'HA1 2AB' -> 'HA1 2'. A sector-only postcode must have its space ('HA1 2');
-- 'HA12' is not a sector (NULL, so unknown).
CREATE OR REPLACE TEMP MACRO pc_sector(p) AS
  CASE WHEN pc_full(p) IS NOT NULL THEN left(pc_full(p), length(pc_full(p)) - 3) || ' ' || substr(pc_full(p), length(pc_full(p)) - 2, 1)
       WHEN regexp_full_match(norm_pc(p), '[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]') THEN norm_pc(p) END;

-- Straight-line miles from a squared distance s in square metres, rounded half up to one
-- decimal exactly: k tenths is right when (k - 0.5) / 10 miles <= sqrt(s) / 1609.344, i.e.
-- (2k - 1)^2 * 1609344^2 <= s * 400,000,000 (integers; grid references are whole metres).
-- The float estimate is corrected by one tenth either way, so x.x5 rounds up whatever the
-- binary representation of the division.
CREATE OR REPLACE TEMP MACRO tenths_reached(s, k) AS
  (k <= 0 OR CAST(2 * k - 1 AS HUGEINT) * CAST(2 * k - 1 AS HUGEINT) * CAST(2589988110336 AS HUGEINT)
     <= CAST(round(s) AS HUGEINT) * CAST(400000000 AS HUGEINT));
CREATE OR REPLACE TEMP MACRO miles_from_tenths(s, kf) AS
  CAST(CASE WHEN tenths_reached(s, kf + 1) THEN kf + 1
            WHEN NOT tenths_reached(s, kf) THEN kf - 1
            ELSE kf END AS DOUBLE) / 10.0;
CREATE OR REPLACE TEMP MACRO miles_1dp(s) AS miles_from_tenths(s, CAST(floor(sqrt(s) / 160.9344 + 0.5) AS BIGINT));

-- The boundary-unit file keyed by compact postcode, built once per connection (like the
-- reference tables themselves).
CREATE TEMP TABLE IF NOT EXISTS ref_units_boundary_k AS
SELECT replace(upper(pcd), ' ', '') AS key, any_value(utla_code) AS utla_code
FROM ref_units_boundary GROUP BY 1;

-- Every postcode used by an episode open at r, with its grid reference (unit-level file if
-- configured and holding the postcode, else the sector table) and its upper-tier LA (the
-- shipped boundary-unit file when it lists the full postcode, else the sector table).
CREATE OR REPLACE TEMP VIEW pc_lookup AS
WITH p AS (
  SELECT DISTINCT p FROM (
    SELECT home_post AS p FROM ep_open_x UNION ALL SELECT pl_post AS p FROM ep_open_x
  ) WHERE p IS NOT NULL
), k AS (
  SELECT p, pc_full(p) AS full_pc, pc_sector(p) AS sector FROM p
), g AS (
  SELECT k.p, any_value(u.easting) AS easting, any_value(u.northing) AS northing
  FROM k JOIN ref_units_grid u ON replace(upper(u.pcd), ' ', '') = k.full_pc
  WHERE u.easting IS NOT NULL AND u.northing IS NOT NULL GROUP BY k.p
), b AS (
  SELECT k.p, any_value(u.utla_code) AS utla_code
  FROM k JOIN ref_units_boundary_k u ON u.key = k.full_pc GROUP BY k.p
), s AS (
  SELECT k.p, any_value(x.easting) AS easting, any_value(x.northing) AS northing, any_value(x.utla_code) AS utla_code
  FROM k JOIN ref_sectors x ON upper(x.sector) = k.sector GROUP BY k.p
)
SELECT k.p, k.full_pc, k.sector,
  CASE WHEN g.p IS NOT NULL THEN g.easting ELSE s.easting END AS easting,
  CASE WHEN g.p IS NOT NULL THEN g.northing ELSE s.northing END AS northing,
  coalesce(b.utla_code, s.utla_code) AS utla
FROM k
LEFT JOIN g ON g.p = k.p
LEFT JOIN b ON b.p = k.p
LEFT JOIN s ON s.p = k.p;

-- One row per CLA at r: the placement open at r, its distance from home in miles (NULL =
-- unknown) and whether it is outside the own LA (unknown counts as not outside).
--  distance: unknown for UASC (short breaks are not in `ep`); else PL_DISTANCE when
--            supplied (even with a blank postcode); else from the two postcodes.
--  outside:  PL_LOCATION = OUT when supplied; else PL_LA (ONS or DfE code) when supplied,
--            outside when it is neither the own LA's ONS code nor its DfE code; else the
--            PL_POST's upper-tier LA differs from the own LA.
CREATE OR REPLACE TEMP VIEW placement_at_r AS
SELECT o.la, o.as_at, o.r, o.child, o.seq, o.place, o.is_temp, o.home_post, o.pl_post,
  o.pl_distance, o.pl_la, o.pl_location, (u.child IS NOT NULL) AS uasc,
  CASE WHEN u.child IS NOT NULL THEN NULL
       WHEN o.pl_distance IS NOT NULL THEN CAST(o.pl_distance AS DOUBLE)
       WHEN h.easting IS NULL OR h.northing IS NULL OR l.easting IS NULL OR l.northing IS NULL THEN NULL
       ELSE miles_1dp((h.easting - l.easting) * (h.easting - l.easting) + (h.northing - l.northing) * (h.northing - l.northing))
  END AS distance,
  l.utla AS pl_utla,
  CASE WHEN ep_code(o.pl_location) IS NOT NULL THEN ep_code(o.pl_location) = 'OUT'
       WHEN ep_code(o.pl_la) IS NOT NULL THEN ep_code(o.pl_la) NOT IN (upper(c.la), upper(coalesce(c.la_dfe, '')))
       ELSE coalesce(upper(l.utla) <> upper(c.la), false)
  END AS outside_la
FROM ep_open_x o
JOIN calc c ON c.la = o.la AND c.as_at = o.as_at AND c.r = o.r
LEFT JOIN (SELECT DISTINCT u.la, u.as_at, u.child FROM uasc u JOIN calc_snap s ON s.la = u.la AND s.as_at = u.as_at) u
  ON u.la = o.la AND u.as_at = o.as_at AND u.child = o.child
LEFT JOIN pc_lookup h ON h.p = o.home_post
LEFT JOIN pc_lookup l ON l.p = o.pl_post;
