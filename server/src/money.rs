//! The supervision's side of the money: framework agreements with their consumption and
//! orders, a new agreement, a renewal, the invoicing and payment of an order; the farm funds'
//! envelopes, farms and grants; the financing partners' yearly places and figures. Orders
//! and referrals are placed by référents through sync (`sync::save_item`), where the cap and
//! the places are enforced.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jalon_domain::auth::Role;
use jalon_domain::followup::{Item, ItemBody, ItemContext, check_item};
use jalon_domain::money::agreements::MAX_PERIOD_CENTS;
use jalon_domain::money::agreements::{
    Agreement, AgreementDraft, AgreementState, AgreementStatus, AgreementsView, PeriodTerms,
    check_agreement, check_renewal,
};
use jalon_domain::money::funds::{Envelope, Farm, Fund, FundsView, Grant, check_farm, check_grant};
use jalon_domain::money::orders::OrderStatus;
use jalon_domain::money::partners::{
    Partner, PartnerAgreement, PartnersView, check_agreement_places, partner_years,
};
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CurrentUser, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::routes::today;

fn supervisor(current: &CurrentUser) -> Result<(), ApiError> {
    if current.user.role == Role::Supervisor {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[utoipa::path(
    get, path = "/api/agreements", tag = "money",
    responses(
        (status = 200, description = "Every agreement with the consumption of its periods, and the orders of the supervisor's schemes", body = AgreementsView),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<AgreementsView>, ApiError> {
    supervisor(&current)?;
    let mut tx = state.db.begin_read().await?;
    let agreements = db::money::agreements(&mut tx).await?;
    let consumption = db::money::consumption(&mut tx).await?;
    let orders = db::money::order_items(&mut tx, &current.user).await?;
    let today = today();
    let mut agreements = agreements
        .into_iter()
        .map(|agreement| AgreementState::new(agreement, &consumption, today))
        .collect::<Vec<_>>();
    // Those in force first, then those to come, then the ended ones; by provider within.
    agreements.sort_by_key(|a| {
        (
            match a.status {
                AgreementStatus::Active => 0,
                AgreementStatus::Upcoming => 1,
                AgreementStatus::Ended => 2,
            },
            a.agreement.provider.clone(),
        )
    });
    Ok(Json(AgreementsView { agreements, orders }))
}

#[utoipa::path(
    post, path = "/api/agreements", tag = "money",
    request_body = AgreementDraft,
    responses(
        (status = 201, description = "The agreement with its initial period", body = Agreement),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field is invalid", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(draft): ApiJson<AgreementDraft>,
) -> Result<(StatusCode, Json<Agreement>), ApiError> {
    supervisor(&current)?;
    let agreement =
        check_agreement(draft, Uuid::new_v4(), today()).map_err(ApiError::Validation)?;
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    db::money::insert_agreement(&mut tx, &agreement, current.user.id, now).await?;
    db::shared::refresh(&mut tx).await?;
    db::audit(
        &mut tx,
        now,
        Some(current.user.id),
        "agreement.create",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(agreement)))
}

#[utoipa::path(
    post, path = "/api/agreements/{id}/renewals", tag = "money",
    params(("id" = Uuid, Path, description = "The agreement")),
    request_body = PeriodTerms,
    responses(
        (status = 200, description = "The agreement with its new period", body = Agreement),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such agreement", body = crate::openapi::ErrorBody),
        (status = 422, description = "Invalid, or already renewed twice (`no_renewal_left`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn renew(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    ApiJson(terms): ApiJson<PeriodTerms>,
) -> Result<Json<Agreement>, ApiError> {
    supervisor(&current)?;
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let mut agreement = db::money::agreement(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let period = check_renewal(&agreement, terms, today()).map_err(ApiError::Validation)?;
    db::money::insert_period(&mut tx, id, &period, current.user.id, now).await?;
    db::shared::refresh(&mut tx).await?;
    db::audit(&mut tx, now, Some(current.user.id), "agreement.renew", None).await?;
    tx.commit().await?;
    agreement.periods.push(period);
    Ok(Json(agreement))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StageChange {
    pub status: OrderStatus,
}

#[utoipa::path(
    post, path = "/api/orders/{id}/status", tag = "money",
    params(("id" = Uuid, Path, description = "The order (a follow-up item)")),
    request_body = StageChange,
    responses(
        (status = 200, description = "The order's new version", body = Item),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such order among the supervisor's people", body = crate::openapi::ErrorBody),
        (status = 422, description = "Not the next stage of the order", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn change_stage(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    ApiJson(change): ApiJson<StageChange>,
) -> Result<Json<Item>, ApiError> {
    supervisor(&current)?;
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let current_item = db::item(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let ItemBody::Order(order) = &current_item.body else {
        return Err(ApiError::NotFound);
    };
    if !db::in_scope(&mut tx, &current.user, current_item.person_id).await? {
        return Err(ApiError::NotFound);
    }
    let enrolments = db::enrolments_of(&mut tx, current_item.person_id).await?;
    let agreements = db::money::agreements(&mut tx).await?;
    let schemes = db::schemes::schemes(&mut tx).await?;
    let next = Item {
        author_id: current.user.id,
        body: ItemBody::Order(jalon_domain::money::orders::PurchaseOrder {
            status: change.status,
            ..order.clone()
        }),
        ..current_item.clone()
    };
    let ctx = ItemContext {
        actor: &current.user,
        enrolments: &enrolments,
        schemes: &schemes,
        agreements: &agreements,
        partner_agreements: &[],
        today: today(),
    };
    let next = check_item(next, Some(&current_item), &ctx).map_err(ApiError::Validation)?;
    if next.body == current_item.body {
        return Ok(Json(current_item));
    }
    let rev = db::next_revs(&mut tx, 1).await?;
    db::save_item(&mut tx, &next, rev, now).await?;
    if let ItemBody::Order(order) = &next.body {
        db::money::save_order(&mut tx, next.id, order, None).await?;
        db::shared::refresh_agreement(&mut tx, order.agreement_id).await?;
    }
    db::audit(
        &mut tx,
        now,
        Some(current.user.id),
        "order.save",
        Some(next.person_id),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(next))
}

#[utoipa::path(
    get, path = "/api/funds", tag = "money",
    responses(
        (status = 200, description = "The farm funds' envelopes, the farms and the grants", body = FundsView),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn funds(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<FundsView>, ApiError> {
    supervisor(&current)?;
    let mut tx = state.db.begin_read().await?;
    Ok(Json(FundsView {
        envelopes: db::funds::envelopes(&mut tx).await?,
        farms: db::funds::farms(&mut tx).await?,
        grants: db::funds::grants(&mut tx).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnvelopeAmount {
    pub amount_cents: i64,
}

#[utoipa::path(
    put, path = "/api/funds/{fund}/{year}", tag = "money",
    params(
        ("fund" = String, Path, description = "`agridiff`, `sesa` or `emergency`"),
        ("year" = i32, Path, description = "The calendar year"),
    ),
    request_body = EnvelopeAmount,
    responses(
        (status = 200, description = "The envelope as set", body = Envelope),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such fund", body = crate::openapi::ErrorBody),
        (status = 422, description = "Out of range, or below what the year already granted (`below_granted`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn set_envelope(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((fund, year)): Path<(String, i32)>,
    ApiJson(amount): ApiJson<EnvelopeAmount>,
) -> Result<Json<Envelope>, ApiError> {
    supervisor(&current)?;
    let fund = Fund::parse(&fund).ok_or(ApiError::NotFound)?;
    let envelope = Envelope {
        fund,
        year,
        amount_cents: amount.amount_cents,
    };
    if !(2015..=today().year() + 1).contains(&year)
        || !(0..=MAX_PERIOD_CENTS).contains(&amount.amount_cents)
    {
        return Err(ApiError::Validation(Invalid::single(FieldError::new(
            "envelope",
            "out_of_range",
            format!(
                "Une enveloppe vaut de 0 à {} pour une année de 2015 à l'an prochain.",
                jalon_domain::money::euros(MAX_PERIOD_CENTS)
            ),
        ))));
    }
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let granted = db::funds::granted(&mut tx, fund, year).await?;
    if amount.amount_cents < granted {
        return Err(ApiError::Validation(Invalid::single(FieldError::new(
            "envelope",
            "below_granted",
            format!(
                "Les aides de {year} atteignent déjà {} : l'enveloppe ne peut pas être plus basse.",
                jalon_domain::money::euros(granted)
            ),
        ))));
    }
    db::funds::set_envelope(&mut tx, &envelope, current.user.id, now).await?;
    db::shared::refresh(&mut tx).await?;
    db::audit(&mut tx, now, Some(current.user.id), "fund.envelope", None).await?;
    tx.commit().await?;
    Ok(Json(envelope))
}

#[utoipa::path(
    post, path = "/api/farms", tag = "money",
    request_body = Farm,
    responses(
        (status = 201, description = "The farm (with a new id)", body = Farm),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field is invalid", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create_farm(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(farm): ApiJson<Farm>,
) -> Result<(StatusCode, Json<Farm>), ApiError> {
    supervisor(&current)?;
    let farm = check_farm(Farm {
        id: Uuid::new_v4(),
        ..farm
    })
    .map_err(ApiError::Validation)?;
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    for person in &farm.people {
        if !db::in_scope(&mut tx, &current.user, *person).await? {
            return Err(ApiError::Validation(Invalid::single(FieldError::new(
                "farm_people",
                "not_in_scope",
                "Une personne liée à l'exploitation n'est pas dans les dispositifs que vous supervisez.",
            ))));
        }
    }
    db::funds::insert_farm(&mut tx, &farm, current.user.id, now).await?;
    db::audit(&mut tx, now, Some(current.user.id), "farm.create", None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(farm)))
}

#[utoipa::path(
    post, path = "/api/grants", tag = "money",
    request_body = Grant,
    responses(
        (status = 201, description = "The grant (with a new id)", body = Grant),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 422, description = "Invalid, unknown farm, no envelope, or beyond the envelope (`over_envelope`, with what was left)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create_grant(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(grant): ApiJson<Grant>,
) -> Result<(StatusCode, Json<Grant>), ApiError> {
    supervisor(&current)?;
    let now = now_unix();
    // The year's grants are summed inside the writing transaction: two supervisors granting
    // at once never exceed the envelope together.
    let mut tx = state.db.begin_write().await?;
    if !db::funds::farm_exists(&mut tx, grant.farm_id).await? {
        return Err(ApiError::Validation(Invalid::single(FieldError::new(
            "grant_farm",
            "unknown_farm",
            "Cette exploitation n'existe pas.",
        ))));
    }
    let year = grant.granted_on.year();
    let envelope = db::funds::envelopes(&mut tx)
        .await?
        .into_iter()
        .find(|e| e.fund == grant.fund && e.year == year);
    let granted = db::funds::granted(&mut tx, grant.fund, year).await?;
    let grant = check_grant(
        Grant {
            id: Uuid::new_v4(),
            ..grant
        },
        envelope.as_ref(),
        granted,
        today(),
    )
    .map_err(ApiError::Validation)?;
    db::funds::insert_grant(&mut tx, &grant, current.user.id, now).await?;
    db::audit(&mut tx, now, Some(current.user.id), "fund.grant", None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

#[utoipa::path(
    get, path = "/api/partners", tag = "money",
    responses(
        (status = 200, description = "The financing partners' yearly agreements and what became of the referrals, by partner and year", body = PartnersView),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn partners(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<PartnersView>, ApiError> {
    supervisor(&current)?;
    let mut tx = state.db.begin_read().await?;
    let agreements = db::partners::agreements(&mut tx).await?;
    let facts = db::partners::facts(&mut tx).await?;
    Ok(Json(PartnersView {
        years: partner_years(&agreements, &facts),
        agreements,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AgreementPlaces {
    pub places: u32,
}

#[utoipa::path(
    put, path = "/api/partners/{partner}/{year}", tag = "money",
    params(
        ("partner" = String, Path, description = "`adie`, `initiative_hv` or `limousin_actif`"),
        ("year" = i32, Path, description = "The calendar year"),
    ),
    request_body = AgreementPlaces,
    responses(
        (status = 200, description = "The agreement as set, with its places used", body = PartnerAgreement),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such partner", body = crate::openapi::ErrorBody),
        (status = 422, description = "Out of range, or fewer places than the year's referrals (`below_used`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn set_partner_agreement(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((partner, year)): Path<(String, i32)>,
    ApiJson(body): ApiJson<AgreementPlaces>,
) -> Result<Json<PartnerAgreement>, ApiError> {
    supervisor(&current)?;
    let partner = Partner::parse(&partner).ok_or(ApiError::NotFound)?;
    if !(2015..=today().year() + 1).contains(&year) {
        return Err(ApiError::Validation(Invalid::single(FieldError::new(
            "year",
            "out_of_range",
            "Une convention porte sur une année de 2015 à l'an prochain.",
        ))));
    }
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let used = db::partners::places_used(&mut tx, partner, year, Uuid::nil()).await?;
    check_agreement_places(body.places, used).map_err(ApiError::Validation)?;
    let agreement = PartnerAgreement {
        partner,
        year,
        places: body.places,
        used,
    };
    db::partners::set_agreement(&mut tx, &agreement, current.user.id, now).await?;
    db::shared::refresh(&mut tx).await?;
    db::audit(
        &mut tx,
        now,
        Some(current.user.id),
        "partner.agreement",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(agreement))
}
