-- Placements and carer spells (spec/kpis.md "Common terms" and clarification 4), built
-- within each period of care from its non-temporary episodes:
--  * the first non-temporary episode of a period always starts a placement and a spell;
--  * an episode whose PLACE is A3 or A5 continues the current one, whatever its RNE;
--  * RNE L continues;
--  * an episode straight after dropped temporary episodes continues when its PLACE,
--    PL_POST and URN equal those of the episode before the temporary ones (trimmed,
--    upper case, spaces removed from postcodes, blank equals blank);
--  * otherwise RNE S, P, B, T, U start a new placement, and RNE S, P, B a new carer spell
--    (T and U: placement changed, same carer, continue the spell).
-- Each placement or spell ends on the DEC of its last non-temporary episode.

-- The rules are applied once per unit in ep_x (10_periods.sql); cmp_code and cmp_pc (the
-- comparison forms of the "return after temporary placements" rule) are defined there.

-- Non-temporary episodes with their placement and carer-spell numbers (per child, across
-- periods: the first of each period always starts a new one).
CREATE OR REPLACE TEMP VIEW ep_nt AS
SELECT la, as_at, r, child, src_line, decom, dec_r AS dec, rec_r AS rec,
  rne, ls, cin, place, place_provider, reason_place_change,
  home_post, pl_post, urn, pl_distance, pl_la, pl_location,
  seq, period_no, is_temp,
  first_in_period, returns_same, adoption_same_carer, rne_c, new_placement, new_spell,
  placement_no, spell_no
FROM ep_pt_full
WHERE NOT is_temp;

-- Placements: start = DECOM of the first episode, end = DEC of the last non-temporary one.
-- One row per placement started by r, read from its last episode started by r: its end at
-- r is open when an episode so far is open or ends after r, else the latest end so far.
CREATE OR REPLACE TEMP VIEW placements AS
SELECT la, as_at, r, child, period_no, placement_no,
  placement_start AS start,
  CASE WHEN pl_open OR pl_max_dec > r THEN NULL ELSE pl_max_dec END AS end_date,
  placement_first_place AS first_place
FROM ep_pt
WHERE NOT is_temp AND (pl_next_decom IS NULL OR pl_next_decom > r);

-- Carer spells ("living with the same carer"): whole placements joined by RNE T/U.
CREATE OR REPLACE TEMP VIEW carer_spells AS
SELECT la, as_at, r, child, period_no, spell_no,
  min(decom) AS start,
  CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS end_date,
  arg_min(cmp_code(place), seq) AS first_place
FROM ep_nt
GROUP BY la, as_at, r, child, period_no, spell_no;

-- For every CLA at r: the current carer spell, i.e. the spell of the last non-temporary
-- episode of the current period at or before the episode open at r (clarification 6:
-- when that episode is temporary, the spell it interrupted). `stable_since` is the start
-- that long-term stability tests: for a spell that began with a move into A4 or A6
-- (placed for adoption with new carers) the start of the spell just before it in the same
-- period (the adoptive spell and that one count together); not when the child is in a
-- temporary placement at r (then not treated as placed for adoption). NULL spell: the
-- current period has no non-temporary episode yet.
-- A spell's start and first PLACE are those of its first episode (which starts a placement
-- too), so the same at every point that has the spell: computed once per unit (materialised).
CREATE OR REPLACE TEMP VIEW ep_spells AS
SELECT la, as_at, ur, child, period_no, spell_no,
  min(decom) AS start,
  arg_min(placement_first_place, seq) AS first_place
FROM ep_x
WHERE NOT is_temp
GROUP BY la, as_at, ur, child, period_no, spell_no;

CREATE OR REPLACE TEMP VIEW cla_spell AS
SELECT c.la, c.as_at, c.r, c.child, c.period_no, c.period_start, c.seq AS open_seq, c.is_temp AS open_is_temp,
  c.cur_spell_no AS spell_no, s.start AS spell_start, s.first_place AS spell_first_place, prev.start AS prev_spell_start,
  CASE WHEN NOT c.is_temp AND s.first_place IN ('A4', 'A6') AND prev.start IS NOT NULL THEN prev.start
       ELSE s.start END AS stable_since
FROM ep_open_x c
LEFT JOIN ep_spells s ON s.la = c.la AND s.as_at = c.as_at AND s.ur = c.ur AND s.child = c.child AND s.spell_no = c.cur_spell_no
LEFT JOIN ep_spells prev ON prev.la = c.la AND prev.as_at = c.as_at AND prev.ur = c.ur AND prev.child = c.child
  AND prev.spell_no = c.cur_spell_no - 1 AND prev.period_no = c.period_no;
