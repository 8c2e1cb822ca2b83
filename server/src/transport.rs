//! HTTP hygiene: the connection loop (slow clients, connection cap), the security headers of
//! every answer, JSON errors for whatever the router itself refuses, and the request deadline.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::Config;
use crate::error::ApiError;

/// Largest body of an API request but a push or an import.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest push: 100 mutations of notes of 5,000 characters, four bytes each, fit.
pub const MAX_PUSH_BYTES: usize = 4 * 1024 * 1024;
/// The largest list export sent to be written as a workbook (20,000 rows of people).
pub const MAX_EXPORT_BYTES: usize = 8 * 1024 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open requests finish
/// (10 s at most). Unlike `axum::serve`, a connection that does not send a request's headers
/// within the configured time (also while idle between requests) is closed, and at most
/// `max_connections` are served at once: the next wait in the kernel's accept queue.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let header_timeout = Duration::from_secs(config.header_timeout_secs.max(1));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and the like: breathe, then accept again.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers leave at once rather than waiting for more to send.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still running at shutdown were cut");
        }
    }
}

/// The headers every answer carries, computed once from the built app.
#[derive(Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    /// Behind a TLS proxy: answers to requests that came over HTTPS carry HSTS.
    hsts: bool,
}

impl SecurityHeaders {
    /// No inline script runs but the ones the built `index.html` holds (Trunk's loader),
    /// allowed by their hash; WebAssembly may compile; nothing may frame the app.
    pub fn new(dist: &Path, trust_proxy: bool) -> SecurityHeaders {
        let index = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
        let hashes: String = inline_scripts(&index)
            .map(|script| {
                let digest = Sha256::digest(script.as_bytes());
                format!(" 'sha256-{}'", STANDARD.encode(digest))
            })
            .collect();
        let csp = format!(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
             manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'; object-src 'none'"
        );
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(
                "default-src 'none'; frame-ancestors 'none'",
            )),
            hsts: trust_proxy,
        }
    }
}

/// The text of each `<script>` without a `src`, exactly as a browser hashes it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        rest.split_once("</script>").map(|(body, _)| body)
    })
}

pub async fn security_headers(
    State(config): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let over_tls = config.hsts
        && request
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, config.csp.clone());
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "cross-origin-resource-policy", "same-origin");
    if over_tls {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

fn set(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: &'static str) {
    headers.insert(name, HeaderValue::from_static(value));
}

/// Whatever the API refuses before a handler runs (unknown method, a path parameter that is
/// not an id, a body too large…) answers like every other error: JSON, a code, French.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
        StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
        s if s.is_server_error() => ApiError::Internal(format!("bare {s} answer")),
        _ => ApiError::BadRequest {
            code: "invalid_request",
            message: "La requête est invalide : l'adresse ou ses paramètres sont incorrects."
                .to_owned(),
        },
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = error.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// A request (its body included) not answered within the configured time gets 408: a client
/// that sends its body a byte at a time holds a connection for that long at most.
pub async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scripts_without_src_are_hashed() {
        let html = r#"<script src="/a.js" defer></script><script type="module">
import init from '/x.js';
</script><p>no</p>"#;
        let scripts: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(scripts, vec!["\nimport init from '/x.js';\n"]);
    }
}
