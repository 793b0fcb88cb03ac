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

-- Comparison forms for the "return after temporary placements" rule.
CREATE OR REPLACE TEMP MACRO cmp_code(x) AS coalesce(upper(trim(x)), '');
CREATE OR REPLACE TEMP MACRO cmp_pc(x) AS coalesce(upper(regexp_replace(x, '\s', '', 'g')), '');

-- Non-temporary episodes with their placement and carer-spell numbers (per child, across
-- periods: the first of each period always starts a new one).
CREATE OR REPLACE TEMP VIEW ep_nt AS
WITH nt AS (
  SELECT s.*,
    lag(s.seq) OVER w AS prev_seq,
    lag(s.place) OVER w AS prev_place,
    lag(s.pl_post) OVER w AS prev_pl_post,
    lag(s.urn) OVER w AS prev_urn
  FROM ep_seq s
  WHERE NOT s.is_temp
  WINDOW w AS (PARTITION BY s.la, s.as_at, s.r, s.child, s.period_no ORDER BY s.seq)
), f AS (
  SELECT nt.*,
    nt.prev_seq IS NULL AS first_in_period,
    -- the previous non-temporary episode of the period is not the one just before: the
    -- episodes in between (same period) are temporary placements
    (nt.prev_seq IS NOT NULL AND nt.seq - nt.prev_seq > 1
      AND cmp_code(nt.place) = cmp_code(nt.prev_place)
      AND cmp_pc(nt.pl_post) = cmp_pc(nt.prev_pl_post)
      AND cmp_code(nt.urn) = cmp_code(nt.prev_urn)) AS returns_same,
    cmp_code(nt.place) IN ('A3', 'A5') AS adoption_same_carer,
    cmp_code(nt.rne) AS rne_c
  FROM nt
), g AS (
  SELECT f.*,
    (first_in_period OR (rne_c IN ('S', 'P', 'B', 'T', 'U') AND NOT adoption_same_carer AND NOT returns_same)) AS new_placement,
    (first_in_period OR (rne_c IN ('S', 'P', 'B') AND NOT adoption_same_carer AND NOT returns_same)) AS new_spell
  FROM f
)
SELECT g.* EXCLUDE (prev_seq, prev_place, prev_pl_post, prev_urn),
  CAST(sum(CASE WHEN new_placement THEN 1 ELSE 0 END) OVER w2 AS INTEGER) AS placement_no,
  CAST(sum(CASE WHEN new_spell THEN 1 ELSE 0 END) OVER w2 AS INTEGER) AS spell_no
FROM g
WINDOW w2 AS (PARTITION BY g.la, g.as_at, g.r, g.child ORDER BY g.seq ROWS UNBOUNDED PRECEDING);

-- Placements: start = DECOM of the first episode, end = DEC of the last non-temporary one.
CREATE OR REPLACE TEMP VIEW placements AS
SELECT la, as_at, r, child, period_no, placement_no,
  min(decom) AS start,
  CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS end_date,
  arg_min(cmp_code(place), seq) AS first_place
FROM ep_nt
GROUP BY la, as_at, r, child, period_no, placement_no;

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
CREATE OR REPLACE TEMP VIEW cla_spell AS
WITH last_nt AS (
  SELECT c.la, c.as_at, c.r, c.child, max(n.seq) AS nt_seq
  FROM cla_period c
  JOIN ep_nt n ON n.la = c.la AND n.as_at = c.as_at AND n.r = c.r AND n.child = c.child
    AND n.period_no = c.period_no AND n.seq <= c.open_seq
  GROUP BY c.la, c.as_at, c.r, c.child
), cur AS (
  SELECT l.la, l.as_at, l.r, l.child, n.spell_no
  FROM last_nt l
  JOIN ep_nt n ON n.la = l.la AND n.as_at = l.as_at AND n.r = l.r AND n.child = l.child AND n.seq = l.nt_seq
)
SELECT c.la, c.as_at, c.r, c.child, c.period_no, c.period_start, c.open_seq, c.open_is_temp,
  cur.spell_no, s.start AS spell_start, s.first_place AS spell_first_place, prev.start AS prev_spell_start,
  CASE WHEN NOT c.open_is_temp AND s.first_place IN ('A4', 'A6') AND prev.start IS NOT NULL THEN prev.start
       ELSE s.start END AS stable_since
FROM cla_period c
LEFT JOIN cur ON cur.la = c.la AND cur.as_at = c.as_at AND cur.r = c.r AND cur.child = c.child
LEFT JOIN carer_spells s ON s.la = c.la AND s.as_at = c.as_at AND s.r = c.r AND s.child = c.child AND s.spell_no = cur.spell_no
LEFT JOIN carer_spells prev ON prev.la = c.la AND prev.as_at = c.as_at AND prev.r = c.r AND prev.child = c.child
  AND prev.spell_no = cur.spell_no - 1 AND prev.period_no = c.period_no;
