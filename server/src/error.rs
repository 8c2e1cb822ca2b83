//! The one error type of the API: a status, a machine-readable code and a French message.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jalon_domain::{FieldError, Invalid};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed sign-ins from this source: wait this many seconds.
    #[error("too many failed sign-ins")]
    TooManyAttempts { wait: i64 },
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is larger than the route accepts.
    #[error("body too large")]
    TooLarge,
    /// The request (its body included) did not arrive and get answered in time.
    #[error("request timeout")]
    Timeout,
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, message: String },
    #[error("validation failed")]
    Validation(Invalid),
    #[error("outdated client")]
    OutdatedClient,
    /// The account signed in with a temporary password: it must choose its own first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// The account was deactivated: the device may push what it holds, then must wipe.
    #[error("device must wipe")]
    DeviceWipe,
    /// The device was revoked (lost or stolen): nothing more is accepted from it.
    #[error("device revoked")]
    DeviceRevoked,
    /// A rule forbids it (409), with a French message.
    #[error("conflict: {code}")]
    Conflict { code: &'static str, message: String },
    /// The database is busy (many writers at once): retry shortly, nothing was changed.
    #[error("database busy")]
    Busy,
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl ApiError {
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(err.to_string())
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Vous devez vous connecter.".into(),
            ),
            ApiError::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Votre session a expiré : reconnectez-vous. Vos modifications en attente sont conservées."
                    .into(),
            ),
            ApiError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Identifiant ou mot de passe incorrect.".into(),
            ),
            ApiError::TooManyAttempts { wait } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                if *wait >= 60 {
                    format!(
                        "Trop de tentatives de connexion depuis cet appareil : réessayez dans {} minute(s).",
                        (wait + 59) / 60
                    )
                } else {
                    format!(
                        "Trop de tentatives de connexion depuis cet appareil : réessayez dans {wait} secondes."
                    )
                },
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Vous n'avez pas accès à cette fonction.".into(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Ressource introuvable.".into(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Cette action n'est pas possible sur cette adresse.".into(),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "La requête est trop volumineuse.".into(),
            ),
            ApiError::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "La requête a mis trop de temps à arriver : réessayez. Rien n'est perdu.".into(),
            ),
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, code, message.clone())
            }
            ApiError::Validation(invalid) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("Données invalides : {invalid}"),
            ),
            ApiError::OutdatedClient => (
                StatusCode::CONFLICT,
                "outdated_client",
                "Cette version de Jalon est périmée : rechargez l'application. Vos modifications en attente sont conservées."
                    .into(),
            ),
            ApiError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Votre mot de passe est provisoire : choisissez le vôtre pour continuer.".into(),
            ),
            ApiError::DeviceWipe => (
                StatusCode::FORBIDDEN,
                "device_wipe",
                "Ce compte a été désactivé : les données de cet appareil vont être effacées après l'envoi des modifications en attente."
                    .into(),
            ),
            ApiError::DeviceRevoked => (
                StatusCode::FORBIDDEN,
                "device_revoked",
                "Cet appareil a été révoqué : ses données sont effacées et ses modifications en attente n'ont pas été envoyées."
                    .into(),
            ),
            ApiError::Conflict { code, message } => (StatusCode::CONFLICT, code, message.clone()),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Le serveur est très sollicité : l'envoi sera réessayé dans un instant. Rien n'est perdu."
                    .into(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Erreur interne du serveur. Réessayez plus tard.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, code, message) = self.parts();
        let fields = match &self {
            ApiError::Validation(invalid) => invalid.errors.as_slice(),
            _ => &[],
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: &message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match &self {
            ApiError::Busy => Some(RETRY_AFTER_SECONDS.to_owned()),
            ApiError::TooManyAttempts { wait } => Some(wait.to_string()),
            _ => None,
        };
        if let Some(value) = retry_after.and_then(|v| axum::http::HeaderValue::from_str(&v).ok()) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

/// What a busy answer asks the client to wait, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "2";

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        let busy = match &err {
            sqlx::Error::PoolTimedOut => true,
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            sqlx::Error::Database(db) => db
                .code()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
            _ => false,
        };
        if busy {
            tracing::warn!(error = %err, "database busy: answered 503");
            ApiError::Busy
        } else {
            ApiError::internal(err)
        }
    }
}

impl From<JsonRejection> for ApiError {
    /// French, and without the parser's words: the detail goes to the log.
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge;
        }
        tracing::warn!(detail = %rejection.body_text(), "unreadable request body");
        let message = match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                "La requête doit être envoyée en JSON (Content-Type: application/json)."
            }
            JsonRejection::JsonSyntaxError(_) => "Le corps de la requête n'est pas du JSON valide.",
            JsonRejection::JsonDataError(_) => {
                "Le corps de la requête ne correspond pas au format attendu : un champ manque, est inconnu ou a un type incorrect."
            }
            _ => "Le corps de la requête est illisible.",
        };
        ApiError::BadRequest {
            code: "invalid_body",
            message: message.to_owned(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        tracing::warn!(detail = %rejection.body_text(), "unreadable query");
        ApiError::BadRequest {
            code: "invalid_query",
            message: "Les paramètres de l'adresse sont invalides : un paramètre manque ou a un type incorrect."
                .to_owned(),
        }
    }
}
