//! Passwords (argon2id), opaque session tokens and the `CurrentUser` extractor.

/// Failed sign-ins of one account within [`LOCKOUT_SECONDS`] after which it refuses sign-ins
/// until the oldest of them is that old.
pub const MAX_LOGIN_FAILURES: i64 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jalon_domain::admin::accounts::DeviceState;
use jalon_domain::auth::{Role, SessionUser};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random bearer token (256 bits, base64url).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: its SHA-256, so a stolen copy of the database does
/// not hold usable tokens.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The session of a request, whatever its state: what every extractor below starts from.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: SessionUser,
    pub device_id: Uuid,
    pub token_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    pub device_state: DeviceState,
}

impl Session {
    /// The bearer token's session, unexpired; notes the device's contact (at most once a
    /// minute).
    async fn from_parts(parts: &Parts, state: &AppState) -> Result<Session, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty() && token.len() <= 256)
            .ok_or(ApiError::Unauthenticated)?;
        let hash = token_hash(token);
        let found = state
            .db
            .authenticate(&hash)
            .await?
            .ok_or(ApiError::SessionExpired)?;
        let now = now_unix();
        if found.expires_at <= now || found.device_state == DeviceState::Wiped {
            return Err(ApiError::SessionExpired);
        }
        if found.device_last_seen.is_none_or(|seen| seen < now - 60) {
            let mut tx = state.db.begin_write().await?;
            crate::db::devices::touch(&mut tx, found.user.id, found.device_id, now, None, None)
                .await?;
            tx.commit().await?;
        }
        Ok(Session {
            user: found.user,
            device_id: found.device_id,
            token_hash: hash,
            active: found.active,
            must_change_password: found.must_change_password,
            device_state: found.device_state,
        })
    }

    /// Refuses a revoked device, and a device that must wipe.
    fn must_be_in_use(&self) -> Result<(), ApiError> {
        match self.device_state {
            DeviceState::Revoked => Err(ApiError::DeviceRevoked),
            DeviceState::Wipe => Err(ApiError::DeviceWipe),
            _ if !self.active => Err(ApiError::DeviceWipe),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Session::from_parts(parts, state).await
    }
}

/// A session that may do anything its role allows: an active account with its own password,
/// on a device in use.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: SessionUser,
    pub device_id: Uuid,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_parts(parts, state).await?;
        session.must_be_in_use()?;
        if session.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(CurrentUser {
            user: session.user,
            device_id: session.device_id,
            token_hash: session.token_hash,
        })
    }
}

/// A session that may push: as [`CurrentUser`], and also the device of a deactivated account,
/// whose waiting work is legitimate (it is wiped afterwards). A revoked device may not.
#[derive(Debug, Clone)]
pub struct Pusher(pub CurrentUser);

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_parts(parts, state).await?;
        if session.device_state == DeviceState::Revoked {
            return Err(ApiError::DeviceRevoked);
        }
        if session.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(Pusher(CurrentUser {
            user: session.user,
            device_id: session.device_id,
            token_hash: session.token_hash,
        }))
    }
}

/// An administrator's session.
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.role != Role::Administrator {
            return Err(ApiError::Forbidden);
        }
        Ok(Admin(current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_argon2id_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
