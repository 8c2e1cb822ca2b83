//! The financing partners: their yearly agreements and the referrals' projection.

use jalon_domain::money::partners::{
    Partner, PartnerAgreement, Referral, ReferralFact, ReferralOutcome,
};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::corrupt;

fn partner(text: &str) -> Result<Partner, sqlx::Error> {
    Partner::parse(text).ok_or_else(|| corrupt("partner"))
}

/// Every yearly agreement with the referrals that hold one of its places.
pub async fn agreements(conn: &mut SqliteConnection) -> Result<Vec<PartnerAgreement>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.partner, a.year, a.places,
                (SELECT COUNT(*) FROM referrals r
                  WHERE r.partner = a.partner AND r.year = a.year AND r.outcome != 'withdrawn')
                  AS used
         FROM partner_agreements a ORDER BY a.year, a.partner",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PartnerAgreement {
                partner: partner(row.try_get("partner")?)?,
                year: row.try_get::<i64, _>("year")? as i32,
                places: row.try_get::<i64, _>("places")? as u32,
                used: row.try_get::<i64, _>("used")? as u32,
            })
        })
        .collect()
}

/// Sets the places of a partner's agreement for a year (a new decision replaces the last).
pub async fn set_agreement(
    tx: &mut SqliteConnection,
    agreement: &PartnerAgreement,
    by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO partner_agreements (partner, year, places, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (partner, year) DO UPDATE SET places = ?3, set_by = ?4, set_at = ?5",
    )
    .bind(agreement.partner.as_str())
    .bind(i64::from(agreement.year))
    .bind(i64::from(agreement.places))
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The referrals of a partner's year that hold a place, without `except` (the one being
/// decided).
pub async fn places_used(
    tx: &mut SqliteConnection,
    partner: Partner,
    year: i32,
    except: Uuid,
) -> Result<u32, sqlx::Error> {
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals
         WHERE partner = ?1 AND year = ?2 AND outcome != 'withdrawn' AND item_id != ?3",
    )
    .bind(partner.as_str())
    .bind(i64::from(year))
    .bind(except.to_string())
    .fetch_one(&mut *tx)
    .await?;
    Ok(used as u32)
}

/// Keeps the projection of a referral item in step with its current version.
pub async fn save_referral(
    tx: &mut SqliteConnection,
    item_id: Uuid,
    referral: &Referral,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO referrals (item_id, partner, year, outcome, amount_cents, business_created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (item_id) DO UPDATE SET outcome = ?4, amount_cents = ?5,
             business_created = ?6",
    )
    .bind(item_id.to_string())
    .bind(referral.partner.as_str())
    .bind(i64::from(referral.referred_on.year()))
    .bind(referral.outcome.as_str())
    .bind(referral.amount_cents)
    .bind(referral.business_created_on.is_some())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Every referral as the figures see it.
pub async fn facts(conn: &mut SqliteConnection) -> Result<Vec<ReferralFact>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT partner, year, outcome, amount_cents, business_created FROM referrals")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(ReferralFact {
                partner: partner(row.try_get("partner")?)?,
                year: row.try_get::<i64, _>("year")? as i32,
                outcome: ReferralOutcome::parse(row.try_get("outcome")?)
                    .ok_or_else(|| corrupt("referral outcome"))?,
                amount_cents: row.try_get("amount_cents")?,
                business_created: row.try_get::<i64, _>("business_created")? != 0,
            })
        })
        .collect()
}
