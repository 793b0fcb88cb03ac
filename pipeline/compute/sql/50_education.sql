-- Education KPIs (spec kpis.md "Education (local extracts)"). Every view is per
-- computation point (la, as_at, r). Names start with edu_ so they never clash with
-- other files in this folder.

-- Configurable thresholds: change the number here (one place) to change the KPI.
-- good_attendance: a child attends "well" at this percentage of possible sessions or more.
CREATE OR REPLACE TEMP MACRO good_attendance_threshold() AS 95;
-- pep_in_date: a COMPLETE PEP must be dated within this many months up to and including R.
CREATE OR REPLACE TEMP MACRO pep_window_months() AS 4;

-- One Header DOB per child (the Header holds one row per child; min() only makes a
-- duplicated row harmless and deterministic).
-- The same at every r: computed once per snapshot (edu_dob_snap, materialised).
CREATE OR REPLACE TEMP VIEW edu_dob_snap AS
SELECT h.la, h.as_at, h.child, min(h.dob) AS dob
FROM header h JOIN calc_snap s ON s.la = h.la AND s.as_at = h.as_at
GROUP BY h.la, h.as_at, h.child;
CREATE OR REPLACE TEMP VIEW edu_dob AS
SELECT c.la, c.as_at, c.r, d.child, d.dob FROM calc c JOIN edu_dob_snap d ON d.la = c.la AND d.as_at = c.as_at;

-- Start of the period of care of each child's latest non-short-break episode as recorded
-- at r (for a child looked after at r: the current period of care). A period is a run of
-- episodes where each next DECOM equals the previous DEC and the previous REC is X1
-- (clarification 3); its start is the DECOM of its first episode.
-- Computed once per unit with the episode order (ep_x.edu_period_start, 10_periods.sql):
-- the latest episode as recorded at r is the one whose next DECOM is after r.
CREATE OR REPLACE TEMP VIEW edu_period_start AS
SELECT la, as_at, r, child, edu_period_start AS period_start
FROM ep_pt
WHERE next_decom IS NULL OR next_decom > r;

-- School-age cohort: looked after at r and aged 5 to 15 on the 31 August before r (Header DOB).
CREATE OR REPLACE TEMP VIEW edu_school_age AS
SELECT c.la, c.as_at, c.r, c.child, d.dob
FROM cla c JOIN edu_dob_snap d ON d.la = c.la AND d.as_at = c.as_at AND d.child = c.child
WHERE age_on(d.dob, aug31_before(c.r)) BETWEEN 5 AND 15;

-- Sessions per school-age child over the attendance rows whose PERIOD_END is in W
-- (clarification 10: whether or not the child was looked after then). A child with no
-- rows has 0 possible and 0 attended.
CREATE OR REPLACE TEMP VIEW edu_attendance AS
SELECT k.la, k.as_at, k.r, k.child,
  coalesce(sum(a.possible_sessions), 0)::BIGINT AS possible,
  coalesce(sum(a.attended_sessions), 0)::BIGINT AS attended
FROM edu_school_age k
LEFT JOIN attendance a ON a.la = k.la AND a.as_at = k.as_at AND a.child = k.child
  AND a.period_end BETWEEN w_start(k.r) AND k.r
GROUP BY k.la, k.as_at, k.r, k.child;

-- PEP cohort: looked after at r, aged 3 to 17 on the 31 August before r, in the current
-- period of care for at least 28 days at r (started on or before r minus 28 days plus one day).
-- (edu_period_start of CLA children: their latest episode as recorded at r, read from ep_x)
CREATE OR REPLACE TEMP VIEW edu_pep_cohort AS
SELECT c.la, c.as_at, c.r, c.child
FROM cla c
JOIN edu_dob_snap d ON d.la = c.la AND d.as_at = c.as_at AND d.child = c.child
JOIN ep_x p ON p.la = c.la AND p.as_at = c.as_at AND p.child = c.child
  AND (p.ur = DATE '9999-12-31' OR p.ur = c.r) AND p.decom <= c.r AND (p.next_decom IS NULL OR p.next_decom > c.r)
WHERE age_on(d.dob, aug31_before(c.r)) BETWEEN 3 AND 17
  AND p.edu_period_start <= CAST(c.r - INTERVAL 28 DAY + INTERVAL 1 DAY AS DATE);
