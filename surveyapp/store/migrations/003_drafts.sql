-- Answers a family has saved on the form but not yet sent ("leave and come back"). draft_key is a SHA-256 of the
-- random id in the family's cookie (the cookie holds nothing else), so this table alone cannot resume anyone's
-- draft. postcode_district is already cut to its outward code; sealed_code is the earlier return code the family
-- typed, encrypted under the form's key (data/secrets/form.key), never the code itself. A row is deleted when its
-- answers are sent, and ignored and then deleted once expires_at (7 days after its last change) has passed.
CREATE TABLE drafts (
    draft_key VARCHAR NOT NULL,
    wave_id VARCHAR NOT NULL,
    submission_id VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    answers_json VARCHAR NOT NULL,
    postcode_district VARCHAR,
    sealed_code VARCHAR,
    next_page VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
