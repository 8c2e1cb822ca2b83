//! `GET /api/fse.xlsx`: the FSE participant file of a scheme and a period as a workbook — the
//! participations and, on a second sheet, those with missing mandatory data — computed by the
//! same domain functions the app runs on its replica for the CSV and the anomaly list.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use jalon_domain::auth::Role;
use jalon_domain::fse::{anomalies, anomaly_table, participants, table};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::text::format_date_fr;
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::today;
use crate::supervision::{audited_workbook, holdings, period, workbook};

#[derive(Deserialize)]
pub struct FseQuery {
    from: String,
    to: String,
    /// `arpe`, `plie` or `global`: a scheme the supervisor supervises.
    scheme: String,
}

/// `GET /api/fse.xlsx?from=…&to=…&scheme=…`: one row per participation of the scheme active
/// in the period (`docs/fse-export.md`), and the anomalies. Supervisors of the scheme only.
/// Audited.
#[utoipa::path(
    get, path = "/api/fse.xlsx", tag = "supervision",
    params(
        ("from" = time::Date, Query, description = "First day of the period"),
        ("to" = time::Date, Query, description = "Last day of the period"),
        ("scheme" = String, Query, description = "`arpe`, `plie` or `global`"),
    ),
    responses(
        (status = 200, description = "The participant file as a spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::openapi::Binary),
        (status = 403, description = "Not a supervisor of the scheme", body = crate::openapi::ErrorBody),
        (status = 422, description = "A bad period or scheme", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn xlsx(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<FseQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    if current.user.role != Role::Supervisor {
        return Err(ApiError::Forbidden);
    }
    let scheme = SchemeCode::parse(&query.scheme).ok_or_else(|| {
        ApiError::Validation(Invalid::single(FieldError::new(
            "scheme",
            "unknown_scheme",
            "Dispositif inconnu.",
        )))
    })?;
    if !current.user.supervises(scheme) {
        return Err(ApiError::Forbidden);
    }
    let period = period(&query.from, &query.to)?;
    let held = holdings(&state, &current).await?;
    let file = participants(&held.people, &held.enrolments, scheme, period, today());
    let missing = anomalies(&file);
    let bytes = workbook(&[table(&file, scheme, period), anomaly_table(&missing)])
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let what = format!(
        "Fichier des participants FSE (XLSX), {}, du {} au {} : {} participation(s), {} incomplète(s)",
        scheme.short_name(),
        format_date_fr(period.from),
        format_date_fr(period.to),
        file.len(),
        missing.len()
    );
    let name = format!(
        "jalon-fse-{}-{}-{}.xlsx",
        scheme.as_str(),
        period.from,
        period.to
    );
    audited_workbook(&state, &current, bytes, &what, &name).await
}
