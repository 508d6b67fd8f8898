-- Releases (issue 22): what the council publishes about one wave. A draft holds its document (tables and check)
-- as JSON and may be replaced by a new draft; once published, `content` holds the document's canonical bytes
-- (surveyapp.domain.release.encode) and `content_sha256` their hash, and neither is ever written again: a
-- withdrawal sets only status, withdrawn_at and the public notice; a correction is a new row (version + 1,
-- supersedes). `cutoff` is a whole UTC hour: the release holds the wave's responses whose submitted_hour is
-- before it, and no response stored after it was made can have one.
CREATE TABLE releases (
    release_id VARCHAR PRIMARY KEY,
    wave_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL CHECK (stage IN ('interim', 'final')),
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    cutoff TIMESTAMP NOT NULL,
    made_at TIMESTAMP NOT NULL,
    supersedes VARCHAR,
    draft_json VARCHAR NOT NULL,
    content BLOB,
    content_sha256 VARCHAR,
    published_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    withdrawal_notice VARCHAR NOT NULL DEFAULT ''
);
