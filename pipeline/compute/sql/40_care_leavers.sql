-- Care leavers: OC3 cohorts (spec kpis.md "Care leavers (OC3)") and the local
-- care-leaver tracking cohort. Every view is per computation point (la, as_at, r).
-- Names start with cl_ so they never clash with other files in this folder.

-- The latest non-short-break episode of each child as recorded at r (clarification 8):
-- latest DECOM; on a tie an open episode, then the later end, then the later file line.
-- Its REC is blank when it ends after r (not yet known at r).
-- That order is the reverse of ep_seq's: the last episode in it, the one whose next DECOM
-- is after r (10_periods.sql).
CREATE OR REPLACE TEMP VIEW cl_last_episode AS
SELECT la, as_at, r, child, rec_r AS rec
FROM ep_pt
WHERE next_decom IS NULL OR next_decom > r;

-- Every OC3 row of each snapshot, once (materialised): its 17th to 21st birthdays and
-- whether a non-short-break episode was open on the 17th and on the 18th (an episode
-- started by then, and DEC blank or after it). As recorded at r that is the same when the
-- birthday is on or before r, as it is whenever it counts below: an end after r is after
-- the birthday too.
CREATE OR REPLACE TEMP VIEW cl_oc3_snap AS
SELECT o.*,
  EXISTS (SELECT 1 FROM episodes e
    WHERE e.la = o.la AND e.as_at = o.as_at AND e.child = o.child AND e.ls NOT IN ('V3', 'V4')
      AND e.decom <= o.b17 AND (e.dec IS NULL OR e.dec > o.b17)) AS open_on_b17,
  EXISTS (SELECT 1 FROM episodes e
    WHERE e.la = o.la AND e.as_at = o.as_at AND e.child = o.child AND e.ls NOT IN ('V3', 'V4')
      AND e.decom <= o.b18 AND (e.dec IS NULL OR e.dec > o.b18)) AS open_on_b18
FROM (
  SELECT o.la, o.as_at, o.child, o.src_line, o.dob, o.in_touch, o.activ, o.accom,
    birthday(o.dob, 17) AS b17, birthday(o.dob, 18) AS b18, birthday(o.dob, 19) AS b19,
    birthday(o.dob, 20) AS b20, birthday(o.dob, 21) AS b21
  FROM oc3 o JOIN calc_snap s ON s.la = o.la AND s.as_at = o.as_at
) o;

-- Every OC3 row with its band memberships and exclusion flags, from the row's own DOB.
-- A band holds a row when any of its birthdays falls in W (w_start(r) .. r inclusive);
-- a row is counted once per band even if two birthdays of the band fell in W (possible
-- only for a 29 February DOB with R = 29 February, never at a quarter end).
CREATE OR REPLACE TEMP VIEW cl_oc3_flags AS
SELECT o.la, o.as_at, c.r, o.child, o.src_line, o.dob,
  upper(trim(o.in_touch)) AS in_touch,
  upper(trim(o.activ)) AS activ,
  upper(trim(o.accom)) AS accom,
  (o.b19 BETWEEN w_start(c.r) AND c.r
    OR o.b20 BETWEEN w_start(c.r) AND c.r
    OR o.b21 BETWEEN w_start(c.r) AND c.r) AS band_19_21,
  (o.b17 BETWEEN w_start(c.r) AND c.r
    OR o.b18 BETWEEN w_start(c.r) AND c.r) AS band_17_18,
  -- Looked after (a non-short-break episode open) on the 17th or 18th birthday that falls in W.
  coalesce(o.b17 BETWEEN w_start(c.r) AND c.r AND o.open_on_b17, false)
    OR coalesce(o.b18 BETWEEN w_start(c.r) AND c.r AND o.open_on_b18, false) AS looked_after_on_birthday,
  coalesce(upper(l.rec) = 'E3', false) AS last_episode_e3,
  s.child IS NOT NULL AS is_short_break_only
FROM calc c
JOIN cl_oc3_snap o ON o.la = c.la AND o.as_at = c.as_at
LEFT JOIN (
  -- cl_last_episode, of the children with an OC3 row only
  SELECT c2.la, c2.as_at, c2.r, x.child, CASE WHEN x.dec > c2.r THEN NULL ELSE x.rec END AS rec
  FROM calc c2 JOIN ep_x x ON x.la = c2.la AND x.as_at = c2.as_at
  SEMI JOIN cl_oc3_snap k ON k.la = x.la AND k.as_at = x.as_at AND k.child = x.child
  WHERE (x.ur = DATE '9999-12-31' OR x.ur = c2.r) AND x.decom <= c2.r AND (x.next_decom IS NULL OR x.next_decom > c2.r)
) l ON l.la = c.la AND l.as_at = c.as_at AND l.r = c.r AND l.child = o.child
LEFT JOIN short_break_only s ON s.la = c.la AND s.as_at = c.as_at AND s.r = c.r AND s.child = o.child;

-- The care-leaver cohorts, one row per OC3 row per band, after the exclusions common to
-- every care-leaver denominator: IN_TOUCH DIED or RHOM; last episode ended E3;
-- short-break-only children (clarification 2); band 17-18 also drops anyone looked
-- after on that birthday.
CREATE OR REPLACE TEMP VIEW cl_cohort AS
SELECT la, as_at, r, child, src_line, dob, in_touch, activ, accom, '19_21' AS band
FROM cl_oc3_flags
WHERE band_19_21 AND coalesce(in_touch NOT IN ('DIED', 'RHOM'), true) AND NOT last_episode_e3 AND NOT is_short_break_only
UNION ALL
SELECT la, as_at, r, child, src_line, dob, in_touch, activ, accom, '17_18' AS band
FROM cl_oc3_flags
WHERE band_17_18 AND coalesce(in_touch NOT IN ('DIED', 'RHOM'), true) AND NOT last_episode_e3 AND NOT is_short_break_only
  AND NOT looked_after_on_birthday;

-- Care-leaver tracking rows aged 18 to 20 at r (18th birthday on or before r, 21st after r),
-- from the tracking row's own DOB (clarification 8), short-break-only children dropped.
CREATE OR REPLACE TEMP VIEW cl_tracking_cohort AS
SELECT t.la, t.as_at, t.r, t.child, t.src_line, t.dob,
  upper(trim(t.case_status)) AS case_status,
  t.last_contact_date, t.pathway_plan_date
FROM care_leavers_c t
LEFT JOIN short_break_only s ON s.la = t.la AND s.as_at = t.as_at AND s.r = t.r AND s.child = t.child
WHERE s.child IS NULL
  AND birthday(t.dob, 18) <= t.r AND birthday(t.dob, 21) > t.r;
