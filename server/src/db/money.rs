//! Framework agreements, their periods and the orders' amounts by period.

use jalon_domain::followup::Item;
use jalon_domain::money::agreements::{Agreement, Consumption, Lot, Period, PeriodTerms};
use jalon_domain::money::orders::PurchaseOrder;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::text::{format_iso_date, parse_iso_date};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{corrupt, from_json, parse_uuid, to_json};

/// Every agreement with its periods in order; each period carries its orders not cancelled.
pub async fn agreements(conn: &mut SqliteConnection) -> Result<Vec<Agreement>, sqlx::Error> {
    agreements_where(conn, None).await
}

/// The agreements (only `only` if set) with their periods, each with its orders not cancelled.
async fn agreements_where(
    conn: &mut SqliteConnection,
    only: Option<Uuid>,
) -> Result<Vec<Agreement>, sqlx::Error> {
    let only = only.map(|id| id.to_string());
    let rows = sqlx::query(
        "SELECT id, provider, object, lot FROM agreements
         WHERE ?1 IS NULL OR id = ?1 ORDER BY provider, id",
    )
    .bind(only.as_deref())
    .fetch_all(&mut *conn)
    .await?;
    let mut agreements = rows
        .iter()
        .map(|row| {
            Ok(Agreement {
                id: parse_uuid(row.try_get("id")?)?,
                provider: row.try_get("provider")?,
                object: row.try_get("object")?,
                lot: Lot::parse(row.try_get("lot")?).ok_or_else(|| corrupt("lot"))?,
                periods: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let periods = sqlx::query(
        "SELECT p.agreement_id, p.number, p.start_date, p.end_date, p.max_cents, p.prices,
                (SELECT COALESCE(SUM(o.amount_cents), 0) FROM orders o
                  WHERE o.agreement_id = p.agreement_id AND o.period = p.number
                    AND o.status != 'cancelled') AS ordered
         FROM agreement_periods p WHERE ?1 IS NULL OR p.agreement_id = ?1
         ORDER BY p.agreement_id, p.number",
    )
    .bind(only.as_deref())
    .fetch_all(&mut *conn)
    .await?;
    for row in &periods {
        let id = parse_uuid(row.try_get("agreement_id")?)?;
        let date = |column: &str| -> Result<time::Date, sqlx::Error> {
            parse_iso_date(row.try_get(column)?).ok_or_else(|| corrupt("period date"))
        };
        let period = Period {
            number: row.try_get::<i64, _>("number")? as u8,
            terms: PeriodTerms {
                start: date("start_date")?,
                end: date("end_date")?,
                max_cents: row.try_get("max_cents")?,
                prices: from_json(row.try_get("prices")?, "price list")?,
            },
            ordered_cents: row.try_get("ordered")?,
        };
        if let Some(agreement) = agreements.iter_mut().find(|a| a.id == id) {
            agreement.periods.push(period);
        }
    }
    Ok(agreements)
}

pub async fn agreement(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Agreement>, sqlx::Error> {
    Ok(agreements_where(conn, Some(id)).await?.into_iter().next())
}

pub async fn insert_agreement(
    tx: &mut SqliteConnection,
    agreement: &Agreement,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agreements (id, provider, object, lot, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(agreement.id.to_string())
    .bind(&agreement.provider)
    .bind(&agreement.object)
    .bind(agreement.lot.as_str())
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for period in &agreement.periods {
        insert_period(tx, agreement.id, period, by, now).await?;
    }
    Ok(())
}

/// Records the initial period or a renewal (the decision, by whom and when).
pub async fn insert_period(
    tx: &mut SqliteConnection,
    agreement_id: Uuid,
    period: &Period,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agreement_periods
           (agreement_id, number, start_date, end_date, max_cents, prices, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(agreement_id.to_string())
    .bind(i64::from(period.number))
    .bind(format_iso_date(period.terms.start))
    .bind(format_iso_date(period.terms.end))
    .bind(period.terms.max_cents)
    .bind(to_json(&period.terms.prices)?)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The orders of a period that are not cancelled, without `except` (the order being decided).
pub async fn ordered_in(
    tx: &mut SqliteConnection,
    agreement_id: Uuid,
    period: u8,
    except: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM orders
         WHERE agreement_id = ?1 AND period = ?2 AND status != 'cancelled' AND item_id != ?3",
    )
    .bind(agreement_id.to_string())
    .bind(i64::from(period))
    .bind(except.to_string())
    .fetch_one(&mut *tx)
    .await
}

/// Keeps the projection of an order item in step with its current version; a new order is
/// charged to `scheme` (its référent's), which later stages keep.
pub async fn save_order(
    tx: &mut SqliteConnection,
    item_id: Uuid,
    order: &PurchaseOrder,
    scheme: Option<SchemeCode>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orders (item_id, agreement_id, period, amount_cents, status, ordered_on, scheme)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (item_id) DO UPDATE SET status = ?5",
    )
    .bind(item_id.to_string())
    .bind(order.agreement_id.to_string())
    .bind(i64::from(order.period))
    .bind(order.amount_cents)
    .bind(order.status.as_str())
    .bind(format_iso_date(order.ordered_on))
    .bind(scheme.map(SchemeCode::as_str))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The consumption of every period, by agreement and period number.
pub async fn consumption(
    conn: &mut SqliteConnection,
) -> Result<Vec<(Uuid, u8, Consumption)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT agreement_id, period,
            SUM(CASE WHEN status != 'cancelled' THEN amount_cents ELSE 0 END) AS ordered,
            SUM(CASE WHEN status IN ('done', 'invoiced', 'paid') THEN amount_cents ELSE 0 END) AS done,
            SUM(CASE WHEN status IN ('invoiced', 'paid') THEN amount_cents ELSE 0 END) AS invoiced,
            SUM(CASE WHEN status = 'paid' THEN amount_cents ELSE 0 END) AS paid
         FROM orders GROUP BY agreement_id, period",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_uuid(row.try_get("agreement_id")?)?,
                row.try_get::<i64, _>("period")? as u8,
                Consumption {
                    ordered_cents: row.try_get("ordered")?,
                    done_cents: row.try_get("done")?,
                    invoiced_cents: row.try_get("invoiced")?,
                    paid_cents: row.try_get("paid")?,
                },
            ))
        })
        .collect()
}

/// The current version of every order of the people in `user`'s scope, latest first.
pub async fn order_items(
    conn: &mut SqliteConnection,
    user: &jalon_domain::auth::SessionUser,
) -> Result<Vec<Item>, sqlx::Error> {
    let Some(scope) = super::scope_sql(user) else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT o.item_id FROM orders o JOIN items i ON i.id = o.item_id
         WHERE i.person_id IN ({scope})
         ORDER BY o.ordered_on DESC, o.item_id"
    )))
    .bind(user.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(item) = super::item(conn, parse_uuid(&id)?).await? {
            items.push(item);
        }
    }
    Ok(items)
}

// The SQL above says `status != 'cancelled'` where the domain says `OrderStatus::counts`.
#[cfg(test)]
mod tests {
    #[test]
    fn only_cancelled_orders_leave_the_cap() {
        for status in jalon_domain::money::orders::OrderStatus::ALL {
            assert_eq!(status.counts(), status.as_str() != "cancelled");
        }
    }
}
