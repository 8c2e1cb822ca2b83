//! Import of an existing caseload (go-live): a dry run that reports every line, then the
//! import itself, idempotent and audited. See `docs/import.md` for the layout.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use jalon_domain::admin::import::{ImportContext, ImportReport, decode, read, report};
use jalon_domain::people::Person;
use jalon_domain::text::fold;
use serde::Deserialize;

use super::record;
use crate::AppState;
use crate::auth::{Admin, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::today;
use crate::sync::store_new_person;

/// Largest file accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    /// `true` (the default) reports what would happen and writes nothing.
    #[serde(default = "yes")]
    pub dry_run: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/admin/import?dry_run=…` with the CSV file as the body.
#[utoipa::path(
    post, path = "/api/admin/import", tag = "admin",
    params(("dry_run" = Option<bool>, Query, description = "`true` (the default) reports and writes nothing")),
    request_body(content = String, content_type = "text/csv", description = "The CSV file of people to take over"),
    responses((status = 200, description = "What was (or would be) imported, line by line", body = jalon_domain::admin::import::ImportReport)),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn import(
    State(state): State<AppState>,
    Admin(admin): Admin,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let Query(ImportQuery { dry_run }) = query?;
    let text = decode(&body);
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let schemes = db::schemes::schemes(&mut tx).await?;
    let referents: HashMap<String, _> = db::accounts::active_referents(&mut tx)
        .await?
        .into_iter()
        .map(|r| (r.username.clone(), r))
        .collect();
    // What is already in Jalon: ids (an earlier import), identities and numéros allocataire.
    let existing = db::people_keys(&mut tx).await?;
    let ids: HashSet<_> = existing.iter().map(|p| p.id).collect();
    let identities: HashSet<(String, String, time::Date)> = existing
        .iter()
        .map(|p| (fold(&p.last_name), fold(&p.first_name), p.birth_date))
        .collect();
    let allocataires: HashSet<&str> = existing
        .iter()
        .map(|p| p.details.allocataire.as_str())
        .filter(|a| !a.is_empty())
        .collect();
    let exists = |id| ids.contains(&id);
    let duplicates = |p: &Person| {
        identities.contains(&(fold(&p.last_name), fold(&p.first_name), p.birth_date))
            || (!p.details.allocataire.is_empty()
                && allocataires.contains(p.details.allocataire.as_str()))
    };
    let ctx = ImportContext {
        referents: &referents,
        schemes: &schemes,
        today: today(),
        exists: &exists,
        existing_duplicates: &duplicates,
    };
    let (errors, lines) = read(&text, &ctx);
    let outcome = report(dry_run, errors, &lines);
    if dry_run || !outcome.errors.is_empty() {
        tx.rollback().await?;
        return Ok(Json(outcome));
    }
    let by_id: HashMap<_, _> = referents.values().map(|r| (r.id, r)).collect();
    for creation in lines.iter().filter_map(|l| l.creation.as_ref()) {
        let Some(referent) = by_id.get(&creation.enrolment.referent_id) else {
            continue;
        };
        store_new_person(&mut tx, creation, referent, now).await?;
        db::rehash_person(&mut tx, creation.person.id).await?;
        db::audit::record(
            &mut tx,
            &db::audit::NewEvent {
                at: now,
                user_id: Some(admin.user.id),
                device_id: Some(admin.device_id),
                action: "person.import",
                person_id: Some(creation.person.id),
                detail: "",
            },
        )
        .await?;
    }
    record(
        &mut tx,
        &admin,
        "import.run",
        &format!(
            "{{\"created\":{},\"refused\":{},\"already_imported\":{}}}",
            outcome.created, outcome.refused, outcome.already_imported
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(outcome))
}
