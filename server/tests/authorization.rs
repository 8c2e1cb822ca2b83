//! The authorization matrix: every route of the API × every kind of caller, with the exact
//! status expected, in one table. Also: no caseload data reaches an administrator, and a
//! référent reads and writes only their caseload.

mod common;

use common::TestServer;
use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
use jalon_domain::sync::{Audience, Mutation, MutationEnvelope, Outcome, Record};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// The callers, in the order of the columns of the table.
const CALLERS: [&str; 10] = [
    "signed out",
    "unknown token",
    "référent ARPE",
    "référent PLIE",
    "référent global",
    "supervisor",
    "administrator",
    "temporary password",
    "deactivated account",
    "revoked device",
];

fn id_of(value: &Value) -> Uuid {
    Uuid::parse_str(value["id"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_matrix_says() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (admin, _) = server.login("admin").await;
    let (supervisor, _) = server.login("superviseur").await;
    // A person of the PLIE (for the right of access).
    let (supervised, _) = server.pull_all(&supervisor, 0).await;
    let person = supervised
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.scheme == jalon_domain::schemes::SchemeCode::Plie => {
                Some(e.person_id)
            }
            _ => None,
        })
        .unwrap();

    // A new account still on its temporary password.
    let (_, created) = server
        .post(
            &admin,
            "/api/admin/accounts",
            json!({"username": "global9", "display_name": "Nouveau", "role": "referent", "scheme": "global"}),
        )
        .await;
    let (_, login) = server
        .sign_in(
            "global9",
            created["password"].as_str().unwrap(),
            Uuid::new_v4(),
        )
        .await;
    let temporary = login["token"].as_str().unwrap().to_owned();
    // A deactivated account (a supervisor: no caseload of their own to hand over).
    let (_, created) = server
        .post(
            &admin,
            "/api/admin/accounts",
            json!({"username": "sup2", "display_name": "Parti", "role": "supervisor", "supervised": ["arpe"]}),
        )
        .await;
    let gone_id = id_of(&created["account"]);
    let (_, login) = server
        .sign_in(
            "sup2",
            created["password"].as_str().unwrap(),
            Uuid::new_v4(),
        )
        .await;
    let gone = login["token"].as_str().unwrap().to_owned();
    server
        .post(
            &gone,
            "/api/auth/password",
            json!({"current": created["password"], "new": "une phrase de départ"}),
        )
        .await;
    let (status, _) = server
        .post(
            &admin,
            &format!("/api/admin/accounts/{gone_id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    // A revoked device.
    let device = Uuid::new_v4();
    let (revoked, user) = server.login_on("arpe3", device).await;
    let (status, _) = server
        .post(
            &admin,
            &format!(
                "/api/admin/accounts/{}/devices/{device}/revoke",
                id_of(&user)
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let tokens: [Option<String>; 10] = [
        None,
        Some("pas-un-vrai-jeton".into()),
        Some(server.login("arpe1").await.0),
        Some(server.login("plie1").await.0),
        Some(server.login("global1").await.0),
        Some(supervisor.clone()),
        Some(admin.clone()),
        Some(temporary),
        Some(gone),
        Some(revoked),
    ];

    let pull = "/api/sync/pull?protocol=1&schema=3&cursor=0";
    let empty_push = json!({"protocol": 1, "schema": 2, "mutations": []});
    let nobody = Uuid::new_v4();
    let report = format!("/api/people/{person}/access-report");
    let terms = json!({"start": "2026-01-01", "end": "2026-12-31", "max_cents": 100, "prices": []});
    #[rustfmt::skip]
    let matrix: Vec<(Method, String, Option<Value>, [u16; 10])> = vec![
        //                                                          out  tok  arpe plie glob sup  adm  tmp  off  rev
        (Method::GET, "/api/health".into(), None,                  [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/auth/me".into(), None,                 [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        (Method::POST, "/api/auth/password".into(), Some(json!({"current": "x", "new": "court"})),
                                                                   [401, 401, 422, 422, 422, 422, 422, 422, 403, 403]),
        (Method::GET, "/api/reference".into(), None,               [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        (Method::GET, pull.into(), None,                           [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        (Method::POST, "/api/sync/push".into(), Some(empty_push),  [401, 401, 200, 200, 200, 200, 200, 403, 200, 403]),
        (Method::POST, "/api/sync/consultations".into(), Some(json!({"consultations": []})),
                                                                   [401, 401, 204, 204, 204, 204, 204, 403, 403, 403]),
        (Method::GET, report.clone(), None,                        [401, 401, 403, 403, 403, 200, 200, 403, 403, 403]),
        (Method::GET, "/api/supervision?from=2026-01-01&to=2026-01-31".into(), None,
                                                                   [401, 401, 200, 200, 200, 200, 403, 403, 403, 403]),
        (Method::GET, "/api/supervision.xlsx?from=2026-01-01&to=2026-01-31".into(), None,
                                                                   [401, 401, 200, 200, 200, 200, 403, 403, 403, 403]),
        (Method::GET, "/api/agreements".into(), None,              [401, 401, 403, 403, 403, 200, 403, 403, 403, 403]),
        (Method::POST, "/api/agreements".into(), Some(json!({"provider": "", "object": "", "lot": "eti", "initial": terms.clone()})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::POST, format!("/api/agreements/{nobody}/renewals"), Some(terms.clone()),
                                                                   [401, 401, 403, 403, 403, 404, 403, 403, 403, 403]),
        (Method::POST, format!("/api/orders/{nobody}/status"), Some(json!({"status": "paid"})),
                                                                   [401, 401, 403, 403, 403, 404, 403, 403, 403, 403]),
        (Method::GET, "/api/funds".into(), None,                   [401, 401, 403, 403, 403, 200, 403, 403, 403, 403]),
        (Method::PUT, "/api/funds/agridiff/2015".into(), Some(json!({"amount_cents": -1})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::POST, "/api/farms".into(), Some(json!({"id": nobody, "name": "", "commune_code": ""})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::POST, "/api/grants".into(), Some(json!({"id": nobody, "farm_id": nobody, "fund": "sesa", "granted_on": "2026-01-05", "amount_cents": 1})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::GET, "/api/cofinancing?year=2016".into(), None,   [401, 401, 403, 403, 403, 200, 403, 403, 403, 403]),
        (Method::GET, "/api/cofinancing.xlsx?year=2016".into(), None,
                                                                   [401, 401, 403, 403, 403, 200, 403, 403, 403, 403]),
        (Method::PUT, "/api/cofinancing/plie/2016".into(), Some(json!({"staff_cents": -1, "shares": []})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::GET, "/api/partners".into(), None,                [401, 401, 403, 403, 403, 200, 403, 403, 403, 403]),
        (Method::PUT, "/api/partners/adie/2015".into(), Some(json!({"places": 1001})),
                                                                   [401, 401, 403, 403, 403, 422, 403, 403, 403, 403]),
        (Method::GET, format!("/api/people/{nobody}/access-report"), None,
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::GET, "/api/admin/accounts".into(), None,          [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::POST, "/api/admin/accounts".into(), Some(json!({"username": "", "display_name": "", "role": "referent"})),
                                                                   [401, 401, 403, 403, 403, 403, 422, 403, 403, 403]),
        (Method::PUT, format!("/api/admin/accounts/{nobody}"), Some(json!({"username": "abc", "display_name": "A", "role": "administrator"})),
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::POST, format!("/api/admin/accounts/{nobody}/password"), None,
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::POST, format!("/api/admin/accounts/{nobody}/deactivate"), None,
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::POST, format!("/api/admin/accounts/{nobody}/reactivate"), None,
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::POST, format!("/api/admin/accounts/{nobody}/devices/{nobody}/revoke"), None,
                                                                   [401, 401, 403, 403, 403, 403, 404, 403, 403, 403]),
        (Method::GET, "/api/admin/schemes".into(), None,           [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::PUT, "/api/admin/schemes/plie".into(), Some(json!({"territory": {"kind": "communes", "codes": []}, "settings": {}, "effective_from": "2026-01-01"})),
                                                                   [401, 401, 403, 403, 403, 403, 422, 403, 403, 403]),
        (Method::GET, "/api/admin/audit".into(), None,             [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::GET, "/api/admin/audit.csv".into(), None,         [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::GET, "/api/admin/retention".into(), None,         [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::POST, "/api/admin/retention/purge".into(), Some(json!({"person_ids": []})),
                                                                   [401, 401, 403, 403, 403, 403, 400, 403, 403, 403]),
        (Method::POST, "/api/admin/people/lookup".into(), Some(json!({"last_name": "", "first_name": "", "birth_date": "1980-01-01"})),
                                                                   [401, 401, 403, 403, 403, 403, 400, 403, 403, 403]),
        (Method::POST, "/api/admin/import?dry_run=true".into(), Some(json!("")),
                                                                   [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        (Method::GET, "/api/nowhere".into(), None,                 [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        // Last: it ends the sessions that were asked to wipe.
        (Method::POST, "/api/device/wiped".into(), None,           [401, 401, 409, 409, 409, 409, 409, 409, 204, 204]),
    ];
    let mut mismatches = Vec::new();
    for (method, path, body, expected) in &matrix {
        for (i, token) in tokens.iter().enumerate() {
            let (status, answer) = server
                .call(method.clone(), token.as_deref(), path, body.clone())
                .await;
            if status != expected[i] {
                mismatches.push(format!(
                    "{method} {path} as {}: {status} (expected {}) {answer}",
                    CALLERS[i], expected[i]
                ));
            }
            if status >= 400 {
                assert!(
                    answer["error"]["code"].is_string() && answer["error"]["message"].is_string(),
                    "{method} {path} as {}: no JSON error body",
                    CALLERS[i]
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn no_caseload_reaches_an_administrator_and_a_referent_keeps_to_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (admin, _) = server.login("admin").await;
    let (changes, _) = server.pull_all(&admin, 0).await;
    assert!(
        changes.is_empty(),
        "an administrator's device receives no person"
    );

    let (referent, user) = server.login("plie2").await;
    let me = id_of(&user);
    let (mine, _) = server.pull_all(&referent, 0).await;
    let followed: std::collections::HashSet<Uuid> = mine
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e) if e.referent_id == me => Some(e.person_id),
            _ => None,
        })
        .collect();
    assert!(!followed.is_empty());
    assert!(
        mine.iter().all(|c| match c.record.person_id() {
            Some(person) => followed.contains(&person),
            None => matches!(c.record.audience(), Some(Audience::Staff(None))),
        }),
        "every record a référent receives is about a person they follow, or for all the staff"
    );
    // Someone else's person: an edit is refused, and nothing changes.
    let (other, _) = server.login("plie3").await;
    let (theirs, _) = server.pull_all(&other, 0).await;
    let stranger = theirs
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) if !followed.contains(&p.id) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let answer = server
        .push(
            &referent,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::EditPerson(PersonEdit {
                    person_id: stranger.id,
                    changes: vec![FieldChange {
                        field: PersonField::Phone,
                        base: FieldValue::Text(stranger.details.phone.clone()),
                        value: FieldValue::Text("0611111111".into()),
                    }],
                }),
            }],
        )
        .await;
    assert!(
        matches!(&answer.results[0].outcome, Outcome::Rejected { code, .. } if code == "not_in_scope")
    );
    let (after, _) = server.pull_all(&other, 0).await;
    let still = after
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            Record::Person(p) if p.id == stranger.id => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(still.details.phone, stranger.details.phone);
}
