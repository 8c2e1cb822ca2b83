//! The orientation decision behind an enrolment through the real server: recorded by the
//! référent at creation or later, corrected by a supervisor, refused with French reasons, and
//! carried to every device that holds the enrolment.

mod common;

use common::{TestServer, creation};
use jalon_domain::orientation::{Orientation, OrientationKind};
use jalon_domain::people::Enrolment;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Change, Mutation, MutationEnvelope, Outcome, Record};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn push_one(server: &TestServer, token: &str, seq: u64, mutation: Mutation) -> Outcome {
    let response = server
        .push(token, &[MutationEnvelope { seq, mutation }])
        .await;
    response.results[0].outcome.clone()
}

fn codes(outcome: &Outcome) -> Vec<(String, String)> {
    match outcome {
        Outcome::Rejected { errors, code, .. } if errors.is_empty() => {
            vec![(String::new(), code.clone())]
        }
        Outcome::Rejected { errors, .. } => errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect(),
        Outcome::Applied => vec![],
    }
}

fn enrolment_in(changes: &[Change], id: Uuid) -> Enrolment {
    changes
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.id == id => Some(e.clone()),
            _ => None,
        })
        .expect("the enrolment is on the device")
}

#[tokio::test]
async fn an_orientation_decision_is_recorded_checked_and_reaches_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (referent, user) = server.login("arpe4").await;
    let (colleague, _) = server.login("arpe5").await;
    let (supervisor, _) = server.login("superviseur.arpe").await;
    let today = OffsetDateTime::now_utc().date();
    let decision = |days_ago: i64, decided_by: &str| Orientation {
        date: today - Duration::days(days_ago),
        kind: OrientationKind::SocioProfessional,
        decided_by: decided_by.into(),
    };

    // Created with its orientation: the text is trimmed.
    let mut new = creation(&user, SchemeCode::Arpe, "87011", "Orientee");
    new.enrolment.orientation = Some(decision(12, "  Équipe pluridisciplinaire   de Bellac "));
    let enrolment_id = new.enrolment.id;
    let person_id = new.person.id;
    assert_eq!(
        push_one(&server, &referent, 1, Mutation::CreatePerson(new)).await,
        Outcome::Applied
    );
    let (changes, _) = server.pull_all(&referent, 0).await;
    let held = enrolment_in(&changes, enrolment_id);
    assert_eq!(
        held.orientation.as_ref().map(|o| o.decided_by.as_str()),
        Some("Équipe pluridisciplinaire de Bellac")
    );

    let set = |orientation| Mutation::SetOrientation {
        enrolment_id,
        person_id,
        orientation,
    };
    // Ahead of today and without an author: refused with both reasons, nothing changed.
    let refused = push_one(&server, &referent, 2, set(decision(-1, " "))).await;
    assert_eq!(
        codes(&refused),
        [
            ("orientation_date".to_owned(), "future_date".to_owned()),
            ("decided_by".to_owned(), "required".to_owned())
        ]
    );
    // Another référent does not hold the person.
    assert_eq!(
        codes(&push_one(&server, &colleague, 1, set(decision(3, "CD87"))).await),
        [(String::new(), "not_in_scope".to_owned())]
    );
    // The supervisor corrects it; the référent's device receives the correction.
    let corrected = Orientation {
        kind: OrientationKind::Professional,
        ..decision(20, "Commission d'orientation")
    };
    assert_eq!(
        push_one(&server, &supervisor, 1, set(corrected.clone())).await,
        Outcome::Applied
    );
    let (changes, _) = server.pull_all(&referent, 0).await;
    assert_eq!(
        enrolment_in(&changes, enrolment_id).orientation,
        Some(corrected)
    );
}
