//! Person files: their rows, field history and writers, deletions, possible duplicates.

use super::*;

/// A person with who created them and when.
pub async fn person(
    tx: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<(Person, Uuid, i64)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        ", created_by, created_at FROM people WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((
        person_row(&row)?,
        parse_uuid(row.try_get("created_by")?)?,
        row.try_get("created_at")?,
    )))
}

/// Every file not deleted, for the import's duplicate and repeat checks.
pub async fn people_keys(conn: &mut SqliteConnection) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE deleted_at IS NULL"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(person_row).collect()
}

/// Whether a person file was deleted.
pub async fn is_deleted(conn: &mut SqliteConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM people WHERE id = ?1 AND deleted_at IS NOT NULL")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

pub async fn mark_deleted(
    conn: &mut SqliteConnection,
    id: Uuid,
    by: Uuid,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE people SET deleted_by = ?2, deleted_at = ?3 WHERE id = ?1")
        .bind(id.to_string())
        .bind(by.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who last wrote a person field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    pub author_id: Uuid,
    /// `None` for values written before devices were recorded.
    pub device_id: Option<Uuid>,
    pub at: i64,
}

/// Who last wrote `field` of a person, from which device and when: the last kept history
/// entry (`None`: the value is the creation's).
pub async fn last_writer(
    tx: &mut SqliteConnection,
    person_id: Uuid,
    field: PersonField,
) -> Result<Option<Writer>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT author_id, device_id, at FROM person_history
         WHERE person_id = ?1 AND field = ?2 AND kept = 1 ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id.to_string())
    .bind(field.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|row| {
        let device: Option<String> = row.try_get("device_id")?;
        Ok(Writer {
            author_id: parse_uuid(row.try_get("author_id")?)?,
            device_id: device.as_deref().map(parse_uuid).transpose()?,
            at: row.try_get("at")?,
        })
    })
    .transpose()
}

pub async fn update_person(
    tx: &mut SqliteConnection,
    person: &Person,
    rev: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE people SET last_name = ?2, first_name = ?3, birth_date = ?4, commune_code = ?5,
                           rsa_beneficiary = ?6, rev = ?7, details = ?8
         WHERE id = ?1",
    )
    .bind(person.id.to_string())
    .bind(&person.last_name)
    .bind(&person.first_name)
    .bind(person.birth_date)
    .bind(&person.commune_code)
    .bind(person.rsa_beneficiary)
    .bind(rev)
    .bind(to_json(&person.details)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One entry of a person's history.
pub struct HistoryEntry<'a> {
    pub person_id: Uuid,
    pub field: PersonField,
    pub old_value: &'a FieldValue,
    pub new_value: &'a FieldValue,
    /// `false` for a value that lost a conflict.
    pub kept: bool,
    pub author_id: Uuid,
    pub device_id: Option<Uuid>,
    pub at: i64,
}

pub async fn insert_history(
    tx: &mut SqliteConnection,
    entry: &HistoryEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO person_history (person_id, field, old_value, new_value, kept, author_id, at,
                                     device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(entry.person_id.to_string())
    .bind(entry.field.as_str())
    .bind(to_json(entry.old_value)?)
    .bind(to_json(entry.new_value)?)
    .bind(entry.kept)
    .bind(entry.author_id.to_string())
    .bind(entry.at)
    .bind(entry.device_id.map(|d| d.to_string()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The values a person field took, oldest first, as `(old, new, kept)`.
pub async fn history(
    conn: &mut SqliteConnection,
    person_id: Uuid,
    field: PersonField,
) -> Result<Vec<(FieldValue, FieldValue, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT old_value, new_value, kept FROM person_history
         WHERE person_id = ?1 AND field = ?2 ORDER BY id",
    )
    .bind(person_id.to_string())
    .bind(field.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                from_json(row.try_get("old_value")?, "history")?,
                from_json(row.try_get("new_value")?, "history")?,
                row.try_get("kept")?,
            ))
        })
        .collect()
}

pub async fn insert_person(
    tx: &mut SqliteConnection,
    person: &Person,
    rev: i64,
    created_by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO people (id, last_name, first_name, birth_date, commune_code, rsa_beneficiary,
                             rev, created_by, created_at, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(person.id.to_string())
    .bind(&person.last_name)
    .bind(&person.first_name)
    .bind(person.birth_date)
    .bind(&person.commune_code)
    .bind(person.rsa_beneficiary)
    .bind(rev)
    .bind(created_by.to_string())
    .bind(now)
    .bind(to_json(&person.details)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(super) fn person_row(row: &SqliteRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: parse_uuid(row.try_get("id")?)?,
        last_name: row.try_get("last_name")?,
        first_name: row.try_get("first_name")?,
        birth_date: row.try_get::<Date, _>("birth_date")?,
        commune_code: row.try_get("commune_code")?,
        rsa_beneficiary: row.try_get("rsa_beneficiary")?,
        details: from_json(row.try_get("details")?, "person details")?,
    })
}

/// The people (not deleted) who may be the same as `person`: same name and birth date, or
/// same numéro allocataire. Narrowed in SQL by birth date or file number, then by the
/// domain's rule.
pub async fn possible_duplicates(
    conn: &mut SqliteConnection,
    person: &Person,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE id != ?1 AND deleted_at IS NULL
          AND (birth_date = ?2 OR (?3 != '' AND json_extract(details, '$.allocataire') = ?3))"
    ))
    .bind(person.id.to_string())
    .bind(person.birth_date)
    .bind(&person.details.allocataire)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(person_row).collect()
}
