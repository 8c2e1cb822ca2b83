-- Framework agreements with purchase orders: the agreement, its periods (the initial one and
-- at most two renewals, each a recorded decision) with their maximum and price list, and the
-- orders' amounts by period — a projection of the follow-up items of kind `order`, written in
-- the same transaction, that the cap is summed on.

CREATE TABLE agreements (
    id         TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    object     TEXT NOT NULL,
    lot        TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE agreement_periods (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    number       INTEGER NOT NULL CHECK (number BETWEEN 0 AND 2),
    start_date   TEXT NOT NULL, -- ISO
    end_date     TEXT NOT NULL, -- ISO
    max_cents    INTEGER NOT NULL CHECK (max_cents > 0),
    prices       TEXT NOT NULL, -- JSON of [PriceLine]
    decided_by   TEXT NOT NULL REFERENCES users (id),
    decided_at   INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, number)
) STRICT;

CREATE TABLE orders (
    item_id      TEXT PRIMARY KEY REFERENCES items (id),
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    period       INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    status       TEXT NOT NULL,
    ordered_on   TEXT NOT NULL
) STRICT;
CREATE INDEX orders_by_period ON orders (agreement_id, period);
