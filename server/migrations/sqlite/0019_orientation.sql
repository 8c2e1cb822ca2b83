-- The orientation decision behind an enrolment (its day, kind and author, as JSON), recorded by
-- its référent or a supervisor of its scheme.
ALTER TABLE enrolments ADD COLUMN orientation TEXT;
