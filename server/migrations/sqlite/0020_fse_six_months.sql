-- The FSE situation six months after an exit (its day, the situation, a better labour-market
-- situation than at entry; JSON), collected by the enrolment's référent or a supervisor.
ALTER TABLE enrolments ADD COLUMN fse_six_months TEXT;
