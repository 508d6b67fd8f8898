-- Named accounts (issue 23): each person signs in as themselves, with one or more roles. No constraint but NOT
-- NULL: the one writer checks that an e-mail address or subject is not used twice (DuckDB's indexes refuse some
-- updates of an indexed row within a transaction). Times are UTC.
CREATE TABLE IF NOT EXISTS accounts (
    account_id VARCHAR NOT NULL,          -- random, never reused
    name VARCHAR NOT NULL,                -- as shown in the bar and recorded in the audit log
    email VARCHAR NOT NULL,               -- lower case
    subject VARCHAR,                      -- the OpenID provider's id of the person, once they have signed in
    roles VARCHAR[] NOT NULL,             -- of 'admin', 'analyst', 'staff'
    enabled BOOLEAN NOT NULL,
    password_hash VARCHAR,                -- Argon2id; NULL until set through a one-time link
    totp_secret VARCHAR,                  -- base32; NULL until enrolled
    totp_pending VARCHAR,                 -- the secret shown while enrolling, until a code from it is entered
    totp_last_step BIGINT,                -- the last time step used: a code is accepted once
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    session_epoch INTEGER NOT NULL DEFAULT 0,  -- raised on a reset or disabling: older sessions end
    created_at TIMESTAMP NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- One-time links to set a password: only a hash of the link's secret is kept.
CREATE TABLE IF NOT EXISTS account_links (
    link_hash VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    made_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Personal API tokens: only the SHA-256 of the token is kept.
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
