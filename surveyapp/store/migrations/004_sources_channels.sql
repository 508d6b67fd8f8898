-- Outreach sources (issue 13): the partners who pass a wave's survey on (a school's SENCO, a charity, the parent
-- forum, a GP surgery's poster). A source's link opens the form and each response records the source it came
-- through: never anything about the family. retired_at set: its link still opens the form, but the response is
-- then stored without a source, and the source stays in every table that counted it.
CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY,
    wave_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

-- Responses gain the source they came through, and two channels: answers returned on paper and taken by phone,
-- entered by staff. DuckDB cannot drop a CHECK constraint, so the table is made again with its rows.
CREATE TABLE responses_v4 (
    response_id VARCHAR PRIMARY KEY,
    wave_id VARCHAR NOT NULL,
    submission_id VARCHAR,
    fingerprint VARCHAR NOT NULL,
    submitted_hour TIMESTAMP NOT NULL,
    postcode_district VARCHAR,
    lad_code VARCHAR,
    area_status VARCHAR NOT NULL CHECK (area_status IN ('in_area', 'out_of_area', 'unknown')),
    cohort_key VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    channel VARCHAR NOT NULL CHECK (channel IN ('api', 'form', 'paper', 'phone')),
    source_id VARCHAR
);
INSERT INTO responses_v4
SELECT response_id, wave_id, submission_id, fingerprint, submitted_hour, postcode_district, lad_code, area_status,
       cohort_key, language, channel, NULL FROM responses;
DROP TABLE responses;
ALTER TABLE responses_v4 RENAME TO responses;
CREATE UNIQUE INDEX responses_wave_submission ON responses (wave_id, submission_id);

-- A draft remembers the source whose link opened the form, and the channel when staff are entering a paper or
-- phone response through the form (NULL: the family's own answers on the web form).
ALTER TABLE drafts ADD COLUMN source_id VARCHAR;
ALTER TABLE drafts ADD COLUMN channel VARCHAR;
