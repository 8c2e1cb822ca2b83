-- A change of référent is dated history, never an overwrite: enrolments.referent_id holds the
-- current référent, this table every hand-over.
CREATE TABLE referent_changes (
    id              INTEGER PRIMARY KEY,
    enrolment_id    TEXT NOT NULL REFERENCES enrolments (id),
    old_referent_id TEXT NOT NULL REFERENCES users (id),
    new_referent_id TEXT NOT NULL REFERENCES users (id),
    changed_by      TEXT NOT NULL REFERENCES users (id),
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX referent_changes_by_enrolment ON referent_changes (enrolment_id);
