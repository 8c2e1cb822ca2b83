//! Conflicts between concurrent edits of a person field.

use super::*;

/// Every conflict ever recorded (tests).
pub async fn all_conflicts(conn: &mut SqliteConnection) -> Result<Vec<Conflict>, sqlx::Error> {
    let rows = sqlx::query(concat!("SELECT ", conflict_columns!(), " FROM conflicts"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(conflict_row).collect()
}

pub async fn upsert_conflict(
    tx: &mut SqliteConnection,
    conflict: &Conflict,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO conflicts (id, person_id, field, candidates, result, resolved_by, resolved_at,
                                rev, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET result = excluded.result,
             resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at,
             rev = excluded.rev",
    )
    .bind(conflict.id.to_string())
    .bind(conflict.person_id.to_string())
    .bind(conflict.field.as_str())
    .bind(to_json(&conflict.candidates)?)
    .bind(to_json(&conflict.result)?)
    .bind(conflict.resolved_by.map(|u| u.to_string()))
    .bind(conflict.resolved_at)
    .bind(rev)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn conflict(
    tx: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Conflict>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        conflict_columns!(),
        " FROM conflicts WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    row.as_ref().map(conflict_row).transpose()
}

pub(super) fn conflict_row(row: &SqliteRow) -> Result<Conflict, sqlx::Error> {
    let resolved_by: Option<String> = row.try_get("resolved_by")?;
    Ok(Conflict {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        field: PersonField::parse(row.try_get("field")?).ok_or_else(|| corrupt("field"))?,
        candidates: from_json(row.try_get("candidates")?, "conflict candidates")?,
        result: from_json(row.try_get("result")?, "conflict result")?,
        resolved_by: resolved_by.as_deref().map(parse_uuid).transpose()?,
        resolved_at: row.try_get("resolved_at")?,
    })
}
