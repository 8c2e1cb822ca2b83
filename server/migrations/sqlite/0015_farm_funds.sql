-- The farm funds (Agridiff, SESA, emergency fund): a yearly envelope per fund, the farms they
-- support and the grants, summed per fund and year inside the writing transaction.

CREATE TABLE fund_envelopes (
    fund         TEXT NOT NULL,
    year         INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    set_by       TEXT NOT NULL REFERENCES users (id),
    set_at       INTEGER NOT NULL,
    PRIMARY KEY (fund, year)
) STRICT;

CREATE TABLE farms (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    siret        TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    farmers      TEXT NOT NULL, -- JSON of [String]
    people       TEXT NOT NULL, -- JSON of [Uuid]
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    farm_id      TEXT NOT NULL REFERENCES farms (id),
    fund         TEXT NOT NULL,
    granted_on   TEXT NOT NULL, -- ISO
    year         INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    purpose      TEXT NOT NULL,
    granted_by   TEXT NOT NULL REFERENCES users (id),
    granted_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX grants_by_fund_year ON grants (fund, year);
