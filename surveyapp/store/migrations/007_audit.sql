-- The audit log (issue 23): who did what and when, with the outcome. Append only: the store has no statement
-- that changes or deletes a row, and each row's hash covers its content and the previous row's hash, so a row
-- changed or deleted behind the service's back breaks the chain (`surveyapp audit verify`). It never holds a
-- family's answers, postcode or return code, nor an IP address.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,          -- 1, 2, 3, ... with no gap
    recorded_at TIMESTAMP NOT NULL,  -- UTC
    actor_role VARCHAR NOT NULL,     -- staff, analyst, admin; empty for nobody known (a failed sign-in)
    actor_name VARCHAR NOT NULL,     -- the person's or role's name
    actor_subject VARCHAR NOT NULL,  -- the person's stable id (OpenID Connect); empty for a role's token
    action VARCHAR NOT NULL,         -- e.g. "export", "wave closed", "sign in", "internal compare read"
    target VARCHAR NOT NULL,         -- e.g. "wave:autumn-2026", "release:...", or the route's template
    outcome VARCHAR NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    status INTEGER,                  -- the HTTP status answered, when there was one
    detail VARCHAR NOT NULL,         -- a small JSON object (method, route, request id, the analysis' parameters)
    prev_hash VARCHAR NOT NULL,      -- the previous row's row_hash (64 zeros for the first)
    row_hash VARCHAR NOT NULL        -- sha256 over this row's content and prev_hash
);
