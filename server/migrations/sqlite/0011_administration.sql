-- Administration: accounts managed by administrators, their devices, a richer audit log,
-- scheme settings with dated versions, and people purged under the retention rule.

-- A temporary password must be changed at the next sign-in.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- How many people a référent is expected to follow.
ALTER TABLE users ADD COLUMN portfolio_target INTEGER;
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- Every device that signed in to an account. A device's state decides what its sessions may
-- still do: 'wipe' (account deactivated: push what it holds, then wipe), 'revoked' (lost or
-- stolen: nothing is accepted, wipe), 'wiped' (it confirmed it holds nothing).
CREATE TABLE devices (
    id               TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id),
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    app_version      TEXT NOT NULL DEFAULT '',
    waiting          INTEGER NOT NULL DEFAULT 0,
    state            TEXT NOT NULL DEFAULT 'active'
                     CHECK (state IN ('active', 'wipe', 'revoked', 'wiped')),
    state_changed_at INTEGER,
    PRIMARY KEY (id, user_id)
) STRICT;
CREATE INDEX devices_by_user ON devices (user_id);

-- Who did it from which device, and the details (ids and codes only, as JSON text).
ALTER TABLE audit_log ADD COLUMN device_id TEXT;
ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_user ON audit_log (user_id, at);

-- Every change of a scheme by an administrator, with the date it takes effect: the scheme's
-- row holds the version in force, this table all of them (the future ones included).
ALTER TABLE schemes ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'; -- JSON of SchemeSettings
CREATE TABLE scheme_versions (
    id             INTEGER PRIMARY KEY,
    scheme         TEXT NOT NULL REFERENCES schemes (code),
    effective_from TEXT NOT NULL,
    territory      TEXT NOT NULL,
    settings       TEXT NOT NULL,
    changed_by     TEXT REFERENCES users (id),
    changed_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX scheme_versions_by_scheme ON scheme_versions (scheme, effective_from);

-- A file purged under the retention rule: its identity is gone, its anonymous facts stay.
ALTER TABLE people ADD COLUMN purged_at INTEGER;

-- The settings the schemes had implicitly until now.
UPDATE schemes SET settings = '{"portfolio_target":50}' WHERE code = 'arpe';
UPDATE schemes SET settings = '{"portfolio_target":60,"pathway_limit_months":36}' WHERE code = 'plie';
UPDATE schemes SET settings = '{"portfolio_target":60}' WHERE code = 'global';
