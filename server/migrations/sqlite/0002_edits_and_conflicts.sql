-- Person edits merged field by field, their history and the conflicts they raise.

-- Every value a person field ever took after creation, including values that lost a conflict:
-- nothing typed is ever dropped.
CREATE TABLE person_history (
    id         INTEGER PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL, -- JSON of jalon_domain::merge::FieldValue
    new_value  TEXT NOT NULL,
    kept       INTEGER NOT NULL, -- 0 when the value lost a conflict
    author_id  TEXT NOT NULL REFERENCES users (id),
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX person_history_by_field ON person_history (person_id, field);

-- Two devices changed the same field from the same base.
CREATE TABLE conflicts (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people (id),
    field       TEXT NOT NULL,
    candidates  TEXT NOT NULL, -- JSON list of jalon_domain::sync::ConflictValue
    result      TEXT NOT NULL, -- JSON FieldValue the field converged on
    resolved_by TEXT REFERENCES users (id),
    resolved_at INTEGER,
    rev         INTEGER NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX conflicts_by_person ON conflicts (person_id);
