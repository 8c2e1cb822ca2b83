//! The co-financing of the schemes (supervisors): `GET /api/cofinancing?year=…` the year's
//! costs and their split between the financers for the schemes the supervisor oversees,
//! `PUT /api/cofinancing/{scheme}/{year}` a scheme's plan, and the report as an XLSX
//! workbook (audited). The figures come from `jalon_domain::money::cofinancing`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jalon_domain::auth::Role;
use jalon_domain::money::cofinancing::{
    CofinancingPlan, CofinancingReport, Share, check_plan, report, report_tables,
};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{CurrentUser, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::{ApiJson, today};

#[derive(Deserialize)]
pub struct YearQuery {
    year: i32,
}

/// The years a plan may be declared for.
fn check_year(year: i32) -> Result<(), ApiError> {
    if (2015..=today().year() + 1).contains(&year) {
        return Ok(());
    }
    Err(ApiError::Validation(Invalid::single(FieldError::new(
        "year",
        "out_of_range",
        "L'année va de 2015 à l'an prochain.",
    ))))
}

/// The report of `year` over the schemes `current` supervises.
async fn compute(
    state: &AppState,
    current: &CurrentUser,
    year: i32,
) -> Result<CofinancingReport, ApiError> {
    if current.user.role != Role::Supervisor {
        return Err(ApiError::Forbidden);
    }
    check_year(year)?;
    let mut tx = state.db.begin_read().await?;
    let plans = db::cofinancing::plans(&mut tx, Some(year)).await?;
    let orders = db::cofinancing::orders_by_scheme(&mut tx, year).await?;
    let schemes: Vec<SchemeCode> = SchemeCode::ALL
        .iter()
        .copied()
        .filter(|s| current.user.supervises(*s))
        .collect();
    Ok(report(year, &schemes, &plans, &orders))
}

#[utoipa::path(
    get, path = "/api/cofinancing", tag = "money",
    params(("year" = i32, Query, description = "The calendar year, from 2015 to next year")),
    responses(
        (status = 200, description = "Each supervised scheme's costs of the year and their split between the financers", body = CofinancingReport),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 422, description = "A year out of range", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Json<CofinancingReport>, ApiError> {
    let Query(query) = query?;
    Ok(Json(compute(&state, &current, query.year).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PlanBody {
    pub staff_cents: i64,
    #[serde(default)]
    pub other_cents: i64,
    pub shares: Vec<Share>,
}

#[utoipa::path(
    put, path = "/api/cofinancing/{scheme}/{year}", tag = "money",
    params(
        ("scheme" = String, Path, description = "`arpe`, `plie` or `global`"),
        ("year" = i32, Path, description = "The calendar year"),
    ),
    request_body = PlanBody,
    responses(
        (status = 200, description = "The plan as set", body = CofinancingPlan),
        (status = 403, description = "Not a supervisor of this scheme", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such scheme", body = crate::openapi::ErrorBody),
        (status = 422, description = "Costs out of range, a financer twice, shares not adding up to 100 % (`shares_not_whole`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn set_plan(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((scheme, year)): Path<(String, i32)>,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<Json<CofinancingPlan>, ApiError> {
    if current.user.role != Role::Supervisor {
        return Err(ApiError::Forbidden);
    }
    let scheme = SchemeCode::parse(&scheme).ok_or(ApiError::NotFound)?;
    if !current.user.supervises(scheme) {
        return Err(ApiError::Forbidden);
    }
    check_year(year)?;
    let plan = CofinancingPlan {
        scheme,
        year,
        staff_cents: body.staff_cents,
        other_cents: body.other_cents,
        shares: body.shares,
    };
    check_plan(&plan).map_err(ApiError::Validation)?;
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    db::cofinancing::set_plan(&mut tx, &plan, current.user.id, now).await?;
    db::shared::refresh(&mut tx).await?;
    db::audit(
        &mut tx,
        now,
        Some(current.user.id),
        "cofinancing.plan",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(plan))
}

#[utoipa::path(
    get, path = "/api/cofinancing.xlsx", tag = "money",
    params(("year" = i32, Query, description = "The calendar year, from 2015 to next year")),
    responses(
        (status = 200, description = "The co-financing report as a spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::openapi::Binary),
        (status = 403, description = "Not a supervisor", body = crate::openapi::ErrorBody),
        (status = 422, description = "A year out of range", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn xlsx(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let report = compute(&state, &current, query.year).await?;
    let bytes = crate::supervision::workbook(&report_tables(&report))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let what = format!("Cofinancement (XLSX), {}", report.year);
    let file = format!("jalon-cofinancement-{}.xlsx", report.year);
    crate::supervision::audited_workbook(&state, &current, bytes, &what, &file).await
}
