//! A flood of sign-ins with made-up logins from many addresses: the password verifications
//! run a few at a time, the process's memory stays bounded, and a real user on their tablet
//! gets in meanwhile. (Alone in its test binary: it measures the process's memory.)

mod common;

use common::{PASSWORD, TestServer};
use jalon_server::Config;
use serde_json::json;
use uuid::Uuid;

fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_sign_ins_at_once_keep_memory_bounded_and_let_the_real_user_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        data_dir: dir.path().to_owned(),
        dist_dir: dir.path().join("no-dist"),
        trust_proxy: true,
        ..Config::default()
    })
    .await;
    let tablet = Uuid::new_v4();
    let login = |source: String, username: String, password: &'static str, device: Uuid| {
        let (http, url) = (server.http.clone(), server.url("/api/auth/login"));
        async move {
            http.post(url)
                .header("x-forwarded-for", source)
                .json(&json!({"username": username, "password": password, "device_id": device}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        login("198.51.100.1".into(), "plie9".into(), PASSWORD, tablet).await,
        200
    );
    let before = resident_mib();
    let mut flood = Vec::new();
    for n in 0..200 {
        flood.push(tokio::spawn(login(
            format!("10.{}.{}.1", n / 200, n % 200),
            format!("inconnu{n}"),
            "devine",
            Uuid::new_v4(),
        )));
    }
    // The real user signs in from their tablet in the middle of it.
    let real = login("198.51.100.1".into(), "plie9".into(), PASSWORD, tablet).await;
    let mut peak = resident_mib();
    let mut counts = std::collections::BTreeMap::new();
    for task in flood {
        let status = task.await.unwrap();
        *counts.entry(status).or_insert(0) += 1;
        assert!(
            matches!(status, 401 | 503),
            "a flooding sign-in answered {status}"
        );
        peak = peak.max(resident_mib());
    }
    assert_eq!(real, 200, "the real user gets in during the flood");
    println!("BENCH sign-in flood rss_before_mib={before} rss_peak_mib={peak} answers={counts:?}");
    assert!(
        peak < before + 250,
        "memory grew from {before} MiB to {peak} MiB"
    );
}
