-- Periods of care (spec/kpis.md "Common terms" and clarification 3), per computation point.
-- Short breaks are already out (`ep`). A new period starts unless the previous episode
-- ended with REC = X1 and this episode's DECOM equals that DEC.

-- Codes compared case-insensitively, blank = NULL.
CREATE OR REPLACE TEMP MACRO ep_code(x) AS NULLIF(upper(trim(x)), '');
CREATE OR REPLACE TEMP MACRO is_temp_place(p) AS coalesce(ep_code(p) IN ('T0', 'T1', 'T2', 'T3', 'T4'), false);

-- Every episode (short breaks dropped) with its order within the child (seq), its period
-- of care (period_no, numbered from 1 per child) and whether it is a temporary placement.
-- Order: DECOM, then an ended episode before an open one starting the same day (a
-- zero-length episode comes first), then DEC, then the source line.
CREATE OR REPLACE TEMP VIEW ep_seq AS
WITH o AS (
  SELECT e.*,
    row_number() OVER w AS seq,
    lag(e.dec) OVER w AS prev_dec,
    lag(e.rec) OVER w AS prev_rec
  FROM ep e
  WINDOW w AS (PARTITION BY e.la, e.as_at, e.r, e.child ORDER BY e.decom, e.dec IS NULL, e.dec, e.src_line)
), f AS (
  SELECT o.*,
    CASE WHEN o.seq > 1 AND ep_code(o.prev_rec) = 'X1' AND o.decom = o.prev_dec THEN 0 ELSE 1 END AS new_period
  FROM o
)
SELECT f.* EXCLUDE (prev_dec, prev_rec, new_period),
  CAST(sum(f.new_period) OVER (PARTITION BY f.la, f.as_at, f.r, f.child ORDER BY f.seq ROWS UNBOUNDED PRECEDING) AS INTEGER) AS period_no,
  is_temp_place(f.place) AS is_temp
FROM f;

-- Periods of care: start = DECOM of the first episode, end = DEC of the last (NULL while open).
CREATE OR REPLACE TEMP VIEW care_periods AS
SELECT la, as_at, r, child, period_no,
  min(decom) AS period_start,
  CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS period_end,
  CAST(count(*) AS INTEGER) AS episodes
FROM ep_seq
GROUP BY la, as_at, r, child, period_no;

-- The episode open at r (DECOM <= r, DEC blank or after r), one per CLA child (the latest
-- if the data were ever to hold two).
CREATE OR REPLACE TEMP VIEW ep_open AS
SELECT DISTINCT ON (la, as_at, r, child) *
FROM ep_seq
WHERE decom <= r AND (dec IS NULL OR dec > r)
ORDER BY la, as_at, r, child, seq DESC;

-- CLA at r with their current period of care and the episode open at r.
CREATE OR REPLACE TEMP VIEW cla_period AS
SELECT o.la, o.as_at, o.r, o.child, o.period_no, p.period_start,
  o.seq AS open_seq, o.is_temp AS open_is_temp
FROM ep_open o
JOIN care_periods p ON p.la = o.la AND p.as_at = o.as_at AND p.r = o.r AND p.child = o.child AND p.period_no = o.period_no;
