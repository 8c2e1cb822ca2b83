-- A hand-over's date of effect (a supervisor records it after the fact: the référent left on
-- the 15th, the change is typed on the 20th); NULL means the day it reached the server.
-- Enrolments now carry their hand-overs to the devices: those that have some are hashed again
-- at start-up, so that the devices' checksums fetch them.
ALTER TABLE referent_changes ADD COLUMN effective_date TEXT;
UPDATE enrolments SET hash = NULL WHERE id IN (SELECT enrolment_id FROM referent_changes);
