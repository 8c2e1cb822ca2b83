//! Starts the real server on 127.0.0.1:0 with a temporary SQLite database.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, PersonCreation};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{MutationEnvelope, PullResponse, PushResponse};
use jalon_server::Config;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

pub const PASSWORD: &str = "jalon-demo";

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// A server over the database in `data_dir` (seeded with demo data when empty).
    pub async fn start(data_dir: &Path, dist_dir: Option<PathBuf>) -> TestServer {
        TestServer::start_with(Config {
            data_dir: data_dir.to_owned(),
            dist_dir: dist_dir.unwrap_or_else(|| data_dir.join("no-dist")),
            ..Config::default()
        })
        .await
    }

    /// A server with this configuration (its `listen` address is ignored: port 0). A new
    /// demo database starts as a copy of the one this test binary seeded first: seeding
    /// takes seconds, and every test would pay them.
    pub async fn start_with(config: Config) -> TestServer {
        let file = config.data_dir.join("jalon.sqlite3");
        if config.seed_demo && config.database_url.is_none() && !file.exists() {
            std::fs::create_dir_all(&config.data_dir).unwrap();
            std::fs::copy(demo_template(), &file).unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            jalon_server::launch_with_listener(config, listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("server runs");
        });
        let server = TestServer {
            base,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Ok(r) = self.http.get(self.url("/api/health")).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server never became healthy"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Stops the server and waits until it has released the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in from a new device; returns the token and the user.
    pub async fn login(&self, username: &str) -> (String, Value) {
        self.login_on(username, Uuid::new_v4()).await
    }

    pub async fn login_on(&self, username: &str, device: Uuid) -> (String, Value) {
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&json!({"username": username, "password": PASSWORD, "device_id": device}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "sign-in of {username}");
        let body: Value = response.json().await.unwrap();
        (
            body["token"].as_str().unwrap().to_owned(),
            body["user"].clone(),
        )
    }

    /// Signs in with a password of choice; returns the status and the body.
    pub async fn sign_in(&self, username: &str, password: &str, device: Uuid) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password, "device_id": device}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A call of the API with a JSON body (or none) and a token (or none): its status and
    /// its body (`Null` when empty or not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, Some(token), path, None)
            .await
    }

    /// A `GET` whose answer is read as is (a file to download).
    pub async fn download(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, Some(token), path, Some(body))
            .await
    }

    pub async fn push(&self, token: &str, mutations: &[MutationEnvelope]) -> PushResponse {
        let response = self
            .http
            .post(self.url("/api/sync/push"))
            .bearer_auth(token)
            .json(&json!({"protocol": 1, "schema": 3, "mutations": mutations}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn pull(&self, token: &str, cursor: i64, limit: u32) -> PullResponse {
        self.pull_page(token, &format!("cursor={cursor}&limit={limit}"))
            .await
    }

    /// A page of the changes of one bucket after `cursor` (a device fetching a bucket again).
    pub async fn pull_bucket(&self, token: &str, cursor: i64, bucket: u8) -> PullResponse {
        self.pull_page(token, &format!("cursor={cursor}&bucket={bucket}"))
            .await
    }

    async fn pull_page(&self, token: &str, query: &str) -> PullResponse {
        let response = self
            .http
            .get(self.url(&format!("/api/sync/pull?protocol=1&schema=3&{query}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Every change after `cursor`, page by page; returns them and the final cursor.
    pub async fn pull_all(
        &self,
        token: &str,
        cursor: i64,
    ) -> (Vec<jalon_domain::sync::Change>, i64) {
        let mut changes = Vec::new();
        let mut cursor = cursor;
        loop {
            let page = self.pull(token, cursor, 1_000).await;
            changes.extend(page.changes);
            cursor = page.cursor;
            if !page.has_more {
                return (changes, cursor);
            }
        }
    }
}

/// The demo database seeded once per `cargo test` run (its test binaries are children of one
/// cargo process: the folder is named after that process and its start time) or, failing
/// that, once per test binary, in Cargo's temporary folder for tests. Seeded on its own
/// thread and runtime into a folder of its own, closed, then renamed into place — so a copy is
/// a whole file with no write-ahead log beside it, and two binaries seeding at once both end
/// with one whole template. Templates of runs over an hour old are removed.
fn demo_template() -> &'static Path {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_old_templates(tmp);
        let key = run_key().unwrap_or_else(|| {
            let binary = std::env::current_exe().unwrap();
            let name = binary.file_stem().unwrap().to_string_lossy().into_owned();
            format!("{name}-{}", std::process::id())
        });
        let dir = tmp.join(format!("demo-{key}"));
        let file = dir.join("jalon.sqlite3");
        if file.exists() {
            return file;
        }
        let seeding = tmp.join(format!("seeding-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&seeding);
        let config = Config {
            data_dir: seeding.clone(),
            ..Config::default()
        };
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let db = jalon_server::prepare(&config).await.expect("demo seeded");
                db.close().await;
            });
        })
        .join()
        .expect("the demo template is seeded");
        assert!(
            !seeding.join("jalon.sqlite3-wal").exists(),
            "the demo template is closed"
        );
        if std::fs::rename(&seeding, &dir).is_err() {
            // Another binary put its template in place first.
            let _ = std::fs::remove_dir_all(&seeding);
        }
        assert!(file.exists(), "the demo template is in place");
        file
    })
}

/// The cargo process running the tests and its start time (Linux), or `None`.
fn run_key() -> Option<String> {
    let parent = std::os::unix::process::parent_id();
    let stat = std::fs::read_to_string(format!("/proc/{parent}/stat")).ok()?;
    // Fields after the command name: state is the 3rd field, the start time the 22nd.
    let start = stat.rsplit_once(')')?.1.split_whitespace().nth(19)?;
    Some(format!("{parent}-{start}"))
}

/// Removes the templates and half-seeded folders of runs over an hour old.
fn remove_old_templates(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 3_600);
        if (name.starts_with("demo-") || name.starts_with("seeding-")) && old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A new person "Maëlle `last_name`" born on 1 June 1985, enrolled on 5 January 2026 by
/// `referent` (the user object of a login answer).
pub fn creation(
    referent: &Value,
    scheme: SchemeCode,
    commune: &str,
    last_name: &str,
) -> PersonCreation {
    let person = Person {
        id: Uuid::new_v4(),
        last_name: last_name.into(),
        first_name: "Maëlle".into(),
        birth_date: time::macros::date!(1985 - 06 - 01),
        commune_code: commune.into(),
        rsa_beneficiary: true,
        details: Default::default(),
    };
    PersonCreation {
        enrolment: Enrolment {
            id: Uuid::new_v4(),
            person_id: person.id,
            scheme,
            referent_id: Uuid::parse_str(referent["id"].as_str().unwrap()).unwrap(),
            start_date: time::macros::date!(2026 - 01 - 05),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        },
        person,
    }
}
