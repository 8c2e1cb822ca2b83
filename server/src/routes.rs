//! HTTP handlers of the API under `/api/`.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use jalon_domain::auth::{LoginRequest, LoginResponse, SessionUser};
use jalon_domain::sync::{
    BUCKETS, MAX_PULL_PAGE, MAX_PUSH_BATCH, MIN_PUSH_SCHEMA, PROTOCOL_VERSION, PullResponse,
    PushRequest, PushResponse, ReferenceData, SCHEMA_VERSION,
};
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, CurrentUser, now_unix};
use crate::error::ApiError;
use crate::sync;

/// `Json` whose rejections are [`ApiError`]s (code `invalid_body`, French message).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// A hash to verify against when the account does not exist, so that an unknown username
/// takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| auth::hash_password("decoy password").unwrap_or_default())
}

#[tracing::instrument(skip_all, err)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let username = request.username.trim().to_owned();
    let mut invalid = Invalid::default();
    if username.is_empty() {
        invalid.push(FieldError::new(
            "username",
            "required",
            "L'identifiant est obligatoire.",
        ));
    }
    if request.password.is_empty() {
        invalid.push(FieldError::new(
            "password",
            "required",
            "Le mot de passe est obligatoire.",
        ));
    }
    invalid.into_result().map_err(ApiError::Validation)?;

    let now = now_unix();
    let window_start = now - auth::LOCKOUT_SECONDS;
    if state
        .db
        .login_failures_since(&username, window_start)
        .await?
        >= auth::MAX_LOGIN_FAILURES
    {
        return Err(ApiError::TooManyAttempts);
    }
    let found = state.db.login_lookup(&username).await?;
    let password = request.password;
    let verified = blocking(move || match found {
        Some((id, hash)) => auth::verify_password(&password, &hash).then_some(id),
        None => {
            auth::verify_password(&password, decoy_hash());
            None
        }
    })
    .await?;
    let Some(user_id) = verified else {
        state.db.record_login_failure(&username, now).await?;
        return Err(ApiError::InvalidCredentials);
    };
    state
        .db
        .clear_login_failures(&username, window_start)
        .await?;

    let user = state
        .db
        .user(user_id)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let token = auth::new_token();
    state
        .db
        .create_session(
            &auth::token_hash(&token),
            user.id,
            request.device_id,
            now,
            now + state.config.session_days * 86_400,
        )
        .await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(Json(LoginResponse { token, user }))
}

#[tracing::instrument(skip_all, err)]
pub async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<StatusCode, ApiError> {
    state.db.delete_session(&current.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(current: CurrentUser) -> Json<SessionUser> {
    Json(current.user)
}

#[tracing::instrument(skip_all, err)]
pub async fn reference(
    State(state): State<AppState>,
    _current: CurrentUser,
) -> Result<Json<ReferenceData>, ApiError> {
    Ok(Json(ReferenceData {
        schemes: state.db.schemes().await?,
        staff: state.db.staff().await?,
    }))
}

#[tracing::instrument(skip_all, err)]
pub async fn push(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.protocol != PROTOCOL_VERSION
        || !(MIN_PUSH_SCHEMA..=SCHEMA_VERSION).contains(&request.schema)
    {
        return Err(ApiError::OutdatedClient);
    }
    if request.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            message: format!("Un envoi ne peut contenir plus de {MAX_PUSH_BATCH} modifications."),
        });
    }
    if request.mutations.iter().any(|m| m.seq == 0) {
        return Err(ApiError::BadRequest {
            code: "invalid_seq",
            message: "Les numéros de modification commencent à 1.".into(),
        });
    }
    let schemes = state.db.schemes().await?;
    let ctx = sync::Context {
        actor: &current.user,
        device_id: current.device_id,
        schemes: &schemes,
        today: today(),
        now: now_unix(),
    };
    let mut results = Vec::with_capacity(request.mutations.len());
    for envelope in &request.mutations {
        results.push(sync::apply(&state.db, &ctx, envelope).await?);
    }
    Ok(Json(PushResponse { results }))
}

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    protocol: u32,
    /// Absent from the first apps, which spoke schema 1.
    #[serde(default = "first_schema")]
    schema: u32,
    #[serde(default)]
    cursor: i64,
    limit: Option<u32>,
    /// Only the people of this bucket (0 to 15), to repair a diverged one.
    bucket: Option<u8>,
}

#[tracing::instrument(skip_all, err)]
pub async fn pull(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Query(query) = query?;
    if query.protocol != PROTOCOL_VERSION || query.schema != SCHEMA_VERSION {
        return Err(ApiError::OutdatedClient);
    }
    let limit = query.limit.unwrap_or(MAX_PULL_PAGE);
    if query.cursor < 0 || limit == 0 || limit > MAX_PULL_PAGE {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            message: format!(
                "Le curseur doit être positif et la taille de page entre 1 et {MAX_PULL_PAGE}."
            ),
        });
    }
    if query.bucket.is_some_and(|b| b >= BUCKETS) {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            message: format!("Le compartiment va de 0 à {}.", BUCKETS - 1),
        });
    }
    let pull = state
        .db
        .pull(&current.user, query.cursor, limit, query.bucket)
        .await?;
    Ok(Json(PullResponse {
        protocol: PROTOCOL_VERSION,
        schema: SCHEMA_VERSION,
        cursor: pull.cursor,
        changes: pull.changes,
        has_more: pull.has_more,
        checksum: pull.checksum,
        buckets: pull.buckets,
    }))
}

fn first_schema() -> u32 {
    1
}

pub async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.db.user_count().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
