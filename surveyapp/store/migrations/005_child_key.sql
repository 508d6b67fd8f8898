-- Which child a response is about (issue 10: cohort pairs the same child). A return code may be used for up to
-- three children in a wave, so the form and the API ask, beside the code, which of the family's children the
-- answers are about (1 = the oldest or only child ... 4 = the fourth oldest or younger). The marker is never
-- stored on its own: child_key is a keyed hash (HMAC, under the return-code key) of the response's code and the
-- marker, NULL when no marker was given. cohort_key stays the hash of the code alone (the per-code ceiling).
ALTER TABLE responses ADD COLUMN IF NOT EXISTS child_key VARCHAR;

-- A draft keeps the chosen marker sealed, as it keeps a typed code (AES-GCM under the form's key).
ALTER TABLE drafts ADD COLUMN IF NOT EXISTS sealed_child VARCHAR;

-- The sheets cohort change pairs: child_number is md5_number(child_key); `uses` is how many responses of the
-- wave have the sheet's cohort key and `child_uses` how many of them also have its child key (NULL without a
-- marker), both NULL until settled (derived.settle). They replace `latest` (the greatest response id of a key),
-- which paired whichever response of a family came last, whichever child it was about.
ALTER TABLE likert_sheets ADD COLUMN IF NOT EXISTS child_number UHUGEINT;
ALTER TABLE likert_sheets ADD COLUMN IF NOT EXISTS uses INTEGER;
ALTER TABLE likert_sheets ADD COLUMN IF NOT EXISTS child_uses INTEGER;
ALTER TABLE likert_sheets DROP COLUMN IF EXISTS latest;
