use std::collections::VecDeque;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use time::macros::date;

use super::*;
use crate::merge::{FieldChange, FieldValue, PersonField, diff};
use crate::notes::Note;
use crate::people::{Enrolment, EnrolmentStatus, PersonCreation};
use crate::schemes::SchemeCode;
use crate::sync::{PROTOCOL_VERSION, Record, SCHEMA_VERSION, checksum, checksums};

/// Runs a future whose awaits are all ready at once (memory and scripted answers).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

fn person(id: u128, phone: &str) -> Person {
    let mut p = Person {
        id: Uuid::from_u128(id),
        last_name: "Roux".into(),
        first_name: "Léa".into(),
        birth_date: date!(1990 - 01 - 01),
        commune_code: "87085".into(),
        rsa_beneficiary: true,
        details: Default::default(),
    };
    p.details.phone = phone.into();
    p
}

fn phone_edit(id: u128, base: &str, value: &str) -> Mutation {
    Mutation::EditPerson(PersonEdit {
        person_id: Uuid::from_u128(id),
        changes: vec![FieldChange {
            field: PersonField::Phone,
            base: FieldValue::Text(base.into()),
            value: FieldValue::Text(value.into()),
        }],
    })
}

fn applied(seq: u64, rev: i64) -> MutationResult {
    MutationResult {
        seq,
        outcome: Outcome::Applied,
        rev: Some(rev),
    }
}

fn refused(seq: u64) -> MutationResult {
    MutationResult {
        seq,
        outcome: Outcome::Rejected {
            code: "not_in_scope".into(),
            message: "Non.".into(),
            errors: vec![],
        },
        rev: None,
    }
}

fn page(changes: Vec<Change>, cursor: i64) -> PullResponse {
    PullResponse {
        protocol: PROTOCOL_VERSION,
        schema: SCHEMA_VERSION,
        changes,
        cursor,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    }
}

fn page_with_more(cursor: i64) -> PullResponse {
    PullResponse {
        has_more: true,
        ..page(vec![], cursor)
    }
}

#[test]
fn an_acknowledged_change_stays_until_the_cursor_reaches_its_revision() {
    let sent = vec![
        OutboxEntry::new(1, phone_edit(1, "05", "06")),
        OutboxEntry::new(2, phone_edit(1, "06", "07")),
    ];
    let plan = plan_push(&sent, &[applied(1, 8), applied(2, 12)], |_| None);
    assert!(plan.removed.is_empty());
    assert_eq!(
        plan.acknowledged
            .iter()
            .map(|e| (e.seq, e.acknowledged))
            .collect::<Vec<_>>(),
        vec![(1, Some(8)), (2, Some(12))]
    );
    assert!(!plan.acknowledged[0].is_waiting());

    let outbox = plan.acknowledged;
    assert_eq!(visible_at(&outbox, &page(vec![], 11)), vec![1]);
    assert_eq!(visible_at(&outbox, &page(vec![], 12)), vec![1, 2]);
    // In the middle of a pull nothing is visible: a row changed at 8 may have been rewritten
    // at 13 and come on a later page.
    assert!(visible_at(&outbox, &page_with_more(12)).is_empty());
    // Acknowledged entries are shown but neither pushed again nor counted as waiting.
    assert!(next_batch(&outbox).is_empty());
    assert_eq!(waiting_count(&outbox), 0);
    assert!(waiting_people(&outbox).is_empty());
}

#[test]
fn a_refusal_keeps_the_name_and_what_was_typed_and_drops_a_refused_creation() {
    let creation = PersonCreation {
        person: person(3, ""),
        enrolment: Enrolment {
            id: Uuid::from_u128(4),
            person_id: Uuid::from_u128(3),
            scheme: SchemeCode::Plie,
            referent_id: Uuid::from_u128(9),
            start_date: date!(2026 - 01 - 05),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        },
    };
    let sent = vec![
        OutboxEntry::new(1, phone_edit(1, "05", "06")),
        OutboxEntry::new(2, Mutation::CreatePerson(creation.clone())),
    ];
    let plan = plan_push(&sent, &[refused(1), refused(2)], |id| {
        (id == Uuid::from_u128(1)).then(|| "ROUX Léa".to_owned())
    });
    assert_eq!(plan.removed, vec![1, 2]);
    assert_eq!(plan.rejections[0].person_label, "ROUX Léa");
    assert_eq!(plan.rejections[0].mutation, sent[0].mutation);
    assert_eq!(plan.rejections[1].person_label, "ROUX Léa");
    assert_eq!(
        plan.dropped,
        vec![(0, creation.person.id), (1, creation.enrolment.id)]
    );
}

#[test]
fn answers_for_entries_not_waiting_are_ignored() {
    let mut entry = OutboxEntry::new(1, phone_edit(1, "05", "06"));
    entry.acknowledged = Some(4);
    let plan = plan_push(&[entry], &[applied(1, 4), applied(7, 9)], |_| None);
    assert_eq!(plan, PushPlan::default());
}

#[test]
fn every_change_of_the_outbox_is_laid_over_the_replica_in_order() {
    let mut acknowledged = OutboxEntry::new(1, phone_edit(1, "05", "06"));
    acknowledged.acknowledged = Some(3);
    let outbox = vec![
        OutboxEntry::new(2, phone_edit(1, "06", "07")),
        acknowledged,
        OutboxEntry::new(
            3,
            Mutation::DeletePerson {
                person_id: Uuid::from_u128(2),
                base: person(2, ""),
            },
        ),
    ];
    let shown = shown_people([person(1, "05"), person(2, "")], &outbox);
    assert_eq!(shown, vec![person(1, "07")]);

    let note = |id: u128| Note {
        id: Uuid::from_u128(id),
        person_id: Uuid::from_u128(1),
        author_id: Uuid::from_u128(9),
        date: date!(2026 - 11 - 20),
        text: "Appel".into(),
        replaces: None,
    };
    let mut sent_note = OutboxEntry::new(4, Mutation::AddNote(note(5)));
    sent_note.acknowledged = Some(9);
    let notes = shown_notes(
        [note(6)],
        &[sent_note, OutboxEntry::new(5, Mutation::AddNote(note(7)))],
    );
    assert_eq!(
        notes.iter().map(|(n, w)| (n.id, *w)).collect::<Vec<_>>(),
        vec![
            (Uuid::from_u128(6), false),
            (Uuid::from_u128(5), false),
            (Uuid::from_u128(7), true)
        ]
    );
}

#[test]
fn repairs_fetch_only_the_buckets_that_differ() {
    let mine = ("2-a".to_owned(), (0..16).map(|b| format!("b{b}")).collect());
    let mut theirs: Vec<String> = (0..16).map(|b| format!("b{b}")).collect();
    theirs[3] = "x".into();
    theirs[12] = "y".into();
    assert_eq!(
        plan_repair(Some(&mine), Some("2-b"), &theirs),
        Repair::Buckets(vec![3, 12])
    );
    assert_eq!(
        plan_repair(Some(&mine), Some("2-a"), &theirs),
        Repair::Nothing
    );
    assert_eq!(plan_repair(None, Some("2-b"), &theirs), Repair::Nothing);
    assert_eq!(
        plan_repair(Some(&mine), Some("2-b"), &[]),
        Repair::Everything
    );
}

/// A server that answers from a script: push answers and pull pages, `None` for a failure.
#[derive(Default)]
struct Scripted {
    pushes: VecDeque<Option<PushResponse>>,
    pulls: VecDeque<Option<PullResponse>>,
    pushed: Vec<Vec<MutationEnvelope>>,
    /// The cursor of every pull asked for.
    asked: Vec<i64>,
}

impl Remote for Scripted {
    type Error = ();

    async fn push(&mut self, batch: Vec<MutationEnvelope>) -> Result<PushResponse, ()> {
        self.pushed.push(batch);
        self.pushes.pop_front().flatten().ok_or(())
    }

    async fn pull(&mut self, cursor: i64, _: Option<u8>) -> Result<PullResponse, ()> {
        self.asked.push(cursor);
        self.pulls.pop_front().flatten().ok_or(())
    }
}

/// A memory replica that notes the progress it is told.
#[derive(Default)]
struct Watched(MemoryReplica, Vec<(usize, usize)>);

impl LocalReplica for Watched {
    type Error = std::convert::Infallible;
    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, Self::Error> {
        self.0.outbox().await
    }
    async fn cursor(&mut self) -> Result<i64, Self::Error> {
        self.0.cursor().await
    }
    async fn is_empty(&mut self) -> Result<bool, Self::Error> {
        self.0.is_empty().await
    }
    async fn apply_push(
        &mut self,
        sent: &[OutboxEntry],
        results: &[MutationResult],
    ) -> Result<(), Self::Error> {
        self.0.apply_push(sent, results).await
    }
    async fn apply_pull(&mut self, page: &PullResponse) -> Result<(), Self::Error> {
        self.0.apply_pull(page).await
    }
    async fn checksums(&mut self) -> Result<Option<(String, Vec<String>)>, Self::Error> {
        self.0.checksums().await
    }
    async fn replace_bucket(&mut self, b: u8, records: &[Change]) -> Result<bool, Self::Error> {
        self.0.replace_bucket(b, records).await
    }
    async fn replace_all(&mut self, records: &[Change], c: i64) -> Result<bool, Self::Error> {
        self.0.replace_all(records, c).await
    }
    fn progress(&mut self, stored: usize, total: usize) {
        self.1.push((stored, total));
    }
}

#[test]
fn a_first_sync_tells_its_progress_and_asks_each_page_after_the_last() {
    let change = |rev: i64| Change {
        rev,
        record: Record::Person(person(rev as u128, "0555555555")),
    };
    let mut server = Scripted::default();
    server.pulls.push_back(Some(PullResponse {
        has_more: true,
        total: Some(5),
        ..page(vec![change(1), change(2)], 2)
    }));
    server.pulls.push_back(Some(PullResponse {
        has_more: true,
        ..page(vec![change(3), change(4)], 4)
    }));
    server.pulls.push_back(Some(page(vec![change(5)], 9)));
    let mut device = Watched::default();
    let pulled = block_on(pull_pages(&mut device, &mut server)).unwrap();
    assert_eq!(pulled.changes, 5);
    assert_eq!(server.asked, vec![0, 2, 4]);
    assert_eq!(device.1, vec![(2, 5), (4, 5)]);
    assert_eq!(device.0.cursor, 9);
    assert_eq!(device.0.records.len(), 5);

    // A page lost on the way: what came before it stays stored, the next round goes on.
    let mut server = Scripted::default();
    server.pulls.push_back(Some(PullResponse {
        has_more: true,
        total: Some(3),
        ..page(vec![change(1), change(2)], 2)
    }));
    server.pulls.push_back(None);
    let mut device = Watched::default();
    assert!(block_on(pull_pages(&mut device, &mut server)).is_err());
    assert_eq!(device.0.cursor, 2);
    assert_eq!(device.0.records.len(), 2);
}

#[test]
fn a_pull_lost_after_an_acknowledged_push_neither_hides_the_change_nor_stales_the_next_edit() {
    let mut device = MemoryReplica::default();
    block_on(device.apply_pull(&page(
        vec![Change {
            rev: 5,
            record: Record::Person(person(1, "0555555555")),
        }],
        5,
    )))
    .unwrap();
    let shown = device.shown_people().remove(0);
    let mut typed = shown.clone();
    typed.details.phone = "0699999999".into();
    device.enqueue(Mutation::EditPerson(diff(&shown, &typed)));

    // The push is acknowledged, the pull after it is lost.
    let mut server = Scripted::default();
    server.pushes.push_back(Some(PushResponse {
        results: vec![applied(1, 6)],
    }));
    server.pulls.push_back(None);
    assert_eq!(
        block_on(sync_round(&mut device, &mut server)),
        Err(RoundError::Remote(()))
    );

    // The device still shows what it typed, and says nothing waits.
    assert_eq!(device.shown_people()[0].details.phone, "0699999999");
    assert_eq!(waiting_count(&device.outbox), 0);
    // The next edit starts from it.
    let shown = device.shown_people().remove(0);
    let mut typed = shown.clone();
    typed.details.phone = "0611111111".into();
    let edit = diff(&shown, &typed);
    assert_eq!(edit.changes[0].base, FieldValue::Text("0699999999".into()));
    device.enqueue(Mutation::EditPerson(edit));

    // Next round: only the new edit is pushed; the pull brings the server's state at rev 7.
    let mut server = Scripted::default();
    server.pushes.push_back(Some(PushResponse {
        results: vec![applied(2, 7)],
    }));
    server.pulls.push_back(Some(page(
        vec![Change {
            rev: 7,
            record: Record::Person(person(1, "0611111111")),
        }],
        7,
    )));
    let report = block_on(sync_round(&mut device, &mut server)).unwrap();
    assert_eq!(server.pushed.len(), 1);
    assert_eq!(server.pushed[0].len(), 1);
    assert_eq!(server.pushed[0][0].seq, 2);
    assert_eq!(report.pulled, 1);
    assert!(device.outbox.is_empty());
    assert_eq!(device.shown_people()[0].details.phone, "0611111111");
}

#[test]
fn a_repair_waits_for_acknowledged_changes_to_become_visible() {
    let mut device = MemoryReplica::default();
    device.enqueue(phone_edit(1, "05", "06"));
    block_on(device.apply_push(&device.outbox.clone(), &[applied(1, 9)])).unwrap();
    assert_eq!(block_on(device.checksums()).unwrap(), None);
    assert!(!block_on(device.replace_bucket(0, &[])).unwrap());
    block_on(device.apply_pull(&page(vec![], 9))).unwrap();
    assert_eq!(
        block_on(device.checksums()).unwrap().map(|c| c.0),
        Some(checksum([]))
    );
}

#[test]
fn a_person_handed_over_leaves_the_device_while_changes_still_wait() {
    // Bucket = the first hex digit of the person's id.
    let (handed, kept, created) = (0xa << 124, 0xb << 124, 0xc << 124);
    let mut device = MemoryReplica::default();
    let held = |id| Change {
        rev: 5,
        record: Record::Person(person(id, "0555555555")),
    };
    block_on(device.apply_pull(&page(vec![held(handed), held(kept)], 5))).unwrap();
    // The user keeps working: an edit of the person about to be handed over and a new person,
    // neither sent yet (the server answers none of them this round).
    device.enqueue(phone_edit(handed, "0555555555", "0600000000"));
    device.enqueue(Mutation::CreatePerson(PersonCreation {
        person: person(created, ""),
        enrolment: Enrolment {
            id: Uuid::from_u128(created + 1),
            person_id: Uuid::from_u128(created),
            scheme: SchemeCode::Plie,
            referent_id: Uuid::from_u128(9),
            start_date: date!(2026 - 01 - 05),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        },
    }));
    // Meanwhile the server handed `handed` over: the device's scope is `kept` alone.
    let server_state = [held(kept).record];
    let (sum, buckets) = checksums(server_state.iter());
    let mut last = page(vec![], 6);
    last.checksum = Some(sum);
    last.buckets = buckets;
    let mut server = Scripted::default();
    server
        .pushes
        .push_back(Some(PushResponse { results: vec![] }));
    server.pulls.push_back(Some(last));
    server.pulls.push_back(Some(page(vec![], 6))); // bucket 0xa: nobody
    let report = block_on(sync_round(&mut device, &mut server)).unwrap();

    assert_eq!(
        report.repaired_buckets, 1,
        "only the handed-over person's bucket"
    );
    let shown: Vec<Uuid> = device.shown_people().iter().map(|p| p.id).collect();
    assert!(!shown.contains(&Uuid::from_u128(handed)), "{shown:?}");
    assert!(shown.contains(&Uuid::from_u128(kept)));
    assert!(
        shown.contains(&Uuid::from_u128(created)),
        "a new person stays"
    );
    // Both changes still wait: the next round pushes them (the edit is then refused visibly).
    assert_eq!(waiting_count(&device.outbox), 2);
    // The replica now agrees with the server, waiting creations left out.
    assert_eq!(
        replica_checksums(device.records.values(), &device.outbox).map(|c| c.0),
        Some(checksums(server_state.iter()).0)
    );
}

#[test]
fn a_six_month_situation_or_an_orientation_waiting_in_the_outbox_shows_on_its_enrolment() {
    use crate::fixtures::{closed, enrolment};
    use crate::fse::{SixMonthSituation, SixMonths};
    use crate::pathway::ExitReason;
    let left = closed(
        enrolment(1, 2, SchemeCode::Plie, 3, date!(2025 - 01 - 06)),
        date!(2026 - 05 - 29),
        ExitReason::LongJob,
    );
    let other = enrolment(4, 5, SchemeCode::Plie, 3, date!(2026 - 02 - 02));
    let result = SixMonths {
        date: date!(2026 - 12 - 01),
        situation: SixMonthSituation::InTraining,
        better: Some(false),
    };
    let orientation = crate::orientation::Orientation {
        date: date!(2026 - 01 - 20),
        kind: crate::orientation::OrientationKind::Social,
        decided_by: "Équipe pluridisciplinaire".into(),
    };
    let outbox = [
        OutboxEntry::new(
            1,
            Mutation::RecordSixMonths {
                enrolment_id: left.id,
                person_id: left.person_id,
                result,
            },
        ),
        OutboxEntry::new(
            2,
            Mutation::SetOrientation {
                enrolment_id: other.id,
                person_id: other.person_id,
                orientation: orientation.clone(),
            },
        ),
        // About an enrolment the device does not hold: nothing to show it on.
        OutboxEntry::new(
            3,
            Mutation::RecordSixMonths {
                enrolment_id: Uuid::from_u128(99),
                person_id: left.person_id,
                result,
            },
        ),
    ];
    let shown = shown_enrolments([left.clone(), other.clone()], &outbox);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].fse_six_months, Some(result));
    assert_eq!(shown[1].orientation, Some(orientation));
    assert_eq!(shown_enrolments([left.clone()], &[]), [left]);
}

#[test]
fn a_round_changed_something_only_if_it_pushed_pulled_or_repaired() {
    assert!(!SyncReport::default().changed_anything());
    for report in [
        SyncReport {
            pushed: 1,
            ..Default::default()
        },
        SyncReport {
            rejected: 1,
            ..Default::default()
        },
        SyncReport {
            pulled: 1,
            ..Default::default()
        },
        SyncReport {
            resynced: true,
            ..Default::default()
        },
        SyncReport {
            repaired_buckets: 1,
            ..Default::default()
        },
    ] {
        assert!(report.changed_anything(), "{report:?}");
    }
}
