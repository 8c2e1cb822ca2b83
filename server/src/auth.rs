//! Passwords (argon2id), opaque session tokens and the `CurrentUser` extractor.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
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

thread_local! {
    /// The argon2 working memory of this thread (19 MiB with the default parameters), reused
    /// by every verification it runs: allocated once per password thread instead of once per
    /// sign-in, which the allocator did not give back.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks a password against a PHC string, in constant time. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::Output;
    use argon2::{Algorithm, Params, Version};
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    let computed = BLOCKS.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut memory[..blocks],
        )
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// A new random bearer token (256 bits, base64url).
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_key())
}

/// 32 bytes from the operating system's generator.
pub fn random_key() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
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
        let idle_limit = state.config.session_idle_days.max(1) * 86_400;
        if found.expires_at <= now
            || found.last_used < now - idle_limit
            || found.device_state == DeviceState::Wiped
        {
            return Err(ApiError::SessionExpired);
        }
        if found.device_last_seen.is_none_or(|seen| seen < now - 60) || found.last_used < now - 60 {
            let mut tx = state.db.begin_write().await?;
            crate::db::devices::touch(&mut tx, found.user.id, found.device_id, now, None, None)
                .await?;
            tx.commit().await?;
            state.db.touch_session(&hash, now).await?;
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

/// Where a request comes from: the peer address, or behind a trusted reverse proxy the last
/// address of `X-Forwarded-For` (the one the proxy saw). Used to throttle sign-ins and in logs.
#[derive(Debug, Clone)]
pub struct Source(pub String);

impl FromRequestParts<AppState> for Source {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config.trust_proxy
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= 64)
        {
            return Ok(Source(forwarded.to_owned()));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(Source(peer))
    }
}

/// At most this many password verifications at once (argon2id takes 19 MiB each), and a few
/// more kept for devices already known to the account, so that a flood of sign-ins with made-up
/// logins neither exhausts memory nor keeps real users out. The hashing runs on a few threads
/// of its own that live as long as the process: their memory is reused from one password to
/// the next (spread over short-lived threads, the allocator kept gigabytes).
pub struct SignInGate {
    anyone: tokio::sync::Semaphore,
    known: tokio::sync::Semaphore,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// How long a sign-in waits for a verification slot before it is answered "busy".
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
/// Verifications at once for unknown devices, and more for known ones.
const ANYONE_SLOTS: usize = 4;
const KNOWN_SLOTS: usize = 2;

impl Default for SignInGate {
    fn default() -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..ANYONE_SLOTS + KNOWN_SLOTS {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("jalon-passwords-{n}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password thread");
            }
        }
        SignInGate {
            anyone: tokio::sync::Semaphore::new(ANYONE_SLOTS),
            known: tokio::sync::Semaphore::new(KNOWN_SLOTS),
            jobs: std::sync::Mutex::new(sender),
        }
    }
}

impl SignInGate {
    /// A verification slot, or `ApiError::Busy` after a short wait.
    pub async fn slot(
        &self,
        known_device: bool,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        let semaphore = if known_device {
            &self.known
        } else {
            &self.anyone
        };
        tokio::time::timeout(SLOT_WAIT, semaphore.acquire())
            .await
            .map_err(|_| ApiError::Busy)?
            .map_err(|_| ApiError::Busy)
    }

    /// Runs `work` (a password hash or verification) on the password threads.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .lock()
            .map_err(|_| ApiError::internal("password threads poisoned"))?
            .send(job)
            .map_err(|_| ApiError::internal("password threads gone"))?;
        result
            .await
            .map_err(|_| ApiError::internal("password thread failed"))
    }
}
