-- The exit of a closed enrolment: its date and reason (the outcome follows from the reason).
ALTER TABLE enrolments ADD COLUMN exit_date TEXT;
ALTER TABLE enrolments ADD COLUMN exit_reason TEXT;
