-- Token writes are compare-and-swap: every write of a connection's tokens or state bumps
-- `version`, and a write based on an older read changes nothing. The SQLite refresh lease names
-- its owner, so only the holder can give it back.
ALTER TABLE connections ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN refresh_lease_owner TEXT;
