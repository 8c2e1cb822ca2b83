//! Benchmarks of the IndexedDB replica in headless Chromium. Not a test: run by
//! `scripts/bench.sh` (feature `bench`); results go in BENCHMARKS.md.
#![cfg(feature = "bench")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_app::store::Store;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Change, PullResponse, Record};
use time::macros::date;
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PEOPLE: usize = 40_000;
const PAGE: usize = 1_000;

fn now() -> f64 {
    js_sys::Date::now()
}

/// 40,000 people with one enrolment each: 80,000 rows, in rev order as a pull returns them.
fn rows() -> Vec<Change> {
    let mut changes = Vec::with_capacity(2 * PEOPLE);
    for i in 0..PEOPLE {
        let person = Person {
            id: Uuid::from_u128(i as u128 + 1),
            last_name: format!("Nom{i}"),
            first_name: "Camille".into(),
            birth_date: date!(1985 - 05 - 05),
            commune_code: "87085".into(),
            rsa_beneficiary: i % 4 != 0,
            details: Default::default(),
        };
        let enrolment = Enrolment {
            id: Uuid::from_u128((i + PEOPLE) as u128 + 1),
            person_id: person.id,
            scheme: SchemeCode::Plie,
            referent_id: Uuid::from_u128(7),
            start_date: date!(2026 - 01 - 01),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
        };
        changes.push(Change {
            rev: 2 * i as i64 + 1,
            record: Record::Person(person),
        });
        changes.push(Change {
            rev: 2 * i as i64 + 2,
            record: Record::Enrolment(enrolment),
        });
    }
    changes
}

/// The floor: the same rows put by the same browser's IndexedDB in one transaction per store,
/// with the same serialisation, and nothing else.
async fn plain_bulk_insert(rows: &[Change]) -> f64 {
    let name = format!("bench-floor-{}", Uuid::new_v4());
    let db = Database::open(name.as_str())
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("people")
                .with_key_path("id".into())
                .build()?;
            db.create_object_store("enrolments")
                .with_key_path("id".into())
                .build()?;
            Ok(())
        })
        .await
        .unwrap();
    let start = now();
    let tx = db
        .transaction(["people", "enrolments"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let people = tx.object_store("people").unwrap();
    let enrolments = tx.object_store("enrolments").unwrap();
    for change in rows {
        match &change.record {
            Record::Person(p) => drop(people.put(p).serde().unwrap()),
            Record::Enrolment(e) => drop(enrolments.put(e).serde().unwrap()),
            Record::Conflict(_) | Record::Note(_) => {}
        }
    }
    tx.commit().await.unwrap();
    now() - start
}

/// Jalon's bootstrap: the pulled pages (1,000 changes each) stored as the sync stores them,
/// each with its cursor, then the checksum comparison.
async fn jalon_bootstrap(rows: &[Change]) -> f64 {
    let store = Store::open(&format!("bench-jalon-{}", Uuid::new_v4()))
        .await
        .unwrap();
    let start = now();
    for (i, page) in rows.chunks(PAGE).enumerate() {
        let response = PullResponse {
            protocol: 1,
            changes: page.to_vec(),
            cursor: page.last().unwrap().rev,
            has_more: (i + 1) * PAGE < rows.len(),
            checksum: None,
        };
        store.apply_pull(&response).await.unwrap();
    }
    let checksum = store.replica_checksum().await.unwrap();
    assert!(checksum.is_some());
    now() - start
}

#[wasm_bindgen_test]
async fn bootstrap_of_80_000_rows_against_a_plain_bulk_insert() {
    let rows = rows();
    // Alternate the two, three times each, and keep the best of each.
    let (mut floor, mut jalon) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        floor = floor.min(plain_bulk_insert(&rows).await);
        jalon = jalon.min(jalon_bootstrap(&rows).await);
    }
    console_log!(
        "BENCH bootstrap rows={} plain_bulk_insert_ms={floor:.0} jalon_bootstrap_ms={jalon:.0} ratio={:.2}",
        rows.len(),
        jalon / floor
    );
}
