//! What the right of access gathers about one person (see `jalon_domain::admin::access`).

use std::collections::HashMap;

use jalon_domain::admin::access::{
    AccessReport, ChangeRecord, EnrolmentRecord, ItemRecord, ItemVersion, NoteRecord, ReferentLine,
};
use jalon_domain::admin::audit::AuditQuery;
use jalon_domain::people::Person;
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use time::Date;
use uuid::Uuid;

use super::{from_json, note_row, parse_uuid};

/// Display names of every account, by id.
async fn names(conn: &mut SqliteConnection) -> Result<HashMap<Uuid, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, display_name FROM users")
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|(id, name)| Ok((parse_uuid(&id)?, name)))
        .collect()
}

/// The complete file of `person` (the caller checks who may read it).
pub async fn report(
    conn: &mut SqliteConnection,
    person: Person,
    generated_by: String,
    now: i64,
) -> Result<AccessReport, sqlx::Error> {
    let names = names(conn).await?;
    let name = |id: Uuid| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let changes_of_referents = super::referent_changes_of(conn, person.id).await?;
    let enrolments = super::enrolments_of(conn, person.id)
        .await?
        .into_iter()
        .map(|enrolment| EnrolmentRecord {
            referent: name(enrolment.referent_id),
            referents: changes_of_referents
                .iter()
                .filter(|c| c.enrolment_id == enrolment.id)
                .map(|c| ReferentLine {
                    from: name(c.from),
                    to: name(c.to),
                    on: c.on,
                })
                .collect(),
            enrolment,
        })
        .collect();
    let mut items = Vec::new();
    for item in super::items_of(conn, person.id).await? {
        let rows = sqlx::query(
            "SELECT version, author_id, body, at FROM item_versions WHERE item_id = ?1
             ORDER BY version",
        )
        .bind(item.id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let versions = rows
            .iter()
            .map(|row| {
                Ok(ItemVersion {
                    version: row.try_get::<i64, _>("version")? as u32,
                    author: name(parse_uuid(row.try_get("author_id")?)?),
                    at: row.try_get("at")?,
                    body: from_json(row.try_get("body")?, "item body")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        items.push(ItemRecord { item, versions });
    }
    let rows = sqlx::query(concat!(
        "SELECT ",
        note_columns!(),
        " FROM notes WHERE person_id = ?1 ORDER BY date, rev"
    ))
    .bind(person.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let notes = rows
        .iter()
        .map(|row| {
            let note = note_row(row)?;
            Ok(NoteRecord {
                author: name(note.author_id),
                note,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let rows = sqlx::query(
        "SELECT field, old_value, new_value, kept, author_id, at FROM person_history
         WHERE person_id = ?1 ORDER BY id",
    )
    .bind(person.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let changes = rows
        .iter()
        .filter_map(|row| {
            let field: String = row.try_get("field").ok()?;
            Some((jalon_domain::merge::PersonField::parse(&field)?, row))
        })
        .map(|(field, row)| {
            Ok(ChangeRecord {
                field,
                old: from_json(row.try_get("old_value")?, "history")?,
                new: from_json(row.try_get("new_value")?, "history")?,
                kept: row.try_get("kept")?,
                author: name(parse_uuid(row.try_get("author_id")?)?),
                at: row.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let (accesses, _) = super::audit::search(
        conn,
        &AuditQuery {
            person: Some(person.id),
            ..AuditQuery::default()
        },
        100_000,
        0,
    )
    .await?;
    Ok(AccessReport {
        generated_at: now,
        generated_by,
        person,
        enrolments,
        items,
        notes,
        changes,
        accesses,
    })
}

/// The files (not purged) of people with this birth date, with their names, for an exact
/// match by the caller.
pub async fn born_on(
    conn: &mut SqliteConnection,
    birth_date: Date,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, last_name, first_name FROM people WHERE birth_date = ?1 AND purged_at IS NULL",
    )
    .bind(birth_date)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, last, first)| Ok((parse_uuid(&id)?, last, first)))
        .collect()
}
