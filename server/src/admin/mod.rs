//! The administrator's API under `/api/admin/`: accounts and their devices, schemes, the audit
//! log, retention and the import of an existing caseload. Administrators see no person's file:
//! counts and ids only (the right of access is the one audited exception, see `access`).

pub mod accounts;
pub mod audit;
pub mod import;
pub mod retention;
pub mod schemes;

use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;
use crate::db;
use crate::error::ApiError;

/// The routes of `/api/admin/`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{id}", put(accounts::update))
        .route("/accounts/{id}/password", post(accounts::reset_password))
        .route("/accounts/{id}/deactivate", post(accounts::deactivate))
        .route("/accounts/{id}/reactivate", post(accounts::reactivate))
        .route(
            "/accounts/{id}/devices/{device}/revoke",
            post(accounts::revoke_device),
        )
        .route("/schemes", get(schemes::list))
        .route("/schemes/{code}", put(schemes::change))
        .route("/audit", get(audit::search))
        .route("/audit.csv", get(audit::export))
        .route("/people/lookup", post(crate::access::lookup))
        .route(
            "/import",
            post(import::import).layer(axum::extract::DefaultBodyLimit::max(import::MAX_BYTES)),
        )
        .route("/retention", get(retention::list))
        .route("/retention/purge", post(retention::purge))
}

/// Records an administrative action (the account or scheme concerned in `detail`).
pub(crate) async fn record(
    tx: &mut sqlx::SqliteConnection,
    admin: &crate::auth::CurrentUser,
    action: &str,
    detail: &str,
) -> Result<(), ApiError> {
    db::audit::record(
        tx,
        &db::audit::NewEvent {
            at: crate::auth::now_unix(),
            user_id: Some(admin.user.id),
            device_id: Some(admin.device_id),
            action,
            person_id: None,
            detail,
        },
    )
    .await?;
    Ok(())
}
