-- Kept by the writer in the same transaction as the responses and answers they come from (and filled from
-- them by this migration for a store written before it), so that the analytics at the scale of millions of
-- responses read counts and one row per response instead of joining every answer row to its response.
-- See surveyapp/store/derived.py.

-- Likert answers counted per wave, question, statement, answer and place (postcode district, LAD and area
-- status as the response holds them, '' where it holds none).
CREATE TABLE likert_tallies (
    wave_id VARCHAR NOT NULL,
    question_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    option_id VARCHAR NOT NULL,
    postcode_district VARCHAR NOT NULL,
    lad_code VARCHAR NOT NULL,
    area_status VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (wave_id, question_id, statement_id, option_id, postcode_district, lad_code, area_status)
);

-- Per wave, a slot (0-31) for each Likert statement and a code (1-15) for each Likert answer seen in it.
CREATE TABLE likert_slots (
    wave_id VARCHAR NOT NULL,
    question_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    slot INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 31),
    PRIMARY KEY (wave_id, question_id, statement_id)
);
CREATE TABLE likert_codes (
    wave_id VARCHAR NOT NULL,
    question_id VARCHAR NOT NULL,
    option_id VARCHAR NOT NULL,
    code INTEGER NOT NULL CHECK (code BETWEEN 1 AND 15),
    PRIMARY KEY (wave_id, question_id, option_id)
);

-- One row per response: its id (a uuid) and its cohort key as 128-bit numbers, its Likert answers packed
-- into one number (the answer's code in 4 bits at the statement's slot; 0 where unanswered), and whether it
-- is the one cohort change pairs for its key in its wave (the greatest response id: `latest`; NULL until
-- settled, see derived.settle). Numbers, not text, so that pairing millions of responses moves fixed-width
-- values only.
CREATE TABLE likert_sheets (
    wave_id VARCHAR NOT NULL,
    response_number UHUGEINT NOT NULL,
    cohort_number UHUGEINT NOT NULL,
    pattern UHUGEINT NOT NULL,
    latest BOOLEAN
);

-- Whether the writer stopped cleanly with every stored response's derived rows added (false while it runs):
-- after a crash, the next start completes them (derived.reconcile) before they are read.
CREATE TABLE derived_state (clean BOOLEAN NOT NULL);
INSERT INTO derived_state VALUES (true);
