//! The right of access: a supervisor of one of the person's schemes, or the administrator
//! acting as data protection officer, produces the complete file of a person (audited).

use axum::Json;
use axum::extract::{Path, State};
use jalon_domain::admin::access::{AccessReport, LookupResult, PersonLookup};
use jalon_domain::auth::Role;
use jalon_domain::text::fold;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Admin, CurrentUser, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::ApiJson;

/// `GET /api/people/{id}/access-report`.
#[utoipa::path(
    get, path = "/api/people/{id}/access-report", tag = "sync",
    params(("id" = uuid::Uuid, Path, description = "The person")),
    responses(
        (status = 200, description = "Who opened and changed the file (right of access)", body = jalon_domain::admin::access::AccessReport),
        (status = 404, description = "No such person in the caller's scope (`not_found`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn report(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<AccessReport>, ApiError> {
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let enrolments = db::enrolments_of(&mut tx, id).await?;
    let allowed = match current.user.role {
        Role::Administrator => true,
        Role::Supervisor => enrolments
            .iter()
            .any(|e| current.user.supervised_schemes.contains(&e.scheme)),
        Role::Referent => false,
    };
    // Refused the same way whether the file exists or not.
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    let Some((person, _, _)) = db::person(&mut tx, id).await? else {
        return Err(ApiError::NotFound);
    };
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: now,
            user_id: Some(current.user.id),
            device_id: Some(current.device_id),
            action: "person.access_report",
            person_id: Some(id),
            detail: "",
        },
    )
    .await?;
    let report =
        db::access::report(&mut tx, person, current.user.display_name.clone(), now).await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// `POST /api/admin/people/lookup`: the files matching a person's exact identity (names
/// accents and case aside, birth date), ids only. Audited.
#[utoipa::path(
    post, path = "/api/admin/people/lookup", tag = "admin",
    request_body = jalon_domain::admin::access::PersonLookup,
    responses((status = 200, description = "The people matching, for a right-of-access request", body = jalon_domain::admin::access::LookupResult)),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn lookup(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(lookup): ApiJson<PersonLookup>,
) -> Result<Json<LookupResult>, ApiError> {
    if lookup.last_name.trim().is_empty() || lookup.first_name.trim().is_empty() {
        return Err(ApiError::BadRequest {
            code: "invalid_lookup",
            message: "Le nom et le prénom sont obligatoires.".into(),
        });
    }
    let (last, first) = (
        fold(lookup.last_name.trim()),
        fold(lookup.first_name.trim()),
    );
    let mut tx = state.db.begin_write().await?;
    let person_ids: Vec<Uuid> = db::access::born_on(&mut tx, lookup.birth_date)
        .await?
        .into_iter()
        .filter(|(_, l, f)| fold(l) == last && fold(f) == first)
        .map(|(id, _, _)| id)
        .collect();
    crate::admin::record(
        &mut tx,
        &admin,
        "person.lookup",
        &person_ids.len().to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(LookupResult { person_ids }))
}
