-- Consent is bound to the browser that asked for it. `POST /api/v1/connect` hands out a one-time
-- start ticket (its hash here, cleared once used); `POST /oauth/start` sets a cookie with a fresh
-- binding secret (its hash here) and redirects to Remote's consent page, whose URL (it carries
-- `state`) is kept sealed until then. The callback requires that cookie.
ALTER TABLE flows ADD COLUMN ticket_hash TEXT;
ALTER TABLE flows ADD COLUMN binding_hash TEXT;
ALTER TABLE flows ADD COLUMN authorize_key_id TEXT;
ALTER TABLE flows ADD COLUMN authorize_url TEXT;
