//! Concurrent edits of a person: field-by-field merge, conflicts, resolution, history.

mod common;

use common::TestServer;
use jalon_domain::merge::{Conflict, FieldChange, FieldValue, PersonEdit, PersonField};
use jalon_domain::people::Person;
use jalon_domain::sync::{Change, Mutation, MutationEnvelope, Outcome, Record};
use jalon_server::db::Db;
use uuid::Uuid;

fn edit(person: &Person, field: PersonField, value: FieldValue) -> Mutation {
    Mutation::EditPerson(PersonEdit {
        person_id: person.id,
        changes: vec![FieldChange {
            field,
            base: field.get(person),
            value,
        }],
    })
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

async fn push_one(server: &TestServer, token: &str, seq: u64, mutation: Mutation) -> Outcome {
    let response = server
        .push(token, &[MutationEnvelope { seq, mutation }])
        .await;
    response.results[0].outcome.clone()
}

fn person_in(changes: &[Change], id: Uuid) -> Person {
    changes
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            Record::Person(p) if p.id == id => Some(p.clone()),
            _ => None,
        })
        .expect("person pulled")
}

fn conflicts_in(changes: &[Change]) -> Vec<Conflict> {
    let mut latest = std::collections::HashMap::new();
    for change in changes {
        if let Record::Conflict(c) = &change.record {
            latest.insert(c.id, c.clone());
        }
    }
    latest.into_values().collect()
}

/// A référent signed in on a tablet and a desktop, and the first person of their caseload.
async fn two_devices(server: &TestServer, username: &str) -> (String, String, Person) {
    let (tablet, _) = server.login(username).await;
    let (desktop, _) = server.login(username).await;
    let (changes, _) = server.pull_all(&tablet, 0).await;
    let person = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    (tablet, desktop, person)
}

#[tokio::test]
async fn two_devices_changing_different_fields_both_win() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, desktop, person) = two_devices(&server, "plie1").await;

    let a = edit(&person, PersonField::FirstName, text("Clémence"));
    let b = edit(
        &person,
        PersonField::RsaBeneficiary,
        FieldValue::Bool(!person.rsa_beneficiary),
    );
    assert_eq!(push_one(&server, &tablet, 1, a).await, Outcome::Applied);
    assert_eq!(push_one(&server, &desktop, 1, b).await, Outcome::Applied);

    let (changes, _) = server.pull_all(&tablet, 0).await;
    let merged = person_in(&changes, person.id);
    assert_eq!(merged.first_name, "Clémence");
    assert_eq!(merged.rsa_beneficiary, !person.rsa_beneficiary);
    assert!(conflicts_in(&changes).is_empty());
}

/// Pushes the two conflicting edits in the given order to a fresh server; returns the final
/// person and the conflicts.
async fn conflict_in_order(tablet_first: bool) -> (Person, Vec<Conflict>, Person) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, desktop, person) = two_devices(&server, "arpe3").await;
    let a = edit(&person, PersonField::LastName, text("Aubrac"));
    let b = edit(&person, PersonField::LastName, text("Vialle"));
    let order = if tablet_first {
        [(&tablet, a), (&desktop, b)]
    } else {
        [(&desktop, b), (&tablet, a)]
    };
    for (token, mutation) in order {
        assert_eq!(
            push_one(&server, token, 1, mutation).await,
            Outcome::Applied
        );
    }
    let (changes, _) = server.pull_all(&tablet, 0).await;
    (
        person_in(&changes, person.id),
        conflicts_in(&changes),
        person,
    )
}

#[tokio::test]
async fn one_field_changed_on_two_devices_converges_on_the_same_value_in_any_order_with_a_conflict()
{
    let (first, first_conflicts, original) = conflict_in_order(true).await;
    let (second, second_conflicts, _) = conflict_in_order(false).await;
    assert_eq!(first.last_name, "Vialle");
    assert_eq!(second.last_name, "Vialle");
    for conflicts in [&first_conflicts, &second_conflicts] {
        assert_eq!(conflicts.len(), 1);
        let conflict = &conflicts[0];
        assert_eq!(conflict.field, PersonField::LastName);
        assert!(conflict.is_open());
        let mut values: Vec<_> = conflict
            .candidates
            .iter()
            .map(|c| c.value.clone())
            .collect();
        values.sort();
        assert_eq!(values, vec![text("Aubrac"), text("Vialle")]);
        assert_eq!(conflict.result, text("Vialle"));
        assert_ne!(text(&original.last_name), conflict.result);
    }
}

#[tokio::test]
async fn the_value_that_lost_stays_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, desktop, person) = two_devices(&server, "global2").await;
    push_one(
        &server,
        &tablet,
        1,
        edit(&person, PersonField::FirstName, text("Zélie")),
    )
    .await;
    push_one(
        &server,
        &desktop,
        1,
        edit(&person, PersonField::FirstName, text("Anaïs")),
    )
    .await;

    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jalon.sqlite3").display()
    ))
    .await
    .unwrap();
    let history = db
        .person_history(person.id, PersonField::FirstName)
        .await
        .unwrap();
    assert_eq!(
        history,
        vec![
            (text(&person.first_name), text("Zélie"), true),
            (text("Zélie"), text("Anaïs"), false),
        ]
    );
}

#[tokio::test]
async fn keeping_one_value_resolves_the_conflict_for_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, desktop, person) = two_devices(&server, "plie4").await;
    let (supervisor, _) = server.login("superviseur").await;
    push_one(
        &server,
        &tablet,
        1,
        edit(&person, PersonField::LastName, text("Brissaud")),
    )
    .await;
    push_one(
        &server,
        &desktop,
        1,
        edit(&person, PersonField::LastName, text("Chadeyron")),
    )
    .await;
    let (changes, cursor) = server.pull_all(&supervisor, 0).await;
    let conflict = conflicts_in(&changes)
        .into_iter()
        .find(|c| c.person_id == person.id)
        .unwrap();
    let loser = conflict
        .candidates
        .iter()
        .find(|c| c.value != conflict.result)
        .unwrap()
        .value
        .clone();

    let keep = Mutation::ResolveConflict {
        conflict_id: conflict.id,
        person_id: person.id,
        value: loser.clone(),
    };
    assert_eq!(
        push_one(&server, &tablet, 2, keep.clone()).await,
        Outcome::Applied
    );
    // A second resolution of the same conflict is refused, visibly.
    let Outcome::Rejected { code, .. } = push_one(&server, &desktop, 2, keep).await else {
        panic!("a resolved conflict cannot be resolved again");
    };
    assert_eq!(code, "already_resolved");

    let (changes, _) = server.pull_all(&supervisor, cursor).await;
    assert_eq!(
        FieldValue::Text(person_in(&changes, person.id).last_name),
        loser
    );
    let closed = conflicts_in(&changes);
    assert_eq!(closed.len(), 1);
    assert!(!closed[0].is_open());
    assert_eq!(closed[0].result, loser);
}

#[tokio::test]
async fn an_edit_that_breaks_a_rule_is_rejected_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, _, person) = two_devices(&server, "plie6").await;
    let (_, cursor) = server.pull_all(&tablet, 0).await;

    let outside = edit(&person, PersonField::CommuneCode, text("87011"));
    let Outcome::Rejected { errors, .. } = push_one(&server, &tablet, 1, outside).await else {
        panic!("Bellac is outside the PLIE");
    };
    assert_eq!(errors[0].code, "outside_territory");
    let wrong_type = edit(&person, PersonField::BirthDate, text("hier"));
    let Outcome::Rejected { code, .. } = push_one(&server, &tablet, 2, wrong_type).await else {
        panic!("a text is not a date");
    };
    assert_eq!(code, "invalid_change");
    let (changes, _) = server.pull_all(&tablet, cursor).await;
    assert!(changes.is_empty(), "{changes:?}");
}

#[tokio::test]
async fn nobody_edits_a_person_outside_their_scope() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (_, _, person) = two_devices(&server, "arpe1").await;
    let (other, _) = server.login("arpe2").await;
    let Outcome::Rejected { code, .. } = push_one(
        &server,
        &other,
        1,
        edit(&person, PersonField::FirstName, text("Intrus")),
    )
    .await
    else {
        panic!("arpe2 does not follow arpe1's people");
    };
    assert_eq!(code, "not_in_scope");
}

#[tokio::test]
async fn delete_against_edit_never_loses_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, desktop, person) = two_devices(&server, "arpe4").await;
    let delete = |base: &Person| Mutation::DeletePerson {
        person_id: person.id,
        base: base.clone(),
    };

    // An edit first: a deletion decided on the old state is refused.
    assert_eq!(
        push_one(
            &server,
            &tablet,
            1,
            edit(&person, PersonField::FirstName, text("Maëlys"))
        )
        .await,
        Outcome::Applied
    );
    let Outcome::Rejected { errors, .. } = push_one(&server, &desktop, 1, delete(&person)).await
    else {
        panic!("the file changed since the desktop saw it");
    };
    assert_eq!(errors[0].code, "modified_since");

    // A deletion of the file as it now reads applies; an edit arriving after it is refused
    // visibly, and the person leaves every device.
    let (changes, _) = server.pull_all(&desktop, 0).await;
    let seen = person_in(&changes, person.id);
    assert_eq!(
        push_one(&server, &desktop, 2, delete(&seen)).await,
        Outcome::Applied
    );
    let Outcome::Rejected { code, .. } = push_one(
        &server,
        &tablet,
        2,
        edit(&seen, PersonField::LastName, text("Trop tard")),
    )
    .await
    else {
        panic!("an edit of a deleted file is refused");
    };
    assert_eq!(code, "deleted");
    let (after, _) = server.pull_all(&tablet, 0).await;
    assert!(after.iter().all(|c| match &c.record {
        Record::Person(p) => p.id != person.id,
        _ => true,
    }));
}
