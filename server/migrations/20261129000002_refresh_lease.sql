-- A refresh lease per connection: on SQLite (no advisory locks) the process that sets it is the
-- only one refreshing; a crashed holder's lease simply runs out.
ALTER TABLE connections ADD COLUMN refresh_lease_until BIGINT NOT NULL DEFAULT 0;
