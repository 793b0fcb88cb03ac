-- Periods of care (spec/kpis.md "Common terms" and clarification 3), placements and carer
-- spells (20_placements.sql), per computation point. Short breaks are already out (`ep`).
-- A new period starts unless the previous episode ended with REC = X1 and this episode's
-- DECOM equals that DEC.

-- Codes compared case-insensitively, blank = NULL.
CREATE OR REPLACE TEMP MACRO ep_code(x) AS NULLIF(upper(trim(x)), '');
CREATE OR REPLACE TEMP MACRO is_temp_place(p) AS coalesce(ep_code(p) IN ('T0', 'T1', 'T2', 'T3', 'T4'), false);
-- Comparison forms for the "return after temporary placements" rule (20_placements.sql).
CREATE OR REPLACE TEMP MACRO cmp_code(x) AS coalesce(upper(trim(x)), '');
CREATE OR REPLACE TEMP MACRO cmp_pc(x) AS coalesce(upper(regexp_replace(x, '\s', '', 'g')), '');

-- HOW IT IS COMPUTED. Every relation below is defined per point (la, as_at, r), but the
-- window computations behind them (episode order, periods, placements, spells) run once
-- per child of a snapshot, not once per point: the episodes as recorded at an earlier r
-- are those started by r, a prefix of the child's episodes in order (the order starts with
-- DECOM), with DEC/REC blanked after r. When no two of a child's episodes start on the
-- same day, that prefix keeps its order, and every attribute below of an episode in it
-- (seq, period, placement and spell numbers, their starts) is the same at r as over the
-- whole history (an end after r blanked at r only ever meets a later DECOM <= r, which it
-- could not equal anyway). So each such child is one "unit" (ur = 9999-12-31) computed
-- once; a child with two episodes starting the same day (their order can change with r)
-- is computed at each point from `ep` as recorded there (ur = r). A point reads its units
-- with a filter (ep_pt): no window and no sort per point.

-- Children of the computed snapshots with two (non-short-break) episodes starting on the same day.
CREATE OR REPLACE TEMP VIEW ep_tied AS
SELECT DISTINCT la, as_at, child FROM (
  SELECT e.la, e.as_at, e.child
  FROM episodes e JOIN calc_snap s ON s.la = e.la AND s.as_at = e.as_at
  WHERE e.ls NOT IN ('V3', 'V4') AND e.decom IS NOT NULL
  GROUP BY e.la, e.as_at, e.child, e.decom
  HAVING count(*) > 1
);

-- The episodes of every unit, with only what the rules read (eid is the episode's row in
-- `episodes`; the rest is read from there by eid): whole histories (raw DEC/REC) of the
-- other children, and the episodes as recorded at each point (as in `ep`) of the tied ones.
CREATE OR REPLACE TEMP VIEW ep_units AS
SELECT e.rowid AS eid, e.la, e.as_at, DATE '9999-12-31' AS ur, e.child, e.src_line, e.decom, e.dec, e.rec,
  e.rne, e.place, e.pl_post, e.urn
FROM episodes e
JOIN calc_snap s ON s.la = e.la AND s.as_at = e.as_at
ANTI JOIN ep_tied t ON t.la = e.la AND t.as_at = e.as_at AND t.child = e.child
WHERE e.ls NOT IN ('V3', 'V4') AND e.decom IS NOT NULL
UNION ALL
SELECT e.rowid AS eid, e.la, e.as_at, c.r AS ur, e.child, e.src_line, e.decom,
  CASE WHEN e.dec > c.r THEN NULL ELSE e.dec END AS dec,
  CASE WHEN e.dec > c.r THEN NULL ELSE e.rec END AS rec,
  e.rne, e.place, e.pl_post, e.urn
FROM ep_tied t
JOIN episodes e ON e.la = t.la AND e.as_at = t.as_at AND e.child = t.child
JOIN calc c ON c.la = t.la AND c.as_at = t.as_at
WHERE e.decom <= c.r AND e.ls NOT IN ('V3', 'V4');

-- The PLACE codes of the computed snapshots, numbered (materialised): the rules below
-- carry a number through their window passes, not a string.
CREATE OR REPLACE TEMP VIEW ep_place_codes AS
SELECT place_c, CAST(row_number() OVER (ORDER BY place_c) AS INTEGER) AS place_code
FROM (SELECT DISTINCT cmp_code(e.place) AS place_c FROM episodes e JOIN calc_snap s ON s.la = e.la AND s.as_at = e.as_at);

-- Every episode of every unit (materialised) with:
--  seq          its order within the child: DECOM, then an ended episode before an open
--               one starting the same day (a zero-length episode comes first), then DEC,
--               then the source line;
--  next_decom   the next episode's DECOM (the last episode as recorded at r is the one
--               whose next DECOM is after r);
--  is_temp      a temporary placement (T0-T4);
--  period_no    its period of care (numbered from 1 per child), period_start that
--               period's first DECOM;
--  edu_period_start  the start of its period by the rule of 50_education.sql (REC
--               compared untrimmed);
-- and for the non-temporary episodes (20_placements.sql): the placement and carer-spell
-- rules (first_in_period, returns_same, new_placement, new_spell), placement_no, spell_no,
-- the current placement's start and first PLACE, and within the placement so far an open
-- end (pl_open), the latest end (pl_max_dec) and the placement's next DECOM
-- (pl_next_decom). cur_spell_no: the spell of the last non-temporary episode of the
-- period at or before this one (NULL: none yet). A unit is known by (ueid, ur) after
-- pass 1: its first episode's eid and its ur. Four window passes in all, each over the
-- few columns it needs.
CREATE OR REPLACE TEMP VIEW ep_x AS
WITH u AS (
  SELECT x.eid, x.la, x.as_at, x.ur, x.child, x.src_line, x.decom, x.dec, x.rec, x.place, x.pl_post, x.urn,
    pc.place_code,
    ep_code(x.rec) = 'X1' AS rec_x1,
    upper(x.rec) = 'X1' AS rec_x1_untrimmed,
    is_temp_place(x.place) AS is_temp,
    cmp_code(x.rne) IN ('S', 'P', 'B', 'T', 'U') AS rne_moves_placement,
    cmp_code(x.rne) IN ('S', 'P', 'B') AS rne_moves_carer,
    cmp_code(x.place) IN ('A3', 'A5') AS adoption_same_carer
  FROM ep_units x JOIN ep_place_codes pc ON pc.place_c = cmp_code(x.place)
), o AS (
  -- pass 1: episode order
  SELECT u.eid, u.la, u.as_at, u.ur, u.child, u.decom, u.dec, u.rec, u.place_code, u.is_temp,
    u.rne_moves_placement, u.rne_moves_carer, u.adoption_same_carer, u.place, u.pl_post, u.urn,
    first_value(u.eid) OVER w AS ueid,
    row_number() OVER w AS seq,
    lead(u.decom) OVER w AS next_decom,
    lag(u.dec) OVER w AS prev_dec,
    lag(u.rec_x1) OVER w AS prev_rec_x1,
    lag(u.rec_x1_untrimmed) OVER w AS prev_rec_x1_untrimmed,
    lag(u.is_temp) OVER w AS prev_is_temp,
    last_value(CASE WHEN NOT u.is_temp THEN {'place': u.place, 'pl_post': u.pl_post, 'urn': u.urn} END IGNORE NULLS) OVER wp AS prev_nt
  FROM u
  WINDOW w AS (PARTITION BY u.la, u.as_at, u.ur, u.child ORDER BY u.decom, u.dec IS NULL, u.dec, u.src_line),
    wp AS (PARTITION BY u.la, u.as_at, u.ur, u.child ORDER BY u.decom, u.dec IS NULL, u.dec, u.src_line
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), f AS (
  SELECT o.eid, o.la, o.as_at, o.ur, o.child, o.rec, o.ueid, o.seq, o.decom, o.dec, o.next_decom, o.is_temp, o.place_code,
    o.rne_moves_placement, o.rne_moves_carer, o.adoption_same_carer,
    CASE WHEN o.seq > 1 AND o.prev_rec_x1 AND o.decom = o.prev_dec THEN 0 ELSE 1 END AS new_period,
    CASE WHEN o.prev_rec_x1_untrimmed AND o.decom = o.prev_dec THEN 0 ELSE 1 END AS new_edu_period,
    -- back, straight after temporary episodes, to the PLACE, PL_POST and URN of the
    -- non-temporary episode before them (of the same period: known after pass 2)
    coalesce(CASE WHEN NOT o.is_temp AND o.prev_is_temp THEN
      cmp_code(o.place) = cmp_code(o.prev_nt.place)
      AND cmp_code(o.urn) = cmp_code(o.prev_nt.urn)
      AND cmp_pc(o.pl_post) = cmp_pc(o.prev_nt.pl_post) END, false) AS back_to_same
  FROM o
), g AS (
  -- pass 2: periods, and the previous non-temporary episode
  SELECT f.* EXCLUDE (new_period, new_edu_period),
    CAST(sum(f.new_period) OVER w AS INTEGER) AS period_no,
    max(CASE WHEN f.new_period = 1 THEN f.decom END) OVER w AS period_start,
    max(CASE WHEN f.new_period = 1 THEN f.seq END) OVER w AS period_first_seq,
    max(CASE WHEN f.new_edu_period = 1 THEN f.decom END) OVER w AS edu_period_start,
    last_value(CASE WHEN NOT f.is_temp THEN f.seq END IGNORE NULLS) OVER wp AS prev_nt_seq
  FROM f
  WINDOW w AS (PARTITION BY f.ueid, f.ur ORDER BY f.seq ROWS UNBOUNDED PRECEDING),
    wp AS (PARTITION BY f.ueid, f.ur ORDER BY f.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), k AS (
  -- the rules (has_prev: a previous non-temporary episode in the period, the one before
  -- any temporary ones just before this one)
  SELECT h.* EXCLUDE (has_prev, back_to_same, rne_moves_placement, rne_moves_carer, adoption_same_carer),
    NOT h.has_prev AS first_in_period,
    h.has_prev AND h.back_to_same AS returns_same,
    NOT h.has_prev OR (h.rne_moves_placement AND NOT h.adoption_same_carer AND NOT h.back_to_same) AS new_placement,
    NOT h.has_prev OR (h.rne_moves_carer AND NOT h.adoption_same_carer AND NOT h.back_to_same) AS new_spell
  FROM (SELECT g.*, coalesce(g.prev_nt_seq >= g.period_first_seq, false) AS has_prev FROM g) h
), m AS (
  -- pass 3: placements and spells
  SELECT k.*,
    CAST(sum(CASE WHEN NOT k.is_temp AND k.new_placement THEN 1 ELSE 0 END) OVER w AS INTEGER) AS placement_no,
    CAST(sum(CASE WHEN NOT k.is_temp AND k.new_spell THEN 1 ELSE 0 END) OVER w AS INTEGER) AS spell_no,
    max(CASE WHEN NOT k.is_temp AND k.new_placement THEN k.decom END) OVER w AS placement_start,
    last_value(CASE WHEN NOT k.is_temp AND k.new_placement THEN k.place_code END IGNORE NULLS) OVER w AS placement_first_code,
    first_value(CASE WHEN NOT k.is_temp THEN {'decom': k.decom, 'new_placement': k.new_placement} END IGNORE NULLS) OVER wf AS next_nt
  FROM k
  WINDOW w AS (PARTITION BY k.ueid, k.ur ORDER BY k.seq ROWS UNBOUNDED PRECEDING),
    wf AS (PARTITION BY k.ueid, k.ur ORDER BY k.seq ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), n AS (
  -- pass 4: within each placement so far
  SELECT m.* EXCLUDE (ueid, period_first_seq, prev_nt_seq, next_nt, place_code),
    CASE WHEN (CASE WHEN m.is_temp THEN m.prev_nt_seq ELSE m.seq END) >= m.period_first_seq THEN m.spell_no END AS cur_spell_no,
    CASE WHEN NOT m.next_nt.new_placement THEN m.next_nt.decom END AS pl_next_decom,
    bool_or(m.dec IS NULL) OVER wp AS pl_open,
    max(m.dec) OVER wp AS pl_max_dec
  FROM m
  WINDOW wp AS (PARTITION BY m.ueid, m.ur, m.is_temp, m.placement_no ORDER BY m.seq ROWS UNBOUNDED PRECEDING)
)
SELECT n.* EXCLUDE (placement_first_code), pc.place_c AS placement_first_place
FROM n LEFT JOIN ep_place_codes pc ON pc.place_code = n.placement_first_code;

-- Every unit episode at every point that reads it (materialised ep_x), with DEC/REC as
-- recorded at r (dec_r, rec_r).
CREATE OR REPLACE TEMP VIEW ep_pt AS
SELECT c.r, x.*,
  CASE WHEN x.dec > c.r THEN NULL ELSE x.dec END AS dec_r,
  CASE WHEN x.dec > c.r THEN NULL ELSE x.rec END AS rec_r
FROM calc c JOIN ep_x x ON x.la = c.la AND x.as_at = c.as_at
WHERE x.decom <= c.r AND (x.ur = DATE '9999-12-31' OR x.ur = c.r);

-- The same with the episode's other columns.
CREATE OR REPLACE TEMP VIEW ep_pt_full AS
SELECT x.*, cmp_code(e.place) IN ('A3', 'A5') AS adoption_same_carer, cmp_code(e.rne) AS rne_c, e.src_line, e.rne, e.ls, e.cin, e.place, e.place_provider, e.reason_place_change,
  e.home_post, e.pl_post, e.urn, e.pl_distance, e.pl_la, e.pl_location
FROM ep_pt x JOIN episodes e ON e.rowid = x.eid;

-- Every episode (short breaks dropped) with its order within the child (seq), its period
-- of care (period_no, numbered from 1 per child) and whether it is a temporary placement.
CREATE OR REPLACE TEMP VIEW ep_seq AS
SELECT la, as_at, r, child, src_line, decom, dec_r AS dec, rec_r AS rec,
  rne, ls, cin, place, place_provider, reason_place_change,
  home_post, pl_post, urn, pl_distance, pl_la, pl_location,
  seq, period_no, is_temp
FROM ep_pt_full;

-- Periods of care: start = DECOM of the first episode, end = DEC of the last (NULL while open).
CREATE OR REPLACE TEMP VIEW care_periods AS
SELECT la, as_at, r, child, period_no,
  min(decom) AS period_start,
  CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS period_end,
  CAST(count(*) AS INTEGER) AS episodes
FROM ep_seq
GROUP BY la, as_at, r, child, period_no;

-- The episode open at r (DECOM <= r, DEC blank or after r), one per CLA child (the latest
-- if the data were ever to hold two), with its unit attributes and the columns of it that
-- 30_distance.sql reads (materialised).
CREATE OR REPLACE TEMP VIEW ep_open_x AS
WITH o AS (
  SELECT c.r, x.ur, arg_max(x.eid, x.seq) AS eid
  FROM calc c JOIN ep_x x ON x.la = c.la AND x.as_at = c.as_at
  WHERE x.decom <= c.r AND (x.dec IS NULL OR x.dec > c.r) AND (x.ur = DATE '9999-12-31' OR x.ur = c.r)
  GROUP BY c.la, c.as_at, c.r, x.ur, x.child
)
SELECT x.la, x.as_at, o.r, x.child, x.ur, x.eid, x.seq, x.decom,
  CASE WHEN x.dec > o.r THEN NULL ELSE x.dec END AS dec_r,
  CASE WHEN x.dec > o.r THEN NULL ELSE x.rec END AS rec_r,
  x.is_temp, x.period_no, x.period_start, x.cur_spell_no,
  e.place, e.home_post, e.pl_post, e.pl_distance, e.pl_la, e.pl_location
FROM o
JOIN ep_x x ON x.eid = o.eid AND x.ur = o.ur
JOIN episodes e ON e.rowid = o.eid;
CREATE OR REPLACE TEMP VIEW ep_open AS
SELECT o.la, o.as_at, o.r, o.child, e.src_line, o.decom, o.dec_r AS dec, o.rec_r AS rec,
  e.rne, e.ls, e.cin, e.place, e.place_provider, e.reason_place_change,
  e.home_post, e.pl_post, e.urn, e.pl_distance, e.pl_la, e.pl_location,
  o.seq, o.period_no, o.is_temp
FROM ep_open_x o JOIN episodes e ON e.rowid = o.eid;

-- Children looked after at r: an episode open at r.
CREATE OR REPLACE TEMP VIEW cla AS
SELECT la, as_at, r, child FROM ep_open_x;

-- CLA at r with their current period of care and the episode open at r.
CREATE OR REPLACE TEMP VIEW cla_period AS
SELECT la, as_at, r, child, period_no, period_start,
  seq AS open_seq, is_temp AS open_is_temp
FROM ep_open_x;
