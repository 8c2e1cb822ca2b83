//! The records devices hold that are not a person's (`shared_records`): drawn from the money
//! tables, kept in step with them inside every writing transaction that changes them.

use jalon_domain::auth::{Scope, SessionUser};
use jalon_domain::money::partners::Partner;
use jalon_domain::sync::{Audience, Record, record_hash};
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{from_json, next_revs, to_json};

/// Every record that is not a person's, as the money tables now read.
async fn current(conn: &mut SqliteConnection) -> Result<Vec<Record>, sqlx::Error> {
    let mut records: Vec<Record> = Vec::new();
    records.extend(
        super::money::agreements(conn)
            .await?
            .into_iter()
            .map(Record::Agreement),
    );
    records.extend(
        super::partners::agreements(conn)
            .await?
            .into_iter()
            .map(Record::PartnerAgreement),
    );
    records.extend(
        super::funds::envelopes(conn)
            .await?
            .into_iter()
            .map(Record::Envelope),
    );
    records.extend(
        super::cofinancing::plans(conn, None)
            .await?
            .into_iter()
            .map(Record::CofinancingPlan),
    );
    Ok(records)
}

/// Brings `shared_records` in step with the money tables: a record that reads differently
/// (a period renewed, places set, an envelope, a plan…) takes a new rev, so every device
/// allowed to hold it receives it at its next pull; one that no longer exists is deleted, and
/// devices drop it through the checksum repair. Called in the transaction of every write of
/// the supervision that may change one, and at start. There are a few dozen such records:
/// reading them all is simpler than tracking which. Returns how many changed.
pub async fn refresh(tx: &mut SqliteConnection) -> Result<usize, sqlx::Error> {
    let held: Vec<String> = sqlx::query_scalar("SELECT id FROM shared_records")
        .fetch_all(&mut *tx)
        .await?;
    let records = current(tx).await?;
    let mut changed = 0;
    for id in &held {
        if !records.iter().any(|r| r.key().1.to_string() == *id) {
            sqlx::query("DELETE FROM shared_records WHERE id = ?1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            changed += 1;
        }
    }
    for record in &records {
        changed += usize::from(put(tx, record).await?);
    }
    Ok(changed)
}

/// Brings one agreement's record in step: what a pushed order changes (the period's orders
/// not cancelled), in the order's own transaction, so the change that acknowledges the order
/// also carries the period's new total.
pub async fn refresh_agreement(tx: &mut SqliteConnection, id: Uuid) -> Result<(), sqlx::Error> {
    if let Some(agreement) = super::money::agreement(tx, id).await? {
        put(tx, &Record::Agreement(agreement)).await?;
    }
    Ok(())
}

/// Brings one partner's places of a year in step: what a pushed referral changes.
pub async fn refresh_partner_agreement(
    tx: &mut SqliteConnection,
    partner: Partner,
    year: i32,
) -> Result<(), sqlx::Error> {
    let agreements = super::partners::agreements(tx).await?;
    if let Some(agreement) = agreements
        .into_iter()
        .find(|a| a.partner == partner && a.year == year)
    {
        put(tx, &Record::PartnerAgreement(agreement)).await?;
    }
    Ok(())
}

/// Stores `record` with a new rev if it reads differently from the stored one; returns
/// whether it did.
async fn put(tx: &mut SqliteConnection, record: &Record) -> Result<bool, sqlx::Error> {
    let (scheme, audience) = match record.audience() {
        Some(Audience::Staff(scheme)) => (scheme, "staff"),
        Some(Audience::Supervisors(scheme)) => (scheme, "supervisors"),
        None => return Ok(false),
    };
    let id = record.key().1.to_string();
    let data = to_json(record)?;
    let held: Option<String> = sqlx::query_scalar("SELECT data FROM shared_records WHERE id = ?1")
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?;
    if held.as_ref() == Some(&data) {
        return Ok(false);
    }
    let rev = next_revs(tx, 1).await?;
    sqlx::query(
        "INSERT INTO shared_records (id, scheme, audience, data, rev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET scheme = ?2, audience = ?3, data = ?4, rev = ?5,
             hash = ?6",
    )
    .bind(&id)
    .bind(scheme.map(|s| s.as_str()))
    .bind(audience)
    .bind(&data)
    .bind(rev)
    .bind(record_hash(record) as i64)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// The rows of `shared_records` a user's device holds, as a condition on its columns
/// (`?1` is the user's id); `None` for a user who holds none. A référent holds what the staff
/// of the Département or of their scheme may see; a supervisor, everything of the Département
/// and of the schemes they supervise; an administrator, nothing.
pub(super) fn scope_sql(user: &SessionUser) -> Option<&'static str> {
    match user.scope() {
        Scope::Referent(_) => Some(
            "(audience = 'staff'
              AND (scheme IS NULL OR scheme = (SELECT scheme FROM users WHERE id = ?1)))",
        ),
        Scope::Schemes(_) => Some(
            "(scheme IS NULL
              OR scheme IN (SELECT scheme FROM supervised_schemes WHERE user_id = ?1))",
        ),
        Scope::Nothing => None,
    }
}

/// Decodes a row of `shared_records`.
pub(super) fn decode(row: &sqlx::sqlite::SqliteRow) -> Result<Record, sqlx::Error> {
    use sqlx::Row;
    from_json(row.try_get("data")?, "shared record")
}
