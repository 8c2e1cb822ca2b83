//! Sign-in under attack: growing delays per login and source address that concurrency cannot
//! bypass, no lockout of a real user on a known device, bounded memory under a flood, idle
//! sessions, and signing out everywhere.

mod common;

use common::{PASSWORD, TestServer};
use jalon_server::Config;
use serde_json::{Value, json};
use uuid::Uuid;

async fn behind_proxy(dir: &std::path::Path) -> TestServer {
    TestServer::start_with(Config {
        data_dir: dir.to_owned(),
        dist_dir: dir.join("no-dist"),
        trust_proxy: true,
        ..Config::default()
    })
    .await
}

/// A sign-in from `source` (the proxy's `X-Forwarded-For`): status, `Retry-After`, body.
async fn sign_in_from(
    server: &TestServer,
    source: &str,
    login: &str,
    password: &str,
    device: Uuid,
) -> (u16, Option<String>, Value) {
    let response = server
        .http
        .post(server.url("/api/auth/login"))
        .header("x-forwarded-for", format!("203.0.113.250, {source}"))
        .json(&json!({"username": login, "password": password, "device_id": device}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn failures_delay_one_source_but_never_the_real_user_on_a_known_device() {
    let dir = tempfile::tempdir().unwrap();
    let server = behind_proxy(dir.path()).await;
    let tablet = Uuid::new_v4();
    // The référent's tablet signed in once before.
    assert_eq!(
        sign_in_from(&server, "198.51.100.7", "arpe3", PASSWORD, tablet)
            .await
            .0,
        200
    );
    // An attacker elsewhere tries passwords on the account.
    let attacker = "192.0.2.66";
    for _ in 0..5 {
        let (status, _, _) =
            sign_in_from(&server, attacker, "arpe3", "devine", Uuid::new_v4()).await;
        assert_eq!(status, 401);
    }
    // From there, even the right password now waits, told how long in French.
    let (status, retry, body) =
        sign_in_from(&server, attacker, "arpe3", PASSWORD, Uuid::new_v4()).await;
    // The delay is 30 s from the last failure; a second may have passed since it.
    assert_eq!(status, 429);
    let retry: i64 = retry.expect("Retry-After").parse().unwrap();
    assert!((28..=30).contains(&retry), "Retry-After {retry}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("réessayez dans {retry} secondes")),
        "{message}"
    );
    // The real user is not locked out: from their tablet, and from a new device elsewhere.
    assert_eq!(
        sign_in_from(&server, attacker, "arpe3", PASSWORD, tablet)
            .await
            .0,
        200
    );
    assert_eq!(
        sign_in_from(&server, "198.51.100.8", "arpe3", PASSWORD, Uuid::new_v4())
            .await
            .0,
        200
    );
    // Another account from the same source is not delayed by these failures.
    assert_eq!(
        sign_in_from(&server, attacker, "arpe4", PASSWORD, Uuid::new_v4())
            .await
            .0,
        200
    );
    // A success from a source clears its failures.
    for _ in 0..4 {
        sign_in_from(&server, "198.51.100.9", "arpe5", "devine", Uuid::new_v4()).await;
    }
    assert_eq!(
        sign_in_from(&server, "198.51.100.9", "arpe5", PASSWORD, Uuid::new_v4())
            .await
            .0,
        200
    );
    for _ in 0..4 {
        sign_in_from(&server, "198.51.100.9", "arpe5", "devine", Uuid::new_v4()).await;
    }
    assert_eq!(
        sign_in_from(&server, "198.51.100.9", "arpe5", PASSWORD, Uuid::new_v4())
            .await
            .0,
        200
    );
    // The failures are in the audit log, with the login and the source.
    let (admin, _) = server.login("admin").await;
    let (_, failed) = server
        .get(&admin, "/api/admin/audit?action=auth.login_failed")
        .await;
    let details: Vec<&str> = failed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("arpe3") && d.contains(attacker)),
        "{details:?}"
    );
}

#[tokio::test]
async fn forty_simultaneous_wrong_passwords_are_not_all_verified() {
    let dir = tempfile::tempdir().unwrap();
    let server = behind_proxy(dir.path()).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (http, url) = (server.http.clone(), server.url("/api/auth/login"));
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .header("x-forwarded-for", "192.0.2.40")
                .json(&json!({"username": "plie4", "password": "devine", "device_id": Uuid::new_v4()}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut verified = 0;
    for task in tasks {
        match task.await.unwrap() {
            401 => verified += 1,
            429 | 503 => {}
            other => panic!("a sign-in answered {other}"),
        }
    }
    assert!(verified <= 5, "{verified} of 40 attempts were verified");
}

#[tokio::test]
async fn a_source_failing_on_many_logins_waits_and_the_administrator_is_alerted() {
    let dir = tempfile::tempdir().unwrap();
    let server = behind_proxy(dir.path()).await;
    let source = "192.0.2.77";
    for n in 0..20 {
        let login = format!("personne{n}");
        let (status, _, _) = sign_in_from(&server, source, &login, "devine", Uuid::new_v4()).await;
        assert_eq!(status, 401, "attempt {n}");
    }
    let (status, retry, _) = sign_in_from(&server, source, "autre", "devine", Uuid::new_v4()).await;
    assert_eq!((status, retry.is_some()), (429, true));
    let (admin, _) = server.login("admin").await;
    let (_, bursts) = server
        .get(&admin, "/api/admin/audit?action=auth.burst")
        .await;
    assert_eq!(bursts["total"], 1);
    assert_eq!(bursts["events"][0]["detail"], source);
    // Logins of any length are refused before anything is stored.
    let long = "x".repeat(100_000);
    let (status, _, body) =
        sign_in_from(&server, "192.0.2.78", &long, "devine", Uuid::new_v4()).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["code"], "too_long");
}

#[tokio::test]
async fn signing_out_elsewhere_ends_every_other_session_of_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, _) = server.login("global3").await;
    let (desktop, _) = server.login("global3").await;
    let (other, _) = server.login("global4").await;
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            Some(&tablet),
            "/api/auth/logout-all",
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(server.get(&tablet, "/api/auth/me").await.0, 200);
    assert_eq!(server.get(&desktop, "/api/auth/me").await.0, 401);
    assert_eq!(server.get(&other, "/api/auth/me").await.0, 200);
}

#[tokio::test]
async fn a_session_unused_for_too_long_ends() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("global5").await;
    assert_eq!(server.get(&token, "/api/auth/me").await.0, 200);
    // Fifteen days without use (the setting is 14).
    let db = jalon_server::db::Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jalon.sqlite3").display()
    ))
    .await
    .unwrap();
    let long_ago = jalon_server::auth::now_unix() - 15 * 86_400;
    db.touch_session(&jalon_server::auth::token_hash(&token), long_ago)
        .await
        .unwrap();
    let (status, body) = server.get(&token, "/api/auth/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("session_expired"))
    );
}
