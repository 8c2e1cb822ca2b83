//! Schemes, their settings and their dated versions.

use jalon_domain::schemes::{Scheme, SchemeChange};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use time::Date;
use uuid::Uuid;

use super::{from_json, parse_scheme, to_json};

/// The schemes in force.
pub async fn schemes(conn: &mut SqliteConnection) -> Result<Vec<Scheme>, sqlx::Error> {
    let rows = sqlx::query("SELECT code, name, territory, settings FROM schemes ORDER BY code")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Scheme {
                code: parse_scheme(row.try_get("code")?)?,
                name: row.try_get("name")?,
                territory: from_json(row.try_get("territory")?, "territory")?,
                settings: from_json(row.try_get("settings")?, "scheme settings")?,
            })
        })
        .collect()
}

pub async fn insert_scheme(tx: &mut SqliteConnection, scheme: &Scheme) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO schemes (code, name, territory, settings) VALUES (?1, ?2, ?3, ?4)")
        .bind(scheme.code.as_str())
        .bind(&scheme.name)
        .bind(to_json(&scheme.territory)?)
        .bind(to_json(&scheme.settings)?)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A recorded change of a scheme.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Version {
    pub scheme: String,
    #[serde(flatten)]
    pub change: SchemeChange,
    pub changed_by: Option<Uuid>,
    pub changed_at: i64,
}

/// Records a change of a scheme; it is put in force by [`apply_due`] once its date comes.
pub async fn record_change(
    tx: &mut SqliteConnection,
    scheme: &Scheme,
    change: &SchemeChange,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO scheme_versions (scheme, effective_from, territory, settings, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(scheme.code.as_str())
    .bind(change.effective_from)
    .bind(to_json(&change.territory)?)
    .bind(to_json(&change.settings)?)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Every recorded change, newest first.
pub async fn versions(conn: &mut SqliteConnection) -> Result<Vec<Version>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT scheme, effective_from, territory, settings, changed_by, changed_at
         FROM scheme_versions ORDER BY effective_from DESC, id DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let by: Option<String> = row.try_get("changed_by")?;
            Ok(Version {
                scheme: row.try_get("scheme")?,
                change: SchemeChange {
                    territory: from_json(row.try_get("territory")?, "territory")?,
                    settings: from_json(row.try_get("settings")?, "scheme settings")?,
                    effective_from: row.try_get("effective_from")?,
                },
                changed_by: by.as_deref().map(super::parse_uuid).transpose()?,
                changed_at: row.try_get("changed_at")?,
            })
        })
        .collect()
}

/// Puts in force, for each scheme, the latest recorded version whose date has come. Returns
/// whether a scheme changed.
pub async fn apply_due(tx: &mut SqliteConnection, today: Date) -> Result<bool, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.scheme, v.territory, v.settings FROM scheme_versions v
         WHERE v.effective_from <= ?1 AND v.id = (
             SELECT w.id FROM scheme_versions w
             WHERE w.scheme = v.scheme AND w.effective_from <= ?1
             ORDER BY w.effective_from DESC, w.id DESC LIMIT 1)",
    )
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    let mut changed = false;
    for row in &rows {
        let done = sqlx::query(
            "UPDATE schemes SET territory = ?2, settings = ?3
             WHERE code = ?1 AND (territory <> ?2 OR settings <> ?3)",
        )
        .bind(row.try_get::<String, _>("scheme")?)
        .bind(row.try_get::<String, _>("territory")?)
        .bind(row.try_get::<String, _>("settings")?)
        .execute(&mut *tx)
        .await?;
        changed |= done.rows_affected() > 0;
    }
    Ok(changed)
}

/// The communes of the people followed in an active enrolment of `scheme`, with how many people
/// live in each (deleted files aside).
pub async fn followed_by_commune(
    conn: &mut SqliteConnection,
    scheme: jalon_domain::schemes::SchemeCode,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.commune_code, COUNT(DISTINCT p.id) FROM enrolments e
         JOIN people p ON p.id = e.person_id
         WHERE e.scheme = ?1 AND e.status = 'active' AND p.deleted_at IS NULL
         GROUP BY p.commune_code",
    )
    .bind(scheme.as_str())
    .fetch_all(&mut *conn)
    .await
}
