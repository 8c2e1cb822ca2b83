-- A person file deleted (created by mistake): the row stays for the audit trail, out of every
-- device's scope.
ALTER TABLE people ADD COLUMN deleted_by TEXT REFERENCES users (id);
ALTER TABLE people ADD COLUMN deleted_at INTEGER;
