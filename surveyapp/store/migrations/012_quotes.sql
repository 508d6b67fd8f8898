-- Quotes (issue 26 item 4): what families wrote, picked by an analyst for a release and checked by a second
-- person before anyone outside sees it. `text` is the masked comment, shortened or masked further only;
-- `place` is the upper-tier local authority it is said to come from ('' for none), never a smaller area. An edit
-- bumps `version` and sends the quote back to be checked; `checked_by` is who approved or turned down `version`.
CREATE TABLE release_quotes (
    quote_id VARCHAR PRIMARY KEY,
    release_id VARCHAR NOT NULL,
    response_id VARCHAR NOT NULL,
    statement_id VARCHAR,
    place VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('picked', 'approved', 'turned_down')),
    picked_by VARCHAR NOT NULL,
    picked_at TIMESTAMP NOT NULL,
    edited_by VARCHAR NOT NULL,
    checked_by VARCHAR,
    checked_at TIMESTAMP,
    check_note VARCHAR NOT NULL DEFAULT ''
);
