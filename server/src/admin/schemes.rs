//! Schemes: territory and settings, changed from a date, never moving anyone silently.

use axum::Json;
use axum::extract::{Path, State};
use jalon_domain::schemes::{Scheme, SchemeChange, SchemeCode, Territory};
use jalon_domain::{FieldError, Invalid};
use serde::Serialize;

use super::record;
use crate::AppState;
use crate::auth::{Admin, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::{ApiJson, today};

/// A scheme as the administrator sees it: in force, and how many people it follows outside its
/// territory (they are flagged on the devices of their référents and supervisors, who decide).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SchemeState {
    #[serde(flatten)]
    pub scheme: Scheme,
    pub outside_territory: i64,
    pub followed: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Schemes {
    pub schemes: Vec<SchemeState>,
    pub versions: Vec<db::schemes::Version>,
}

/// People followed in an active enrolment of `scheme`, and those of them whose commune is
/// outside `territory`.
async fn followed(
    tx: &mut sqlx::SqliteConnection,
    scheme: SchemeCode,
    territory: &Territory,
) -> Result<(i64, i64), ApiError> {
    let mut total = 0;
    let mut outside = 0;
    for (commune, count) in db::schemes::followed_by_commune(tx, scheme).await? {
        total += count;
        if jalon_domain::communes::by_code(&commune).is_none_or(|c| !territory.contains(c)) {
            outside += count;
        }
    }
    Ok((total, outside))
}

#[utoipa::path(
    get, path = "/api/admin/schemes", tag = "admin",
    responses((status = 200, description = "The schemes and their state", body = Schemes)),
)]
pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Schemes>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let mut schemes = Vec::new();
    for scheme in db::schemes::schemes(&mut tx).await? {
        let (followed, outside_territory) =
            followed(&mut tx, scheme.code, &scheme.territory).await?;
        schemes.push(SchemeState {
            scheme,
            outside_territory,
            followed,
        });
    }
    let versions = db::schemes::versions(&mut tx).await?;
    tx.rollback().await?;
    Ok(Json(Schemes { schemes, versions }))
}

/// Records a change of a scheme's territory and settings from a date (today or later, or
/// earlier to correct the record); it is in force at once when its date has come. Devices
/// receive it with the reference data; the people it leaves outside the territory are
/// flagged, never moved.
#[utoipa::path(
    put, path = "/api/admin/schemes/{code}", tag = "admin",
    params(("code" = String, Path, description = "`arpe`, `plie` or `global`")),
    request_body = jalon_domain::schemes::SchemeChange,
    responses(
        (status = 200, description = "The scheme as changed", body = SchemeState),
        (status = 404, description = "No such scheme", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn change(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    ApiJson(change): ApiJson<SchemeChange>,
) -> Result<Json<SchemeState>, ApiError> {
    let code = SchemeCode::parse(&code).ok_or(ApiError::NotFound)?;
    let mut invalid = Invalid::default();
    let territory = match change.territory.clone().checked() {
        Ok(territory) => Some(territory),
        Err(errors) => {
            invalid.errors.extend(errors.errors);
            None
        }
    };
    if let Err(errors) = change.settings.check() {
        invalid.errors.extend(errors.errors);
    }
    let today = today();
    let earliest = time::macros::date!(2015 - 01 - 01);
    if change.effective_from < earliest
        || change.effective_from > today + time::Duration::days(2 * 366)
    {
        invalid.push(FieldError::new(
            "effective_from",
            "out_of_range",
            "La date d'effet va du 1er janvier 2015 à deux ans d'ici.",
        ));
    }
    invalid.into_result().map_err(ApiError::Validation)?;
    let change = SchemeChange {
        territory: territory.unwrap_or(change.territory),
        ..change
    };
    let mut tx = state.db.begin_write().await?;
    let scheme = db::schemes::schemes(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or(ApiError::NotFound)?;
    db::schemes::record_change(&mut tx, &scheme, &change, admin.user.id, now_unix()).await?;
    db::schemes::apply_due(&mut tx, today).await?;
    record(&mut tx, &admin, "scheme.edit", code.as_str()).await?;
    let scheme = db::schemes::schemes(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or(ApiError::NotFound)?;
    let (followed, outside_territory) = followed(&mut tx, code, &change.territory).await?;
    tx.commit().await?;
    Ok(Json(SchemeState {
        scheme,
        outside_territory,
        followed,
    }))
}
