//! The schemes' yearly co-financing plans and the orders' costs by scheme.

use jalon_domain::money::cofinancing::CofinancingPlan;
use jalon_domain::schemes::SchemeCode;
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{corrupt, from_json, to_json};

fn scheme(text: &str) -> Result<SchemeCode, sqlx::Error> {
    SchemeCode::parse(text).ok_or_else(|| corrupt("scheme"))
}

/// The plans of `year`, or of every year.
pub async fn plans(
    conn: &mut SqliteConnection,
    year: Option<i32>,
) -> Result<Vec<CofinancingPlan>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT scheme, year, staff_cents, other_cents, shares FROM cofinancing_plans
         WHERE ?1 IS NULL OR year = ?1 ORDER BY year, scheme",
    )
    .bind(year.map(i64::from))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CofinancingPlan {
                scheme: scheme(row.try_get("scheme")?)?,
                year: row.try_get::<i64, _>("year")? as i32,
                staff_cents: row.try_get("staff_cents")?,
                other_cents: row.try_get("other_cents")?,
                shares: from_json(row.try_get("shares")?, "co-financing shares")?,
            })
        })
        .collect()
}

/// Sets a scheme's plan for a year (a new decision replaces the last).
pub async fn set_plan(
    tx: &mut SqliteConnection,
    plan: &CofinancingPlan,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cofinancing_plans
             (scheme, year, staff_cents, other_cents, shares, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (scheme, year) DO UPDATE SET staff_cents = ?3, other_cents = ?4,
             shares = ?5, set_by = ?6, set_at = ?7",
    )
    .bind(plan.scheme.as_str())
    .bind(i64::from(plan.year))
    .bind(plan.staff_cents)
    .bind(plan.other_cents)
    .bind(to_json(&plan.shares)?)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The orders of `year` not cancelled, summed by the scheme they are charged to.
pub async fn orders_by_scheme(
    conn: &mut SqliteConnection,
    year: i32,
) -> Result<Vec<(SchemeCode, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT scheme, SUM(amount_cents) AS cents FROM orders
         WHERE status != 'cancelled' AND scheme IS NOT NULL
           AND ordered_on >= ?1 AND ordered_on < ?2
         GROUP BY scheme",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{:04}-01-01", year + 1))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((scheme(row.try_get("scheme")?)?, row.try_get("cents")?)))
        .collect()
}
