-- One schema for SQLite and Postgres: only TEXT and BIGINT columns, times in unix seconds.
-- Tokens and PKCE verifiers are stored encrypted (AES-256-GCM, base64) with their key id.

CREATE TABLE IF NOT EXISTS connections (
    site_user          TEXT PRIMARY KEY,
    environment        TEXT NOT NULL,
    status             TEXT NOT NULL,
    company_id         TEXT NOT NULL,
    remote_user_id     TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    access_token       TEXT NOT NULL,
    refresh_token      TEXT NOT NULL,
    access_expires_at  BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS flows (
    id                 TEXT PRIMARY KEY,
    state_hash         TEXT NOT NULL UNIQUE,
    site_user          TEXT NOT NULL,
    origin             TEXT NOT NULL,
    environment        TEXT NOT NULL,
    mode               TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    pkce_verifier      TEXT NOT NULL,
    return_to          TEXT,
    candidate          TEXT,
    idempotency_key    TEXT,
    status             TEXT NOT NULL,
    error              TEXT,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    consumed_at        BIGINT
);

CREATE TABLE IF NOT EXISTS hires (
    site_user          TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    hire_id            TEXT NOT NULL UNIQUE,
    request_hash       TEXT NOT NULL,
    status             TEXT NOT NULL,
    upstream_attempted BIGINT NOT NULL,
    employment_id      TEXT,
    company_id         TEXT,
    lease_until        BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (site_user, idempotency_key)
);

CREATE TABLE IF NOT EXISTS audit_events (
    id                 TEXT PRIMARY KEY,
    at                 BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    site_user          TEXT,
    origin             TEXT,
    request_id         TEXT,
    idempotency_key    TEXT,
    detail             TEXT
);

CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS flows_expires_at ON flows (expires_at);
