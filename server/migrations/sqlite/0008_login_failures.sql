-- Failed sign-ins, to slow down password guessing: after too many in a short time an account
-- refuses sign-ins for a while. Kept in the database so that every instance agrees.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_username ON login_failures (username, at);
