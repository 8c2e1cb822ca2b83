//! The records devices hold that are not a person's (`shared_records`): drawn from the money
//! tables, kept in step with them inside every writing transaction that changes them.

use std::collections::HashMap;

use jalon_domain::auth::{Scope, SessionUser};
use jalon_domain::sync::{Audience, Record, record_hash};
use sqlx::sqlite::SqliteConnection;

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
/// (a period renewed, an order placed or cancelled, places set…) takes a new rev, so every
/// device allowed to hold it receives it at its next pull; one that no longer exists is
/// deleted, and devices drop it through the checksum repair. Called in the transaction of
/// every write that may change one, so a pull never sees an order without the period's new
/// total. There are a few dozen such records: reading them all is cheaper than tracking which.
pub async fn refresh(tx: &mut SqliteConnection) -> Result<usize, sqlx::Error> {
    let held: HashMap<String, String> = sqlx::query_as("SELECT id, data FROM shared_records")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    let records = current(tx).await?;
    let mut changed = Vec::new();
    for record in &records {
        let data = to_json(record)?;
        let id = record.key().1.to_string();
        if held.get(&id) != Some(&data) {
            changed.push((id, data, record));
        }
    }
    let gone: Vec<&String> = held
        .keys()
        .filter(|id| !records.iter().any(|r| r.key().1.to_string() == **id))
        .collect();
    for id in &gone {
        sqlx::query("DELETE FROM shared_records WHERE id = ?1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    if changed.is_empty() {
        return Ok(gone.len());
    }
    let first = next_revs(tx, changed.len() as i64).await?;
    for (rev, (id, data, record)) in (first..).zip(&changed) {
        let (scheme, audience) = match record.audience() {
            Some(Audience::Staff(scheme)) => (scheme, "staff"),
            Some(Audience::Supervisors(scheme)) => (scheme, "supervisors"),
            None => continue,
        };
        sqlx::query(
            "INSERT INTO shared_records (id, scheme, audience, data, rev, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET scheme = ?2, audience = ?3, data = ?4, rev = ?5,
                 hash = ?6",
        )
        .bind(id.as_str())
        .bind(scheme.map(|s| s.as_str()))
        .bind(audience)
        .bind(data.as_str())
        .bind(rev)
        .bind(record_hash(record) as i64)
        .execute(&mut *tx)
        .await?;
    }
    Ok(changed.len() + gone.len())
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
