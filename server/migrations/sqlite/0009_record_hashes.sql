-- The hash of each synced row as a device holds it (FNV-1a of the record's JSON), kept up to
-- date by every write, so that a pull's checksums XOR stored numbers instead of decoding and
-- re-encoding every row of the scope. Rows of older databases are hashed at start-up.
ALTER TABLE people ADD COLUMN hash INTEGER;
ALTER TABLE enrolments ADD COLUMN hash INTEGER;
ALTER TABLE conflicts ADD COLUMN hash INTEGER;
ALTER TABLE notes ADD COLUMN hash INTEGER;
ALTER TABLE items ADD COLUMN hash INTEGER;

-- Every scope query excludes deleted files: a partial index keeps that from scanning people.
CREATE INDEX people_deleted ON people (id) WHERE deleted_at IS NOT NULL;
