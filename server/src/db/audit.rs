//! The audit log: who did what to whose file, from which device and when. Ids and codes only.

use jalon_domain::admin::audit::{AuditEvent, AuditQuery};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::parse_uuid;

/// An event to record.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewEvent<'a> {
    pub at: i64,
    pub user_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub action: &'a str,
    pub person_id: Option<Uuid>,
    /// Ids and codes only, never a name or a note.
    pub detail: &'a str,
}

pub async fn record(conn: &mut SqliteConnection, event: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, device_id, action, person_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(event.at)
    .bind(event.user_id.map(|u| u.to_string()))
    .bind(event.device_id.map(|d| d.to_string()))
    .bind(event.action)
    .bind(event.person_id.map(|p| p.to_string()))
    .bind(event.detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records that `user_id` did `action` to the file of `person_id` (no device, no detail).
pub async fn audit(
    conn: &mut SqliteConnection,
    now: i64,
    user_id: Option<Uuid>,
    action: &str,
    person_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    record(
        conn,
        &NewEvent {
            at: now,
            user_id,
            action,
            person_id,
            ..NewEvent::default()
        },
    )
    .await
}

/// The events matching `query`, newest first, at most `limit` after skipping `offset`, and how
/// many match in all.
pub async fn search(
    conn: &mut SqliteConnection,
    query: &AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEvent>, i64), sqlx::Error> {
    let from = query
        .from
        .map(|d| d.midnight().assume_utc().unix_timestamp());
    let to = query.to.map(|d| {
        d.next_day()
            .unwrap_or(d)
            .midnight()
            .assume_utc()
            .unix_timestamp()
    });
    const FILTER: &str = "(?1 IS NULL OR a.person_id = ?1) AND (?2 IS NULL OR a.user_id = ?2)
        AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at < ?4)
        AND (?5 IS NULL OR a.action = ?5)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit_log a WHERE {FILTER}"
    )))
    .bind(query.person.map(|p| p.to_string()))
    .bind(query.user.map(|u| u.to_string()))
    .bind(from)
    .bind(to)
    .bind(query.action.clone())
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.at, a.user_id, coalesce(u.display_name, '') AS user_name, a.device_id,
                a.action, a.person_id, a.detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
         WHERE {FILTER} ORDER BY a.at DESC, a.id DESC LIMIT ?6 OFFSET ?7"
    )))
    .bind(query.person.map(|p| p.to_string()))
    .bind(query.user.map(|u| u.to_string()))
    .bind(from)
    .bind(to)
    .bind(query.action.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let optional = |value: Option<String>| value.as_deref().map(parse_uuid).transpose();
    let events = rows
        .iter()
        .map(|row| {
            Ok(AuditEvent {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                user_id: optional(row.try_get("user_id")?)?,
                user_name: row.try_get("user_name")?,
                device_id: optional(row.try_get("device_id")?)?,
                action: row.try_get("action")?,
                person_id: optional(row.try_get("person_id")?)?,
                detail: row.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((events, total))
}

/// Deletes the events older than `before` (Unix seconds); returns how many.
pub async fn purge_before(conn: &mut SqliteConnection, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM audit_log WHERE at < ?1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
