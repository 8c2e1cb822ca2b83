//! No answer reveals a file outside the caseload: for every kind of mutation, a référent gets
//! the same refusal for a file of someone else's caseload, a deleted file and a file that does
//! not exist; a duplicate outside the caseload names only its scheme.

mod common;

use common::TestServer;
use jalon_domain::followup::{
    Appointment, AppointmentStatus, Item, ItemBody, Obstacle, ObstacleStatus, ObstacleTheme, Place,
    obstacle_id,
};
use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
use jalon_domain::notes::Note;
use jalon_domain::pathway::{Exit, ExitReason};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome, Record};
use serde_json::Value;
use time::macros::date;
use uuid::Uuid;

/// A target: a person and one of their enrolments.
#[derive(Clone)]
struct Target {
    person: Person,
    enrolment: Enrolment,
}

fn id_of(value: &Value) -> Uuid {
    Uuid::parse_str(value["id"].as_str().unwrap()).unwrap()
}

/// Every kind of mutation, aimed at `target`, signed by `me`.
fn mutations(target: &Target, me: Uuid, referent: Uuid) -> Vec<(&'static str, Mutation)> {
    let person = target.person.id;
    let appointment = Item {
        id: Uuid::new_v4(),
        person_id: person,
        version: 1,
        author_id: me,
        body: ItemBody::Appointment(Appointment {
            date: date!(2026 - 11 - 20),
            time: "09:00".into(),
            place: Place::Mdd,
            status: AppointmentStatus::Planned,
            report: String::new(),
        }),
    };
    vec![
        (
            "edit",
            Mutation::EditPerson(PersonEdit {
                person_id: person,
                changes: vec![FieldChange {
                    field: PersonField::Phone,
                    base: FieldValue::Text(String::new()),
                    value: FieldValue::Text("0600000000".into()),
                }],
            }),
        ),
        (
            "resolve",
            Mutation::ResolveConflict {
                conflict_id: Uuid::new_v4(),
                person_id: person,
                value: FieldValue::Text("x".into()),
            },
        ),
        (
            "hand over",
            Mutation::ChangeReferent {
                enrolment_id: target.enrolment.id,
                person_id: person,
                referent_id: referent,
                effective: None,
            },
        ),
        (
            "close",
            Mutation::CloseEnrolment {
                enrolment_id: target.enrolment.id,
                person_id: person,
                // Before the start of every enrolment: would say so if the rules ran.
                exit: Exit {
                    date: date!(2001 - 01 - 01),
                    reason: ExitReason::ALL[0],
                },
            },
        ),
        (
            "orientation",
            Mutation::SetOrientation {
                enrolment_id: target.enrolment.id,
                person_id: person,
                orientation: jalon_domain::orientation::Orientation {
                    date: date!(2026 - 11 - 20),
                    kind: jalon_domain::orientation::OrientationKind::Social,
                    decided_by: "Sonde".into(),
                },
            },
        ),
        (
            "six months",
            Mutation::RecordSixMonths {
                enrolment_id: target.enrolment.id,
                person_id: person,
                // Before any exit: would say so if the rules ran.
                result: jalon_domain::fse::SixMonths {
                    date: date!(2001 - 01 - 01),
                    situation: jalon_domain::fse::SixMonthSituation::Employed,
                    better: Some(true),
                },
            },
        ),
        (
            "enrol",
            Mutation::Enrol(Enrolment {
                id: Uuid::new_v4(),
                person_id: person,
                scheme: SchemeCode::Arpe,
                referent_id: referent,
                start_date: date!(2026 - 11 - 20),
                status: EnrolmentStatus::Active,
                exit: None,
                fse_entry: None,
                fse_exit: None,
                fse_six_months: None,
                handovers: Vec::new(),
                orientation: None,
            }),
        ),
        (
            "delete",
            Mutation::DeletePerson {
                person_id: person,
                base: target.person.clone(),
            },
        ),
        (
            "note",
            Mutation::AddNote(Note {
                id: Uuid::new_v4(),
                person_id: person,
                author_id: me,
                date: date!(2020 - 01 - 01),
                text: "Sonde".into(),
                replaces: None,
            }),
        ),
        ("appointment", Mutation::SaveItem(appointment)),
        (
            "obstacle",
            Mutation::SaveItem(Item {
                id: obstacle_id(person, ObstacleTheme::Health),
                person_id: person,
                version: 1,
                author_id: me,
                body: ItemBody::Obstacle(Obstacle {
                    theme: ObstacleTheme::Health,
                    status: ObstacleStatus::Identified,
                    date: date!(2026 - 11 - 20),
                }),
            }),
        ),
    ]
}

#[tokio::test]
async fn a_file_outside_the_caseload_a_deleted_one_and_none_at_all_get_the_same_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (probe, me) = server.login("arpe1").await;
    let (owner, owner_user) = server.login("arpe2").await;

    // Someone else's file, with obstacles noted.
    let (theirs, _) = server.pull_all(&owner, 0).await;
    let enrolment = theirs
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.status == EnrolmentStatus::Active => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    let person = theirs
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) if p.id == enrolment.person_id => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let existing = Target { person, enrolment };
    // A file its référent created then deleted.
    let new = common::creation(&owner_user, SchemeCode::Arpe, "87011", "Supprimée");
    let answers = server
        .push(
            &owner,
            &[
                MutationEnvelope {
                    seq: 1,
                    mutation: Mutation::CreatePerson(new.clone()),
                },
                MutationEnvelope {
                    seq: 2,
                    mutation: Mutation::DeletePerson {
                        person_id: new.person.id,
                        base: new.person.clone(),
                    },
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
    let deleted = Target {
        person: new.person.clone(),
        enrolment: new.enrolment.clone(),
    };
    // No file at all.
    let mut nobody = common::creation(&owner_user, SchemeCode::Arpe, "87011", "Personne");
    nobody.enrolment.id = Uuid::new_v4();
    let missing = Target {
        person: nobody.person,
        enrolment: nobody.enrolment,
    };

    let me_id = id_of(&me);
    let colleague = id_of(&owner_user);
    let mut seq = 0;
    let mut answer = |mutation: Mutation| {
        seq += 1;
        let envelope = MutationEnvelope { seq, mutation };
        let (server, probe) = (&server, &probe);
        async move {
            server.push(probe, &[envelope]).await.results[0]
                .outcome
                .clone()
        }
    };
    for ((kind, a), ((_, b), (_, c))) in mutations(&existing, me_id, colleague).into_iter().zip(
        mutations(&deleted, me_id, colleague)
            .into_iter()
            .zip(mutations(&missing, me_id, colleague)),
    ) {
        let (a, b, c) = (answer(a).await, answer(b).await, answer(c).await);
        assert!(
            matches!(&a, Outcome::Rejected { code, .. } if code == "not_in_scope"),
            "{kind}: {a:?}"
        );
        assert_eq!(a, b, "{kind}: a deleted file answers differently");
        assert_eq!(
            a, c,
            "{kind}: a file that does not exist answers differently"
        );
    }
    // The owner still sees their file unchanged, without the probe's obstacle.
    let (after, _) = server.pull_all(&owner, 0).await;
    assert!(!after.iter().any(|c| matches!(&c.record,
        Record::Item(i) if i.author_id == me_id)));
}

#[tokio::test]
async fn a_duplicate_outside_the_caseload_names_only_its_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (plie, _) = server.login("plie1").await;
    let (arpe, arpe_user) = server.login("arpe1").await;
    let (theirs, _) = server.pull_all(&plie, 0).await;
    let other = theirs
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) if !p.details.allocataire.is_empty() => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    // An ARPE référent creates a file with the same numéro allocataire.
    let mut new = common::creation(&arpe_user, SchemeCode::Arpe, "87011", "Sonde");
    new.person.details.allocataire = other.details.allocataire.clone();
    let answers = server
        .push(
            &arpe,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::CreatePerson(new.clone()),
            }],
        )
        .await;
    assert_eq!(answers.results[0].outcome, Outcome::Applied);
    let (mine, _) = server.pull_all(&arpe, 0).await;
    let warning = mine
        .iter()
        .find_map(|c| match &c.record {
            Record::Item(Item {
                body: ItemBody::Duplicate(d),
                person_id,
                ..
            }) if *person_id == new.person.id => Some(d.clone()),
            _ => None,
        })
        .expect("the possible duplicate is flagged");
    assert!(warning.other_person_id.is_nil());
    assert!(
        warning.other_label.contains("PLIE"),
        "{}",
        warning.other_label
    );
    for secret in [
        other.last_name.as_str(),
        other.first_name.as_str(),
        &jalon_domain::text::format_date_fr(other.birth_date),
        &other.id.to_string(),
    ] {
        assert!(!warning.other_label.contains(secret), "{secret} leaked");
    }
}

#[tokio::test]
async fn a_device_id_serves_one_account_and_a_number_replayed_with_another_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let device = Uuid::new_v4();
    let (token, user) = server.login_on("plie2", device).await;
    let (status, body) = server.sign_in("plie3", common::PASSWORD, device).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "device_bound");

    let note = |text: &str| Note {
        id: Uuid::new_v4(),
        person_id: Uuid::new_v4(),
        author_id: id_of(&user),
        date: date!(2026 - 11 - 20),
        text: text.into(),
        replaces: None,
    };
    let (changes, _) = server.pull_all(&token, 0).await;
    let person = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) => Some(p.id),
            _ => None,
        })
        .unwrap();
    let first = Note {
        person_id: person,
        ..note("Première")
    };
    let answer = server
        .push(
            &token,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::AddNote(first.clone()),
            }],
        )
        .await;
    assert_eq!(answer.results[0].outcome, Outcome::Applied);
    // The same number again with the same change: the recorded answer.
    let again = server
        .push(
            &token,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::AddNote(first),
            }],
        )
        .await;
    assert_eq!(again.results[0].outcome, Outcome::Applied);
    // With another change: refused, and nothing stored.
    let other = Note {
        person_id: person,
        ..note("Autre")
    };
    let replay = server
        .push(
            &token,
            &[MutationEnvelope {
                seq: 1,
                mutation: Mutation::AddNote(other.clone()),
            }],
        )
        .await;
    assert!(
        matches!(&replay.results[0].outcome, Outcome::Rejected { code, .. } if code == "seq_reused")
    );
    let (all, _) = server.pull_all(&token, 0).await;
    assert!(
        !all.iter()
            .any(|c| matches!(&c.record, Record::Note(n) if n.id == other.id))
    );
}
