-- Care leavers: OC3 cohorts (spec kpis.md "Care leavers (OC3)") and the local
-- care-leaver tracking cohort. Every view is per computation point (la, as_at, r).
-- Names start with cl_ so they never clash with other files in this folder.

-- The latest non-short-break episode of each child as recorded at r (clarification 8):
-- latest DECOM; on a tie an open episode, then the later end, then the later file line.
-- Its REC is blank when it ends after r (not yet known at r).
CREATE OR REPLACE TEMP VIEW cl_last_episode AS
SELECT la, as_at, r, child, rec
FROM (
  SELECT la, as_at, r, child, rec,
    row_number() OVER (PARTITION BY la, as_at, r, child ORDER BY decom DESC, dec DESC NULLS FIRST, src_line DESC) AS rn
  FROM ep
) WHERE rn = 1;

-- Every OC3 row with its band memberships and exclusion flags, from the row's own DOB.
-- A band holds a row when any of its birthdays falls in W (w_start(r) .. r inclusive);
-- a row is counted once per band even if two birthdays of the band fell in W (possible
-- only for a 29 February DOB with R = 29 February, never at a quarter end).
CREATE OR REPLACE TEMP VIEW cl_oc3_flags AS
SELECT o.la, o.as_at, o.r, o.child, o.src_line, o.dob,
  upper(trim(o.in_touch)) AS in_touch,
  upper(trim(o.activ)) AS activ,
  upper(trim(o.accom)) AS accom,
  (birthday(o.dob, 19) BETWEEN w_start(o.r) AND o.r
    OR birthday(o.dob, 20) BETWEEN w_start(o.r) AND o.r
    OR birthday(o.dob, 21) BETWEEN w_start(o.r) AND o.r) AS band_19_21,
  (birthday(o.dob, 17) BETWEEN w_start(o.r) AND o.r
    OR birthday(o.dob, 18) BETWEEN w_start(o.r) AND o.r) AS band_17_18,
  -- Looked after (a non-short-break episode open) on the 17th or 18th birthday that falls in W.
  EXISTS (
    SELECT 1 FROM ep e
    WHERE e.la = o.la AND e.as_at = o.as_at AND e.r = o.r AND e.child = o.child
      AND ((birthday(o.dob, 17) BETWEEN w_start(o.r) AND o.r
            AND e.decom <= birthday(o.dob, 17) AND (e.dec IS NULL OR e.dec > birthday(o.dob, 17)))
        OR (birthday(o.dob, 18) BETWEEN w_start(o.r) AND o.r
            AND e.decom <= birthday(o.dob, 18) AND (e.dec IS NULL OR e.dec > birthday(o.dob, 18))))
  ) AS looked_after_on_birthday,
  coalesce(upper(l.rec) = 'E3', false) AS last_episode_e3,
  s.child IS NOT NULL AS is_short_break_only
FROM oc3_c o
LEFT JOIN cl_last_episode l ON l.la = o.la AND l.as_at = o.as_at AND l.r = o.r AND l.child = o.child
LEFT JOIN short_break_only s ON s.la = o.la AND s.as_at = o.as_at AND s.r = o.r AND s.child = o.child;

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
