//! Partial replication: hand-overs between référents, and the checksum that ends each pull.

mod common;

use std::collections::HashMap;

use common::TestServer;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{
    BUCKETS, Change, Mutation, MutationEnvelope, Outcome, Record, SharedRecords, bucket_checksums,
    bucket_of, checksum,
};
use uuid::Uuid;

/// What a device holds after applying `changes` in order: the last version of each record.
fn replica(changes: &[Change]) -> HashMap<(u8, Uuid), Record> {
    let mut held = HashMap::new();
    for change in changes {
        held.insert(change.record.key(), change.record.clone());
    }
    held
}

/// The key in [`replica`] of a person's record of `kind` (see `Record::key`).
fn key(kind: &str, id: Uuid) -> (u8, Uuid) {
    let kind = ["person", "enrolment", "conflict", "note", "item"]
        .iter()
        .position(|k| *k == kind)
        .unwrap();
    (kind as u8, id)
}

fn person(id: Uuid) -> (u8, Uuid) {
    key("person", id)
}

fn local_checksum(held: &HashMap<(u8, Uuid), Record>) -> String {
    checksum(held.values())
}

async fn server_checksum(server: &TestServer, token: &str, cursor: i64) -> String {
    let page = server.pull(token, cursor, 1_000).await;
    assert!(!page.has_more);
    page.checksum.expect("the last page carries the checksum")
}

#[tokio::test]
async fn the_last_page_carries_the_checksum_of_what_the_device_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    for username in ["plie2", "superviseur"] {
        let (token, _) = server.login(username).await;
        let (changes, cursor) = server.pull_all(&token, 0).await;
        let held = replica(&changes);
        assert_eq!(
            server_checksum(&server, &token, cursor).await,
            local_checksum(&held)
        );
        // A page that is not the last carries none.
        let first = server.pull(&token, 0, 10).await;
        assert!(first.has_more && first.checksum.is_none());
    }
}

#[tokio::test]
async fn a_person_handed_to_another_referent_leaves_one_device_and_reaches_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (from, _) = server.login("arpe1").await;
    let (to, to_user) = server.login("arpe2").await;
    let (supervisor, _) = server.login("superviseur").await;
    let (from_changes, from_cursor) = server.pull_all(&from, 0).await;
    let (to_changes, to_cursor) = server.pull_all(&to, 0).await;
    let enrolment = from_changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();

    let hand_over = Mutation::ChangeReferent {
        enrolment_id: enrolment.id,
        person_id: enrolment.person_id,
        referent_id: Uuid::parse_str(to_user["id"].as_str().unwrap()).unwrap(),
        effective: None,
    };
    let response = server
        .push(
            &supervisor,
            &[MutationEnvelope {
                seq: 1,
                mutation: hand_over,
            }],
        )
        .await;
    assert_eq!(response.results[0].outcome, Outcome::Applied);

    // The new référent receives the person although their cursor is past the old revs.
    let (news, _) = server.pull_all(&to, to_cursor).await;
    let mut to_held = replica(&to_changes);
    to_held.extend(replica(&news));
    assert!(to_held.contains_key(&person(enrolment.person_id)));
    assert_eq!(
        server_checksum(&server, &to, to_cursor).await,
        local_checksum(&to_held)
    );

    // The old référent's device finds its copy diverged, and a resync drops the person.
    let (more, _) = server.pull_all(&from, from_cursor).await;
    let mut from_held = replica(&from_changes);
    from_held.extend(replica(&more));
    let expected = server_checksum(&server, &from, from_cursor).await;
    assert_ne!(expected, local_checksum(&from_held));
    // Only the bucket of the person who left differs: the device fetches it alone.
    let last = server.pull(&from, from_cursor + 1_000_000, 1_000).await;
    let held_buckets = bucket_checksums(from_held.values());
    let moved = bucket_of(enrolment.person_id);
    for bucket in 0..BUCKETS {
        let b = usize::from(bucket);
        assert_eq!(
            last.buckets[b] != held_buckets[b],
            bucket == moved,
            "bucket {bucket}"
        );
    }
    let page = server.pull_bucket(&from, 0, moved).await;
    assert!(!page.has_more && page.buckets.is_empty());
    assert!(page.changes.iter().all(|c| c.record.bucket() == moved));
    from_held.retain(|_, r| r.bucket() != moved);
    from_held.extend(replica(&page.changes));
    assert!(!from_held.contains_key(&person(enrolment.person_id)));
    assert_eq!(local_checksum(&from_held), expected);
    assert_eq!(page.checksum.unwrap(), last.buckets[usize::from(moved)]);
}

#[tokio::test]
async fn only_a_supervisor_hands_over_and_only_to_a_referent_of_the_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (referent, _) = server.login("plie1").await;
    let (_, other_scheme) = server.login("arpe1").await;
    let (supervisor, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&referent, 0).await;
    let enrolment = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    let to = |id: &str| Mutation::ChangeReferent {
        enrolment_id: enrolment.id,
        person_id: enrolment.person_id,
        referent_id: Uuid::parse_str(id).unwrap(),
        effective: None,
    };
    let attempts = [
        (&referent, to(other_scheme["id"].as_str().unwrap())),
        (&supervisor, to(other_scheme["id"].as_str().unwrap())),
    ];
    let mut codes = Vec::new();
    for (token, mutation) in attempts {
        let response = server
            .push(token, &[MutationEnvelope { seq: 1, mutation }])
            .await;
        let Outcome::Rejected { errors, .. } = &response.results[0].outcome else {
            panic!("refused: {response:?}");
        };
        codes.push(errors[0].code.clone());
    }
    assert_eq!(codes, vec!["not_allowed", "invalid_referent"]);
}

#[tokio::test]
async fn a_closed_enrolment_keeps_its_exit_and_a_second_closing_is_refused_visibly() {
    use jalon_domain::pathway::{Exit, ExitReason};
    use jalon_domain::people::EnrolmentStatus;
    use time::macros::date;

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (tablet, _) = server.login("global5").await;
    let (desktop, _) = server.login("global5").await;
    let (supervisor, _) = server.login("superviseur").await;
    let (changes, _) = server.pull_all(&tablet, 0).await;
    let held_before = replica(&changes);
    let enrolment = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    let close = |reason| Mutation::CloseEnrolment {
        enrolment_id: enrolment.id,
        person_id: enrolment.person_id,
        exit: Exit {
            date: date!(2026 - 11 - 20).max(enrolment.start_date),
            reason,
        },
    };
    let first = server
        .push(
            &tablet,
            &[MutationEnvelope {
                seq: 1,
                mutation: close(ExitReason::LongJob),
            }],
        )
        .await;
    assert_eq!(first.results[0].outcome, Outcome::Applied);
    // The desktop, offline meanwhile, closes the same enrolment too: impossible transition.
    let second = server
        .push(
            &desktop,
            &[MutationEnvelope {
                seq: 1,
                mutation: close(ExitReason::Health),
            }],
        )
        .await;
    let Outcome::Rejected { errors, .. } = &second.results[0].outcome else {
        panic!("closing twice is refused: {second:?}");
    };
    assert_eq!(errors[0].code, "already_closed");

    // The supervisor sees the exit; the référent's device keeps the person, closed, for the
    // six-month FSE follow-up (server/tests/fse.rs shows them leave once it is recorded).
    let (all, _) = server.pull_all(&supervisor, 0).await;
    let closed = all
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.id == enrolment.id => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(closed.status, EnrolmentStatus::Closed);
    assert_eq!(closed.exit.unwrap().reason, ExitReason::LongJob);
    let (after, _) = server.pull_all(&tablet, 0).await;
    let held_after = replica(&after);
    assert!(held_after.contains_key(&person(enrolment.person_id)));
    let Some(Record::Enrolment(kept)) = held_after.get(&key("enrolment", enrolment.id)) else {
        panic!("the closed enrolment is on the tablet");
    };
    assert_eq!(kept.status, EnrolmentStatus::Closed);
    assert_eq!(held_after.len(), held_before.len());
}

#[tokio::test]
async fn the_journal_is_append_only_and_only_authors_revise_their_notes() {
    use jalon_domain::notes::Note;
    use time::macros::date;

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (referent, user) = server.login("plie3").await;
    let (supervisor, supervisor_user) = server.login("superviseur").await;
    let (changes, cursor) = server.pull_all(&referent, 0).await;
    let person_id = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Person(p) => Some(p.id),
            _ => None,
        })
        .unwrap();
    let author = |u: &serde_json::Value| Uuid::parse_str(u["id"].as_str().unwrap()).unwrap();
    let first = Note {
        id: Uuid::new_v4(),
        person_id,
        author_id: author(&user),
        date: date!(2026 - 11 - 20),
        text: "Premier entretien : projet de formation en logistique.".into(),
        replaces: None,
    };
    let revised = Note {
        id: Uuid::new_v4(),
        text: "Premier entretien : projet de formation en logistique (CACES).".into(),
        replaces: Some(first.id),
        ..first.clone()
    };
    let by_other = Note {
        id: Uuid::new_v4(),
        author_id: author(&supervisor_user),
        text: "Réécrit par un autre".into(),
        replaces: Some(first.id),
        ..first.clone()
    };
    let push = |token: &str, seq, note: &Note| {
        let (server, token, note) = (&server, token.to_owned(), note.clone());
        async move {
            server
                .push(
                    &token,
                    &[MutationEnvelope {
                        seq,
                        mutation: Mutation::AddNote(note),
                    }],
                )
                .await
                .results[0]
                .outcome
                .clone()
        }
    };
    assert_eq!(push(&referent, 1, &first).await, Outcome::Applied);
    assert_eq!(push(&referent, 2, &revised).await, Outcome::Applied);
    let Outcome::Rejected { errors, .. } = push(&supervisor, 1, &by_other).await else {
        panic!("only the author revises a note");
    };
    assert_eq!(errors[0].code, "not_author");

    let (news, _) = server.pull_all(&referent, cursor).await;
    let notes: Vec<_> = news
        .iter()
        .filter_map(|c| match &c.record {
            Record::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        vec![first, revised.clone()],
        "both versions are kept"
    );
    let shown = jalon_domain::notes::current_versions(&notes);
    assert_eq!(shown, vec![&revised]);
}

#[tokio::test]
async fn notes_and_reports_typed_before_a_hand_over_learned_late_reach_the_new_referent() {
    use jalon_domain::followup::{Appointment, AppointmentStatus, Item, ItemBody, Place};
    use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
    use jalon_domain::notes::Note;
    use jalon_domain::schemes::SchemeCode;

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (from, from_user) = server.login("arpe1").await;
    let (to, to_user) = server.login("arpe2").await;
    let (stranger, stranger_user) = server.login("arpe3").await;
    let (supervisor, _) = server.login("superviseur").await;
    let today = time::OffsetDateTime::now_utc().date();
    let id_of = |user: &serde_json::Value| Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    let new = common::creation(&from_user, SchemeCode::Arpe, "87011", "Tardif");
    let person_id = new.person.id;
    let planned = Item {
        id: Uuid::new_v4(),
        person_id,
        version: 1,
        author_id: id_of(&from_user),
        body: ItemBody::Appointment(Appointment {
            date: today,
            time: "09:30".into(),
            place: Place::Phone,
            status: AppointmentStatus::Planned,
            report: String::new(),
        }),
    };
    let envelope = |seq, mutation| MutationEnvelope { seq, mutation };
    let answers = server
        .push(
            &from,
            &[
                envelope(1, Mutation::CreatePerson(new.clone())),
                envelope(2, Mutation::SaveItem(planned.clone())),
            ],
        )
        .await;
    assert!(
        answers
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Applied)
    );

    // The supervisor hands the person over while arpe1's tablet is offline.
    let answers = server
        .push(
            &supervisor,
            &[envelope(
                1,
                Mutation::ChangeReferent {
                    enrolment_id: new.enrolment.id,
                    person_id,
                    referent_id: id_of(&to_user),
                    effective: None,
                },
            )],
        )
        .await;
    assert_eq!(answers.results[0].outcome, Outcome::Applied);

    // arpe1 comes back with what was typed offline.
    let note = |author: Uuid, date, text: &str| Note {
        id: Uuid::new_v4(),
        person_id,
        author_id: author,
        date,
        text: text.into(),
        replaces: None,
    };
    let last_note = note(
        id_of(&from_user),
        today,
        "Entretien téléphonique : CV à jour.",
    );
    let reported = Item {
        version: 2,
        body: ItemBody::Appointment(Appointment {
            status: AppointmentStatus::Attended,
            report: "Présente, motivée.".into(),
            ..match &planned.body {
                ItemBody::Appointment(a) => a.clone(),
                _ => unreachable!(),
            }
        }),
        ..planned.clone()
    };
    let edit = Mutation::EditPerson(PersonEdit {
        person_id,
        changes: vec![FieldChange {
            field: PersonField::Phone,
            base: FieldValue::Text(String::new()),
            value: FieldValue::Text("0611111111".into()),
        }],
    });
    let too_early = note(
        id_of(&from_user),
        time::macros::date!(2025 - 12 - 01),
        "Avant l'entrée",
    );
    let answers = server
        .push(
            &from,
            &[
                envelope(3, Mutation::AddNote(last_note.clone())),
                envelope(4, Mutation::SaveItem(reported.clone())),
                envelope(5, edit),
                envelope(6, Mutation::AddNote(too_early)),
            ],
        )
        .await;
    let codes: Vec<&str> = answers
        .results
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Applied => "applied",
            Outcome::Rejected { code, .. } => code.as_str(),
        })
        .collect();
    assert_eq!(
        codes,
        ["applied", "applied", "not_in_scope", "not_in_scope"],
        "the note and the report were written while arpe1 followed the person; the edit was not"
    );
    // Someone who never followed the person cannot use the rule.
    let answers = server
        .push(
            &stranger,
            &[envelope(
                1,
                Mutation::AddNote(note(id_of(&stranger_user), today, "Intrusion")),
            )],
        )
        .await;
    assert!(matches!(
        &answers.results[0].outcome,
        Outcome::Rejected { code, .. } if code == "not_in_scope"
    ));

    // The new référent receives the note, signed by its author, and the report.
    let (changes, _) = server.pull_all(&to, 0).await;
    let held = replica(&changes);
    assert_eq!(
        held.get(&key("note", last_note.id)),
        Some(&Record::Note(last_note))
    );
    assert!(matches!(
        held.get(&key("item", reported.id)),
        Some(Record::Item(Item { body: ItemBody::Appointment(a), .. }))
            if a.status == AppointmentStatus::Attended
    ));
    assert!(matches!(
        held.get(&key("person", person_id)),
        Some(Record::Person(p)) if p.details.phone.is_empty()
    ));
}

#[tokio::test]
async fn the_hand_overs_of_an_enrolment_reach_the_devices_with_their_date_of_effect() {
    use jalon_domain::pathway::{Handover, referent_periods};
    use time::{Duration, OffsetDateTime};

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (first, first_user) = server.login("global3").await;
    let (_, second_user) = server.login("global4").await;
    let (supervisor, _) = server.login("superviseur.global").await;
    let id = |user: &serde_json::Value| Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    let (changes, _) = server.pull_all(&first, 0).await;
    let enrolment = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert!(enrolment.handovers.is_empty());
    let today = OffsetDateTime::now_utc().date();
    let hand_over = |to: Uuid, effective| Mutation::ChangeReferent {
        enrolment_id: enrolment.id,
        person_id: enrolment.person_id,
        referent_id: to,
        effective,
    };
    let push = |seq, mutation| {
        let server = &server;
        let supervisor = &supervisor;
        async move {
            server
                .push(supervisor, &[MutationEnvelope { seq, mutation }])
                .await
                .results[0]
                .outcome
                .clone()
        }
    };
    let code = |outcome: Outcome| match outcome {
        Outcome::Rejected { errors, .. } => (errors[0].field.clone(), errors[0].code.clone()),
        other => panic!("refused: {other:?}"),
    };
    // A date of effect ahead of today, or before the enrolment started: refused, nothing moves.
    assert_eq!(
        code(
            push(
                1,
                hand_over(id(&second_user), Some(today + Duration::days(1)))
            )
            .await
        ),
        ("effective".to_owned(), "future_date".to_owned())
    );
    assert_eq!(
        code(
            push(
                2,
                hand_over(
                    id(&second_user),
                    Some(enrolment.start_date - Duration::days(1))
                )
            )
            .await
        ),
        ("effective".to_owned(), "before_start".to_owned())
    );
    // Recorded five days after the fact, then handed back today.
    let effective = today - Duration::days(5);
    assert_eq!(
        push(3, hand_over(id(&second_user), Some(effective))).await,
        Outcome::Applied
    );
    assert_eq!(
        push(4, hand_over(id(&first_user), None)).await,
        Outcome::Applied
    );
    let (changes, _) = server.pull_all(&first, 0).await;
    let held = changes
        .iter()
        .find_map(|c| match &c.record {
            Record::Enrolment(e) if e.id == enrolment.id => Some(e.clone()),
            _ => None,
        })
        .expect("handed back to global3");
    assert_eq!(
        held.handovers,
        [
            Handover {
                from: id(&first_user),
                to: id(&second_user),
                on: effective
            },
            Handover {
                from: id(&second_user),
                to: id(&first_user),
                on: today
            },
        ]
    );
    assert_eq!(
        referent_periods(&held),
        [
            (id(&first_user), enrolment.start_date),
            (id(&second_user), effective),
            (id(&first_user), today),
        ]
    );
    // A hand-over before the last one is refused.
    assert_eq!(
        code(push(5, hand_over(id(&second_user), Some(effective))).await),
        ("effective".to_owned(), "before_start".to_owned())
    );
    // The device's checksum counts the hand-overs it holds.
    let (changes, cursor) = server.pull_all(&first, 0).await;
    assert_eq!(
        server_checksum(&server, &first, cursor).await,
        local_checksum(&replica(&changes))
    );
}

/// Fetches again the buckets whose checksum differs from the server's, as a device does after
/// a pull, and replaces what `held` has of them.
async fn repair(server: &TestServer, token: &str, held: &mut HashMap<(u8, Uuid), Record>) {
    let last = server.pull(token, i64::MAX / 2, 1_000).await;
    let mine = bucket_checksums(held.values());
    for bucket in 0..BUCKETS {
        if last.buckets[usize::from(bucket)] == mine[usize::from(bucket)] {
            continue;
        }
        held.retain(|_, r| r.bucket() != bucket);
        let mut cursor = 0;
        loop {
            let page = server.pull_bucket(token, cursor, bucket).await;
            held.extend(replica(&page.changes));
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
        }
    }
    assert_eq!(local_checksum(held), last.checksum.unwrap());
}

#[tokio::test]
async fn records_of_a_scheme_or_of_the_departement_reach_exactly_who_may_hold_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let held = |changes: &[Change]| {
        let held = replica(changes);
        let shared = SharedRecords::of(held.values());
        (held, shared)
    };

    // A référent: the agreements they order from and the partners' places, nothing else.
    let (referent, _) = server.login("plie1").await;
    let (changes, cursor) = server.pull_all(&referent, 0).await;
    let (records, shared) = held(&changes);
    assert!(shared.agreements.len() >= 6, "{}", shared.agreements.len());
    assert!(!shared.partner_agreements.is_empty());
    assert!(shared.envelopes.is_empty() && shared.cofinancing_plans.is_empty());
    assert_eq!(
        server_checksum(&server, &referent, cursor).await,
        local_checksum(&records)
    );

    // A coordinator: the Département's records, and the plans of their own scheme only.
    for (login, scheme) in [
        ("superviseur.plie", SchemeCode::Plie),
        ("superviseur.arpe", SchemeCode::Arpe),
    ] {
        let (token, _) = server.login(login).await;
        let (changes, cursor) = server.pull_all(&token, 0).await;
        let (records, shared) = held(&changes);
        assert!(!shared.agreements.is_empty() && !shared.envelopes.is_empty());
        assert!(!shared.cofinancing_plans.is_empty());
        assert!(
            shared.cofinancing_plans.iter().all(|p| p.scheme == scheme),
            "{login}"
        );
        let last = server.pull(&token, cursor, 1_000).await;
        assert_eq!(last.checksum.unwrap(), local_checksum(&records));
        assert_eq!(last.buckets, bucket_checksums(records.values()));
    }

    // An administrator holds nothing.
    let (admin, _) = server.login("admin").await;
    let (changes, _) = server.pull_all(&admin, 0).await;
    assert!(changes.is_empty());
}

#[tokio::test]
async fn an_order_moves_its_period_on_every_device_in_the_change_that_acknowledges_it() {
    use jalon_domain::followup::{Item, ItemBody};
    use jalon_domain::money::agreements::{Agreement, PeriodTerms, PriceLine};
    use jalon_domain::money::orders::PurchaseOrder;

    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let today = time::OffsetDateTime::now_utc().date();
    let (status, body) = server
        .post(
            &supervisor,
            "/api/agreements",
            serde_json::json!({
                "provider": "Cabinet de la réplique",
                "object": "Accompagnement des ETI",
                "lot": "eti",
                "initial": PeriodTerms {
                    start: today - time::Duration::days(10),
                    end: today + time::Duration::days(300),
                    max_cents: 100_000,
                    prices: vec![PriceLine {
                        code: "p1".into(),
                        label: "Diagnostic".into(),
                        unit_cents: 30_000,
                    }],
                },
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let framework: Agreement = serde_json::from_value(body).unwrap();
    let (token, user) = server.login("plie1").await;
    let (other, _) = server.login("arpe2").await;
    let (mine, my_cursor) = server.pull_all(&token, 0).await;
    let (theirs, their_cursor) = server.pull_all(&other, 0).await;
    assert!(
        [&mine, &theirs]
            .iter()
            .all(|changes| replica(changes).contains_key(&(5, framework.id))),
        "a new agreement reaches every référent"
    );

    let new = common::creation(&user, SchemeCode::Plie, "87085", "Réplique");
    let order = Item {
        id: Uuid::new_v4(),
        person_id: new.person.id,
        version: 1,
        author_id: new.enrolment.referent_id,
        body: ItemBody::Order(PurchaseOrder::priced(&framework, "p1", 2, today).unwrap()),
    };
    let envelopes = [
        MutationEnvelope {
            seq: 1,
            mutation: Mutation::CreatePerson(new.clone()),
        },
        MutationEnvelope {
            seq: 2,
            mutation: Mutation::SaveItem(order),
        },
    ];
    let pushed = server.push(&token, &envelopes).await;
    assert!(pushed.results.iter().all(|r| r.outcome == Outcome::Applied));
    let acknowledged = pushed.results[1].rev.unwrap();

    // The référent's pull up to the acknowledged change shows the period's new total…
    let (news, _) = server.pull_all(&token, my_cursor).await;
    let period_of = |changes: &[Change]| {
        changes.iter().find_map(|c| match &c.record {
            Record::Agreement(a) if a.id == framework.id => Some((c.rev, a.periods[0].clone())),
            _ => None,
        })
    };
    let (rev, period) = period_of(&news).expect("the agreement changed");
    assert!(rev <= acknowledged);
    assert_eq!(period.ordered_cents, 60_000);
    // …and so does another scheme's référent's, without the person.
    let (news, their_cursor) = server.pull_all(&other, their_cursor).await;
    assert_eq!(period_of(&news).unwrap().1.left_cents(), 40_000);
    assert!(news.iter().all(|c| c.record.person_id().is_none()));
    let mut their_held = replica(&theirs);
    their_held.extend(replica(&news));
    assert_eq!(
        server_checksum(&server, &other, their_cursor).await,
        local_checksum(&their_held)
    );

    // The same push again is answered the same, and changes nothing anywhere.
    let replayed = server.push(&token, &envelopes).await;
    assert_eq!(replayed.results, pushed.results);
    let (news, _) = server.pull_all(&other, their_cursor).await;
    assert!(news.is_empty(), "{news:?}");
}

#[tokio::test]
async fn a_coordinator_given_a_scheme_and_then_relieved_of_it_gains_and_loses_its_plans() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (admin, _) = server.login("admin").await;
    let (token, user) = server.login("superviseur.plie").await;
    let (changes, _) = server.pull_all(&token, 0).await;
    let mut held = replica(&changes);
    let plans = |held: &HashMap<(u8, Uuid), Record>| {
        let mut schemes: Vec<SchemeCode> = SharedRecords::of(held.values())
            .cofinancing_plans
            .iter()
            .map(|p| p.scheme)
            .collect();
        schemes.dedup();
        schemes
    };
    assert_eq!(plans(&held), [SchemeCode::Plie]);

    let path = format!("/api/admin/accounts/{}", user["id"].as_str().unwrap());
    let supervise = |schemes: &'static [&'static str]| {
        server.call(
            reqwest::Method::PUT,
            Some(&admin),
            &path,
            Some(serde_json::json!({
                "username": "superviseur.plie",
                "display_name": user["display_name"],
                "role": "supervisor",
                "supervised": schemes,
            })),
        )
    };
    let (status, body) = supervise(&["plie", "arpe"]).await;
    assert_eq!(status, 200, "{body}");
    let (token, _) = server.login("superviseur.plie").await;
    repair(&server, &token, &mut held).await;
    let mut schemes = plans(&held);
    schemes.sort_by_key(|s| s.as_str());
    schemes.dedup();
    assert_eq!(schemes, [SchemeCode::Arpe, SchemeCode::Plie]);

    let (status, body) = supervise(&["plie"]).await;
    assert_eq!(status, 200, "{body}");
    let (token, _) = server.login("superviseur.plie").await;
    repair(&server, &token, &mut held).await;
    assert_eq!(plans(&held), [SchemeCode::Plie]);
}
