//! Many devices pushing at once, on one person holding a long journal and on different
//! people: every push answers 200 (or a retryable 503 with `Retry-After`), never 500.

mod common;

use common::TestServer;
use jalon_domain::notes::Note;
use jalon_domain::sync::{Mutation, MutationEnvelope, Record};
use jalon_server::db::{self, Db};
use serde_json::json;
use time::macros::date;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pushes_on_one_long_file_and_on_many_never_fail_with_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (first, user) = server.login("plie1").await;
    let me = Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    let (changes, _) = server.pull_all(&first, 0).await;
    let people: Vec<Uuid> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Person(p) => Some(p.id),
            _ => None,
        })
        .collect();
    let crowded = people[0];
    // The person's journal holds 1,200 notes.
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jalon.sqlite3").display()
    ))
    .await
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let first_rev = db::next_revs(&mut tx, 1_200).await.unwrap();
    for n in 0..1_200 {
        let note = Note {
            id: Uuid::new_v4(),
            person_id: crowded,
            author_id: me,
            date: date!(2026 - 01 - 05),
            text: format!("Note ancienne {n}"),
            replaces: None,
        };
        db::insert_note(&mut tx, &note, first_rev + n, 1_700_000_000)
            .await
            .unwrap();
    }
    db::rehash_person(&mut tx, crowded).await.unwrap();
    tx.commit().await.unwrap();

    // 20 devices of the référent, each pushing 5 notes: half on the crowded file.
    let mut tokens = Vec::new();
    for _ in 0..20 {
        tokens.push(server.login("plie1").await.0);
    }
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let person = if i % 2 == 0 {
            crowded
        } else {
            people[1 + i % (people.len() - 1)]
        };
        let http = server.http.clone();
        let url = server.url("/api/sync/push");
        tasks.push(tokio::spawn(async move {
            let mutations: Vec<MutationEnvelope> = (1..=5)
                .map(|seq| MutationEnvelope {
                    seq,
                    mutation: Mutation::AddNote(Note {
                        id: Uuid::new_v4(),
                        person_id: person,
                        author_id: me,
                        date: date!(2026 - 11 - 20),
                        text: format!("Note {i}-{seq}"),
                        replaces: None,
                    }),
                })
                .collect();
            let response = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"protocol": 1, "schema": 2, "mutations": mutations}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let retry = response.headers().get("retry-after").is_some();
            (status, retry)
        }));
    }
    let mut answered = 0;
    for task in tasks {
        let (status, retry) = task.await.unwrap();
        assert!(
            status == 200 || (status == 503 && retry),
            "a push answered {status}"
        );
        answered += usize::from(status == 200);
    }
    assert!(answered > 0);
}
