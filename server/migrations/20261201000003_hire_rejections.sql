-- Remote's 422 for a hire is remembered with its record: the same key and body answer the same
-- refusal again without another POST (a changed candidate comes with a new key).
ALTER TABLE hires ADD COLUMN rejection TEXT;
