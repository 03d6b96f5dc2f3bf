-- A popup flow started with a candidate and an idempotency key is hired at the callback; the
-- hire's answer (its onboarding link included) is kept sealed with the flow, so that the widget's
-- next status poll is its only request after consent.
ALTER TABLE flows ADD COLUMN hire_key_id TEXT;
ALTER TABLE flows ADD COLUMN hire TEXT;
