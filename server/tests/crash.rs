//! Crash safety: a real server process is killed with SIGKILL at random moments while two
//! devices push; after every restart each acknowledged mutation is still there and SQLite's
//! `PRAGMA integrity_check` is ok. Set `JALON_CRASH_SEED` to replay a run.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, PersonCreation};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome, PullResponse, PushResponse, Record};
use serde_json::{Value, json};
use time::macros::date;
use uuid::Uuid;

const KILLS: usize = 50;

/// A small deterministic generator, so that a failing run can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct Server {
    child: Child,
    base: String,
}

fn start(data_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jalon-server"))
        .env("JALON_LISTEN", "127.0.0.1:0")
        .env("JALON_DATA_DIR", data_dir)
        .env("JALON_DIST_DIR", data_dir.join("no-dist"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server prints its address")
            .expect("readable output");
        if let Some(rest) = line.strip_prefix("Jalon is running on ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// One référent's device: its mutations, and those the server acknowledged.
struct Device {
    username: &'static str,
    device_id: Uuid,
    referent: Option<Uuid>,
    token: Option<String>,
    created: Vec<PersonCreation>,
    acknowledged: usize,
}

impl Device {
    fn new(username: &'static str) -> Device {
        Device {
            username,
            device_id: Uuid::new_v4(),
            referent: None,
            token: None,
            created: Vec::new(),
            acknowledged: 0,
        }
    }

    fn new_creation(&mut self, n: usize) -> PersonCreation {
        let person = Person {
            id: Uuid::new_v4(),
            last_name: format!("Crash{n}"),
            first_name: self.username.to_owned(),
            birth_date: date!(1980 - 04 - 04),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
            details: Default::default(),
        };
        PersonCreation {
            enrolment: Enrolment {
                id: Uuid::new_v4(),
                person_id: person.id,
                scheme: SchemeCode::Plie,
                referent_id: self.referent.unwrap(),
                start_date: date!(2026 - 01 - 01),
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
}

async fn login(http: &reqwest::Client, base: &str, device: &mut Device) -> reqwest::Result<()> {
    if device.token.is_some() {
        return Ok(());
    }
    let body: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": device.username, "password": "jalon-demo", "device_id": device.device_id}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    device.token = Some(body["token"].as_str().unwrap().to_owned());
    device.referent = Some(Uuid::parse_str(body["user"]["id"].as_str().unwrap()).unwrap());
    Ok(())
}

/// Pushes the device's unacknowledged mutations one by one, creating new ones, until the
/// server dies. Each mutation is numbered by its index + 1, so a replay after a crash reuses
/// its number.
async fn push_until_killed(http: reqwest::Client, base: String, mut device: Device) -> Device {
    if login(&http, &base, &mut device).await.is_err() {
        return device;
    }
    loop {
        if device.acknowledged == device.created.len() {
            let n = device.created.len();
            let creation = device.new_creation(n);
            device.created.push(creation);
        }
        let seq = device.acknowledged as u64 + 1;
        let envelope = MutationEnvelope {
            seq,
            mutation: Mutation::CreatePerson(device.created[device.acknowledged].clone()),
        };
        let sent = http
            .post(format!("{base}/api/sync/push"))
            .bearer_auth(device.token.as_deref().unwrap())
            .json(&json!({"protocol": 1, "schema": 2, "mutations": [envelope]}))
            .send()
            .await;
        let Ok(response) = sent else { return device };
        let Ok(body) = response.json::<PushResponse>().await else {
            return device;
        };
        assert_eq!(body.results[0].outcome, Outcome::Applied, "seq {seq}");
        device.acknowledged += 1;
    }
}

async fn integrity_check(data_dir: &Path) -> String {
    use sqlx::Connection;
    let url = format!("sqlite://{}", data_dir.join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let result: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    result
}

async fn held_last_names(http: &reqwest::Client, base: &str, token: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut cursor = 0;
    loop {
        let page: PullResponse = http
            .get(format!(
                "{base}/api/sync/pull?protocol=1&schema=3&cursor={cursor}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for change in page.changes {
            if let Record::Person(p) = change.record {
                names.insert(format!("{}/{}", p.first_name, p.last_name));
            }
        }
        cursor = page.cursor;
        if !page.has_more {
            return names;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_mutations_survive_sigkill_at_random_moments() {
    let seed = std::env::var("JALON_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test seed: JALON_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut devices = vec![Device::new("plie7"), Device::new("plie8")];

    for kill in 0..KILLS {
        let mut server = start(dir.path());
        let tasks: Vec<_> = devices
            .drain(..)
            .map(|d| tokio::spawn(push_until_killed(http.clone(), server.base.clone(), d)))
            .collect();
        let delay = Duration::from_millis(5 + rng.next() % 150);
        tokio::time::sleep(delay).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().unwrap();
        for task in tasks {
            devices.push(task.await.unwrap());
        }
        let check = integrity_check(dir.path()).await;
        assert_eq!(check, "ok", "after kill {kill} (seed {seed})");
    }

    // After the last restart, every acknowledged creation is on the server.
    // Generous: on a loaded two-core machine a debug server's sign-ins (argon2) queue up.
    let mut server = start(dir.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    for device in &mut devices {
        while login(&http, &server.base, device).await.is_err() {
            assert!(Instant::now() < deadline, "server came back");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let held = held_last_names(&http, &server.base, device.token.as_deref().unwrap()).await;
        for creation in &device.created[..device.acknowledged] {
            let name = format!(
                "{}/{}",
                creation.person.first_name, creation.person.last_name
            );
            assert!(
                held.contains(&name),
                "{name} was acknowledged but is lost (seed {seed})"
            );
        }
        assert!(device.acknowledged > 0, "the devices pushed something");
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acknowledged: usize = devices.iter().map(|d| d.acknowledged).sum();
    println!("{KILLS} kills, {acknowledged} acknowledged creations, none lost");
}
