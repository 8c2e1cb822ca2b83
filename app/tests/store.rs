//! The IndexedDB store, in headless Chromium.

use jalon_app::store::{Store, StoredSession};
use jalon_app::vault::{Key, VaultRecord};
use jalon_domain::auth::{Role, SessionUser};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, PersonCreation};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Change, Mutation, MutationResult, Outcome, PullResponse, Record};
use time::macros::date;
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A server that answers pulls with pages given in advance, and remembers the cursors asked.
struct Pages {
    pages: std::vec::IntoIter<PullResponse>,
    asked: Vec<i64>,
}

impl Pages {
    fn new(pages: Vec<PullResponse>) -> Pages {
        Pages {
            pages: pages.into_iter(),
            asked: Vec::new(),
        }
    }
}

impl jalon_domain::sync::client::Remote for Pages {
    type Error = ();

    async fn push(
        &mut self,
        _: Vec<jalon_domain::sync::MutationEnvelope>,
    ) -> Result<jalon_domain::sync::PushResponse, ()> {
        Err(())
    }

    async fn pull(&mut self, cursor: i64, _: Option<u8>) -> Result<PullResponse, ()> {
        self.asked.push(cursor);
        self.pages.next().ok_or(())
    }
}

/// Every test has a database of its own, unlocked with user 0's key.
/// The last page of a pull: `changes` and the cursor after them.
fn last_page(changes: Vec<Change>, cursor: i64) -> PullResponse {
    PullResponse {
        protocol: 1,
        schema: 3,
        changes,
        cursor,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    }
}

async fn fresh_store() -> (Store, String) {
    let name = format!("jalon-test-{}", Uuid::new_v4());
    let store = Store::open(&name).await.expect("store opens");
    store.unlock(key(0));
    (store, name)
}

/// User `n`'s replica key.
fn key(user: u8) -> Key {
    Key::from_bytes(&[user; 32])
}

/// A wrapped-key record for user `n` (the wrappings are not used by the store).
fn vault_of(user: u8) -> VaultRecord {
    VaultRecord {
        owner: Uuid::from_u128(user.into()),
        login: format!("user{user}"),
        salt: vec![0; 16],
        iterations: 1,
        by_password: vec![],
        by_device_key: vec![],
    }
}

/// User `n` signs in with their own key (`fresh`: drawn for this sign-in).
async fn start(store: &Store, user: u8, fresh: bool) -> bool {
    store
        .start_session(&session(user.into()), key(user), &vault_of(user), fresh)
        .await
        .unwrap()
}

/// Reopens a closed database, unlocked with user `n`'s key.
async fn reopen(name: &str, user: u8) -> Store {
    let store = Store::open(name).await.unwrap();
    store.unlock(key(user));
    store
}

fn creation(last_name: &str) -> PersonCreation {
    let person = Person {
        id: Uuid::new_v4(),
        last_name: last_name.into(),
        first_name: "Noé".into(),
        birth_date: date!(1990 - 09 - 09),
        commune_code: "87011".into(),
        rsa_beneficiary: true,
        details: Default::default(),
    };
    PersonCreation {
        enrolment: Enrolment {
            id: Uuid::new_v4(),
            person_id: person.id,
            scheme: SchemeCode::Arpe,
            referent_id: Uuid::from_u128(1),
            start_date: date!(2026 - 02 - 02),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        },
        person,
    }
}

fn session(user: u128) -> StoredSession {
    StoredSession {
        token: format!("token-{user}"),
        user: SessionUser {
            id: Uuid::from_u128(user),
            username: format!("user{user}"),
            display_name: "Test".into(),
            role: Role::Referent,
            scheme: Some(SchemeCode::Arpe),
            supervised_schemes: vec![],
        },
        must_change_password: false,
    }
}

#[wasm_bindgen_test]
async fn creating_a_person_stores_the_record_and_its_outbox_entry() {
    let (store, _) = fresh_store().await;
    let new = creation("Lemaître");
    let seq = store.create_person(&new).await.unwrap();
    assert_eq!(seq, 1);
    assert_eq!(store.people().await.unwrap(), vec![new.person.clone()]);
    assert_eq!(
        store.enrolments().await.unwrap(),
        vec![new.enrolment.clone()]
    );
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].mutation, Mutation::CreatePerson(new.clone()));
    assert_eq!(store.pending_count().await.unwrap(), 1);
    assert!(
        store
            .pending_people()
            .await
            .unwrap()
            .contains(&new.person.id)
    );
}

#[wasm_bindgen_test]
async fn mutation_numbers_increase_from_one_on_each_device() {
    let (store, _) = fresh_store().await;
    let seqs = [
        store.create_person(&creation("Un")).await.unwrap(),
        store.create_person(&creation("Deux")).await.unwrap(),
        store.create_person(&creation("Trois")).await.unwrap(),
    ];
    assert_eq!(seqs, [1, 2, 3]);
    let outbox: Vec<_> = store
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(outbox, vec![1, 2, 3], "the oldest first");
}

#[wasm_bindgen_test]
async fn the_outbox_session_and_device_id_survive_closing_the_database() {
    let (store, name) = fresh_store().await;
    let device = store.device_id().await.unwrap();
    assert!(start(&store, 7, true).await);
    let new = creation("Persistant");
    store.create_person(&new).await.unwrap();
    store.close();

    let reopened = Store::open(&name).await.unwrap();
    assert!(reopened.session().await.is_err(), "sealed until unlocked");
    assert!(reopened.has_session().await.unwrap());
    reopened.unlock(key(7));
    assert_eq!(reopened.device_id().await.unwrap(), device);
    assert_eq!(reopened.session().await.unwrap(), Some(session(7)));
    assert_eq!(reopened.outbox().await.unwrap().len(), 1);
    assert_eq!(reopened.people().await.unwrap(), vec![new.person]);
    // Numbering goes on where it stopped.
    assert_eq!(
        reopened.create_person(&creation("Suivant")).await.unwrap(),
        2
    );
}

#[wasm_bindgen_test]
async fn acknowledged_mutations_stop_waiting_and_refused_ones_become_rejections() {
    let (store, _) = fresh_store().await;
    let accepted = creation("Accepte");
    let refused = creation("Refuse");
    store.create_person(&accepted).await.unwrap();
    store.create_person(&refused).await.unwrap();
    let sent = store.outbox().await.unwrap();
    let results = vec![
        MutationResult {
            seq: 1,
            outcome: Outcome::Applied,
            rev: Some(100),
        },
        MutationResult {
            seq: 2,
            outcome: Outcome::Rejected {
                code: "validation_failed".into(),
                message: "Bellac n'est pas sur le territoire du dispositif PLIE.".into(),
                errors: vec![],
            },
            rev: None,
        },
    ];
    store.apply_push_results(&sent, &results).await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1));
    let rejections = store.rejections().await.unwrap();
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].person_id, refused.person.id);
    assert_eq!(rejections[0].person_label, "REFUSE Noé");
    assert!(rejections[0].message.contains("Bellac"));
    // The refused person leaves the caseload; what was typed stays in the rejection.
    assert_eq!(store.people().await.unwrap(), vec![accepted.person.clone()]);
    assert_eq!(
        rejections[0].mutation,
        Mutation::CreatePerson(refused.clone())
    );
}

#[wasm_bindgen_test]
async fn a_pulled_page_is_stored_together_with_its_cursor() {
    let (store, _) = fresh_store().await;
    assert_eq!(store.cursor().await.unwrap(), 0);
    let remote = creation("Distant");
    let page = PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![
            Change {
                rev: 41,
                record: Record::Person(remote.person.clone()),
            },
            Change {
                rev: 42,
                record: Record::Enrolment(remote.enrolment.clone()),
            },
        ],
        cursor: 42,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    };
    store.apply_pull(&page).await.unwrap();
    assert_eq!(store.cursor().await.unwrap(), 42);
    assert_eq!(store.people().await.unwrap(), vec![remote.person]);
    assert_eq!(store.enrolments().await.unwrap(), vec![remote.enrolment]);
    assert_eq!(store.pending_count().await.unwrap(), 0);
}

#[wasm_bindgen_test]
async fn records_that_are_not_a_persons_are_stored_sealed_counted_and_repaired_by_bucket() {
    use jalon_domain::money::partners::{Partner, PartnerAgreement};
    use jalon_domain::sync::{checksum, checksums};

    let (store, name) = fresh_store().await;
    let places = |partner, year, places| {
        Record::PartnerAgreement(PartnerAgreement {
            partner,
            year,
            places,
            used: 1,
        })
    };
    let later = places(Partner::Adie, 2027, 12);
    let adie = places(Partner::Adie, 2026, 10);
    let remote = creation("Voisin");
    let records = [
        later.clone(),
        adie.clone(),
        Record::Person(remote.person.clone()),
    ];
    let changes = (1..).zip(&records).map(|(rev, record)| Change {
        rev,
        record: record.clone(),
    });
    store
        .apply_pull(&last_page(changes.collect(), 3))
        .await
        .unwrap();
    // Sorted out by kind and year, a person's records left to the caseload.
    let shared = store.shared().await.unwrap();
    let years: Vec<i32> = shared.partner_agreements.iter().map(|a| a.year).collect();
    assert_eq!(years, [2026, 2027]);
    assert_eq!(store.people().await.unwrap(), vec![remote.person.clone()]);
    // They count in the replica's checksums like every record the server sent.
    let held = [
        later.clone(),
        adie.clone(),
        Record::Person(remote.person.clone()),
    ];
    let (all, buckets) = store.replica_checksums().await.unwrap().unwrap();
    assert_eq!((all, buckets), checksums(held.iter()));
    assert_eq!(
        store.replica_checksum().await.unwrap().unwrap(),
        checksum(held.iter())
    );
    // A bucket fetched again without one of them (places withdrawn, a scheme no longer
    // supervised) drops it; the others stay.
    let bucket = adie.bucket();
    let kept: Vec<Change> = [&later, &Record::Person(remote.person.clone())]
        .into_iter()
        .filter(|r| r.bucket() == bucket)
        .map(|r| Change {
            rev: 9,
            record: r.clone(),
        })
        .collect();
    assert!(store.replace_bucket(bucket, &kept).await.unwrap());
    let shared = store.shared().await.unwrap();
    assert!(!shared.partner_agreements.contains(&match adie {
        Record::PartnerAgreement(a) => a,
        _ => unreachable!(),
    }));
    assert!(store.people().await.unwrap().contains(&remote.person));
    store.close();

    // Raw, the stored objects hold the id and the sealed bytes, not the partner.
    let raw = raw_values(&name, "shared").await;
    assert!(!raw.is_empty());
    for value in &raw {
        let text = js_sys::JSON::stringify(value).unwrap().as_string().unwrap();
        assert!(!text.contains("adie"), "{text}");
        assert!(jalon_app::vault::is_sealed(value));
    }
}

#[wasm_bindgen_test]
async fn another_user_signing_in_wipes_the_caseload_unless_changes_wait() {
    let (store, _) = fresh_store().await;
    assert!(start(&store, 1, true).await);
    store.create_person(&creation("EnAttente")).await.unwrap();

    // Someone else cannot take the device while user 1's change waits.
    assert!(!start(&store, 2, true).await);
    assert_eq!(store.session().await.unwrap(), Some(session(1)));
    assert_eq!(store.people().await.unwrap().len(), 1);

    // Once it is pushed, they can, and they do not see user 1's caseload.
    let sent = store.outbox().await.unwrap();
    store
        .apply_push_results(
            &sent,
            &[MutationResult {
                seq: sent[0].seq,
                outcome: Outcome::Applied,
                rev: Some(100),
            }],
        )
        .await
        .unwrap();
    assert!(start(&store, 2, true).await);
    assert!(store.people().await.unwrap().is_empty());
    assert_eq!(store.cursor().await.unwrap(), 0);

    // Signing out erases the caseload but keeps, sealed, what waits; the same user signing
    // in again (with the same key) finds it.
    store.create_person(&creation("Garde")).await.unwrap();
    assert_eq!(store.sign_out("Déconnecté.").await.unwrap(), 1);
    assert!(!store.is_unlocked());
    assert!(!store.has_session().await.unwrap());
    assert_eq!(store.outbox_entries().await.unwrap(), 1);
    assert!(start(&store, 2, false).await);
    assert_eq!(store.session().await.unwrap(), Some(session(2)));
    assert!(store.people().await.unwrap().is_empty(), "the replica went");
    // The waiting creation stays, to be pushed at the first sync (and pulled back).
    let outbox = store.outbox().await.unwrap();
    assert!(matches!(&outbox[..], [entry] if matches!(&entry.mutation,
            jalon_domain::sync::Mutation::CreatePerson(c) if c.person.last_name == "Garde")));
    assert_eq!(store.outbox_counts().await.unwrap(), (1, 0));
}

#[wasm_bindgen_test]
async fn a_sign_out_with_nothing_waiting_leaves_no_key_and_no_owner() {
    let (store, _) = fresh_store().await;
    assert!(start(&store, 4, true).await);
    store.create_person(&creation("Parti")).await.unwrap();
    let sent = store.outbox().await.unwrap();
    let results = [MutationResult {
        seq: sent[0].seq,
        outcome: Outcome::Applied,
        rev: Some(9),
    }];
    store.apply_push_results(&sent, &results).await.unwrap();
    assert_eq!(store.sign_out("Déconnecté.").await.unwrap(), 0);
    assert_eq!(store.vault().await.unwrap(), None);
    assert_eq!(
        store.outbox_entries().await.unwrap(),
        0,
        "acknowledged entries go"
    );
    assert_eq!(
        store.take_wipe_notice().await.unwrap().as_deref(),
        Some("Déconnecté.")
    );
    // Another user may take the device at once.
    assert!(start(&store, 5, true).await);
    assert!(store.people_as_shown().await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn records_are_sealed_and_open_only_with_their_key() {
    let (store, name) = fresh_store().await;
    assert!(start(&store, 6, true).await);
    let new = creation("Scellé");
    store.create_person(&new).await.unwrap();
    store.close();

    // Raw, the stored objects hold nothing but the id and the sealed bytes.
    let raw = raw_values(&name, "outbox").await;
    assert_eq!(raw.len(), 1);
    let text = js_sys::JSON::stringify(&raw[0])
        .unwrap()
        .as_string()
        .unwrap();
    assert!(
        !text.contains("Scellé") && !text.contains("87011"),
        "{text}"
    );
    assert!(jalon_app::vault::is_sealed(&raw[0]));

    // Another key opens nothing, and says so.
    let wrong = reopen(&name, 9).await;
    assert!(wrong.outbox().await.is_err());
    wrong.close();
    let right = reopen(&name, 6).await;
    assert_eq!(right.people_as_shown().await.unwrap(), vec![new.person]);
}

/// Every object of `store_name` in database `name`, as stored.
async fn raw_values(name: &str, store_name: &str) -> Vec<wasm_bindgen::JsValue> {
    use indexed_db_futures::prelude::*;
    let db = indexed_db_futures::database::Database::open(name)
        .await
        .unwrap();
    let values: Vec<wasm_bindgen::JsValue> = {
        let tx = db.transaction(store_name).build().unwrap();
        tx.object_store(store_name)
            .unwrap()
            .get_all()
            .await
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    db.close();
    values
}

#[wasm_bindgen_test]
fn counts_are_written_the_french_way() {
    use jalon_app::i18n::fr;
    assert_eq!(fr::number(950), "950");
    assert_eq!(fr::number(1_250), "1\u{202f}250");
    assert_eq!(fr::number(1_234_567), "1\u{202f}234\u{202f}567");
    assert_eq!(fr::people_count(1), "1 personne");
    assert_eq!(fr::people_count(1_251), "1\u{202f}251 personnes");
}

#[wasm_bindgen_test]
async fn an_edit_shows_over_the_server_state_until_a_whole_pull_includes_it() {
    use jalon_domain::merge::{FieldChange, FieldValue, PersonEdit, PersonField};
    let (store, name) = fresh_store().await;
    let remote = creation("Serveur");
    let page = |rev: i64, person: Person| PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![Change {
            rev,
            record: Record::Person(person),
        }],
        cursor: rev,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    };
    store
        .apply_pull(&page(1, remote.person.clone()))
        .await
        .unwrap();
    let edit = PersonEdit {
        person_id: remote.person.id,
        changes: vec![FieldChange {
            field: PersonField::FirstName,
            base: FieldValue::Text("Noé".into()),
            value: FieldValue::Text("Noémie".into()),
        }],
    };
    store.edit_person(edit.clone()).await.unwrap();
    // Someone else's change of another field arrives before the edit is pushed.
    let mut newer = remote.person.clone();
    newer.rsa_beneficiary = false;
    store.apply_pull(&page(2, newer)).await.unwrap();

    let shown = store.people_as_shown().await.unwrap();
    assert_eq!(shown[0].first_name, "Noémie");
    assert!(!shown[0].rsa_beneficiary);
    assert_eq!(
        store.people().await.unwrap()[0].first_name,
        "Noé",
        "the server state is kept apart"
    );

    // Acknowledged at rev 5, the edit no longer waits but is still shown, across a reopening,
    // while the pull after it fails or stops in the middle (the stored person is not guessed
    // at: an acknowledgement may concern an edit applied long ago, since overwritten).
    let sent = store.outbox().await.unwrap();
    store
        .apply_push_results(
            &sent,
            &[MutationResult {
                seq: sent[0].seq,
                outcome: Outcome::Applied,
                rev: Some(5),
            }],
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1));
    assert!(store.pending_people().await.unwrap().is_empty());
    assert_eq!(store.people().await.unwrap()[0].first_name, "Noé");
    store.close();
    let store = reopen(&name, 0).await;
    assert_eq!(
        store.people_as_shown().await.unwrap()[0].first_name,
        "Noémie"
    );
    let mut middle = page(4, remote.person.clone());
    middle.has_more = true;
    middle.cursor = 6;
    store.apply_pull(&middle).await.unwrap();
    assert_eq!(
        store.people_as_shown().await.unwrap()[0].first_name,
        "Noémie"
    );
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1));

    // The end of a pull past rev 5 brings the merged state and ends the overlay.
    let mut merged = remote.person.clone();
    merged.first_name = "Noémie".into();
    merged.rsa_beneficiary = false;
    store.apply_pull(&page(7, merged.clone())).await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 0));
    assert_eq!(store.people_as_shown().await.unwrap(), vec![merged]);
}

#[wasm_bindgen_test]
async fn pulled_conflicts_are_kept_and_a_choice_is_queued_for_the_server() {
    use jalon_domain::merge::{Conflict, ConflictValue, FieldValue, PersonField};
    let (store, _) = fresh_store().await;
    let conflict = Conflict {
        id: Uuid::new_v4(),
        person_id: Uuid::new_v4(),
        field: PersonField::LastName,
        candidates: vec![
            ConflictValue {
                value: FieldValue::Text("Aubrac".into()),
                author_id: Uuid::from_u128(1),
                device_id: None,
                at: 1,
            },
            ConflictValue {
                value: FieldValue::Text("Vialle".into()),
                author_id: Uuid::from_u128(2),
                device_id: None,
                at: 2,
            },
        ],
        result: FieldValue::Text("Vialle".into()),
        resolved_by: None,
        resolved_at: None,
    };
    let page = PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![Change {
            rev: 9,
            record: Record::Conflict(conflict.clone()),
        }],
        cursor: 9,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    };
    store.apply_pull(&page).await.unwrap();
    assert_eq!(store.conflicts().await.unwrap(), vec![conflict.clone()]);

    store
        .resolve_conflict(&conflict, FieldValue::Text("Aubrac".into()))
        .await
        .unwrap();
    let outbox = store.outbox().await.unwrap();
    assert_eq!(
        outbox[0].mutation,
        Mutation::ResolveConflict {
            conflict_id: conflict.id,
            person_id: conflict.person_id,
            value: FieldValue::Text("Aubrac".into()),
        }
    );
}

#[wasm_bindgen_test]
async fn a_diverged_replica_is_replaced_even_while_changes_wait_but_not_before_a_pull_shows_an_acknowledged_one()
 {
    let (store, _) = fresh_store().await;
    let kept = creation("Garde");
    let gone = creation("Parti");
    let page = PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![
            Change {
                rev: 1,
                record: Record::Person(kept.person.clone()),
            },
            Change {
                rev: 2,
                record: Record::Person(gone.person.clone()),
            },
        ],
        cursor: 2,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    };
    store.apply_pull(&page).await.unwrap();
    let before = store.replica_checksum().await.unwrap().unwrap();

    let fresh = vec![Change {
        rev: 7,
        record: Record::Person(kept.person.clone()),
    }];
    assert!(store.replace_replica(&fresh, 7).await.unwrap());
    assert_eq!(
        store.replica_checksum().await.unwrap(),
        Some(jalon_domain::sync::checksum([&fresh[0].record]))
    );
    assert_ne!(before, store.replica_checksum().await.unwrap().unwrap());
    assert_eq!(store.people().await.unwrap(), vec![kept.person.clone()]);
    assert_eq!(store.cursor().await.unwrap(), 7);

    // A change typed meanwhile does not hold the replacement back: it stays in the outbox,
    // and the person it creates stays shown.
    let waiting = creation("EnAttente");
    store.create_person(&waiting).await.unwrap();
    assert!(store.replace_replica(&fresh, 8).await.unwrap());
    assert_eq!(store.people().await.unwrap().len(), 2);
    assert_eq!(store.outbox().await.unwrap().len(), 1);
    assert_eq!(
        store.replica_checksums().await.unwrap().map(|c| c.0),
        Some(jalon_domain::sync::checksum([&fresh[0].record])),
        "the waiting creation is left out of the checksums"
    );

    // Never while the server acknowledged a change no pull has shown yet.
    let sent = store.outbox().await.unwrap();
    store
        .apply_push_results(
            &sent,
            &[MutationResult {
                seq: sent[0].seq,
                outcome: Outcome::Applied,
                rev: Some(20),
            }],
        )
        .await
        .unwrap();
    assert_eq!(store.replica_checksums().await.unwrap(), None);
    assert!(!store.replace_replica(&[], 9).await.unwrap());
    assert_eq!(store.people().await.unwrap().len(), 2);
}

#[wasm_bindgen_test]
async fn a_journal_lists_received_notes_and_those_still_waiting() {
    use jalon_domain::notes::Note;
    let (store, _) = fresh_store().await;
    let person = Uuid::new_v4();
    let note = |text: &str| Note {
        id: Uuid::new_v4(),
        person_id: person,
        author_id: Uuid::from_u128(1),
        date: date!(2026 - 11 - 20),
        text: text.into(),
        replaces: None,
    };
    let received = note("Reçue du serveur");
    let page = PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![Change {
            rev: 3,
            record: Record::Note(received.clone()),
        }],
        cursor: 3,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    };
    store.apply_pull(&page).await.unwrap();
    let waiting = note("Écrite hors ligne");
    store.add_note(waiting.clone()).await.unwrap();
    store
        .add_note(Note {
            person_id: Uuid::new_v4(),
            ..note("Autre personne")
        })
        .await
        .unwrap();

    let journal = store.notes_of(person).await.unwrap();
    assert_eq!(
        journal,
        vec![(received.clone(), false), (waiting.clone(), true)]
    );
    // Notes count in the replica's checksum once nothing waits.
    let sent = store.outbox().await.unwrap();
    let results: Vec<_> = sent
        .iter()
        .map(|e| MutationResult {
            seq: e.seq,
            outcome: Outcome::Applied,
            rev: Some(100),
        })
        .collect();
    store.apply_push_results(&sent, &results).await.unwrap();
    // Acknowledged, the waiting note is still in the journal until a pull brings it back.
    assert_eq!(
        store.notes_of(person).await.unwrap(),
        vec![(received.clone(), false), (waiting.clone(), false)]
    );
    assert_eq!(store.replica_checksum().await.unwrap(), None);
    store
        .apply_pull(&PullResponse {
            changes: vec![Change {
                rev: 100,
                record: Record::Note(waiting.clone()),
            }],
            cursor: 100,
            ..page
        })
        .await
        .unwrap();
    assert_eq!(
        store.replica_checksum().await.unwrap(),
        Some(jalon_domain::sync::checksum([
            &Record::Note(received),
            &Record::Note(waiting)
        ]))
    );
}

#[wasm_bindgen_test]
async fn a_first_pull_computes_the_same_checksum_as_reading_the_replica_back() {
    use jalon_app::sync::Local;
    use jalon_domain::followup::{Item, ItemBody, Obstacle, ObstacleStatus, ObstacleTheme};
    use jalon_domain::sync::client::pull_pages;

    let (store, name) = fresh_store().await;
    let a = creation("Premier");
    let b = creation("Second");
    let obstacle = |status| Item {
        id: Uuid::from_u128(9),
        person_id: a.person.id,
        version: 1,
        author_id: Uuid::from_u128(1),
        body: ItemBody::Obstacle(Obstacle {
            theme: ObstacleTheme::Housing,
            status,
            date: date!(2026 - 03 - 03),
        }),
    };
    // Two pages; the obstacle changed between them and comes twice.
    let first = vec![
        Change {
            rev: 1,
            record: Record::Person(a.person.clone()),
        },
        Change {
            rev: 2,
            record: Record::Enrolment(a.enrolment.clone()),
        },
        Change {
            rev: 3,
            record: Record::Item(obstacle(ObstacleStatus::Identified)),
        },
    ];
    let second = vec![
        Change {
            rev: 4,
            record: Record::Person(b.person.clone()),
        },
        Change {
            rev: 5,
            record: Record::Item(obstacle(ObstacleStatus::Lifted)),
        },
    ];
    let pages = vec![
        PullResponse {
            protocol: 1,
            schema: 2,
            changes: first,
            cursor: 3,
            has_more: true,
            total: None,
            checksum: None,
            buckets: vec![],
        },
        PullResponse {
            protocol: 1,
            schema: 2,
            changes: second,
            cursor: 5,
            has_more: false,
            total: None,
            checksum: Some("x".into()),
            buckets: vec![],
        },
    ];
    let mut server = Pages::new(pages);
    let pulled = pull_pages(&mut Local(&store, None), &mut server)
        .await
        .unwrap();
    assert_eq!(server.asked, vec![0, 3]);
    assert_eq!(pulled.changes, 5);
    assert_eq!(pulled.expected.as_deref(), Some("x"));
    // Another handle, which keeps nothing, reads the replica back; this one keeps the hashes
    // of the pull.
    let read_back = reopen(&name, 0).await.replica_checksums().await.unwrap();
    assert_eq!(pulled.local, read_back);
    assert_eq!(store.replica_checksums().await.unwrap(), read_back);
    assert!(read_back.unwrap().0.starts_with("4-"));

    // A later pull into the non-empty replica reads it back.
    let again = vec![PullResponse {
        protocol: 1,
        schema: 2,
        changes: vec![],
        cursor: 5,
        has_more: false,
        total: None,
        checksum: None,
        buckets: vec![],
    }];
    let later = pull_pages(&mut Local(&store, None), &mut Pages::new(again))
        .await
        .unwrap();
    assert_eq!(later.local, store.replica_checksums().await.unwrap());
}

#[wasm_bindgen_test]
async fn a_waiting_item_shows_over_the_received_one_and_another_user_does_not_inherit_it() {
    use jalon_domain::followup::{Appointment, AppointmentStatus, Item, ItemBody, Place};

    let (store, _) = fresh_store().await;
    assert!(start(&store, 1, true).await);
    let appointment = |version, status| Item {
        id: Uuid::from_u128(5),
        person_id: Uuid::from_u128(6),
        version,
        author_id: Uuid::from_u128(1),
        body: ItemBody::Appointment(Appointment {
            date: date!(2026 - 03 - 03),
            time: "09:00".into(),
            place: Place::Phone,
            status,
            report: String::new(),
        }),
    };
    let received = appointment(1, AppointmentStatus::Planned);
    store
        .apply_pull(&PullResponse {
            protocol: 1,
            schema: 2,
            changes: vec![Change {
                rev: 1,
                record: Record::Item(received.clone()),
            }],
            cursor: 1,
            has_more: false,
            total: None,
            checksum: None,
            buckets: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        store.items_as_shown().await.unwrap(),
        vec![(received, false)]
    );
    let reported = appointment(2, AppointmentStatus::Excused);
    store.save_item(reported.clone()).await.unwrap();
    assert_eq!(
        store.items_as_shown().await.unwrap(),
        vec![(reported, true)]
    );
    assert!(
        store
            .pending_people()
            .await
            .unwrap()
            .contains(&Uuid::from_u128(6))
    );

    // Pushed, then another user signs in: the items go with the caseload.
    let sent = store.outbox().await.unwrap();
    let results = [MutationResult {
        seq: sent[0].seq,
        outcome: Outcome::Applied,
        rev: Some(100),
    }];
    store.apply_push_results(&sent, &results).await.unwrap();
    assert!(start(&store, 2, true).await);
    assert!(store.items_as_shown().await.unwrap().is_empty());
    assert!(store.replica_is_empty().await.unwrap());
}

#[wasm_bindgen_test]
async fn a_diverged_bucket_is_replaced_alone() {
    use jalon_domain::sync::bucket_of;

    let (store, _) = fresh_store().await;
    let in_bucket = |bucket: u8, name: &str| {
        let mut c = creation(name);
        let mut bytes = *c.person.id.as_bytes();
        bytes[0] = (bucket << 4) | (bytes[0] & 0x0f);
        c.person.id = Uuid::from_bytes(bytes);
        c.enrolment.person_id = c.person.id;
        c
    };
    let (gone, kept) = (in_bucket(0x3, "Partie"), in_bucket(0xa, "Restee"));
    assert_eq!(bucket_of(gone.person.id), 0x3);
    let changes = |c: &PersonCreation, rev: i64| {
        vec![
            Change {
                rev,
                record: Record::Person(c.person.clone()),
            },
            Change {
                rev: rev + 1,
                record: Record::Enrolment(c.enrolment.clone()),
            },
        ]
    };
    let mut all = changes(&gone, 1);
    all.extend(changes(&kept, 3));
    store
        .apply_pull(&PullResponse {
            protocol: 1,
            schema: 2,
            changes: all,
            cursor: 4,
            has_more: false,
            total: None,
            checksum: None,
            buckets: vec![],
        })
        .await
        .unwrap();
    let (_, before) = store.replica_checksums().await.unwrap().unwrap();

    // The server no longer gives bucket 3 anything: its person left the scope.
    assert!(store.replace_bucket(0x3, &[]).await.unwrap());
    let (_, after) = store.replica_checksums().await.unwrap().unwrap();
    assert_ne!(after[0x3], before[0x3]);
    assert_eq!(after[0xa], before[0xa]);
    assert_eq!(store.people().await.unwrap(), vec![kept.person.clone()]);
    assert_eq!(
        store.enrolments().await.unwrap(),
        vec![kept.enrolment.clone()]
    );
    assert_eq!(store.cursor().await.unwrap(), 4);

    // A change waiting does not hold the repair back, and a waiting creation stays.
    store
        .create_person(&in_bucket(0xa, "Nouvelle"))
        .await
        .unwrap();
    assert!(store.replace_bucket(0xa, &changes(&kept, 3)).await.unwrap());
    assert_eq!(store.people().await.unwrap().len(), 2);

    // Never while the server acknowledged a change no pull has shown yet.
    let sent = store.outbox().await.unwrap();
    store
        .apply_push_results(
            &sent,
            &[MutationResult {
                seq: sent[0].seq,
                outcome: Outcome::Applied,
                rev: Some(50),
            }],
        )
        .await
        .unwrap();
    assert!(!store.replace_bucket(0xa, &[]).await.unwrap());
    assert_eq!(store.people().await.unwrap().len(), 2);
}

#[wasm_bindgen_test]
async fn a_wipe_leaves_nothing_but_its_notice_and_a_new_device_id() {
    let (store, name) = fresh_store().await;
    let device = store.device_id().await.unwrap();
    assert!(start(&store, 3, true).await);
    store.create_person(&creation("Efface")).await.unwrap();
    store
        .record_consultation(Uuid::from_u128(9), 1_700_000_000)
        .await
        .unwrap();
    assert_eq!(store.consultations().await.unwrap().len(), 1);

    let waiting = store.wipe("Appareil révoqué.").await.unwrap();
    assert_eq!(waiting, 1, "the change that was not sent is counted");
    assert!(!store.is_unlocked(), "a wipe locks");
    assert_eq!(store.vault().await.unwrap(), None, "the wrapped key goes");
    assert_eq!(store.outbox_entries().await.unwrap(), 0);
    store.unlock(key(3));
    assert!(store.replica_is_empty().await.unwrap());
    assert!(store.people().await.unwrap().is_empty());
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 0));
    assert!(store.consultations().await.unwrap().is_empty());
    assert_eq!(store.session().await.unwrap(), None);
    store.close();
    let reopened = Store::open(&name).await.unwrap();
    assert_ne!(reopened.device_id().await.unwrap(), device);
    assert_eq!(
        reopened.take_wipe_notice().await.unwrap().as_deref(),
        Some("Appareil révoqué.")
    );
    assert_eq!(
        reopened.take_wipe_notice().await.unwrap(),
        None,
        "shown once"
    );
}

#[wasm_bindgen_test]
async fn uploaded_consultations_are_forgotten_and_the_others_kept() {
    let (store, _) = fresh_store().await;
    store
        .record_consultation(Uuid::from_u128(1), 10)
        .await
        .unwrap();
    store
        .record_consultation(Uuid::from_u128(2), 20)
        .await
        .unwrap();
    let all = store.consultations().await.unwrap();
    assert_eq!(all.len(), 2);
    let first = all
        .iter()
        .find(|c| c.person_id == Uuid::from_u128(1))
        .unwrap();
    store.forget_consultations(&[first.id]).await.unwrap();
    let left = store.consultations().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].person_id, Uuid::from_u128(2));
}

/// The stores of schema version 6 and their key paths (besides `meta`).
const SCHEMA_6: &[(&str, &str)] = &[
    ("people", "id"),
    ("enrolments", "id"),
    ("outbox", "seq"),
    ("rejections", "seq"),
    ("conflicts", "id"),
    ("notes", "id"),
    ("items", "id"),
    ("consultations", "id"),
    ("shared", "id"),
];

/// A database as an app of schema `version` left it: `meta`, and `stores` keyed by their
/// key paths.
async fn old_schema(
    name: &str,
    version: u32,
    stores: &'static [(&'static str, &'static str)],
) -> indexed_db_futures::database::Database {
    use indexed_db_futures::prelude::*;
    indexed_db_futures::database::Database::open(name)
        .with_version(version)
        .with_on_upgrade_needed(move |_, db| {
            db.create_object_store("meta").build()?;
            for (store, key) in stores {
                db.create_object_store(*store)
                    .with_key_path((*key).into())
                    .build()?;
            }
            Ok(())
        })
        .await
        .unwrap()
}

/// Writes a person and the change that created it, waiting, as an older app did: plain
/// objects, the next mutation number after it.
async fn write_in_clear(
    db: &indexed_db_futures::database::Database,
    person: &Person,
    waiting: &jalon_domain::sync::client::OutboxEntry,
) {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let tx = db
        .transaction(["meta", "people", "outbox"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store("meta")
        .unwrap()
        .put(&(waiting.seq + 1))
        .with_key("next_seq")
        .without_key_type()
        .serde()
        .unwrap()
        .await
        .unwrap();
    tx.object_store("people")
        .unwrap()
        .put(person)
        .serde()
        .unwrap()
        .await
        .unwrap();
    tx.object_store("outbox")
        .unwrap()
        .put(waiting)
        .serde()
        .unwrap()
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[wasm_bindgen_test]
async fn records_written_in_clear_by_an_older_app_are_sealed_at_the_first_sign_in() {
    use jalon_domain::sync::client::OutboxEntry;

    let (store, name) = fresh_store().await;
    store.lock();
    store.close();
    // What the app wrote before encryption: plain objects.
    let old = creation("Ancien");
    let waiting = OutboxEntry::new(1, Mutation::CreatePerson(old.clone()));
    {
        let db = indexed_db_futures::database::Database::open(&name)
            .await
            .unwrap();
        write_in_clear(&db, &old.person, &waiting).await;
        db.close();
    }
    assert!(!jalon_app::vault::is_sealed(
        &raw_values(&name, "people").await[0]
    ));

    let store = Store::open(&name).await.unwrap();
    assert!(start(&store, 1, true).await);
    assert_eq!(store.people().await.unwrap(), vec![old.person.clone()]);
    assert_eq!(store.outbox().await.unwrap(), vec![waiting]);
    store.close();
    for name_of_store in ["people", "outbox"] {
        let raw = raw_values(&name, name_of_store).await;
        assert_eq!(raw.len(), 1);
        assert!(jalon_app::vault::is_sealed(&raw[0]), "{name_of_store}");
    }
}

#[wasm_bindgen_test]
fn storage_is_said_almost_full_from_80_percent() {
    use jalon_app::i18n::fr;
    use jalon_app::storage::StorageStatus;
    let status = |usage: f64| StorageStatus {
        persisted: true,
        usage,
        quota: 1_000.0,
    };
    assert!(!status(799.0).almost_full());
    assert!(status(800.0).almost_full());
    assert!(
        !StorageStatus {
            quota: 0.0,
            ..status(5.0)
        }
        .almost_full()
    );
    assert_eq!(
        fr::storage_usage(12.0 * 1_048_576.0, 2_048.0 * 1_048_576.0),
        "12,0 Mo utilisés sur 2\u{202f}048,0 Mo (1\u{a0}%)"
    );
    assert!(fr::storage_almost_full(0.85).contains("85\u{a0}%"));
}

#[wasm_bindgen_test]
async fn a_new_version_upgrades_the_first_schema_in_place_and_keeps_the_waiting_changes() {
    use jalon_domain::sync::client::OutboxEntry;

    // The database as the first version of the app left it (schema 1), a change waiting.
    let name = format!("jalon-test-{}", Uuid::new_v4());
    let typed = creation("Enattente");
    let waiting = OutboxEntry::new(1, Mutation::CreatePerson(typed.clone()));
    {
        let db = old_schema(
            &name,
            1,
            &[
                ("people", "id"),
                ("enrolments", "id"),
                ("outbox", "seq"),
                ("rejections", "seq"),
            ],
        )
        .await;
        write_in_clear(&db, &typed.person, &waiting).await;
        db.close();
    }

    // The new version opens it: every later store is added, nothing is dropped.
    let store = Store::open(&name).await.unwrap();
    assert!(start(&store, 1, true).await);
    assert_eq!(store.outbox().await.unwrap(), vec![waiting.clone()]);
    assert_eq!(store.people().await.unwrap(), vec![typed.person.clone()]);
    assert!(store.notes().await.unwrap().is_empty());
    assert!(store.conflicts().await.unwrap().is_empty());
    // It keeps working on it: a second change queues after the first.
    let next = creation("Suivant");
    store.create_person(&next).await.unwrap();
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(outbox[0], waiting);
    store.close();
}

#[wasm_bindgen_test]
async fn a_save_the_storage_refuses_is_shown_and_never_taken_for_done() {
    use jalon_app::i18n::fr;
    use jalon_app::state::AppState;
    use jalon_domain::notes::Note;
    use leptos::prelude::GetUntracked;
    // The app's tasks run on the browser's event loop, as in the app.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let (store, _) = fresh_store().await;
    let state = AppState::boot(store).await.unwrap();
    let note = Note {
        id: Uuid::new_v4(),
        person_id: Uuid::new_v4(),
        author_id: Uuid::from_u128(1),
        date: date!(2026 - 11 - 20),
        text: "Écrite pendant que l'appareil se verrouille".into(),
        replaces: None,
    };
    let store = state.store();
    // Stored: the screens redraw.
    assert!(state.saved(store.add_note(note.clone()).await));
    assert_eq!(state.data_version.get_untracked(), 1);
    // The replica locked meanwhile: refused, said, and nothing redraws as if it were stored.
    store.lock();
    let refused = store
        .add_note(Note {
            id: Uuid::new_v4(),
            ..note
        })
        .await;
    assert!(!state.saved(refused));
    assert_eq!(state.data_version.get_untracked(), 1);
    let shown = state
        .last_error
        .get_untracked()
        .expect("the error is shown");
    assert!(shown.starts_with(fr::SAVE_FAILED), "{shown}");
}

/// A person's file reads that person's records through the `by_person` indexes — those an app
/// of schema version 6 sealed without their person in clear too, once sealed again at the
/// first read after the upgrade — and never another person's.
#[wasm_bindgen_test]
async fn a_persons_file_reads_only_their_records_those_sealed_before_the_indexes_too() {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use jalon_app::vault;
    use jalon_domain::followup::{Item, ItemBody, Obstacle, ObstacleStatus, ObstacleTheme};
    use jalon_domain::notes::Note;
    use wasm_bindgen::JsValue;

    let name = format!("jalon-test-{}", Uuid::new_v4());
    let (a, b) = (creation("Indexée"), creation("Voisine"));
    let obstacle = |person: Uuid, theme| Item {
        id: Uuid::new_v4(),
        person_id: person,
        version: 1,
        author_id: Uuid::from_u128(1),
        body: ItemBody::Obstacle(Obstacle {
            theme,
            status: ObstacleStatus::Identified,
            date: date!(2026 - 03 - 03),
        }),
    };
    let note = |person: Uuid, text: &str| Note {
        id: Uuid::new_v4(),
        person_id: person,
        author_id: Uuid::from_u128(1),
        date: date!(2026 - 11 - 20),
        text: text.into(),
        replaces: None,
    };
    let (item_a, item_b) = (
        obstacle(a.person.id, ObstacleTheme::Housing),
        obstacle(b.person.id, ObstacleTheme::Mobility),
    );
    let (note_a, note_b) = (note(a.person.id, "De A"), note(b.person.id, "De B"));
    {
        // The stores of schema version 6, and records sealed as its app sealed them.
        let db = old_schema(&name, 6, SCHEMA_6).await;
        let tx = db
            .transaction(["people", "enrolments", "notes", "items"])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .unwrap();
        let old_seal = |id: Uuid, value: JsValue| {
            js_sys::Reflect::set(&value, &"id".into(), &id.to_string().into()).unwrap();
            value
        };
        let k = key(0);
        for (store, id, sealed) in [
            ("people", a.person.id, vault::seal_value(&k, &a.person)),
            ("people", b.person.id, vault::seal_value(&k, &b.person)),
            (
                "enrolments",
                a.enrolment.id,
                vault::seal_value(&k, &a.enrolment),
            ),
            (
                "enrolments",
                b.enrolment.id,
                vault::seal_value(&k, &b.enrolment),
            ),
            ("items", item_a.id, vault::seal_value(&k, &item_a)),
            ("items", item_b.id, vault::seal_value(&k, &item_b)),
            ("notes", note_a.id, vault::seal_value(&k, &note_a)),
            ("notes", note_b.id, vault::seal_value(&k, &note_b)),
        ] {
            tx.object_store(store)
                .unwrap()
                .put(old_seal(id, sealed.unwrap()))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        db.close();
    }

    let store = reopen(&name, 0).await;
    assert_eq!(
        store.person_as_shown(a.person.id).await.unwrap(),
        Some(a.person.clone())
    );
    assert_eq!(store.person_as_shown(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(
        store.enrolments_of(a.person.id).await.unwrap(),
        vec![a.enrolment.clone()]
    );
    assert_eq!(
        store.items_of(a.person.id).await.unwrap(),
        vec![(item_a.clone(), false)]
    );
    assert_eq!(
        store.notes_of(b.person.id).await.unwrap(),
        vec![(note_b.clone(), false)]
    );
    assert!(store.conflicts_of(a.person.id).await.unwrap().is_empty());

    // What is pulled and typed after the upgrade is found the same way; a change waiting for
    // the server shows as waiting.
    let pulled = obstacle(a.person.id, ObstacleTheme::Health);
    store
        .apply_pull(&last_page(
            vec![Change {
                rev: 9,
                record: Record::Item(pulled.clone()),
            }],
            9,
        ))
        .await
        .unwrap();
    let typed = obstacle(a.person.id, ObstacleTheme::Family);
    store.save_item(typed.clone()).await.unwrap();
    let mut shown = store.items_of(a.person.id).await.unwrap();
    shown.sort_by_key(|(i, _)| i.id);
    let mut expected = vec![(item_a, false), (pulled, false), (typed, true)];
    expected.sort_by_key(|(i, _)| i.id);
    assert_eq!(shown, expected);
    assert_eq!(
        store.items_of(b.person.id).await.unwrap(),
        vec![(item_b, false)]
    );
    store.close();

    // Every record of a person now names the person in clear, and nothing else is in clear.
    let db = indexed_db_futures::database::Database::open(&name)
        .await
        .unwrap();
    let tx = db
        .transaction(["enrolments", "notes", "items"])
        .build()
        .unwrap();
    for store in ["enrolments", "notes", "items"] {
        for raw in tx
            .object_store(store)
            .unwrap()
            .get_all::<JsValue>()
            .await
            .unwrap()
        {
            let raw = raw.unwrap();
            let person = js_sys::Reflect::get(&raw, &"person".into()).unwrap();
            let person = Uuid::parse_str(&person.as_string().expect("a person in clear")).unwrap();
            assert!([a.person.id, b.person.id].contains(&person));
            let fields = js_sys::Object::keys(&raw.into()).length();
            assert_eq!(fields, 3, "id, person and the sealed bytes only");
        }
    }
    drop(tx);
    db.close();
}

/// The checksums a tab keeps in memory between sync rounds are always those of the replica
/// read back: after its own pulls and creations, after another tab's pull, after a repair.
#[wasm_bindgen_test]
async fn the_checksums_and_records_kept_between_rounds_are_those_of_the_replica_read_back() {
    use jalon_domain::notes::Note;

    let (tab, name) = fresh_store().await;
    // What a tab that never kept anything reads back from the database; the records this tab
    // reads (kept in memory since its first pull) must be those.
    let read_back = || async {
        let other = reopen(&name, 0).await;
        let sums = other.replica_checksums().await.unwrap();
        let fresh = reopen(&name, 0).await;
        assert_eq!(replica_reads(&tab).await, replica_reads(&fresh).await);
        fresh.close();
        other.close();
        sums
    };
    let (a, b) = (creation("Gardée"), creation("Autre"));
    let change = |rev: i64, record: Record| Change { rev, record };
    tab.apply_pull(&last_page(
        vec![
            change(1, Record::Person(a.person.clone())),
            change(2, Record::Enrolment(a.enrolment.clone())),
            change(3, Record::Person(b.person.clone())),
        ],
        3,
    ))
    .await
    .unwrap();
    let first = tab.replica_checksums().await.unwrap();
    assert!(first.is_some());
    assert_eq!(first, read_back().await);

    // The tab's own pull: an edit and a new record.
    let renamed = Person {
        last_name: "Renommée".into(),
        ..a.person.clone()
    };
    tab.apply_pull(&last_page(
        vec![
            change(4, Record::Person(renamed)),
            change(5, Record::Enrolment(b.enrolment.clone())),
        ],
        5,
    ))
    .await
    .unwrap();
    let second = tab.replica_checksums().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(second, read_back().await);

    // A person created on the device, waiting for the server: not counted, as read back.
    tab.create_person(&creation("Enattente")).await.unwrap();
    assert_eq!(tab.replica_checksums().await.unwrap(), second);
    assert_eq!(read_back().await, second);

    // Another tab pulls a note: this tab's checksums follow.
    let other = reopen(&name, 0).await;
    let note = Note {
        id: Uuid::new_v4(),
        person_id: b.person.id,
        author_id: Uuid::from_u128(1),
        date: date!(2026 - 11 - 20),
        text: "D'un autre onglet".into(),
        replaces: None,
    };
    other
        .apply_pull(&last_page(vec![change(6, Record::Note(note))], 6))
        .await
        .unwrap();
    other.close();
    let third = tab.replica_checksums().await.unwrap();
    assert_ne!(third, second);
    assert_eq!(third, read_back().await);

    // A repair of the bucket of `a`: what it holds is replaced.
    let bucket = Record::Person(a.person.clone()).bucket();
    assert!(
        tab.replace_bucket(bucket, &[change(7, Record::Person(a.person.clone()))])
            .await
            .unwrap()
    );
    let fourth = tab.replica_checksums().await.unwrap();
    assert_eq!(fourth, read_back().await);
    assert_ne!(fourth, third);

    // The reads come from memory while nothing changed the replica: emptied behind the
    // store's back (no new version token), it still shows what it kept.
    let shown = tab.people().await.unwrap();
    assert!(!shown.is_empty());
    {
        use indexed_db_futures::prelude::*;
        use indexed_db_futures::transaction::TransactionMode;
        let db = indexed_db_futures::database::Database::open(&name)
            .await
            .unwrap();
        let tx = db
            .transaction("people")
            .with_mode(TransactionMode::Readwrite)
            .build()
            .unwrap();
        tx.object_store("people")
            .unwrap()
            .clear()
            .unwrap()
            .await
            .unwrap();
        tx.commit().await.unwrap();
        db.close();
    }
    assert_eq!(tab.people().await.unwrap(), shown);
}

/// What the list reads of the replica.
async fn replica_reads(
    store: &Store,
) -> (
    Vec<Person>,
    Vec<Enrolment>,
    Vec<jalon_domain::notes::Note>,
    Vec<jalon_domain::followup::Item>,
    Vec<jalon_domain::merge::Conflict>,
) {
    (
        store.people().await.unwrap(),
        store.enrolments().await.unwrap(),
        store.notes().await.unwrap(),
        store.items().await.unwrap(),
        store.conflicts().await.unwrap(),
    )
}

#[wasm_bindgen_test]
async fn an_open_store_gives_the_database_up_to_a_newer_version_and_says_so() {
    use indexed_db_futures::database::Database;
    use std::cell::Cell;
    use std::rc::Rc;

    let (store, name) = fresh_store().await;
    assert!(start(&store, 1, true).await);
    store.create_person(&creation("Avant")).await.unwrap();
    let told = Rc::new(Cell::new(false));
    store.on_replaced({
        let told = told.clone();
        move || told.set(true)
    });
    assert!(!store.is_replaced());

    // Another tab opens the database at a newer version: it is not kept waiting.
    let blocked = Rc::new(Cell::new(false));
    let newer = Database::open(&name)
        .with_version(jalon_app::store::SCHEMA_VERSION + 1)
        .with_on_blocked({
            let (blocked, store) = (blocked.clone(), store.clone());
            move |_| {
                // Let the test end with a failure rather than wait for ever.
                blocked.set(true);
                store.clone().close();
                Ok(())
            }
        })
        .await
        .unwrap();
    assert!(
        !blocked.get(),
        "the open store kept the newer version waiting"
    );
    assert!(told.get());
    assert!(store.is_replaced());
    // This tab now says why it can do nothing, and what it wrote is still on disk.
    let refused = store.outbox().await.unwrap_err();
    assert!(
        refused.0.contains("mis à jour dans un autre onglet"),
        "{refused}"
    );
    newer.close();
    let waiting = raw_values(&name, "outbox").await;
    assert_eq!(waiting.len(), 1);
}

#[wasm_bindgen_test]
async fn an_upgrade_kept_waiting_by_a_tab_of_an_older_version_says_so_and_goes_on_once_it_closes() {
    use gloo_timers::future::TimeoutFuture;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    let name = format!("jalon-test-{}", Uuid::new_v4());
    // A tab of an older version, open, that never gives the database up.
    let older = old_schema(&name, 6, SCHEMA_6).await;
    let blocked = Rc::new(Cell::new(false));
    let opened: Rc<RefCell<Option<Store>>> = Rc::default();
    wasm_bindgen_futures::spawn_local({
        let (name, blocked, opened) = (name.clone(), blocked.clone(), opened.clone());
        async move {
            let store = Store::open_or_wait(&name, move || blocked.set(true))
                .await
                .unwrap();
            *opened.borrow_mut() = Some(store);
        }
    });
    for _ in 0..250 {
        if blocked.get() {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    assert!(blocked.get(), "the waiting upgrade said nothing");
    assert!(opened.borrow().is_none());

    older.close();
    for _ in 0..250 {
        if opened.borrow().is_some() {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    let store = opened.borrow_mut().take().expect("the upgrade goes on");
    assert!(start(&store, 1, true).await);
    let created = creation("Après");
    store.create_person(&created).await.unwrap();
    assert_eq!(store.people().await.unwrap(), vec![created.person]);
}
