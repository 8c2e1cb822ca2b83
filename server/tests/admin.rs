//! Administration against the real router: accounts with temporary passwords and the password
//! policy, deactivation (push what the devices hold, then wipe) and revoked devices, schemes
//! changed from a date, the audit log, retention, the right of access and the import.

mod common;

use common::{PASSWORD, TestServer};
use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
use jalon_domain::notes::Note;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn id_of(value: &Value) -> Uuid {
    Uuid::parse_str(value["id"].as_str().unwrap()).unwrap()
}

async fn admin(server: &TestServer) -> String {
    server.login("admin").await.0
}

fn referent_form(login: &str) -> Value {
    json!({
        "username": login,
        "display_name": "Inès Marchand",
        "role": "referent",
        "scheme": "plie",
        "portfolio_target": 60
    })
}

#[tokio::test]
async fn a_new_account_signs_in_with_a_temporary_password_and_must_choose_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;

    let (status, created) = server
        .post(&admin, "/api/admin/accounts", referent_form("plie11"))
        .await;
    assert_eq!(status, 201, "{created}");
    let temporary = created["password"].as_str().unwrap().to_owned();
    assert_eq!(temporary.len(), 23);
    assert_eq!(created["account"]["must_change_password"], true);
    assert_eq!(created["account"]["scheme"], "plie");

    // The same login again, a weak or bad form: clear French messages, nothing written.
    let (status, body) = server
        .post(&admin, "/api/admin/accounts", referent_form("plie11"))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["code"], "taken");
    let (status, body) = server
        .post(
            &admin,
            "/api/admin/accounts",
            json!({"username": "x", "display_name": "", "role": "supervisor", "supervised": []}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"].as_array().unwrap().len(), 3);
    let (status, body) = server
        .post(
            &admin,
            "/api/admin/accounts",
            json!({"username": "plie12", "display_name": "A", "role": "referent", "scheme": "rsa"}),
        )
        .await;
    assert_eq!(status, 400, "an unknown scheme: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("format")
    );
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    assert!(!accounts.to_string().contains("plie12"));

    // Signed in with the temporary password, only the password change is open.
    let device = Uuid::new_v4();
    let (status, login) = server.sign_in("plie11", &temporary, device).await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().unwrap().to_owned();
    let (status, body) = server
        .get(&token, "/api/sync/pull?protocol=1&schema=3&cursor=0")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );
    for (new, code) in [
        ("court", "too_short"),
        ("azertyuiop123", "common"),
        ("plie11 pour toujours", "contains_login"),
    ] {
        let (status, body) = server
            .post(
                &token,
                "/api/auth/password",
                json!({"current": temporary, "new": new}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["fields"][0]["code"], code);
    }
    let (status, body) = server
        .post(
            &token,
            "/api/auth/password",
            json!({"current": "pas le bon", "new": "une phrase de passe"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["code"].as_str()),
        (422, Some("wrong_password"))
    );
    let (status, _) = server
        .post(
            &token,
            "/api/auth/password",
            json!({"current": temporary, "new": "une phrase de passe"}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = server
        .get(&token, "/api/sync/pull?protocol=1&schema=3&cursor=0")
        .await;
    assert_eq!(status, 200);
    assert_eq!(server.sign_in("plie11", &temporary, device).await.0, 401);
    let (status, login) = server
        .sign_in("plie11", "une phrase de passe", device)
        .await;
    assert_eq!(
        (status, login["must_change_password"].as_bool()),
        (200, Some(false))
    );

    // The account's devices appear in its list.
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    let account = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "plie11")
        .unwrap();
    assert_eq!(account["devices"][0]["id"], device.to_string());
    assert_eq!(account["devices"][0]["state"], "active");
    assert!(account["last_sign_in"].is_i64());
}

#[tokio::test]
async fn a_deactivated_account_pushes_what_its_device_holds_then_the_device_is_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    let find = |login: &str| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["username"] == login)
            .unwrap()
            .clone()
    };

    // A référent who still follows people cannot be deactivated (the count, not the names).
    let plie5 = find("plie5");
    let (status, body) = server
        .post(
            &admin,
            &format!("/api/admin/accounts/{}/deactivate", id_of(&plie5)),
            json!({}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "still_follows_people");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("personnes")
    );

    // A supervisor holds a change offline; the account is deactivated meanwhile.
    let device = Uuid::new_v4();
    let (supervisor, _) = server.login_on("superviseur", device).await;
    let (changes, _) = server.pull_all(&supervisor, 0).await;
    let followed = changes
        .iter()
        .find_map(|c| match &c.record {
            jalon_domain::sync::Record::Enrolment(e)
                if e.status == jalon_domain::people::EnrolmentStatus::Active =>
            {
                Some(e.person_id)
            }
            _ => None,
        })
        .unwrap();
    let person = changes
        .iter()
        .find_map(|c| match &c.record {
            jalon_domain::sync::Record::Person(p) if p.id == followed => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let superviseur = find("superviseur");
    let (status, account) = server
        .post(
            &admin,
            &format!("/api/admin/accounts/{}/deactivate", id_of(&superviseur)),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["active"], false);
    assert_eq!(account["devices"][0]["state"], "wipe");
    // It can no longer sign in, nor pull; but its waiting work is legitimate: it is applied.
    assert_eq!(server.sign_in("superviseur", PASSWORD, device).await.0, 401);
    let (status, body) = server
        .get(&supervisor, "/api/sync/pull?protocol=1&schema=3&cursor=0")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("device_wipe"))
    );
    let note = Note {
        id: Uuid::new_v4(),
        person_id: person.id,
        author_id: id_of(&superviseur),
        date: time::OffsetDateTime::now_utc().date(),
        text: "Point d'étape avant départ.".into(),
        replaces: None,
    };
    let answer = server
        .push(
            &supervisor,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::AddNote(note.clone()),
            }],
        )
        .await;
    assert_eq!(answer.results[0].outcome, Outcome::Applied);
    // Then the device says it wiped itself: the list shows it, its session is over.
    let (status, _) = server
        .call(Method::POST, Some(&supervisor), "/api/device/wiped", None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = server.get(&supervisor, "/api/auth/me").await;
    assert_eq!(status, 401);
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    let gone = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "superviseur")
        .unwrap();
    assert_eq!(gone["devices"][0]["state"], "wiped");
    // The note reached the person's référent.
    let referent_id = changes
        .iter()
        .find_map(|c| match &c.record {
            jalon_domain::sync::Record::Enrolment(e) if e.person_id == person.id => {
                Some(e.referent_id)
            }
            _ => None,
        })
        .unwrap();
    let login = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| id_of(a) == referent_id)
        .unwrap()["username"]
        .as_str()
        .unwrap()
        .to_owned();
    let (referent, _) = server.login(&login).await;
    let (all, _) = server.pull_all(&referent, 0).await;
    assert!(all.iter().any(
        |c| matches!(&c.record, jalon_domain::sync::Record::Note(n) if n.id == note.id && n.text == note.text)
    ));

    // The last administrator cannot deactivate themselves; reactivation brings devices back.
    let (_, me) = server.get(&admin, "/api/auth/me").await;
    let (status, body) = server
        .post(
            &admin,
            &format!("/api/admin/accounts/{}/deactivate", id_of(&me)),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("last_administrator"))
    );
    let (status, account) = server
        .post(
            &admin,
            &format!("/api/admin/accounts/{}/reactivate", id_of(&superviseur)),
            json!({}),
        )
        .await;
    assert_eq!((status, account["active"].as_bool()), (200, Some(true)));
    assert_eq!(
        server
            .sign_in("superviseur", PASSWORD, Uuid::new_v4())
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_revoked_device_is_refused_everything_and_its_waiting_change_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;
    let device = Uuid::new_v4();
    let (tablet, user) = server.login_on("arpe2", device).await;
    let (changes, _) = server.pull_all(&tablet, 0).await;
    let person = changes
        .iter()
        .find_map(|c| match &c.record {
            jalon_domain::sync::Record::Person(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let (status, account) = server
        .post(
            &admin,
            &format!(
                "/api/admin/accounts/{}/devices/{device}/revoke",
                id_of(&user)
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["devices"][0]["state"], "revoked");
    let edit = Mutation::EditPerson(PersonEdit {
        person_id: person.id,
        changes: vec![FieldChange {
            field: PersonField::Phone,
            base: FieldValue::Text(person.details.phone.clone()),
            value: FieldValue::Text("0600000000".into()),
        }],
    });
    let response = server
        .http
        .post(server.url("/api/sync/push"))
        .bearer_auth(&tablet)
        .json(&json!({"protocol": 1, "schema": 2, "mutations": [{"seq": 1, "mutation": edit}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "device_revoked");
    let (again, _) = server.pull_all(&server.login("arpe2").await.0, 0).await;
    let now = again
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            jalon_domain::sync::Record::Person(p) if p.id == person.id => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(now.details.phone, person.details.phone, "nothing applied");
    let (status, _) = server
        .call(Method::POST, Some(&tablet), "/api/device/wiped", None)
        .await;
    assert_eq!(status, 204);
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    let account = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "arpe2")
        .unwrap()
        .clone();
    let revoked = account["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == device.to_string())
        .unwrap();
    assert_eq!(revoked["state"], "wiped");
}

#[tokio::test]
async fn an_administrator_cannot_revoke_the_device_in_use_but_can_revoke_another_of_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (desk, laptop) = (Uuid::new_v4(), Uuid::new_v4());
    let (token, user) = server.login_on("admin", desk).await;
    server.login_on("admin", laptop).await;
    let revoke = |device: Uuid| {
        format!(
            "/api/admin/accounts/{}/devices/{device}/revoke",
            id_of(&user)
        )
    };
    let (status, body) = server.post(&token, &revoke(desk), json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "own_device");
    let (status, _) = server.get(&token, "/api/auth/me").await;
    assert_eq!(status, 200, "the session asking is untouched");
    let (status, account) = server.post(&token, &revoke(laptop), json!({})).await;
    assert_eq!(status, 200, "{account}");
    let states: Vec<_> = account["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_owned(), d["state"].clone()))
        .collect();
    assert!(
        states.contains(&(laptop.to_string(), json!("revoked"))),
        "{states:?}"
    );
    assert!(
        states.contains(&(desk.to_string(), json!("active"))),
        "{states:?}"
    );
}

#[tokio::test]
async fn an_administrator_resets_the_password_of_others_not_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("admin").await;
    let path = format!("/api/admin/accounts/{}/password", id_of(&user));
    let (status, body) = server.post(&token, &path, json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "own_account");
    let (status, _) = server.get(&token, "/api/auth/me").await;
    assert_eq!(status, 200, "the session asking is untouched");
}

#[tokio::test]
async fn a_territory_change_takes_effect_on_its_date_and_moves_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;
    let today = time::OffsetDateTime::now_utc().date();
    let (status, schemes) = server.get(&admin, "/api/admin/schemes").await;
    assert_eq!(status, 200);
    let plie = schemes["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "plie")
        .unwrap()
        .clone();
    assert_eq!(plie["outside_territory"], 0);
    assert!(plie["followed"].as_i64().unwrap() > 500);
    assert_eq!(plie["settings"]["pathway_limit_months"], 36);

    // An unknown commune is refused in French; nothing changes.
    let (status, body) = server
        .call(
            Method::PUT,
            Some(&admin),
            "/api/admin/schemes/plie",
            Some(json!({
                "territory": {"kind": "communes", "codes": ["87085", "75056"]},
                "settings": {"pathway_limit_months": 36},
                "effective_from": today.to_string()
            })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("75056"));

    // From next month, the PLIE serves Limoges only: people elsewhere are counted, not moved.
    let later = today + time::Duration::days(40);
    let change = json!({
        "territory": {"kind": "communes", "codes": ["87085"]},
        "settings": {"pathway_limit_months": 36, "portfolio_target": 65},
        "effective_from": later.to_string()
    });
    let (status, state) = server
        .call(
            Method::PUT,
            Some(&admin),
            "/api/admin/schemes/plie",
            Some(change),
        )
        .await;
    assert_eq!(status, 200, "{state}");
    assert!(state["outside_territory"].as_i64().unwrap() > 0);
    // Not in force yet: devices still receive the former territory.
    let (referent, _) = server.login("plie1").await;
    let (_, reference) = server.get(&referent, "/api/reference").await;
    let current = reference["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "plie")
        .unwrap();
    assert_eq!(current["territory"]["kind"], "inside_epci");
    let (_, schemes) = server.get(&admin, "/api/admin/schemes").await;
    assert_eq!(schemes["versions"][0]["effective_from"], later.to_string());

    // Effective today: devices receive it at once; everybody is still enrolled.
    let (status, _) = server
        .call(
            Method::PUT,
            Some(&admin),
            "/api/admin/schemes/plie",
            Some(json!({
                "territory": {"kind": "communes", "codes": ["87085"]},
                "settings": {"pathway_limit_months": 36},
                "effective_from": today.to_string()
            })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, reference) = server.get(&referent, "/api/reference").await;
    let current = reference["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "plie")
        .unwrap();
    assert_eq!(
        current["territory"],
        json!({"kind": "communes", "codes": ["87085"]})
    );
    let (changes, _) = server.pull_all(&referent, 0).await;
    assert!(!changes.is_empty(), "the référent still holds their people");
}

#[tokio::test]
async fn every_sign_in_consultation_and_administrative_action_is_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;
    let (status, _) = server
        .sign_in("plie2", "mauvais mot de passe", Uuid::new_v4())
        .await;
    assert_eq!(status, 401);
    let device = Uuid::new_v4();
    let (tablet, user) = server.login_on("plie2", device).await;
    let person = Uuid::new_v4();
    let (status, _) = server
        .post(
            &tablet,
            "/api/sync/consultations",
            json!({"consultations": [{"person_id": person, "at": 1_700_000_000}]}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, created) = server
        .post(&admin, "/api/admin/accounts", referent_form("plie13"))
        .await;

    let (status, page) = server
        .get(&admin, &format!("/api/admin/audit?person={person}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    let event = &page["events"][0];
    assert_eq!(event["action"], "person.view");
    assert_eq!(event["user_id"], user["id"]);
    assert_eq!(event["device_id"], device.to_string());
    assert_eq!(event["at"], 1_700_000_000);
    let (_, failed) = server
        .get(&admin, "/api/admin/audit?action=auth.login_failed")
        .await;
    assert_eq!(failed["events"][0]["detail"], "plie2 127.0.0.1");
    let (_, actions) = server
        .get(
            &admin,
            &format!("/api/admin/audit?user={}", user["id"].as_str().unwrap()),
        )
        .await;
    assert!(
        actions["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "auth.login")
    );
    let (_, admin_actions) = server
        .get(&admin, "/api/admin/audit?action=account.create")
        .await;
    assert_eq!(
        admin_actions["events"][0]["detail"],
        created["account"]["id"]
    );
    let (status, body) = server
        .get(&admin, "/api/admin/audit?from=2026-05-01&to=2026-04-01")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_period"))
    );

    // The export is CSV for French spreadsheets, and is itself recorded.
    let response = server
        .http
        .get(server.url(&format!("/api/admin/audit.csv?person={person}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}date;utilisateur;"));
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains("Consultation d'une fiche"));
    let (_, exports) = server
        .get(&admin, "/api/admin/audit?action=audit.export")
        .await;
    assert_eq!(exports["total"], 1);
    // Nobody else reads it.
    let (status, _) = server.get(&tablet, "/api/admin/audit").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_right_of_access_gathers_the_whole_file_with_its_history_and_readers() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (referent, user) = server.login("plie3").await;
    let new = common::creation(&user, SchemeCode::Plie, "87085", "Accès");
    let id = new.person.id;
    let author = id_of(&user);
    let note = Note {
        id: Uuid::new_v4(),
        person_id: id,
        author_id: author,
        date: time::OffsetDateTime::now_utc().date(),
        text: "Première version.".into(),
        replaces: None,
    };
    let revised = Note {
        id: Uuid::new_v4(),
        text: "Version corrigée.".into(),
        replaces: Some(note.id),
        ..note.clone()
    };
    let edit = Mutation::EditPerson(PersonEdit {
        person_id: id,
        changes: vec![FieldChange {
            field: PersonField::Phone,
            base: FieldValue::Text(String::new()),
            value: FieldValue::Text("0555123456".into()),
        }],
    });
    let answers = server
        .push(
            &referent,
            &[
                MutationEnvelope {
                    seq: 1,
                    mutation: Mutation::CreatePerson(new.clone()),
                },
                MutationEnvelope {
                    seq: 2,
                    mutation: Mutation::AddNote(note),
                },
                MutationEnvelope {
                    seq: 3,
                    mutation: Mutation::AddNote(revised),
                },
                MutationEnvelope {
                    seq: 4,
                    mutation: edit,
                },
            ],
        )
        .await;
    assert!(
        answers
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Applied)
    );
    let (supervisor, _) = server.login("superviseur").await;
    let (_, plie4) = server.login("plie4").await;
    let answer = server
        .push(
            &supervisor,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::ChangeReferent {
                    enrolment_id: new.enrolment.id,
                    person_id: id,
                    referent_id: id_of(&plie4),
                    effective: None,
                },
            }],
        )
        .await;
    assert_eq!(answer.results[0].outcome, Outcome::Applied);

    let (status, report) = server
        .get(&supervisor, &format!("/api/people/{id}/access-report"))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["person"]["last_name"], "Accès");
    assert_eq!(report["notes"].as_array().unwrap().len(), 2);
    assert_eq!(report["changes"][0]["field"], "phone");
    assert_eq!(report["changes"][0]["new"]["value"], "0555123456");
    let referents = &report["enrolments"][0]["referents"];
    assert_eq!(referents[0]["to"], plie4["display_name"]);
    assert_eq!(referents[0]["from"], user["display_name"]);
    let actions: Vec<&str> = report["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"person.create"));
    assert!(actions.contains(&"enrolment.change_referent"));
    assert!(actions.contains(&"person.access_report"));

    // A référent may not produce it; the administrator finds the file by identity first.
    let (status, _) = server
        .get(&referent, &format!("/api/people/{id}/access-report"))
        .await;
    assert_eq!(status, 403);
    let admin = admin(&server).await;
    let (status, found) = server
        .post(
            &admin,
            "/api/admin/people/lookup",
            json!({"last_name": "acces", "first_name": "MAELLE", "birth_date": "1985-06-01"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["person_ids"], json!([id]));
    let (status, _) = server
        .get(&admin, &format!("/api/people/{id}/access-report"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn each_device_gets_its_own_escrow_key_kept_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let admin = admin(&server).await;
    let key_of = |body: &Value| body["device_key"].as_str().unwrap().to_owned();
    let tablet = Uuid::new_v4();
    let (status, first) = server.sign_in("arpe3", PASSWORD, tablet).await;
    assert_eq!(status, 200);
    let key = key_of(&first);
    assert_eq!(key.len(), 43, "32 bytes, URL-safe base64 without padding");
    let (_, again) = server.sign_in("arpe3", PASSWORD, tablet).await;
    assert_eq!(key_of(&again), key, "the same device keeps its key");
    let (_, other) = server.sign_in("arpe3", PASSWORD, Uuid::new_v4()).await;
    assert_ne!(key_of(&other), key, "another device has another key");

    let (status, _) = server
        .post(
            &admin,
            &format!(
                "/api/admin/accounts/{}/devices/{tablet}/revoke",
                first["user"]["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, after) = server.sign_in("arpe3", PASSWORD, tablet).await;
    assert_eq!(status, 200, "{after}");
    assert_ne!(
        key_of(&after),
        key,
        "a revoked device's key is gone: what it kept cannot be opened with it"
    );
}
