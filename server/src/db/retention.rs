//! Files due under the retention rule, and their purge (see `jalon_domain::admin::retention`).

use jalon_domain::admin::retention::{Candidate, anonymized_item, anonymized_person};
use sqlx::sqlite::SqliteConnection;
use time::Date;
use uuid::Uuid;

use super::{parse_uuid, person, rehash_person, update_person};

/// The last contact with each file without an active enrolment (deleted and purged files
/// aside): its last attended appointment, note, enrolment start or exit.
const LAST_CONTACTS: &str = "
    SELECT p.id AS person_id,
           max(
             coalesce((SELECT max(coalesce(e.exit_date, e.start_date)) FROM enrolments e
                       WHERE e.person_id = p.id), ''),
             coalesce((SELECT max(n.date) FROM notes n WHERE n.person_id = p.id), ''),
             coalesce((SELECT max(json_extract(i.body, '$.data.date')) FROM items i
                       WHERE i.person_id = p.id AND i.kind = 'appointment'
                         AND json_extract(i.body, '$.data.status') = 'attended'), '')
           ) AS last_contact,
           (SELECT group_concat(DISTINCT e.scheme) FROM enrolments e
            WHERE e.person_id = p.id) AS schemes
    FROM people p
    WHERE p.deleted_at IS NULL AND p.purged_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM enrolments e
                      WHERE e.person_id = p.id AND e.status = 'active')";

/// The files whose last contact is before `cutoff`, the oldest first.
pub async fn candidates(
    conn: &mut SqliteConnection,
    cutoff: Date,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT person_id, last_contact, schemes FROM ({LAST_CONTACTS})
         WHERE last_contact < ?1 ORDER BY last_contact, person_id"
    )))
    .bind(cutoff)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, last, schemes)| {
            let mut schemes: Vec<String> = schemes
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            schemes.sort();
            Ok(Candidate {
                person_id: parse_uuid(&id)?,
                last_contact: Date::parse(
                    &last,
                    &time::format_description::well_known::Iso8601::DATE,
                )
                .map_err(|_| super::corrupt("date"))?,
                schemes,
            })
        })
        .collect()
}

/// Purges one file: identity, contact, notes, history of changes, conflicts and free texts go;
/// enrolments and the anonymous part of the follow-up stay. The file leaves the référents'
/// scopes; supervisors' devices keep its anonymous rows (every one takes a new rev, so they
/// receive them at their next sync; the rows that went are dropped by the checksum repair).
pub async fn purge(conn: &mut SqliteConnection, id: Uuid, now: i64) -> Result<(), sqlx::Error> {
    let Some((current, _, _)) = person(conn, id).await? else {
        return Ok(());
    };
    let rev = super::next_revs(conn, 1).await?;
    update_person(conn, &anonymized_person(&current), rev).await?;
    let key = id.to_string();
    for sql in [
        "DELETE FROM notes WHERE person_id = ?1",
        "DELETE FROM person_history WHERE person_id = ?1",
        "DELETE FROM conflicts WHERE person_id = ?1",
        "DELETE FROM item_versions WHERE item_id IN (SELECT id FROM items WHERE person_id = ?1)",
    ] {
        sqlx::query(sql).bind(&key).execute(&mut *conn).await?;
    }
    for item in super::items_of(conn, id).await? {
        match anonymized_item(&item) {
            Some(kept) => {
                sqlx::query("UPDATE items SET body = ?2 WHERE id = ?1")
                    .bind(item.id.to_string())
                    .bind(super::to_json(&kept.body)?)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM items WHERE id = ?1")
                    .bind(item.id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    sqlx::query(
        "UPDATE people SET purged_at = ?2, deleted_at = coalesce(deleted_at, ?2) WHERE id = ?1",
    )
    .bind(&key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    super::touch_person(conn, id).await?;
    rehash_person(conn, id).await
}

/// Marks as purged a file stored already anonymous (with no notes, history or free text):
/// the demo's history of files purged long ago. Its rows are hashed at start-up.
pub async fn mark_purged(
    conn: &mut SqliteConnection,
    id: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE people SET purged_at = ?2, deleted_at = ?2 WHERE id = ?1")
        .bind(id.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
