-- Co-financing: the scheme an order is charged to (its référent's scheme, kept even when the
-- file is purged and its versions go), and each scheme's yearly plan — costs other than the
-- orders and the financers' shares.
ALTER TABLE orders ADD COLUMN scheme TEXT;
UPDATE orders SET scheme = (
    SELECT u.scheme FROM item_versions v JOIN users u ON u.id = v.author_id
    WHERE v.item_id = orders.item_id AND v.version = 1
);

CREATE TABLE cofinancing_plans (
    scheme      TEXT NOT NULL REFERENCES schemes (code),
    year        INTEGER NOT NULL,
    staff_cents INTEGER NOT NULL CHECK (staff_cents >= 0),
    other_cents INTEGER NOT NULL CHECK (other_cents >= 0),
    shares      TEXT NOT NULL, -- JSON of [jalon_domain::money::cofinancing::Share]
    set_by      TEXT NOT NULL,
    set_at      INTEGER NOT NULL,
    PRIMARY KEY (scheme, year)
) STRICT;
