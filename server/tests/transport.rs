//! HTTP hygiene: the security headers of every answer, JSON errors for what the router refuses
//! itself, bodies too large, and slow or idle clients closed.

mod common;

use std::time::Duration;

use common::{PASSWORD, TestServer};
use jalon_server::Config;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LOADER: &str = "\nimport init from '/jalon-app-0123456789abcdef.js';\nawait init();\n";

fn app_dir(dir: &std::path::Path) -> std::path::PathBuf {
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!(
            "<!doctype html><html><head><script src=\"/register-sw.js\" defer></script>\
             <script type=\"module\">{LOADER}</script></head><body></body></html>"
        ),
    )
    .unwrap();
    dist
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    use base64::Engine;
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        data_dir: dir.path().to_owned(),
        dist_dir: app_dir(dir.path()),
        trust_proxy: true,
        ..Config::default()
    })
    .await;
    let loader_hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(LOADER.as_bytes()));
    for path in ["/", "/personne/1", "/api/health", "/api/absent"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        let csp = header(&response, "content-security-policy").expect(path);
        assert!(
            csp.contains(&format!("'sha256-{loader_hash}'")),
            "{path}: {csp}"
        );
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} missing");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(
            header(&response, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            header(&response, "referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            header(&response, "cross-origin-opener-policy").as_deref(),
            Some("same-origin")
        );
        assert!(header(&response, "permissions-policy").is_some_and(|p| p.contains("camera=()")));
        // Plain HTTP (the proxy says so, or says nothing): no HSTS.
        assert_eq!(header(&response, "strict-transport-security"), None);
    }
    let over_tls = server
        .http
        .get(server.url("/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(header(&over_tls, "strict-transport-security").is_some_and(|h| h.contains("max-age=")));
}

#[tokio::test]
async fn without_a_proxy_no_client_can_ask_for_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), Some(app_dir(dir.path()))).await;
    let response = server
        .http
        .get(server.url("/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "strict-transport-security"), None);
}

/// Status, code and French message of an API answer, which must be JSON.
async fn api_error(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    assert!(
        header(&response, "content-type").is_some_and(|t| t.starts_with("application/json")),
        "{status} answered without JSON"
    );
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap().to_owned(),
        body["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn what_the_router_refuses_answers_json_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let http = &server.http;
    let (token, _) = server.login("arpe1").await;

    let (status, code, _) =
        api_error(http.get(server.url("/api/nothing")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));

    let response = http.get(server.url("/api/sync/push")).send().await.unwrap();
    assert_eq!(header(&response, "allow").as_deref(), Some("POST"));
    let (status, code, message) = api_error(response).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    assert!(message.contains("pas possible"));

    let head = http.head(server.url("/api/health")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let head = http.head(server.url("/api/nothing")).send().await.unwrap();
    assert_eq!(head.status(), 404);

    let response = http
        .get(server.url("/api/people/not-an-id/access-report"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, message) = api_error(response).await;
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(
        !message.contains("UUID") && !message.contains("parse"),
        "{message}"
    );

    // Broken or mistyped JSON: a French message, none of the parser's words.
    let bodies = [
        r#"{"username": "arpe1", "password": "#.to_owned(),
        r#"{"username": 12, "password": "x", "device_id": "00000000-0000-0000-0000-000000000000"}"#
            .to_owned(),
        r#"{"password": "x"}"#.to_owned(),
    ];
    for body in bodies {
        let response = http
            .post(server.url("/api/auth/login"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let (status, code, message) = api_error(response).await;
        assert_eq!((status, code.as_str()), (400, "invalid_body"), "{body}");
        for internal in [
            "line",
            "column",
            "expected",
            "serde",
            "`",
            "invalid type",
            "missing field",
        ] {
            assert!(!message.contains(internal), "{body}: {message}");
        }
    }
    let response = http
        .get(server.url("/api/sync/pull?cursor=minus-one"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, message) = api_error(response).await;
    assert_eq!((status, code.as_str()), (400, "invalid_query"));
    assert!(!message.contains("invalid digit"), "{message}");
}

#[tokio::test]
async fn bodies_too_large_get_413_and_a_push_of_long_notes_fits() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("arpe1").await;
    let big_login = "a".repeat(2 * 1024 * 1024);
    let response = server
        .http
        .post(server.url("/api/auth/login"))
        .json(&json!({"username": big_login, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = api_error(response).await;
    assert_eq!((status, code.as_str()), (413, "body_too_large"));

    // A push may carry 100 notes of 5,000 four-byte characters: it is read, not refused for
    // its size (its mutations are then judged one by one).
    let text = "𝄞".repeat(5_000);
    let mutations: Vec<Value> = (0..100)
        .map(|seq| json!({"seq": seq + 1, "note": text}))
        .collect();
    let response = server
        .http
        .post(server.url("/api/sync/push"))
        .bearer_auth(&token)
        .json(&json!({"mutations": mutations, "padding": "x"}))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 413);
    let huge: Vec<Value> = (0..100)
        .map(|seq| json!({"seq": seq + 1, "note": "x".repeat(50_000)}))
        .collect();
    let response = server
        .http
        .post(server.url("/api/sync/push"))
        .bearer_auth(&token)
        .json(&json!({ "mutations": huge }))
        .send()
        .await
        .unwrap();
    let (status, code, _) = api_error(response).await;
    assert_eq!((status, code.as_str()), (413, "body_too_large"));
}

/// Reads until the server closes the connection or `limit` passes; returns what came and
/// whether it was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&received).into(), true),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&received).into(), false),
        }
    }
}

#[tokio::test]
async fn slow_and_idle_clients_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        data_dir: dir.path().to_owned(),
        dist_dir: dir.path().join("no-dist"),
        header_timeout_secs: 1,
        request_timeout_secs: 2,
        ..Config::default()
    })
    .await;
    let address = server.base.trim_start_matches("http://").to_owned();

    // Headers sent a piece at a time, never finished.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: jalon\r\n")
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(4)).await;
    assert!(closed, "a connection with unfinished headers stayed open");

    // A keep-alive connection left idle after its answer.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: jalon\r\n\r\n")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(4)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle connection stayed open");

    // A body that never ends: 408 once the request's time is out.
    let mut trickle = TcpStream::connect(&address).await.unwrap();
    trickle
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nHost: jalon\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut trickle, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");

    // Meanwhile the server answers everyone else.
    let response = server
        .http
        .get(server.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        data_dir: dir.path().to_owned(),
        dist_dir: dir.path().join("no-dist"),
        max_connections: 3,
        header_timeout_secs: 30,
        ..Config::default()
    })
    .await;
    let address = server.base.trim_start_matches("http://").to_owned();
    // The health check's pooled connection is one; two silent clients fill the rest.
    let first = TcpStream::connect(&address).await.unwrap();
    let second = TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fresh = reqwest::Client::new();
    let waiting = fresh
        .get(server.url("/api/health"))
        .timeout(Duration::from_secs(1))
        .send()
        .await;
    assert!(waiting.is_err(), "a fourth connection was served");
    drop((first, second));
    let served = fresh
        .get(server.url("/api/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn the_app_is_sent_precompressed_with_its_encoding_and_cache_headers() {
    let dir = tempfile::tempdir().unwrap();
    let dist = app_dir(dir.path());
    let wasm = "jalon-app-0123456789abcdef_bg.wasm";
    std::fs::write(dist.join(wasm), b"\0asm raw bytes").unwrap();
    std::fs::write(dist.join(format!("{wasm}.br")), b"brotli bytes").unwrap();
    std::fs::write(dist.join(format!("{wasm}.gz")), b"gzip bytes").unwrap();
    std::fs::write(dist.join("index.html.br"), b"brotli shell").unwrap();
    let server = TestServer::start(dir.path(), Some(dist)).await;
    let get = |path: &str, accept: &str| {
        server
            .http
            .get(server.url(path))
            .header("accept-encoding", accept)
            .send()
    };

    for (accept, encoding, body) in [
        ("gzip, deflate, br, zstd", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "\0asm raw bytes"),
    ] {
        let response = get(&format!("/{wasm}"), accept).await.unwrap();
        assert_eq!(response.status(), 200, "{accept}");
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            encoding,
            "{accept}"
        );
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some("application/wasm")
        );
        assert!(
            header(&response, "vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
            "{accept}: a cache must keep one copy per encoding"
        );
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(response.text().await.unwrap(), body, "{accept}");
    }

    // A deep link gets the shell, precompressed too, and revalidated on every load.
    let response = get("/personne/1", "br").await.unwrap();
    assert_eq!(header(&response, "content-encoding").as_deref(), Some("br"));
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-cache")
    );
    assert_eq!(response.text().await.unwrap(), "brotli shell");
}
