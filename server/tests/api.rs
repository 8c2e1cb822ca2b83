//! The API against the real router on 127.0.0.1:0 with a temporary SQLite database.

mod common;

use std::collections::HashSet;

use common::{TestServer, creation};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, PersonCreation};
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome, Record};
use serde_json::{Value, json};
use uuid::Uuid;

fn envelope(seq: u64, creation: &PersonCreation) -> MutationEnvelope {
    MutationEnvelope {
        seq,
        mutation: Mutation::CreatePerson(creation.clone()),
    }
}

fn people(changes: &[jalon_domain::sync::Change]) -> Vec<&Person> {
    changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Person(p) => Some(p),
            _ => None,
        })
        .collect()
}

async fn error_of(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("errors are JSON");
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "every error carries a message: {body}"
    );
    (status, code, body)
}

#[tokio::test]
async fn signing_in_returns_a_token_that_identifies_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("plie3").await;
    assert_eq!(user["role"], "referent");
    assert_eq!(user["scheme"], "plie");
    let me: Value = server
        .http
        .get(server.url("/api/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "plie3");
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_a_code_and_a_french_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    for (username, password) in [("plie1", "wrong"), ("nobody", "jalon-demo")] {
        let response = server
            .http
            .post(server.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password, "device_id": Uuid::new_v4()}))
            .send()
            .await
            .unwrap();
        let (status, code, body) = error_of(response).await;
        assert_eq!((status, code.as_str()), (401, "invalid_credentials"));
        assert_eq!(
            body["error"]["message"],
            "Identifiant ou mot de passe incorrect."
        );
    }
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_with_a_machine_readable_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("arpe1").await;
    let http = &server.http;

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            http.post(server.url("/api/auth/login")).body("{\"username\":"),
            400,
            "invalid_body",
        ),
        (
            http.post(server.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body("{\"username\": 3}"),
            400,
            "invalid_body",
        ),
        (
            http.post(server.url("/api/auth/login"))
                .json(&json!({"username": " ", "password": "", "device_id": Uuid::new_v4()})),
            422,
            "validation_failed",
        ),
        (http.get(server.url("/api/sync/pull?protocol=1&schema=3")), 401, "unauthenticated"),
        (
            http.get(server.url("/api/sync/pull?protocol=1&schema=3"))
                .bearer_auth("forged"),
            401,
            "session_expired",
        ),
        (
            http.get(server.url("/api/sync/pull?protocol=1&schema=3&cursor=abc"))
                .bearer_auth(&token),
            400,
            "invalid_query",
        ),
        (
            http.get(server.url("/api/sync/pull?protocol=1&schema=3&cursor=-4"))
                .bearer_auth(&token),
            400,
            "invalid_query",
        ),
        (
            http.get(server.url("/api/sync/pull?protocol=1&schema=3&limit=100000"))
                .bearer_auth(&token),
            400,
            "invalid_query",
        ),
        (
            http.get(server.url("/api/sync/pull?protocol=1&schema=3&bucket=16"))
                .bearer_auth(&token),
            400,
            "invalid_query",
        ),
        (
            http.get(server.url("/api/sync/pull?protocol=0"))
                .bearer_auth(&token),
            409,
            "outdated_client",
        ),
        (
            // An app of an older schema cannot read today's records…
            http.get(server.url("/api/sync/pull?protocol=1&schema=1"))
                .bearer_auth(&token),
            409,
            "outdated_client",
        ),
        (
            // …nor can one from the future push.
            http.post(server.url("/api/sync/push"))
                .bearer_auth(&token)
                .json(&json!({"protocol": 1, "schema": 99, "mutations": []})),
            409,
            "outdated_client",
        ),
        (
            http.post(server.url("/api/sync/push"))
                .bearer_auth(&token)
                .json(&json!({"protocol": 1, "schema": 2, "mutations": [{"seq": 1, "mutation": {"type": "explode"}}]})),
            400,
            "invalid_body",
        ),
        (
            http.post(server.url("/api/sync/push"))
                .bearer_auth(&token)
                .json(&json!({"protocol": 1, "schema": 2, "mutations": [{"seq": 0, "mutation": {"type": "create_person",
                    "person": {"id": Uuid::new_v4(), "last_name": "A", "first_name": "B", "birth_date": "1990-31-01",
                               "commune_code": "87011", "rsa_beneficiary": true}}}]})),
            400,
            "invalid_body",
        ),
        (http.get(server.url("/api/nothing-here")), 404, "not_found"),
    ];
    for (request, status, code) in cases {
        let (got_status, got_code, body) = error_of(request.send().await.unwrap()).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{body}");
    }
}

#[tokio::test]
async fn pushing_the_same_mutation_twice_applies_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("arpe1").await;
    let (_, cursor) = server.pull_all(&token, 0).await;
    let new = creation(&user, SchemeCode::Arpe, "87011", "Duplessis");

    let first = server.push(&token, &[envelope(1, &new)]).await;
    let again = server
        .push(&token, &[envelope(1, &new), envelope(1, &new)])
        .await;
    assert_eq!(first.results[0].outcome, Outcome::Applied);
    assert!(again.results.iter().all(|r| r.outcome == Outcome::Applied));

    let (changes, _) = server.pull_all(&token, cursor).await;
    assert_eq!(
        changes.len(),
        2,
        "one person and one enrolment: {changes:?}"
    );
    assert_eq!(people(&changes)[0].last_name, "Duplessis");
}

#[tokio::test]
async fn a_broken_rule_becomes_a_recorded_rejection_that_stores_nothing_and_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("plie2").await;
    let (_, cursor) = server.pull_all(&token, 0).await;
    let outside = creation(&user, SchemeCode::Plie, "87011", "Horsterritoire");
    let inside = creation(&user, SchemeCode::Plie, "87085", "Danslezone");

    let response = server
        .push(&token, &[envelope(1, &outside), envelope(2, &inside)])
        .await;
    let Outcome::Rejected { code, errors, .. } = &response.results[0].outcome else {
        panic!("expected a rejection: {response:?}");
    };
    assert_eq!(code, "validation_failed");
    assert_eq!(errors[0].code, "outside_territory");
    assert_eq!(
        errors[0].message,
        "Bellac n'est pas sur le territoire du dispositif PLIE."
    );
    assert_eq!(response.results[1].outcome, Outcome::Applied);

    // A replay gets the same answer; only the valid person exists.
    let replay = server.push(&token, &[envelope(1, &outside)]).await;
    assert_eq!(replay.results[0].outcome, response.results[0].outcome);
    let (changes, _) = server.pull_all(&token, cursor).await;
    let names: Vec<_> = people(&changes)
        .iter()
        .map(|p| p.last_name.clone())
        .collect();
    assert_eq!(names, vec!["Danslezone".to_owned()]);
}

#[tokio::test]
async fn only_a_referent_enrols_and_only_into_their_own_caseload() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor_token, supervisor) = server.login("superviseur").await;
    let (token, _) = server.login("global1").await;
    let (_, other) = server.login("global2").await;

    let for_colleague = creation(&other, SchemeCode::Global, "87085", "Collegue");
    let by_supervisor = creation(&supervisor, SchemeCode::Global, "87085", "Superviseur");
    let refused = [
        server.push(&token, &[envelope(1, &for_colleague)]).await,
        server
            .push(&supervisor_token, &[envelope(1, &by_supervisor)])
            .await,
    ];
    for response in refused {
        let Outcome::Rejected { errors, .. } = &response.results[0].outcome else {
            panic!("expected a rejection: {response:?}");
        };
        assert_eq!(errors[0].code, "not_allowed");
    }
}

#[tokio::test]
async fn each_device_receives_only_the_people_of_its_users_scope() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let count = |changes: &[jalon_domain::sync::Change]| people(changes).len();

    let (token, user) = server.login("plie1").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    let referent_id = user["id"].as_str().unwrap();
    assert!(changes.iter().all(|c| match &c.record {
        Record::Enrolment(e) => e.referent_id.to_string() == referent_id,
        _ => true,
    }));
    // The référent's portfolio, and the people who left it whose six-month FSE situation is
    // still to collect (for a year at most).
    let followed: HashSet<Uuid> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e) if e.status == EnrolmentStatus::Active => Some(e.person_id),
            _ => None,
        })
        .collect();
    assert_eq!(followed.len(), 62);
    let a_year_ago = time::OffsetDateTime::now_utc().date() - time::Duration::days(366);
    let left: HashSet<Uuid> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e)
                if e.status == EnrolmentStatus::Closed
                    && e.fse_six_months.is_none()
                    && e.exit.is_some_and(|x| x.date > a_year_ago) =>
            {
                Some(e.person_id)
            }
            _ => None,
        })
        .collect();
    assert!(!left.is_empty());
    assert_eq!(count(&changes), followed.union(&left).count());

    let (token, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    // The file active: 1,250 people in an active enrolment, 950 of them on RSA; the
    // supervisor also holds everyone who left since 2015 (the files purged under the
    // retention rule without their names).
    let active: HashSet<Uuid> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e) if e.status == EnrolmentStatus::Active => Some(e.person_id),
            _ => None,
        })
        .collect();
    assert_eq!(active.len(), 1_250);
    let enrolled: HashSet<Uuid> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e) => Some(e.person_id),
            _ => None,
        })
        .collect();
    assert_eq!(count(&changes), enrolled.len());
    let purged = people(&changes).iter().filter(|p| p.is_purged()).count();
    assert!(
        enrolled.len() > 8_000 && purged > 6_000,
        "{} {purged}",
        enrolled.len()
    );
    let rsa = people(&changes)
        .iter()
        .filter(|p| p.rsa_beneficiary && active.contains(&p.id))
        .count();
    assert_eq!(rsa, 950);

    let (token, _) = server.login("admin").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    assert!(changes.is_empty());
}

#[tokio::test]
async fn pull_pages_follow_the_cursor_without_skipping_or_repeating() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("arpe4").await;
    let (everything, _) = server.pull_all(&token, 0).await;

    let mut paged = Vec::new();
    let mut cursor = 0;
    loop {
        let page = server.pull(&token, cursor, 7).await;
        assert!(page.changes.len() <= 7);
        assert!(page.changes.iter().all(|c| c.rev > cursor));
        // The first page of a first sync says how many changes the whole pull brings.
        let total = (cursor == 0).then_some(everything.len() as u64);
        assert_eq!(page.total, total, "page after {cursor}");
        paged.extend(page.changes);
        cursor = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(paged, everything);
    let revs: Vec<_> = paged.iter().map(|c| c.rev).collect();
    assert!(revs.windows(2).all(|w| w[0] < w[1]));
    // 50 people, their enrolments, and their follow-up.
    assert!(paged.len() > 100, "{}", paged.len());
    let again = server.pull(&token, cursor, 7).await;
    assert!(again.changes.is_empty() && !again.has_more && again.cursor == cursor);
}

#[tokio::test]
async fn a_creation_pushed_from_one_device_reaches_the_others_after_their_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, user) = server.login("arpe2").await;
    let (desk, _) = server.login("superviseur").await;
    let (_, desk_cursor) = server.pull_all(&desk, 0).await;

    let new = creation(&user, SchemeCode::Arpe, "87011", "Nouvelarrivant");
    server.push(&tablet, &[envelope(1, &new)]).await;
    let (changes, _) = server.pull_all(&desk, desk_cursor).await;
    let records: Vec<_> = changes.into_iter().map(|c| c.record).collect();
    assert_eq!(
        records,
        vec![
            Record::Person(new.person.clone()),
            // The server took the FSE entry snapshot.
            Record::Enrolment(Enrolment {
                fse_entry: Some(jalon_domain::pathway::fse_entry(
                    &new.person,
                    new.enrolment.start_date
                )),
                ..new.enrolment.clone()
            })
        ]
    );
}

#[tokio::test]
async fn sessions_live_in_the_database_so_any_instance_accepts_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start(dir.path(), None).await;
    let second = TestServer::start(dir.path(), None).await;
    let (token, user) = first.login("global3").await;
    let (before, _) = first.pull_all(&token, 0).await;

    // Another instance over the same database knows the session and sees the same data.
    let new = creation(&user, SchemeCode::Global, "87085", "Partage");
    second.push(&token, &[envelope(1, &new)]).await;
    let (changes, _) = first.pull_all(&token, 0).await;
    assert!(people(&changes).iter().any(|p| p.last_name == "Partage"));

    // So does a restarted one.
    first.stop().await;
    second.stop().await;
    let restarted = TestServer::start(dir.path(), None).await;
    let (changes, _) = restarted.pull_all(&token, 0).await;
    assert_eq!(people(&changes).len(), people(&before).len() + 1);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("plie5").await;
    let response = server
        .http
        .post(server.url("/api/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let after = server
        .http
        .get(server.url("/api/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(after).await;
    assert_eq!((status, code.as_str()), (401, "session_expired"));
}

#[tokio::test]
async fn the_reference_data_lists_schemes_with_their_territories_and_the_staff() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("arpe1").await;
    let reference: Value = server
        .http
        .get(server.url("/api/reference"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemes = reference["schemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 3);
    let plie = schemes.iter().find(|s| s["code"] == "plie").unwrap();
    assert_eq!(
        plie["territory"],
        json!({"kind": "inside_epci", "epci": ["248719312"]})
    );
    let staff = reference["staff"].as_array().unwrap();
    assert_eq!(staff.iter().filter(|s| s["role"] == "referent").count(), 21);
}

#[tokio::test]
async fn the_app_is_served_for_every_page_path_but_never_for_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Jalon</title>",
    )
    .unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js"), "export {}").unwrap();
    let server = TestServer::start(dir.path(), Some(dist)).await;

    for path in ["/", "/personnes/nouvelle", "/connexion"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("<title>Jalon</title>")
        );
    }
    let asset = server
        .http
        .get(server.url("/app-0123456789abcdef.js"))
        .send()
        .await
        .unwrap();
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let api = server
        .http
        .get(server.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
    let (status, code, _) = error_of(
        server
            .http
            .get(server.url("/api/people"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
}

#[tokio::test]
async fn the_app_and_pull_pages_are_sent_compressed_to_browsers_that_accept_it() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    // A wasm-sized file of repetitive bytes, as compiled code is.
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8 / 8).collect();
    std::fs::write(dist.join("app-0123456789abcdef_bg.wasm"), &wasm).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
    let server = TestServer::start(dir.path(), Some(dist)).await;
    let asset = server
        .http
        .get(server.url("/app-0123456789abcdef_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.headers()["content-encoding"], "gzip");
    let body = asset.bytes().await.unwrap();
    assert!(body.len() * 4 < wasm.len(), "{} bytes", body.len());

    let (token, _) = server.login("plie3").await;
    let pull = |gzip: bool| {
        let mut request = server
            .http
            .get(server.url("/api/sync/pull?protocol=1&schema=3&cursor=0"))
            .bearer_auth(&token);
        if gzip {
            request = request.header("accept-encoding", "gzip");
        }
        request.send()
    };
    let plain = pull(false).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    let packed = pull(true).await.unwrap();
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert!(packed.bytes().await.unwrap().len() * 4 < plain_len);
}

#[tokio::test]
async fn demo_people_have_distinct_ids_and_valid_communes_for_their_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    let ids: HashSet<_> = people(&changes).iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), people(&changes).len());
    let schemes = jalon_domain::schemes::Scheme::haute_vienne_defaults();
    let by_id: std::collections::HashMap<_, _> =
        people(&changes).into_iter().map(|p| (p.id, p)).collect();
    for change in &changes {
        if let Record::Enrolment(e) = &change.record {
            let person = by_id[&e.person_id];
            let commune = jalon_domain::communes::by_code(&person.commune_code).unwrap();
            let scheme = schemes.iter().find(|s| s.code == e.scheme).unwrap();
            assert!(scheme.serves(commune), "{} in {:?}", commune.name, e.scheme);
        }
    }
}

#[tokio::test]
async fn the_demo_follow_up_obeys_the_rules_and_feeds_every_alert() {
    use jalon_domain::auth::{Role, SessionUser};
    use jalon_domain::caseload::alerts;
    use jalon_domain::followup::{ItemBody, ItemContext, check_item};
    use jalon_domain::people::check_person;

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    let shared = jalon_domain::sync::SharedRecords::of(changes.iter().map(|c| &c.record));
    let today = time::OffsetDateTime::now_utc().date();
    let mut enrolments = Vec::new();
    let mut items = Vec::new();
    let mut notes = Vec::new();
    for change in &changes {
        match &change.record {
            Record::Enrolment(e) => enrolments.push(e.clone()),
            Record::Item(i) => items.push(i.clone()),
            Record::Note(n) => notes.push(n.clone()),
            _ => {}
        }
    }
    // A purged file has nothing left to check (no name, no birth date).
    for person in people(&changes).into_iter().filter(|p| !p.is_purged()) {
        assert!(check_person(person, today).is_ok(), "{person:?}");
    }
    let mut kinds = HashSet::new();
    for item in &items {
        kinds.insert(item.body.kind());
        if matches!(item.body, ItemBody::Duplicate(_)) {
            continue;
        }
        let author = SessionUser {
            id: item.author_id,
            username: "demo".into(),
            display_name: "Démo".into(),
            role: Role::Referent,
            scheme: None,
            supervised_schemes: vec![],
        };
        let of_person: Vec<Enrolment> = enrolments
            .iter()
            .filter(|e| e.person_id == item.person_id)
            .cloned()
            .collect();
        let ctx = ItemContext {
            actor: &author,
            enrolments: &of_person,
            schemes: &Scheme::haute_vienne_defaults(),
            agreements: &shared.agreements,
            partner_agreements: &shared.partner_agreements,
            today,
        };
        // Checked as a new version of itself: every field rule applies.
        if let Err(invalid) = check_item(item.clone(), Some(item), &ctx) {
            panic!("{item:?}: {invalid}");
        }
    }
    assert_eq!(
        kinds,
        HashSet::from([
            "appointment",
            "step",
            "contract",
            "obstacle",
            "duplicate",
            "order",
            "referral"
        ])
    );
    let enrolment_refs: Vec<&Enrolment> = enrolments.iter().collect();
    let item_refs: Vec<_> = items.iter().collect();
    let note_refs: Vec<_> = notes.iter().collect();
    let mut codes = HashSet::new();
    for person in people(&changes) {
        let schemes = Scheme::haute_vienne_defaults();
        for alert in alerts(
            person,
            &enrolment_refs,
            &item_refs,
            &note_refs,
            &schemes,
            today,
        ) {
            codes.insert(alert.code());
        }
    }
    for code in [
        "no_contact",
        "contract_missing",
        "contract_ending",
        "pathway_near_limit",
        "duplicate",
    ] {
        assert!(
            codes.contains(code),
            "no demo person shows {code}: {codes:?}"
        );
    }
    assert!(
        enrolments
            .iter()
            .any(|e| e.exit.is_some() && e.fse_exit.is_some())
            && enrolments.iter().all(|e| e.fse_entry.is_some())
    );
    // An open conflict on the second référent of each scheme.
    let open_conflicts = changes
        .iter()
        .filter(|c| matches!(&c.record, Record::Conflict(conflict) if conflict.is_open()))
        .count();
    assert_eq!(open_conflicts, 3);
}
