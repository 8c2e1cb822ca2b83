//! Retention: the files whose last contact is older than the setting (CNIL: 2 years), listed
//! first (a dry run), purged on confirmation.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use jalon_domain::admin::retention::{Candidate, PurgeReport, PurgeRequest, cutoff};
use serde::Serialize;
use time::Date;

use super::record;
use crate::AppState;
use crate::auth::{Admin, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::{ApiJson, today};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Due {
    /// Files whose last contact is before this day are due.
    pub cutoff: Date,
    pub years: i64,
    pub candidates: Vec<Candidate>,
}

/// The dry run: what a purge would remove today.
#[utoipa::path(
    get, path = "/api/admin/retention", tag = "admin",
    responses((status = 200, description = "The files due for erasure", body = Due)),
)]
pub async fn list(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<Due>, ApiError> {
    let years = state.config.retention_years;
    let cutoff = cutoff(today(), years);
    let mut tx = state.db.begin_read().await?;
    let candidates = db::retention::candidates(&mut tx, cutoff).await?;
    tx.rollback().await?;
    Ok(Json(Due {
        cutoff,
        years,
        candidates,
    }))
}

/// Purges the files of the request that are still due (checked again in the same
/// transaction: a contact or an enrolment since the list was shown keeps a file).
#[utoipa::path(
    post, path = "/api/admin/retention/purge", tag = "admin",
    request_body = jalon_domain::admin::retention::PurgeRequest,
    responses(
        (status = 200, description = "What was erased", body = jalon_domain::admin::retention::PurgeReport),
        (status = 409, description = "A rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn purge(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<PurgeRequest>,
) -> Result<Json<PurgeReport>, ApiError> {
    if request.person_ids.is_empty() {
        return Err(ApiError::BadRequest {
            code: "empty_selection",
            message: "Aucun dossier n'est sélectionné.".into(),
        });
    }
    let cutoff = cutoff(today(), state.config.retention_years);
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let due: HashSet<_> = db::retention::candidates(&mut tx, cutoff)
        .await?
        .into_iter()
        .map(|c| c.person_id)
        .collect();
    let mut purged = 0;
    let asked: HashSet<_> = request.person_ids.iter().copied().collect();
    for id in &asked {
        if !due.contains(id) {
            continue;
        }
        db::retention::purge(&mut tx, *id, now).await?;
        db::audit::record(
            &mut tx,
            &db::audit::NewEvent {
                at: now,
                user_id: Some(admin.user.id),
                device_id: Some(admin.device_id),
                action: "person.purge",
                person_id: Some(*id),
                detail: "",
            },
        )
        .await?;
        purged += 1;
    }
    record(&mut tx, &admin, "retention.purge", &purged.to_string()).await?;
    tx.commit().await?;
    Ok(Json(PurgeReport {
        purged,
        skipped: asked.len() - purged,
    }))
}
