-- The revision after which a pull includes an applied mutation, recorded with its outcome so
-- that a replayed push answers it too (NULL for mutations applied before it was recorded).
ALTER TABLE applied_mutations ADD COLUMN rev INTEGER;

-- The device that wrote each value of a person field (NULL before it was recorded): a
-- device's later edit of a field supersedes its own earlier one instead of conflicting.
ALTER TABLE person_history ADD COLUMN device_id TEXT;
