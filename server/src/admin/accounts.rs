//! Accounts and their devices: create (with a temporary password), edit, deactivate,
//! reactivate, reset a password, revoke a device.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jalon_domain::admin::accounts::{
    Account, AccountForm, DeviceState, TemporaryPassword, check_account, check_deactivation,
    temporary_password,
};
use jalon_domain::auth::Role;
use jalon_domain::{FieldError, Invalid};
use rand::RngCore;
use uuid::Uuid;

use super::record;
use crate::AppState;
use crate::auth::{self, Admin, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::ApiJson;

#[utoipa::path(
    get, path = "/api/admin/accounts", tag = "admin",
    responses((status = 200, description = "Every account with its devices", body = Vec<jalon_domain::admin::accounts::Account>)),
)]
pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<Account>>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let accounts = db::accounts::accounts(&mut tx).await?;
    tx.rollback().await?;
    Ok(Json(accounts))
}

/// A new temporary password and its hash.
async fn new_temporary_password(state: &AppState) -> Result<(String, String), ApiError> {
    let mut random = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let password = temporary_password(random);
    let clear = password.clone();
    let hash = state
        .sign_in
        .run(move || auth::hash_password(&clear))
        .await??;
    Ok((password, hash))
}

fn login_taken() -> ApiError {
    ApiError::Validation(Invalid {
        errors: vec![FieldError::new(
            "username",
            "taken",
            "Cet identifiant est déjà utilisé par un autre compte.",
        )],
    })
}

async fn account_or_404(tx: &mut sqlx::SqliteConnection, id: Uuid) -> Result<Account, ApiError> {
    db::accounts::account(tx, id)
        .await?
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(
    post, path = "/api/admin/accounts", tag = "admin",
    request_body = jalon_domain::admin::accounts::AccountForm,
    responses(
        (status = 201, description = "Created, with a temporary password to hand over", body = jalon_domain::admin::accounts::TemporaryPassword),
        (status = 409, description = "The login is taken, or a rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(form): ApiJson<AccountForm>,
) -> Result<(StatusCode, Json<TemporaryPassword>), ApiError> {
    let form = check_account(form).map_err(ApiError::Validation)?;
    let (password, hash) = new_temporary_password(&state).await?;
    let id = Uuid::new_v4();
    let mut tx = state.db.begin_write().await?;
    if db::accounts::login_taken(&mut tx, &form.username, None).await? {
        return Err(login_taken());
    }
    db::accounts::create(&mut tx, id, &form, &hash, true, now_unix()).await?;
    record(&mut tx, &admin, "account.create", &id.to_string()).await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(TemporaryPassword { account, password }),
    ))
}

#[utoipa::path(
    put, path = "/api/admin/accounts/{id}", tag = "admin",
    params(("id" = uuid::Uuid, Path, description = "The account")),
    request_body = jalon_domain::admin::accounts::AccountForm,
    responses(
        (status = 200, description = "The account as changed", body = jalon_domain::admin::accounts::Account),
        (status = 404, description = "No such account", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it (the login is taken, the last administrator…)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    ApiJson(form): ApiJson<AccountForm>,
) -> Result<Json<Account>, ApiError> {
    let form = check_account(form).map_err(ApiError::Validation)?;
    let mut tx = state.db.begin_write().await?;
    let before = account_or_404(&mut tx, id).await?;
    if db::accounts::login_taken(&mut tx, &form.username, Some(id)).await? {
        return Err(login_taken());
    }
    if before.role == Role::Referent
        && before.followed > 0
        && (form.role != Role::Referent || form.scheme != before.scheme)
    {
        return Err(ApiError::Conflict {
            code: "still_follows_people",
            message: format!(
                "Ce référent suit encore {} personne(s) : un superviseur doit d'abord les confier à d'autres référents avant un changement de rôle ou de dispositif.",
                before.followed
            ),
        });
    }
    if before.role == Role::Administrator
        && before.active
        && form.role != Role::Administrator
        && db::accounts::active_administrators(&mut tx).await? <= 1
    {
        return Err(ApiError::Conflict {
            code: "last_administrator",
            message: "C'est le dernier compte administrateur actif : créez-en un autre d'abord."
                .into(),
        });
    }
    db::accounts::update(&mut tx, id, &form).await?;
    record(&mut tx, &admin, "account.edit", &id.to_string()).await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(account))
}

/// A new temporary password: the account's sessions end, it must choose its own at the next
/// sign-in.
#[utoipa::path(
    post, path = "/api/admin/accounts/{id}/password", tag = "admin",
    params(("id" = uuid::Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "A new temporary password; the account's sessions are ended", body = jalon_domain::admin::accounts::TemporaryPassword),
        (status = 404, description = "No such account", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<TemporaryPassword>, ApiError> {
    if id == admin.user.id {
        // It would end the session asking; « Mon compte » changes one's own password.
        return Err(ApiError::Conflict {
            code: "own_account",
            message: "Pour votre propre compte, changez le mot de passe dans « Mon compte »."
                .into(),
        });
    }
    let (password, hash) = new_temporary_password(&state).await?;
    let mut tx = state.db.begin_write().await?;
    let before = account_or_404(&mut tx, id).await?;
    if !before.active {
        return Err(ApiError::Conflict {
            code: "inactive",
            message: "Ce compte est désactivé : réactivez-le d'abord.".into(),
        });
    }
    db::accounts::set_password(&mut tx, id, &hash, true).await?;
    db::accounts::end_sessions(&mut tx, id, None).await?;
    record(&mut tx, &admin, "account.password_reset", &id.to_string()).await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(TemporaryPassword { account, password }))
}

/// Deactivates an account: it can no longer sign in, its sessions may only push what their
/// devices hold, then the devices wipe themselves (see `DeviceState::Wipe`).
#[utoipa::path(
    post, path = "/api/admin/accounts/{id}/deactivate", tag = "admin",
    params(("id" = uuid::Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Deactivated: its devices push what waits, then wipe", body = jalon_domain::admin::accounts::Account),
        (status = 404, description = "No such account", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it (one's own account, a caseload not handed over…)", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn deactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<Account>, ApiError> {
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let target = account_or_404(&mut tx, id).await?;
    let administrators = db::accounts::active_administrators(&mut tx).await?;
    check_deactivation(&target, administrators as usize).map_err(|invalid| {
        let error = &invalid.errors[0];
        ApiError::Conflict {
            code: match error.code.as_str() {
                "last_administrator" => "last_administrator",
                "still_follows_people" => "still_follows_people",
                _ => "already_inactive",
            },
            message: error.message.clone(),
        }
    })?;
    db::accounts::set_active(&mut tx, id, false, now).await?;
    db::devices::set_state_of_all(&mut tx, id, DeviceState::Active, DeviceState::Wipe, now).await?;
    record(&mut tx, &admin, "account.deactivate", &id.to_string()).await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(account))
}

/// Reactivates an account; devices not wiped yet are in use again.
#[utoipa::path(
    post, path = "/api/admin/accounts/{id}/reactivate", tag = "admin",
    params(("id" = uuid::Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Active again", body = jalon_domain::admin::accounts::Account),
        (status = 404, description = "No such account", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<Account>, ApiError> {
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let target = account_or_404(&mut tx, id).await?;
    if target.active {
        return Err(ApiError::Conflict {
            code: "already_active",
            message: "Ce compte est déjà actif.".into(),
        });
    }
    db::accounts::set_active(&mut tx, id, true, now).await?;
    db::devices::set_state_of_all(&mut tx, id, DeviceState::Wipe, DeviceState::Active, now).await?;
    record(&mut tx, &admin, "account.reactivate", &id.to_string()).await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(account))
}

/// Revokes a lost or stolen device: nothing more is accepted from it, and it wipes itself at
/// its next contact.
#[utoipa::path(
    post, path = "/api/admin/accounts/{id}/devices/{device}/revoke", tag = "admin",
    params(
        ("id" = uuid::Uuid, Path, description = "The account"),
        ("device" = uuid::Uuid, Path, description = "The device (lost or stolen)"),
    ),
    responses(
        (status = 200, description = "Revoked: nothing more is accepted from the device", body = jalon_domain::admin::accounts::Account),
        (status = 404, description = "No such account or device", body = crate::openapi::ErrorBody),
        (status = 409, description = "A rule forbids it", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn revoke_device(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((id, device)): Path<(Uuid, Uuid)>,
) -> Result<Json<Account>, ApiError> {
    let now = now_unix();
    let mut tx = state.db.begin_write().await?;
    let target = account_or_404(&mut tx, id).await?;
    let Some(current) = target.devices.iter().find(|d| d.id == device) else {
        return Err(ApiError::NotFound);
    };
    if id == admin.user.id && device == admin.device_id {
        // It would end the session asking at once; another device, or « Se déconnecter », does.
        return Err(ApiError::Conflict {
            code: "own_device",
            message: "Vous ne pouvez pas révoquer l'appareil que vous utilisez.".into(),
        });
    }
    if current.state == DeviceState::Wiped {
        return Err(ApiError::Conflict {
            code: "already_wiped",
            message: "Cet appareil est déjà effacé.".into(),
        });
    }
    db::devices::set_state(&mut tx, id, device, DeviceState::Revoked, now).await?;
    record(
        &mut tx,
        &admin,
        "device.revoke",
        &format!("{{\"account\":\"{id}\",\"device\":\"{device}\"}}"),
    )
    .await?;
    let account = account_or_404(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(account))
}
