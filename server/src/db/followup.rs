//! The journal and the follow-up: notes and the versions of follow-up items.

use super::*;

pub(super) fn note_row(row: &SqliteRow) -> Result<Note, sqlx::Error> {
    let replaces: Option<String> = row.try_get("replaces")?;
    Ok(Note {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        author_id: parse_uuid(row.try_get("author_id")?)?,
        date: row.try_get::<Date, _>("date")?,
        text: row.try_get("text")?,
        replaces: replaces.as_deref().map(parse_uuid).transpose()?,
    })
}

pub async fn note(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Note>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        note_columns!(),
        " FROM notes WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(note_row).transpose()
}

pub async fn insert_note(
    conn: &mut SqliteConnection,
    note: &Note,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notes (id, person_id, author_id, date, text, replaces, rev, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(note.id.to_string())
    .bind(note.person_id.to_string())
    .bind(note.author_id.to_string())
    .bind(note.date)
    .bind(&note.text)
    .bind(note.replaces.map(|r| r.to_string()))
    .bind(rev)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) fn item_row(row: &SqliteRow) -> Result<Item, sqlx::Error> {
    Ok(Item {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        version: row.try_get("version")?,
        author_id: parse_uuid(row.try_get("author_id")?)?,
        body: from_json(row.try_get("body")?, "item body")?,
    })
}

/// An item in its current version.
/// Every follow-up item of a person, in its current version.
pub async fn items_of(
    conn: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        item_columns!(),
        " FROM items WHERE person_id = ?1"
    ))
    .bind(person_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(item_row).collect()
}

pub async fn item(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Item>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        item_columns!(),
        " FROM items WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(item_row).transpose()
}

/// Stores a new version of an item (or its first) under change number `rev`; the version is
/// also kept in the item's history.
pub async fn save_item(
    conn: &mut SqliteConnection,
    item: &Item,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let body = to_json(&item.body)?;
    sqlx::query(
        "INSERT INTO items (id, person_id, kind, version, author_id, body, rev, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET version = ?4, author_id = ?5, body = ?6, rev = ?7,
                                        updated_at = ?8",
    )
    .bind(item.id.to_string())
    .bind(item.person_id.to_string())
    .bind(item.body.kind())
    .bind(item.version)
    .bind(item.author_id.to_string())
    .bind(&body)
    .bind(rev)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO item_versions (item_id, version, author_id, body, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(item.id.to_string())
    .bind(item.version)
    .bind(item.author_id.to_string())
    .bind(&body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many versions of an item the server keeps.
pub async fn item_version_count(conn: &mut SqliteConnection, id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM item_versions WHERE item_id = ?1")
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await
}
