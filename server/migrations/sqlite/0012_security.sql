-- Security: the hash of each pushed mutation, so that a number replayed with another payload
-- is refused instead of answered "applied".
ALTER TABLE applied_mutations ADD COLUMN payload_hash INTEGER;
