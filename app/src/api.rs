//! The server's API, over `fetch` (reqwest's wasm backend).

use jalon_domain::FieldError;
use jalon_domain::auth::{LoginRequest, LoginResponse};
use jalon_domain::sync::{
    MutationEnvelope, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, ReferenceData,
    SCHEMA_VERSION,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::i18n::fr;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached: offline, or it is down. Retry later.
    Network,
    /// The session is unknown or expired: sign in again (the outbox is kept).
    Unauthenticated { message: String },
    /// This app is older than the server's protocol: reload (the outbox is kept).
    Outdated { message: String },
    /// The server is busy: try again after this many seconds (its `Retry-After`).
    Busy { retry_after: u32 },
    /// The server refused the request.
    Refused {
        status: u16,
        code: String,
        message: String,
        fields: Vec<FieldError>,
    },
}

impl ApiFailure {
    /// A French sentence for the user.
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => fr::SERVER_UNREACHABLE.to_owned(),
            ApiFailure::Busy { .. } => fr::SERVER_BUSY.to_owned(),
            ApiFailure::Unauthenticated { message }
            | ApiFailure::Outdated { message }
            | ApiFailure::Refused { message, .. } => message.clone(),
        }
    }

    /// Worth retrying later without any action from the user.
    pub fn is_temporary(&self) -> bool {
        matches!(self, ApiFailure::Network | ApiFailure::Busy { .. })
            || matches!(self, ApiFailure::Refused { status, .. } if *status >= 500)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
    #[serde(default)]
    fields: Vec<FieldError>,
}

/// A client for the server this app was loaded from.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    /// reqwest needs absolute URLs in the browser: build them from the page's origin.
    pub fn from_window() -> Api {
        let base = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        Api {
            base,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api{path}", self.base)
    }

    /// Sends a request; a 2xx answer is returned as it is, anything else as an [`ApiFailure`].
    async fn answer(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ApiFailure> {
        let response = request.send().await.map_err(|_| ApiFailure::Network)?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        if status == 503 {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(5);
            return Err(ApiFailure::Busy { retry_after });
        }
        let detail = response
            .json::<ErrorBody>()
            .await
            .map(|b| b.error)
            .unwrap_or_else(|_| ErrorDetail {
                code: "unknown".into(),
                message: fr::SERVER_ERROR.into(),
                fields: Vec::new(),
            });
        Err(match (status, detail.code.as_str()) {
            (401, "invalid_credentials") | (_, "validation_failed") => ApiFailure::Refused {
                status,
                code: detail.code,
                message: detail.message,
                fields: detail.fields,
            },
            (401, _) => ApiFailure::Unauthenticated {
                message: detail.message,
            },
            (_, "outdated_client") => ApiFailure::Outdated {
                message: detail.message,
            },
            _ => ApiFailure::Refused {
                status,
                code: detail.code,
                message: detail.message,
                fields: detail.fields,
            },
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiFailure> {
        self.answer(request)
            .await?
            .json()
            .await
            .map_err(|_| ApiFailure::Network)
    }

    /// `GET /api{path}`, a JSON answer.
    pub async fn get<T: DeserializeOwned>(&self, token: &str, path: &str) -> Result<T, ApiFailure> {
        self.send(self.http.get(self.url(path)).bearer_auth(token))
            .await
    }

    /// `GET /api{path}`, a text answer (a CSV file).
    pub async fn get_text(&self, token: &str, path: &str) -> Result<String, ApiFailure> {
        self.answer(self.http.get(self.url(path)).bearer_auth(token))
            .await?
            .text()
            .await
            .map_err(|_| ApiFailure::Network)
    }

    /// `GET /api{path}`, a binary answer (an XLSX file).
    pub async fn get_bytes(&self, token: &str, path: &str) -> Result<Vec<u8>, ApiFailure> {
        self.answer(self.http.get(self.url(path)).bearer_auth(token))
            .await?
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|_| ApiFailure::Network)
    }

    /// A JSON request whose answer is a file.
    pub async fn post_bytes<B: Serialize>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<Vec<u8>, ApiFailure> {
        self.answer(self.http.post(self.url(path)).bearer_auth(token).json(body))
            .await?
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|_| ApiFailure::Network)
    }

    /// A JSON request with a JSON answer.
    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<T, ApiFailure> {
        self.send(
            self.http
                .request(method, self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// A JSON request whose answer has no body (`204`).
    pub async fn send_empty<B: Serialize>(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<(), ApiFailure> {
        self.answer(
            self.http
                .request(method, self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
        .map(drop)
    }

    /// `POST /api{path}` with a file as the body, a JSON answer.
    pub async fn post_file<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        bytes: Vec<u8>,
    ) -> Result<T, ApiFailure> {
        self.send(
            self.http
                .post(self.url(path))
                .bearer_auth(token)
                .header("content-type", "text/csv")
                .body(bytes),
        )
        .await
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ApiFailure> {
        self.send(self.http.post(self.url("/auth/login")).json(request))
            .await
    }

    /// Ends the session on the server; failures are ignored (the token expires anyway).
    pub async fn logout(&self, token: &str) {
        let _ = self
            .http
            .post(self.url("/auth/logout"))
            .bearer_auth(token)
            .send()
            .await;
    }

    pub async fn reference(&self, token: &str) -> Result<ReferenceData, ApiFailure> {
        self.send(self.http.get(self.url("/reference")).bearer_auth(token))
            .await
    }

    pub async fn push(
        &self,
        token: &str,
        mutations: Vec<MutationEnvelope>,
    ) -> Result<PushResponse, ApiFailure> {
        let body = PushRequest {
            protocol: PROTOCOL_VERSION,
            schema: SCHEMA_VERSION,
            mutations,
        };
        self.send(
            self.http
                .post(self.url("/sync/push"))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// A page after `cursor`; `waiting` (the changes still waiting on the device) and the
    /// app's version go to the device list of the administrator.
    pub async fn pull(
        &self,
        token: &str,
        cursor: i64,
        waiting: Option<u32>,
    ) -> Result<PullResponse, ApiFailure> {
        let mut path = format!(
            "/sync/pull?protocol={PROTOCOL_VERSION}&schema={SCHEMA_VERSION}&cursor={cursor}"
        );
        if let Some(waiting) = waiting {
            path.push_str(&format!(
                "&waiting={waiting}&app={}",
                env!("CARGO_PKG_VERSION")
            ));
        }
        self.send(self.http.get(self.url(&path)).bearer_auth(token))
            .await
    }

    /// A page of the records of the people of one bucket, to repair it.
    pub async fn pull_bucket(
        &self,
        token: &str,
        cursor: i64,
        bucket: u8,
    ) -> Result<PullResponse, ApiFailure> {
        let url = self.url(&format!(
            "/sync/pull?protocol={PROTOCOL_VERSION}&schema={SCHEMA_VERSION}&cursor={cursor}&bucket={bucket}"
        ));
        self.send(self.http.get(url).bearer_auth(token)).await
    }
}
