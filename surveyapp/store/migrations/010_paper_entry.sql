-- Fast paper entry and the admin console (issue 23). An administrator may move a wave's dates in the console:
-- dates_set keeps them when the definitions on disk are written to the store again at start-up.
ALTER TABLE waves ADD COLUMN dates_set BOOLEAN DEFAULT false;

-- Double entry of paper forms, switched on per wave: each returned form is typed in twice, by two people.
CREATE TABLE paper_settings (
    wave_id VARCHAR PRIMARY KEY,
    double_entry BOOLEAN NOT NULL
);

-- A paper form typed in once and waiting for its second entry (or, when the two differ, for someone to settle
-- the differences). The answers are as a draft keeps them (the code and which child sealed, the postcode cut to
-- its outward code); the rows go as soon as the form is stored. who_key is a hash of the session that typed it,
-- so that the same person cannot enter a form twice.
CREATE TABLE paper_entries (
    wave_id VARCHAR NOT NULL,
    reference VARCHAR NOT NULL,
    entry SMALLINT NOT NULL CHECK (entry IN (1, 2)),
    entered_by VARCHAR NOT NULL,
    who_key VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    language VARCHAR NOT NULL,
    fields_json VARCHAR NOT NULL,
    PRIMARY KEY (wave_id, reference, entry)
);

-- Who typed each stored paper form in (the signed-in name), who typed it again and who settled any differences:
-- staff, never the family.
CREATE TABLE paper_forms (
    wave_id VARCHAR NOT NULL,
    reference VARCHAR NOT NULL,
    response_id VARCHAR NOT NULL,
    first_by VARCHAR NOT NULL,
    second_by VARCHAR,
    resolved_by VARCHAR,
    stored_at TIMESTAMP NOT NULL,
    PRIMARY KEY (wave_id, reference)
);
