-- Base relations for KPI SQL. Every relation is per computation point (la, as_at, r):
-- `calc` lists the points (a snapshot and the reference date R to compute at; R is the
-- snapshot's own date, or an earlier quarter end for --history). Files in this folder are
-- run in name order before any metric; metrics select from the views they define.

-- Whole years of age on d; a 29 February birthday falls on 1 March in non-leap years.
CREATE OR REPLACE TEMP MACRO is_leap(y) AS ((y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0);
CREATE OR REPLACE TEMP MACRO age_on(dob, d) AS
  year(d) - year(dob)
  - CASE WHEN month(d) * 100 + day(d) <
         CASE WHEN month(dob) = 2 AND day(dob) = 29 AND NOT is_leap(year(d)) THEN 301
              ELSE month(dob) * 100 + day(dob) END
    THEN 1 ELSE 0 END;
-- The date of the nth birthday (29 February -> 1 March in non-leap years).
CREATE OR REPLACE TEMP MACRO birthday(dob, n) AS
  CASE WHEN month(dob) = 2 AND day(dob) = 29 AND NOT is_leap(year(dob) + n)
       THEN make_date(CAST(year(dob) + n AS BIGINT), 3, 1)
       ELSE make_date(CAST(year(dob) + n AS BIGINT), month(dob), day(dob)) END;
-- d minus n months, day kept and clamped to the month's end.
CREATE OR REPLACE TEMP MACRO months_before(d, n) AS CAST(d - to_months(CAST(n AS INTEGER)) AS DATE);
-- First day of W, the 12 months ending on r.
CREATE OR REPLACE TEMP MACRO w_start(r) AS CAST(months_before(r, 12) + INTERVAL 1 DAY AS DATE);
-- The 31 August before r (on or before r).
CREATE OR REPLACE TEMP MACRO aug31_before(r) AS
  CASE WHEN month(r) >= 9 THEN make_date(year(r), 8, 31) ELSE make_date(year(r) - 1, 8, 31) END;
-- "Within the N months up to and including r": months_before(r, N) < d <= r.
CREATE OR REPLACE TEMP MACRO within_months(d, r, n) AS (d > months_before(r, n) AND d <= r);
-- "For at least N months at r": start <= months_before(r, N) + 1 day.
CREATE OR REPLACE TEMP MACRO lasted_months(start, r, n) AS (start <= CAST(months_before(r, n) + INTERVAL 1 DAY AS DATE));
-- Normalised postcode: upper case, single spaces, trimmed.
CREATE OR REPLACE TEMP MACRO norm_pc(p) AS NULLIF(upper(trim(regexp_replace(p, '\s+', ' ', 'g'))), '');

-- Episodes as recorded at r: those started by r; an end after r is not yet known.
CREATE OR REPLACE TEMP VIEW ep_all AS
SELECT c.la, c.as_at, c.r, e.child, e.src_line, e.decom,
       CASE WHEN e.dec > c.r THEN NULL ELSE e.dec END AS dec,
       CASE WHEN e.dec > c.r THEN NULL ELSE e.rec END AS rec,
       e.rne, e.ls, e.cin, e.place, e.place_provider, e.reason_place_change,
       e.home_post, e.pl_post, e.urn, e.pl_distance, e.pl_la, e.pl_location
FROM calc c JOIN episodes e ON e.la = c.la AND e.as_at = c.as_at
WHERE e.decom <= c.r;

-- Short breaks (LS V3/V4) are dropped before anything else.
CREATE OR REPLACE TEMP VIEW ep AS SELECT * FROM ep_all WHERE ls NOT IN ('V3', 'V4');

-- `cla` (children looked after at r: an episode open at r) is defined in 10_periods.sql,
-- from the episode open at r.

CREATE OR REPLACE TEMP VIEW hdr AS
SELECT c.la, c.as_at, c.r, h.child, h.sex, h.dob, h.ethnic FROM calc c JOIN header h ON h.la = c.la AND h.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW uasc_c AS
SELECT DISTINCT c.la, c.as_at, c.r, u.child FROM calc c JOIN uasc u ON u.la = c.la AND u.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW oc2_c AS
SELECT c.r, o.* FROM calc c JOIN oc2 o ON o.la = c.la AND o.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW oc3_c AS
SELECT c.r, o.* FROM calc c JOIN oc3 o ON o.la = c.la AND o.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW missing_c AS
SELECT c.r, m.* FROM calc c JOIN missing m ON m.la = c.la AND m.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW attendance_c AS
SELECT c.r, a.* FROM calc c JOIN attendance a ON a.la = c.la AND a.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW pep_c AS
SELECT c.r, p.* FROM calc c JOIN pep p ON p.la = c.la AND p.as_at = c.as_at;
CREATE OR REPLACE TEMP VIEW care_leavers_c AS
SELECT c.r, t.* FROM calc c JOIN care_leavers t ON t.la = c.la AND t.as_at = c.as_at;

-- The snapshots computed (each once, however many reference dates it is computed at).
CREATE OR REPLACE TEMP VIEW calc_snap AS SELECT DISTINCT la, as_at FROM calc;

-- Children whose only episodes (as recorded at r) are short breaks: in no cohort of any KPI.
-- That is, the episodes started by r include a short break and no episode whose LS is known
-- and not a short break (an unknown LS decides nothing either way). Per child of each
-- snapshot, once: the first start of a short break and of any other episode (sbo_snap,
-- materialised by the engine); per point a comparison with r.
CREATE OR REPLACE TEMP VIEW sbo_snap AS
SELECT e.la, e.as_at, e.child,
  min(e.decom) FILTER (WHERE e.ls IN ('V3', 'V4')) AS first_short_break,
  min(e.decom) FILTER (WHERE e.ls NOT IN ('V3', 'V4')) AS first_other
FROM episodes e JOIN calc_snap s ON s.la = e.la AND s.as_at = e.as_at
GROUP BY e.la, e.as_at, e.child
HAVING min(e.decom) FILTER (WHERE e.ls IN ('V3', 'V4')) IS NOT NULL;
CREATE OR REPLACE TEMP VIEW short_break_only AS
SELECT c.la, c.as_at, c.r, s.child
FROM calc c JOIN sbo_snap s ON s.la = c.la AND s.as_at = c.as_at
WHERE s.first_short_break <= c.r AND (s.first_other IS NULL OR s.first_other > c.r);
