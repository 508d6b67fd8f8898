-- Waves: defined on disk (source 'definition') or created through the admin API (source 'admin').
-- state NULL follows the dates; 'open' or 'closed' is an administrator's override.
CREATE TABLE waves (
    wave_id VARCHAR PRIMARY KEY,
    questionnaire_id VARCHAR NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    title_json VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('responses', 'aggregate')),
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    state VARCHAR CHECK (state IN ('open', 'closed')),
    source VARCHAR NOT NULL CHECK (source IN ('definition', 'admin'))
);

-- One row per accepted response. No IP address, no full postcode, no time finer than the hour.
-- cohort_key is a keyed hash of the return code; the code itself is never stored.
CREATE TABLE responses (
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
    channel VARCHAR NOT NULL CHECK (channel IN ('api', 'form'))
);
CREATE UNIQUE INDEX responses_wave_submission ON responses (wave_id, submission_id);

-- Answers in long form: single choice one row, multiple choice one row per option, Likert one row per
-- answered statement, free text one row with text. Unanswered questions and statements have no row.
CREATE TABLE answers (
    response_id VARCHAR NOT NULL,
    question_id VARCHAR NOT NULL,
    statement_id VARCHAR,
    option_id VARCHAR,
    text VARCHAR
);

-- Counts of aggregate-only waves (the 2019 baseline), loaded from their definition.
CREATE TABLE aggregate_counts (
    wave_id VARCHAR NOT NULL,
    question_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    answer_id VARCHAR NOT NULL,
    area_level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    n BIGINT NOT NULL
);
