//! Load generator for BENCHMARKS.md: `cargo run --release -p jalon-server --example loadgen --
//! http://127.0.0.1:8080 [seconds] [clients]`. Against a server seeded with the demo data,
//! each client signs in as a référent (from its own device) and loops: a push of one person
//! edit, then a pull from its cursor (what a device does every sync round). A second phase
//! measures full pulls of a référent's caseload (about 60 people) from cursor 0. The last two
//! push a new follow-up item of one of the client's people each time: a planned appointment,
//! then a purchase order of an agreement (created by the supervisor, its maximum never
//! reached), whose push sums the period's orders inside the writing transaction — the
//! difference is what the cap check costs.

use std::time::{Duration, Instant};

use jalon_domain::followup::{Appointment, AppointmentStatus, Item, ItemBody, Place};
use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
use jalon_domain::money::agreements::Agreement;
use jalon_domain::money::orders::PurchaseOrder;
use jalon_domain::people::EnrolmentStatus;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome, PullResponse, PushResponse, Record};
use serde_json::{Value, json};
use uuid::Uuid;

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    user_id: Uuid,
}

impl Client {
    async fn login(base: &str, username: &str) -> Client {
        let http = reqwest::Client::new();
        let body: Value = http
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"username": username, "password": "jalon-demo", "device_id": Uuid::new_v4()}))
            .send()
            .await
            .expect("server reachable")
            .json()
            .await
            .unwrap();
        Client {
            http,
            base: base.to_owned(),
            token: body["token"].as_str().expect("demo account").to_owned(),
            user_id: body["user"]["id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok())
                .expect("the user's id"),
        }
    }

    async fn pull(&self, cursor: i64) -> PullResponse {
        self.http
            .get(format!(
                "{}/api/sync/pull?protocol=1&schema=3&cursor={cursor}",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn push(&self, envelope: MutationEnvelope) -> PushResponse {
        self.http
            .post(format!("{}/api/sync/push", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"protocol": 1, "schema": 3, "mutations": [envelope]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort();
    println!(
        "{name}: {} requests in {:.1} s = {:.0}/s; latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
    );
}

async fn sync_loop(
    base: String,
    username: String,
    until: Instant,
) -> (Vec<Duration>, Vec<Duration>) {
    let client = Client::login(&base, &username).await;
    let first = client.pull(0).await;
    let mut cursor = first.cursor;
    let mut person = first
        .changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a caseload");
    let (mut pushes, mut pulls) = (Vec::new(), Vec::new());
    let mut seq = 1;
    while Instant::now() < until {
        let value = format!("Charge{seq}");
        let edit = PersonEdit {
            person_id: person.id,
            changes: vec![FieldChange {
                field: PersonField::FirstName,
                base: FieldValue::Text(person.first_name.clone()),
                value: FieldValue::Text(value.clone()),
            }],
        };
        let start = Instant::now();
        client
            .push(MutationEnvelope {
                seq,
                mutation: Mutation::EditPerson(edit),
            })
            .await;
        pushes.push(start.elapsed());
        person.first_name = value;
        seq += 1;

        let start = Instant::now();
        let page = client.pull(cursor).await;
        pulls.push(start.elapsed());
        cursor = page.cursor;
    }
    (pushes, pulls)
}

/// Pushes one new item made by `body` for one of the client's people, round after round,
/// until `until`; returns the push latencies (every push must be applied).
async fn item_loop(
    base: String,
    username: String,
    until: Instant,
    body: impl Fn() -> ItemBody,
) -> Vec<Duration> {
    let client = Client::login(&base, &username).await;
    let first = client.pull(0).await;
    let person_id = first
        .changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.status == EnrolmentStatus::Active => Some(e.person_id),
            _ => None,
        })
        .expect("an active enrolment");
    let mut pushes = Vec::new();
    let mut seq = 1;
    while Instant::now() < until {
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: client.user_id,
            body: body(),
        };
        let start = Instant::now();
        let answer = client
            .push(MutationEnvelope {
                seq,
                mutation: Mutation::SaveItem(item),
            })
            .await;
        pushes.push(start.elapsed());
        assert_eq!(answer.results[0].outcome, Outcome::Applied, "{answer:?}");
        seq += 1;
    }
    pushes
}

/// An agreement in force today, with a maximum no load reaches and one service at 1 cent.
async fn open_agreement(base: &str) -> Agreement {
    let supervisor = Client::login(base, "superviseur").await;
    let today = time::OffsetDateTime::now_utc().date();
    let body: Value = supervisor
        .http
        .post(format!("{base}/api/agreements"))
        .bearer_auth(&supervisor.token)
        .json(&json!({
            "provider": "Cabinet de charge",
            "object": "Mesure du plafond",
            "lot": "eti",
            "initial": {
                "start": today - time::Duration::days(1),
                "end": today + time::Duration::days(300),
                "max_cents": 1_000_000_000,
                "prices": [{"code": "p1", "label": "Unité", "unit_cents": 1}],
            },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(body).expect("the agreement")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    let referents: Vec<String> = (1..=10)
        .map(|n| format!("plie{n}"))
        .chain((1..=5).map(|n| format!("arpe{n}")))
        .chain((1..=6).map(|n| format!("global{n}")))
        .collect();

    println!("{clients} clients for {seconds} s against {base}");
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            tokio::spawn(sync_loop(
                base.clone(),
                referents[i % referents.len()].clone(),
                until,
            ))
        })
        .collect();
    let (mut pushes, mut pulls) = (Vec::new(), Vec::new());
    for task in tasks {
        let (push, pull) = task.await.unwrap();
        pushes.extend(push);
        pulls.extend(pull);
    }
    let elapsed = started.elapsed();
    report("push (1 edit)", pushes, elapsed);
    report("incremental pull", pulls, elapsed);

    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let (base, username) = (base.clone(), referents[i % referents.len()].clone());
            tokio::spawn(async move {
                let client = Client::login(&base, &username).await;
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let start = Instant::now();
                    client.pull(0).await;
                    latencies.push(start.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut full = Vec::new();
    for task in tasks {
        full.extend(task.await.unwrap());
    }
    report("full pull of a caseload", full, started.elapsed());

    let today = time::OffsetDateTime::now_utc().date();
    let agreement = open_agreement(&base).await;
    for kind in ["appointment", "order"] {
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|i| {
                let (base, username) = (base.clone(), referents[i % referents.len()].clone());
                let agreement = agreement.clone();
                tokio::spawn(item_loop(base, username, until, move || match kind {
                    "order" => ItemBody::Order(
                        PurchaseOrder::priced(&agreement, "p1", 1, today).expect("in force"),
                    ),
                    _ => ItemBody::Appointment(Appointment {
                        date: today + time::Duration::days(7),
                        time: "10:00".into(),
                        place: Place::Mdd,
                        status: AppointmentStatus::Planned,
                        report: String::new(),
                    }),
                }))
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.unwrap());
        }
        report(
            &format!("push (1 new {kind})"),
            latencies,
            started.elapsed(),
        );
    }
}
