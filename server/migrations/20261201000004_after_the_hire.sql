-- After the hire: each created hire keeps Remote's employment status and who was hired (sealed,
-- with the SHA-256 of the lower-cased email for lookups); Remote's webhook callback per company
-- (signing key sealed); and the outbox of webhooks to the job site, delivered by one replica.

ALTER TABLE hires ADD COLUMN remote_status TEXT;
-- Remote's `updated_at` of the employment as last read: an older read never overwrites a newer.
ALTER TABLE hires ADD COLUMN remote_updated_at TEXT;
-- 1 when a webhook said the status may have changed and Remote has not been re-read since.
ALTER TABLE hires ADD COLUMN status_stale BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hires ADD COLUMN status_checked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hires ADD COLUMN email_hash TEXT;
ALTER TABLE hires ADD COLUMN candidate_key_id TEXT;
ALTER TABLE hires ADD COLUMN candidate TEXT;

CREATE INDEX IF NOT EXISTS hires_company_email ON hires (company_id, email_hash);
CREATE UNIQUE INDEX IF NOT EXISTS hires_employment ON hires (employment_id);
CREATE INDEX IF NOT EXISTS hires_status_stale ON hires (status_stale);

CREATE TABLE IF NOT EXISTS remote_webhooks (
    environment        TEXT NOT NULL,
    company_id         TEXT NOT NULL,
    callback_id        TEXT NOT NULL,
    url                TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    signing_key        TEXT NOT NULL,
    checked_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (environment, company_id)
);

CREATE TABLE IF NOT EXISTS webhook_outbox (
    id                 TEXT PRIMARY KEY,
    event_type         TEXT NOT NULL,
    hire_id            TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    payload            TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at    BIGINT NOT NULL,
    lease_until        BIGINT NOT NULL DEFAULT 0,
    delivered_at       BIGINT,
    failed_at          BIGINT,
    last_status        BIGINT,
    last_error         TEXT
);

CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (delivered_at, failed_at, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_outbox_hire ON webhook_outbox (hire_id);
