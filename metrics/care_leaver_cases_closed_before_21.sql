-- A count: one row per tracking row (any age now, any CASE_STATUS, no cohort so no
-- short-break-only exclusion: clarification 2 and 9) closed in W before the 21st birthday
-- for a reason other than DIED, TRANSFERRED or MOVED_ABROAD. A blank reason counts.
SELECT la, as_at, r, child, dob,
  1 AS num,
  CAST(NULL AS INTEGER) AS den
FROM care_leavers_c
WHERE case_closed_date BETWEEN w_start(r) AND r
  AND case_closed_date < birthday(dob, 21)
  AND coalesce(upper(trim(closure_reason)), '') NOT IN ('DIED', 'TRANSFERRED', 'MOVED_ABROAD')
