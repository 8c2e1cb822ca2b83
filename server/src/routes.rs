//! HTTP handlers of the API under `/api/`.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jalon_domain::admin::accounts::{
    DeviceState, MAX_LOGIN_CHARS, MAX_PASSWORD_CHARS, PasswordChange, check_password,
};
use jalon_domain::admin::audit::{Consultations, MAX_CONSULTATIONS, export_description};
use jalon_domain::admin::signin;
use jalon_domain::auth::{LoginRequest, LoginResponse, SessionUser};
use jalon_domain::sync::{
    BUCKETS, MAX_PULL_PAGE, MAX_PUSH_BATCH, MIN_PUSH_SCHEMA, PROTOCOL_VERSION, PullResponse,
    PushRequest, PushResponse, ReferenceData, SCHEMA_VERSION,
};
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, CurrentUser, Pusher, Session, Source, now_unix};
use crate::db;
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

/// A hash to verify against when the account does not exist, so that an unknown username
/// takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| auth::hash_password("decoy password").unwrap_or_default())
}

#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth", security(()),
    request_body = jalon_domain::auth::LoginRequest,
    responses(
        (status = 200, description = "Signed in: the session token and the device's escrow key", body = jalon_domain::auth::LoginResponse),
        (status = 401, description = "Unknown login or wrong password (`invalid_credentials`)", body = crate::openapi::ErrorBody),
        (status = 403, description = "The account is deactivated or the device revoked", body = crate::openapi::ErrorBody),
        (status = 409, description = "The device is bound to another account, or the app is outdated", body = crate::openapi::ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this source or for this login: wait `Retry-After` seconds", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn login(
    State(state): State<AppState>,
    source: Source,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let username = request.username.trim().to_lowercase();
    let mut invalid = Invalid::default();
    if username.is_empty() {
        invalid.push(FieldError::new(
            "username",
            "required",
            "L'identifiant est obligatoire.",
        ));
    } else if username.chars().count() > MAX_LOGIN_CHARS {
        invalid.push(FieldError::new(
            "username",
            "too_long",
            format!("Un identifiant ne dépasse pas {MAX_LOGIN_CHARS} caractères."),
        ));
    }
    if request.password.is_empty() {
        invalid.push(FieldError::new(
            "password",
            "required",
            "Le mot de passe est obligatoire.",
        ));
    } else if request.password.chars().count() > MAX_PASSWORD_CHARS {
        invalid.push(FieldError::new(
            "password",
            "too_long",
            format!("Un mot de passe ne dépasse pas {MAX_PASSWORD_CHARS} caractères."),
        ));
    }
    invalid.into_result().map_err(ApiError::Validation)?;

    let now = now_unix();
    let Source(source) = source;
    // Reserve the attempt before verifying anything, in one write transaction: concurrent
    // attempts see each other, and cannot all slip under the limit.
    let mut tx = state.db.begin_write().await?;
    let known = db::signin::known_device(&mut tx, &username, request.device_id).await?;
    let failures =
        db::signin::failures(&mut tx, &username, &source, now - signin::WINDOW_SECONDS).await?;
    let wait = signin::wait(&failures, known, now);
    if wait > 0 {
        tx.rollback().await?;
        tracing::warn!(login = %username, %source, wait, "sign-in delayed");
        return Err(ApiError::TooManyAttempts { wait });
    }
    let attempt = db::signin::reserve(&mut tx, &username, &source, now).await?;
    tx.commit().await?;

    let found = state.db.login_lookup(&username).await?;
    let password = request.password;
    let verified = {
        let _slot = state.sign_in.slot(known).await?;
        state
            .sign_in
            .run(move || match found {
                Some((id, hash, must_change)) => {
                    auth::verify_password(&password, &hash).then_some((id, must_change))
                }
                None => {
                    auth::verify_password(&password, decoy_hash());
                    None
                }
            })
            .await?
    };
    let mut tx = state.db.begin_write().await?;
    db::signin::settle(&mut tx, attempt, &username, &source, verified.is_some()).await?;
    let Some((user_id, must_change_password)) = verified else {
        db::audit::record(
            &mut tx,
            &db::audit::NewEvent {
                at: now,
                device_id: Some(request.device_id),
                action: "auth.login_failed",
                detail: &format!("{username} {source}"),
                ..db::audit::NewEvent::default()
            },
        )
        .await?;
        if !known && signin::is_burst(&failures) {
            // Many failures from one address: the administrator sees it in the audit log.
            db::audit::record(
                &mut tx,
                &db::audit::NewEvent {
                    at: now,
                    action: "auth.burst",
                    detail: &source,
                    ..db::audit::NewEvent::default()
                },
            )
            .await?;
            tracing::warn!(%source, "burst of failed sign-ins");
        }
        tx.commit().await?;
        tracing::warn!(login = %username, %source, "sign-in refused");
        return Err(ApiError::InvalidCredentials);
    };
    tx.commit().await?;

    let user = state
        .db
        .user(user_id)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let mut tx = state.db.begin_read().await?;
    let bound = db::devices::bound_elsewhere(&mut tx, request.device_id, user.id).await?;
    tx.rollback().await?;
    if bound {
        return Err(ApiError::Conflict {
            code: "device_bound",
            message: "Cet appareil est lié à un autre compte : il doit d'abord envoyer ses modifications et oublier ses données."
                .into(),
        });
    }
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
    let mut tx = state.db.begin_write().await?;
    let device_key =
        db::devices::vault_key(&mut tx, user.id, request.device_id, auth::random_key()).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(Json(LoginResponse {
        token,
        user,
        must_change_password,
        device_key: URL_SAFE_NO_PAD.encode(device_key),
    }))
}

#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "The session is ended")),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    state.db.delete_session(&session.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every other session of the user (a lost tablet, a forgotten desktop): their waiting
/// changes stay on each device until it signs in again. The session asking stays open.
#[utoipa::path(
    post, path = "/api/auth/logout-all", tag = "auth",
    responses((status = 204, description = "Every other session of the user is ended")),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin_write().await?;
    db::accounts::end_sessions(&mut tx, session.user.id, Some(&session.token_hash)).await?;
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: now_unix(),
            user_id: Some(session.user.id),
            device_id: Some(session.device_id),
            action: "auth.logout_everywhere",
            ..db::audit::NewEvent::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, description = "The signed-in user", body = jalon_domain::auth::SessionUser)),
)]
pub async fn me(current: CurrentUser) -> Json<SessionUser> {
    Json(current.user)
}

/// A user changes their own password (a temporary one included); their other sessions end.
#[utoipa::path(
    post, path = "/api/auth/password", tag = "auth",
    request_body = jalon_domain::admin::accounts::PasswordChange,
    responses((status = 204, description = "Changed; the user's other sessions are ended")),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    if session.device_state == DeviceState::Revoked {
        return Err(ApiError::DeviceRevoked);
    }
    if !session.active {
        return Err(ApiError::DeviceWipe);
    }
    check_password(&change.new, &session.user.username).map_err(ApiError::Validation)?;
    let mut tx = state.db.begin_read().await?;
    let hash = db::accounts::password_hash(&mut tx, session.user.id)
        .await?
        .ok_or(ApiError::SessionExpired)?;
    tx.rollback().await?;
    let current = change.current.clone();
    let new = change.new.clone();
    let new_hash = state
        .sign_in
        .run(move || {
            auth::verify_password(&current, &hash)
                .then(|| auth::hash_password(&new))
                .transpose()
        })
        .await??;
    let Some(new_hash) = new_hash else {
        return Err(ApiError::Validation(Invalid {
            errors: vec![FieldError::new(
                "current",
                "wrong_password",
                "Le mot de passe actuel est incorrect.",
            )],
        }));
    };
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    db::accounts::set_password(&mut tx, session.user.id, &new_hash, false).await?;
    db::accounts::end_sessions(&mut tx, session.user.id, Some(&session.token_hash)).await?;
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: now,
            user_id: Some(session.user.id),
            device_id: Some(session.device_id),
            action: "auth.password_changed",
            ..db::audit::NewEvent::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A device confirms it wiped what it held after its account was deactivated or it was
/// revoked: the device list shows it, its sessions end.
#[utoipa::path(
    post, path = "/api/device/wiped", tag = "sync",
    responses(
        (status = 204, description = "Recorded; the device's sessions are ended"),
        (status = 409, description = "Nothing was asked of this device (`nothing_to_wipe`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn device_wiped(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    if session.active && session.device_state == DeviceState::Active {
        // Nothing was asked of this device.
        return Err(ApiError::Conflict {
            code: "nothing_to_wipe",
            message: "Cet appareil n'a pas à être effacé.".into(),
        });
    }
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    db::devices::touch(&mut tx, session.user.id, session.device_id, now, None, None).await?;
    db::devices::set_state(
        &mut tx,
        session.user.id,
        session.device_id,
        DeviceState::Wiped,
        now,
    )
    .await?;
    db::accounts::end_sessions_of_device(&mut tx, session.user.id, session.device_id).await?;
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: now,
            user_id: Some(session.user.id),
            device_id: Some(session.device_id),
            action: "device.wiped",
            ..db::audit::NewEvent::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Files opened on a device, offline ones included, become audit events.
#[utoipa::path(
    post, path = "/api/sync/consultations", tag = "sync",
    request_body = jalon_domain::admin::audit::Consultations,
    responses((status = 204, description = "Recorded in the audit log")),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn consultations(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(batch): ApiJson<Consultations>,
) -> Result<StatusCode, ApiError> {
    if batch.consultations.len() > MAX_CONSULTATIONS || batch.exports.len() > MAX_CONSULTATIONS {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            message: format!(
                "Un envoi ne peut contenir plus de {MAX_CONSULTATIONS} consultations."
            ),
        });
    }
    let mut tx = state.db.begin_write().await?;
    for consultation in &batch.consultations {
        db::audit::record(
            &mut tx,
            &db::audit::NewEvent {
                at: consultation.at,
                user_id: Some(current.user.id),
                device_id: Some(current.device_id),
                action: "person.view",
                person_id: Some(consultation.person_id),
                detail: "",
            },
        )
        .await?;
    }
    for export in &batch.exports {
        db::audit::record(
            &mut tx,
            &db::audit::NewEvent {
                at: export.at,
                user_id: Some(current.user.id),
                device_id: Some(current.device_id),
                action: "export.csv",
                person_id: None,
                detail: &export_description(&export.what),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/reference", tag = "sync",
    responses((status = 200, description = "Schemes, staff and device settings", body = jalon_domain::sync::ReferenceData)),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reference(
    State(state): State<AppState>,
    _current: CurrentUser,
) -> Result<Json<ReferenceData>, ApiError> {
    Ok(Json(ReferenceData {
        schemes: state.db.schemes().await?,
        staff: state.db.staff().await?,
        device_lock_days: state.config.device_lock_days,
        inactivity_lock_minutes: state.config.inactivity_lock_minutes.clamp(1, 24 * 60),
    }))
}

#[utoipa::path(
    post, path = "/api/sync/push", tag = "sync",
    request_body = jalon_domain::sync::PushRequest,
    responses(
        (status = 200, description = "One result per mutation, in order", body = jalon_domain::sync::PushResponse),
        (status = 409, description = "The app is outdated (`outdated_client`): reload it; nothing is lost", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn push(
    State(state): State<AppState>,
    Pusher(current): Pusher,
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
    /// The device's changes still waiting, and the app's version, for the device list.
    waiting: Option<i64>,
    app: Option<String>,
}

#[utoipa::path(
    get, path = "/api/sync/pull", tag = "sync",
    params(
        ("protocol" = u32, Query, minimum = 1, maximum = 1, description = "The sync protocol the app speaks"),
        ("schema" = Option<u32>, Query, minimum = 3, maximum = 3, description = "The record schema the app speaks (1 when absent: refused as outdated)"),
        ("cursor" = Option<i64>, Query, minimum = 0, description = "Where the last page ended (0 at first)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Page size"),
        ("bucket" = Option<u8>, Query, maximum = 15, description = "Only the people of this bucket (0 to 15), to repair it"),
        ("waiting" = Option<i64>, Query, description = "The device's changes still waiting, for the device list"),
        ("app" = Option<String>, Query, description = "The app's version, for the device list"),
    ),
    responses(
        (status = 200, description = "The changes in the caseload since the cursor", body = jalon_domain::sync::PullResponse),
        (status = 409, description = "The app is outdated (`outdated_client`)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
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
    if query.waiting.is_some() || query.app.is_some() {
        let app: Option<String> = query.app.as_deref().map(|a| a.chars().take(32).collect());
        let mut tx = state.db.begin_write().await?;
        db::devices::touch(
            &mut tx,
            current.user.id,
            current.device_id,
            now_unix(),
            app.as_deref(),
            query.waiting.map(|w| w.clamp(0, 1_000_000)),
        )
        .await?;
        tx.commit().await?;
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
        total: pull.total,
        checksum: pull.checksum,
        buckets: pull.buckets,
    }))
}

fn first_schema() -> u32 {
    1
}

#[utoipa::path(
    get, path = "/api/health", tag = "auth", security(()),
    responses((status = 200, description = "The server and its database answer", body = crate::openapi::Health)),
)]
pub async fn health(
    State(state): State<AppState>,
) -> Result<Json<crate::openapi::Health>, ApiError> {
    state.db.user_count().await?;
    Ok(Json(crate::openapi::Health {
        status: "ok".to_owned(),
    }))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
