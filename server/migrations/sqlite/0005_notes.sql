-- The journal of each person: append-only notes; a revision is a new row naming the one it
-- replaces.
CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    date       TEXT NOT NULL,
    text       TEXT NOT NULL,
    replaces   TEXT REFERENCES notes (id),
    rev        INTEGER NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notes_by_person ON notes (person_id);
