//! Follow-up items through the real server: the appointment state machine between devices,
//! versions of steps, duplicates created offline on two devices, the PLIE limit, the FSE
//! snapshots, and an outdated app emptying its outbox.

mod common;

use common::{TestServer, creation};
use jalon_domain::followup::{
    Appointment, AppointmentStatus, Contract, Item, ItemBody, Place, Step, StepKind, StepStatus,
};
use jalon_domain::pathway::{Exit, ExitReason, FseExitSituation};
use jalon_domain::people::PersonCreation;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Change, Mutation, MutationEnvelope, Outcome, Record};
use jalon_server::db::{self, Db};
use serde_json::{Value, json};
use time::macros::date;
use uuid::Uuid;

async fn push_one(server: &TestServer, token: &str, seq: u64, mutation: Mutation) -> Outcome {
    let response = server
        .push(token, &[MutationEnvelope { seq, mutation }])
        .await;
    response.results[0].outcome.clone()
}

fn rejection_code(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Rejected { errors, code, .. } if errors.is_empty() => vec![code.clone()],
        Outcome::Rejected { errors, .. } => errors.iter().map(|e| e.code.clone()).collect(),
        Outcome::Applied => vec![],
    }
}

fn items_of(changes: &[Change], person_id: Uuid) -> Vec<Item> {
    let mut latest = std::collections::BTreeMap::new();
    for change in changes {
        if let Record::Item(i) = &change.record
            && i.person_id == person_id
        {
            latest.insert(i.id, i.clone());
        }
    }
    latest.into_values().collect()
}

fn user_id(user: &Value) -> Uuid {
    Uuid::parse_str(user["id"].as_str().unwrap()).unwrap()
}

async fn enrolled(server: &TestServer, token: &str, user: &Value, name: &str) -> PersonCreation {
    let new = creation(user, SchemeCode::Plie, "87085", name);
    let outcome = push_one(server, token, 1, Mutation::CreatePerson(new.clone())).await;
    assert_eq!(outcome, Outcome::Applied);
    new
}

fn appointment(
    new: &PersonCreation,
    author: Uuid,
    id: Uuid,
    version: u32,
    status: AppointmentStatus,
) -> Item {
    Item {
        id,
        person_id: new.person.id,
        version,
        author_id: author,
        body: ItemBody::Appointment(Appointment {
            date: date!(2026 - 02 - 10),
            time: "10:30".into(),
            place: Place::Home,
            status,
            report: if status == AppointmentStatus::Attended {
                "Visite faite.".into()
            } else {
                String::new()
            },
        }),
    }
}

#[tokio::test]
async fn an_appointment_reported_on_one_device_cannot_be_cancelled_from_another() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, user) = server.login("plie3").await;
    let (desk, _) = server.login("plie3").await;
    let me = user_id(&user);
    let new = enrolled(&server, &tablet, &user, "Rendezvous").await;
    let id = Uuid::new_v4();
    let planned = appointment(&new, me, id, 1, AppointmentStatus::Planned);
    assert_eq!(
        push_one(&server, &tablet, 2, Mutation::SaveItem(planned)).await,
        Outcome::Applied
    );
    // Both devices saw version 1; the tablet reports it, the desk (offline) cancels it.
    let attended = appointment(&new, me, id, 2, AppointmentStatus::Attended);
    let cancelled = appointment(&new, me, id, 2, AppointmentStatus::Cancelled);
    assert_eq!(
        push_one(&server, &tablet, 3, Mutation::SaveItem(attended)).await,
        Outcome::Applied
    );
    let outcome = push_one(&server, &desk, 1, Mutation::SaveItem(cancelled)).await;
    assert_eq!(rejection_code(&outcome), vec!["invalid_transition"]);

    let (changes, _) = server.pull_all(&desk, 0).await;
    let items = items_of(&changes, new.person.id);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].version, 2);
    assert!(
        matches!(&items[0].body, ItemBody::Appointment(a) if a.status == AppointmentStatus::Attended)
    );
}

#[tokio::test]
async fn concurrent_versions_of_a_step_are_all_kept_and_the_later_one_shows() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, user) = server.login("plie4").await;
    let (desk, _) = server.login("plie4").await;
    let me = user_id(&user);
    let new = enrolled(&server, &tablet, &user, "Etape").await;
    let step = |version, provider: &str, status| Item {
        id: Uuid::from_u128(77),
        person_id: new.person.id,
        version,
        author_id: me,
        body: ItemBody::Step(Step {
            kind: StepKind::Training,
            provider: provider.into(),
            planned_start: Some(date!(2026 - 03 - 01)),
            planned_end: Some(date!(2026 - 06 - 01)),
            actual_start: (status != StepStatus::Planned).then_some(date!(2026 - 03 - 02)),
            actual_end: None,
            status,
        }),
    };
    for (token, seq, item) in [
        (&tablet, 2, step(1, "AFPA", StepStatus::Planned)),
        (&tablet, 3, step(2, "AFPA Limoges", StepStatus::Planned)),
        (&desk, 1, step(2, "AFPA", StepStatus::InProgress)),
    ] {
        assert_eq!(
            push_one(&server, token, seq, Mutation::SaveItem(item)).await,
            Outcome::Applied
        );
    }
    let (changes, _) = server.pull_all(&tablet, 0).await;
    let items = items_of(&changes, new.person.id);
    assert_eq!(items[0].version, 3);
    assert!(matches!(&items[0].body, ItemBody::Step(s) if s.status == StepStatus::InProgress));
    drop(server);
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jalon.sqlite3").display()
    ))
    .await
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(
        db::item_version_count(&mut tx, Uuid::from_u128(77))
            .await
            .unwrap(),
        3
    );
    tx.rollback().await.unwrap();
    // Every write hashed its rows (the demo's were hashed at start-up): none is left to hash.
    assert_eq!(db.rehash_missing().await.unwrap(), 0);
}

#[tokio::test]
async fn the_same_person_created_offline_on_two_devices_is_flagged_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, tablet_user) = server.login("plie5").await;
    let (other, other_user) = server.login("plie6").await;
    let first = creation(&tablet_user, SchemeCode::Plie, "87085", "Jumeau");
    let second = creation(&other_user, SchemeCode::Plie, "87085", "JUMEAU");
    assert_eq!(
        push_one(&server, &tablet, 1, Mutation::CreatePerson(first.clone())).await,
        Outcome::Applied
    );
    assert_eq!(
        push_one(&server, &other, 1, Mutation::CreatePerson(second.clone())).await,
        Outcome::Applied
    );
    let (changes, _) = server.pull_all(&other, 0).await;
    let warnings = items_of(&changes, second.person.id);
    assert_eq!(warnings.len(), 1);
    let ItemBody::Duplicate(warning) = &warnings[0].body else {
        panic!("a duplicate warning");
    };
    // plie6 does not follow the first file: the warning names its scheme, not the person.
    assert!(warning.other_person_id.is_nil());
    assert!(warning.other_label.contains("dispositif PLIE"));
    assert!(!warning.other_label.contains("JUMEAU"));
    // The supervisor sees it too, and anyone in scope may dismiss it — only dismiss it.
    let (supervisor, boss) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&supervisor, 0).await;
    assert_eq!(items_of(&changes, second.person.id), warnings);
    let mut forged = warnings[0].clone();
    forged.author_id = user_id(&boss);
    forged.version = 2;
    if let ItemBody::Duplicate(w) = &mut forged.body {
        w.other_label = "Quelqu'un d'autre".into();
    }
    let outcome = push_one(&server, &supervisor, 1, Mutation::SaveItem(forged.clone())).await;
    assert_eq!(rejection_code(&outcome), vec!["not_allowed"]);
    if let ItemBody::Duplicate(w) = &mut forged.body {
        *w = warning.clone();
        w.dismissed = true;
    }
    assert_eq!(
        push_one(&server, &supervisor, 2, Mutation::SaveItem(forged)).await,
        Outcome::Applied
    );
}

#[tokio::test]
async fn a_plie_pathway_at_36_months_takes_no_new_plans_and_exits_keep_their_fse_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("plie2").await;
    let me = user_id(&user);
    let mut old = creation(&user, SchemeCode::Plie, "87085", "Ancien");
    old.enrolment.start_date = date!(2022 - 01 - 03);
    assert_eq!(
        push_one(&server, &token, 1, Mutation::CreatePerson(old.clone())).await,
        Outcome::Applied
    );
    let plan = appointment(&old, me, Uuid::new_v4(), 1, AppointmentStatus::Planned);
    let outcome = push_one(&server, &token, 2, Mutation::SaveItem(plan)).await;
    assert_eq!(rejection_code(&outcome), vec!["pathway_limit"]);

    // A contract cannot be attached to a closed enrolment; the exit snapshot is taken once.
    let exit = Exit {
        date: date!(2025 - 12 - 31),
        reason: ExitReason::QualifyingTraining,
    };
    let close = Mutation::CloseEnrolment {
        enrolment_id: old.enrolment.id,
        person_id: old.person.id,
        exit,
    };
    assert_eq!(push_one(&server, &token, 3, close).await, Outcome::Applied);
    let (supervisor, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&supervisor, 0).await;
    let enrolment = changes
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.id == old.enrolment.id => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(enrolment.fse_entry.as_ref().unwrap().age, 36);
    assert_eq!(
        enrolment.fse_exit.as_ref().unwrap().situation,
        FseExitSituation::InTraining
    );
    let contract = Item {
        id: Uuid::new_v4(),
        person_id: old.person.id,
        version: 1,
        author_id: user_id(&server.login("superviseur").await.1),
        body: ItemBody::Contract(Contract {
            enrolment_id: old.enrolment.id,
            signed_on: date!(2025 - 01 - 01),
            start: date!(2025 - 01 - 01),
            end: date!(2025 - 07 - 01),
            objectives: "Formation".into(),
            weekly_hours: 15,
        }),
    };
    let outcome = push_one(&server, &supervisor, 1, Mutation::SaveItem(contract)).await;
    assert_eq!(rejection_code(&outcome), vec!["enrolment_closed"]);
}

#[tokio::test]
async fn an_app_of_the_previous_schema_still_empties_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, user) = server.login("arpe1").await;
    let new = creation(&user, SchemeCode::Arpe, "87011", "Ancienneversion");
    // Schema 1 had no `details` nor `schema` field.
    let mut mutation = serde_json::to_value(Mutation::CreatePerson(new.clone())).unwrap();
    mutation["person"]
        .as_object_mut()
        .unwrap()
        .remove("details");
    let response = server
        .http
        .post(server.url("/api/sync/push"))
        .bearer_auth(&token)
        .json(&json!({"protocol": 1, "mutations": [{"seq": 1, "mutation": mutation}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], "applied");
    let response = server
        .http
        .get(server.url("/api/sync/pull?protocol=1&cursor=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "outdated_client");
}

#[tokio::test]
async fn a_person_who_left_reenters_with_a_new_referent_who_receives_the_whole_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (first, first_user) = server.login("plie8").await;
    let (second, second_user) = server.login("plie9").await;
    let (_, second_cursor) = server.pull_all(&second, 0).await;
    let (supervisor, _) = server.login("superviseur").await;
    let new = enrolled(&server, &first, &first_user, "Retour").await;
    let plan = appointment(
        &new,
        user_id(&first_user),
        Uuid::new_v4(),
        1,
        AppointmentStatus::Planned,
    );
    assert_eq!(
        push_one(&server, &first, 2, Mutation::SaveItem(plan)).await,
        Outcome::Applied
    );
    let close = Mutation::CloseEnrolment {
        enrolment_id: new.enrolment.id,
        person_id: new.person.id,
        exit: Exit {
            date: date!(2026 - 06 - 30),
            reason: ExitReason::TemporaryJob,
        },
    };
    assert_eq!(push_one(&server, &first, 3, close).await, Outcome::Applied);

    let again = |id: u128, start| jalon_domain::people::Enrolment {
        id: Uuid::from_u128(id),
        start_date: start,
        referent_id: user_id(&second_user),
        status: jalon_domain::people::EnrolmentStatus::Active,
        exit: None,
        fse_entry: None,
        fse_exit: None,
        fse_six_months: None,
        handovers: Vec::new(),
        orientation: None,
        ..new.enrolment.clone()
    };
    // Not before the exit; then accepted.
    let early = push_one(
        &server,
        &supervisor,
        1,
        Mutation::Enrol(again(501, date!(2026 - 06 - 01))),
    )
    .await;
    assert_eq!(rejection_code(&early), vec!["overlaps"]);
    let reentry = again(502, date!(2026 - 09 - 01));
    assert_eq!(
        push_one(&server, &supervisor, 2, Mutation::Enrol(reentry.clone())).await,
        Outcome::Applied
    );
    let twice = push_one(
        &server,
        &supervisor,
        3,
        Mutation::Enrol(again(503, date!(2026 - 10 - 01))),
    )
    .await;
    assert_eq!(rejection_code(&twice), vec!["already_enrolled"]);

    // The new référent's device receives the person with both periods and the follow-up,
    // although its cursor is past their revs.
    let (news, _) = server.pull_all(&second, second_cursor).await;
    let enrolments: Vec<_> = news
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e) if e.person_id == new.person.id => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(enrolments.len(), 2);
    assert!(enrolments.iter().all(|e| e.fse_entry.is_some()));
    assert!(
        enrolments
            .iter()
            .any(|e| e.id == new.enrolment.id && e.fse_exit.is_some())
    );
    assert_eq!(items_of(&news, new.person.id).len(), 1);
}
