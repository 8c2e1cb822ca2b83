-- The records devices hold that are not a person's: framework agreements (with their
-- periods, price lists and what each period has left), financing partners' yearly places,
-- farm funds' envelopes and schemes' co-financing plans. Each row is the record as devices
-- receive it, kept in step with the tables it is drawn from inside the transaction of every
-- write that changes them (`db::shared::refresh`); it takes a new `rev` only when it reads
-- differently, so pulls, checksums and bucket repairs treat it as they treat a person's rows.
CREATE TABLE shared_records (
    id TEXT PRIMARY KEY,
    -- NULL: the Département's; otherwise the scheme whose staff may hold it.
    scheme TEXT REFERENCES schemes(code),
    -- 'staff': référents and supervisors; 'supervisors': supervisors only.
    audience TEXT NOT NULL CHECK (audience IN ('staff', 'supervisors')),
    -- The record as pulled (`jalon_domain::sync::Record`, JSON).
    data TEXT NOT NULL,
    rev INTEGER NOT NULL,
    hash INTEGER NOT NULL
) STRICT;
CREATE INDEX shared_records_rev ON shared_records (rev);
