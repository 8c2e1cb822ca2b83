-- Security: the hash of each pushed mutation, so that a number replayed with another payload
-- is refused instead of answered "applied".
ALTER TABLE applied_mutations ADD COLUMN payload_hash INTEGER;

-- Sessions end after a time without use (besides their lifetime).
ALTER TABLE sessions ADD COLUMN last_used INTEGER;

-- Every sign-in attempt, reserved before the password is verified (ok NULL while it is, 0 for
-- a failure, 1 for a success): delays grow per (login, source address) and per source, so that
-- concurrency cannot bypass them and nobody can lock a user out of a known device.
CREATE TABLE login_attempts (
    id     INTEGER PRIMARY KEY,
    login  TEXT NOT NULL,
    source TEXT NOT NULL,
    at     INTEGER NOT NULL,
    ok     INTEGER
) STRICT;
CREATE INDEX login_attempts_by_pair ON login_attempts (login, source, at);
CREATE INDEX login_attempts_by_source ON login_attempts (source, at);
DROP TABLE login_failures;
