-- Jalon schema, version 1. Never edit a migration that has shipped: add a new one.

CREATE TABLE schemes (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    territory TEXT NOT NULL -- JSON of jalon_domain::schemes::Territory
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('referent', 'supervisor', 'administrator')),
    scheme        TEXT REFERENCES schemes (code),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    CHECK ((role = 'referent') = (scheme IS NOT NULL))
) STRICT;

CREATE TABLE supervised_schemes (
    user_id TEXT NOT NULL REFERENCES users (id),
    scheme  TEXT NOT NULL REFERENCES schemes (code),
    PRIMARY KEY (user_id, scheme)
) STRICT;

-- Sessions live here, never in a server's memory: any instance can serve any request.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, -- SHA-256 of the bearer token; the token itself is never stored
    user_id    TEXT NOT NULL REFERENCES users (id),
    device_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- The change counter. Every write of a synced row takes the next value inside its transaction;
-- the row lock makes transactions take numbers in commit order, so a pull never skips a row.
CREATE TABLE sync_clock (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO sync_clock (id, value) VALUES (1, 0);

CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    last_name       TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    commune_code    TEXT NOT NULL,
    rsa_beneficiary INTEGER NOT NULL,
    rev             INTEGER NOT NULL UNIQUE,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE enrolments (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people (id),
    scheme      TEXT NOT NULL REFERENCES schemes (code),
    referent_id TEXT NOT NULL REFERENCES users (id),
    start_date  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    rev         INTEGER NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX enrolments_by_person ON enrolments (person_id);
CREATE INDEX enrolments_by_referent ON enrolments (referent_id, status);
CREATE INDEX enrolments_by_scheme ON enrolments (scheme, status);

-- One row per (device, mutation number) ever pushed: what makes push idempotent.
CREATE TABLE applied_mutations (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    outcome    TEXT NOT NULL, -- JSON of jalon_domain::sync::Outcome
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;

-- Who did what to whose file (GDPR traceability). No personal data beyond ids.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   TEXT,
    action    TEXT NOT NULL,
    person_id TEXT
) STRICT;
CREATE INDEX audit_log_by_person ON audit_log (person_id);
