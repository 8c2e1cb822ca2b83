-- The financing partners of business creation (ADIE, Initiative Haute-Vienne, Limousin
-- Actif): one agreement per partner and year with its places, and the projection of the
-- referral items (the item keeps the whole record; this row is what the places and the
-- figures count, and it stays when a person's file is anonymised).
CREATE TABLE partner_agreements (
    partner TEXT NOT NULL,
    year    INTEGER NOT NULL,
    places  INTEGER NOT NULL CHECK (places >= 0),
    set_by  TEXT NOT NULL,
    set_at  INTEGER NOT NULL,
    PRIMARY KEY (partner, year)
) STRICT;

CREATE TABLE referrals (
    item_id          TEXT PRIMARY KEY REFERENCES items (id),
    partner          TEXT NOT NULL,
    year             INTEGER NOT NULL,
    outcome          TEXT NOT NULL,
    amount_cents     INTEGER,
    business_created INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX referrals_by_year ON referrals (partner, year);
