-- The rest of the person file, FSE snapshots per enrolment, and the follow-up items
-- (appointments, steps, contracts, obstacles, duplicate warnings) with every version kept.

ALTER TABLE people ADD COLUMN details TEXT NOT NULL DEFAULT '{}'; -- JSON of PersonDetails

ALTER TABLE enrolments ADD COLUMN fse_entry TEXT; -- JSON of FseEntry, set once at creation
ALTER TABLE enrolments ADD COLUMN fse_exit TEXT;  -- JSON of FseExit, set once at exit

CREATE TABLE items (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL, -- JSON of ItemBody
    rev        INTEGER NOT NULL UNIQUE,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX items_by_person ON items (person_id);

-- Every version of every item, the current one included: nothing a device sent is lost.
CREATE TABLE item_versions (
    item_id   TEXT NOT NULL REFERENCES items (id),
    version   INTEGER NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    body      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (item_id, version)
) STRICT;
