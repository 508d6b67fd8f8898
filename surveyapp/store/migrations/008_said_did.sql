-- "You said, we did" (issue 22): what the council has changed, has under way, or cannot change (and why), recorded
-- by an admin against a statement of a questionnaire (statement_id NULL: the survey as a whole). Append-only: an
-- edit is a new row with the next version, so what was said before is never erased. A version is a draft (admins
-- only), published (anyone reads it), or withdrawn (no longer shown as current; its history stays readable).
CREATE TABLE said_did (
    entry_id VARCHAR NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    questionnaire_id VARCHAR NOT NULL,
    statement_id VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('changed', 'under_way', 'cannot_change')),
    text VARCHAR NOT NULL,
    why VARCHAR,
    since DATE NOT NULL,
    expected_by DATE,
    status VARCHAR NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    note VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (entry_id, version)
);
