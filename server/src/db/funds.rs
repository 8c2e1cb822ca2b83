//! The farm funds: envelopes, farms and grants.

use jalon_domain::money::funds::{Envelope, Farm, Fund, Grant};
use jalon_domain::text::{format_iso_date, parse_iso_date};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{corrupt, from_json, parse_uuid, to_json};

fn fund(text: &str) -> Result<Fund, sqlx::Error> {
    Fund::parse(text).ok_or_else(|| corrupt("fund"))
}

pub async fn envelopes(conn: &mut SqliteConnection) -> Result<Vec<Envelope>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT fund, year, amount_cents FROM fund_envelopes ORDER BY year, fund")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(Envelope {
                fund: fund(row.try_get("fund")?)?,
                year: row.try_get::<i64, _>("year")? as i32,
                amount_cents: row.try_get("amount_cents")?,
            })
        })
        .collect()
}

/// Sets the envelope of a fund for a year (a new decision replaces the previous one).
pub async fn set_envelope(
    tx: &mut SqliteConnection,
    envelope: &Envelope,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fund_envelopes (fund, year, amount_cents, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (fund, year) DO UPDATE SET amount_cents = ?3, set_by = ?4, set_at = ?5",
    )
    .bind(envelope.fund.as_str())
    .bind(i64::from(envelope.year))
    .bind(envelope.amount_cents)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What a fund granted in a year.
pub async fn granted(tx: &mut SqliteConnection, fund: Fund, year: i32) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM grants WHERE fund = ?1 AND year = ?2",
    )
    .bind(fund.as_str())
    .bind(i64::from(year))
    .fetch_one(&mut *tx)
    .await
}

pub async fn farms(conn: &mut SqliteConnection) -> Result<Vec<Farm>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, siret, commune_code, farmers, people FROM farms ORDER BY name, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Farm {
                id: parse_uuid(row.try_get("id")?)?,
                name: row.try_get("name")?,
                siret: row.try_get("siret")?,
                commune_code: row.try_get("commune_code")?,
                farmers: from_json(row.try_get("farmers")?, "farmers")?,
                people: from_json(row.try_get("people")?, "farm people")?,
            })
        })
        .collect()
}

pub async fn farm_exists(tx: &mut SqliteConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM farms WHERE id = ?1")
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(found.is_some())
}

pub async fn insert_farm(
    tx: &mut SqliteConnection,
    farm: &Farm,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO farms (id, name, siret, commune_code, farmers, people, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(farm.id.to_string())
    .bind(&farm.name)
    .bind(&farm.siret)
    .bind(&farm.commune_code)
    .bind(to_json(&farm.farmers)?)
    .bind(to_json(&farm.people)?)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn grants(conn: &mut SqliteConnection) -> Result<Vec<Grant>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, farm_id, fund, granted_on, amount_cents, purpose FROM grants
         ORDER BY granted_on DESC, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Grant {
                id: parse_uuid(row.try_get("id")?)?,
                farm_id: parse_uuid(row.try_get("farm_id")?)?,
                fund: fund(row.try_get("fund")?)?,
                granted_on: parse_iso_date(row.try_get("granted_on")?)
                    .ok_or_else(|| corrupt("grant date"))?,
                amount_cents: row.try_get("amount_cents")?,
                purpose: row.try_get("purpose")?,
            })
        })
        .collect()
}

pub async fn insert_grant(
    tx: &mut SqliteConnection,
    grant: &Grant,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO grants (id, farm_id, fund, granted_on, year, amount_cents, purpose, granted_by, granted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(grant.id.to_string())
    .bind(grant.farm_id.to_string())
    .bind(grant.fund.as_str())
    .bind(format_iso_date(grant.granted_on))
    .bind(i64::from(grant.granted_on.year()))
    .bind(grant.amount_cents)
    .bind(&grant.purpose)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
