-- Tracking rows aged 18 to 20 at R with an OPEN case; contact within the 56 days up to
-- and including R: R - 56 days < LAST_CONTACT_DATE <= R (a date after R is left out).
SELECT la, as_at, r, child, dob,
  CASE WHEN last_contact_date > CAST(r - INTERVAL 56 DAY AS DATE) AND last_contact_date <= r THEN 1 ELSE 0 END AS num,
  1 AS den
FROM cl_tracking_cohort
WHERE case_status = 'OPEN'
