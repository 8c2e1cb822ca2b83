//! Benchmarks of the IndexedDB replica in headless Chromium. Not a test: run by
//! `scripts/bench.sh` (feature `bench`); results go in BENCHMARKS.md.
#![cfg(feature = "bench")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use std::collections::{HashMap, HashSet};

use jalon_app::list::{self, Filters, Holdings, Sort, select};
use jalon_app::store::Store;
use jalon_app::sync::Local;
use jalon_domain::followup::{Appointment, AppointmentStatus, Contract, Item, ItemBody, Place};
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::profile::{
    Education, Household, LabourMarket, PersonDetails, RsaFund, SelfEmployed, Sex,
};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::client::{Remote, pull_pages};
use jalon_domain::sync::{Change, PullResponse, Record};
use time::macros::date;
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PEOPLE: usize = 20_000;
const PAGE: usize = 1_000;

fn now() -> f64 {
    js_sys::Date::now()
}

/// 20,000 people with a full file, an enrolment, three appointments and a note each: 120,000
/// rows, in rev order as a pull returns them.
fn rows() -> Vec<Change> {
    let mut changes = Vec::with_capacity(6 * PEOPLE);
    let mut rev = 0;
    let mut push = |record| {
        rev += 1;
        changes.push(Change { rev, record });
    };
    for i in 0..PEOPLE {
        let person = Person {
            id: Uuid::from_u128(i as u128 + 1),
            last_name: format!("Nom{i}"),
            first_name: "Camille".into(),
            birth_date: date!(1985 - 05 - 05),
            commune_code: "87085".into(),
            rsa_beneficiary: i % 4 != 0,
            details: PersonDetails {
                sex: Some(Sex::Female),
                phone: "06 12 34 56 78".into(),
                email: format!("camille{i}@exemple.fr"),
                address: "12 rue des Tilleuls".into(),
                household: Some(Household::Alone),
                children: 1,
                rsa_fund: Some(RsaFund::Caf),
                allocataire: format!("{:07}", i),
                rsa_since: Some(date!(2022 - 03 - 01)),
                rights_and_duties: true,
                education: Some(Education::Isced34),
                labour_market: Some(LabourMarket::LongTermUnemployed),
                self_employed: Some(SelfEmployed::No),
                ..PersonDetails::default()
            },
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
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        };
        let person_id = person.id;
        push(Record::Person(person));
        push(Record::Enrolment(enrolment));
        for k in 0..3 {
            push(Record::Item(Item {
                id: Uuid::from_u128(((2 + k) * PEOPLE + i) as u128 + 1),
                person_id,
                version: 1,
                author_id: Uuid::from_u128(7),
                body: ItemBody::Appointment(Appointment {
                    date: date!(2026 - 02 - 01) + time::Duration::days(30 * k as i64),
                    time: "10:00".into(),
                    place: Place::Mdd,
                    status: AppointmentStatus::Attended,
                    report: "Point sur les démarches : CV mis à jour.".into(),
                }),
            }));
        }
        push(Record::Note(Note {
            id: Uuid::from_u128((5 * PEOPLE + i) as u128 + 1),
            person_id,
            author_id: Uuid::from_u128(7),
            date: date!(2026 - 10 - 01),
            text: "Appel : la personne confirme sa présence au prochain rendez-vous.".into(),
            replaces: None,
        }));
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
            db.create_object_store("items")
                .with_key_path("id".into())
                .build()?;
            db.create_object_store("notes")
                .with_key_path("id".into())
                .build()?;
            Ok(())
        })
        .await
        .unwrap();
    let start = now();
    let tx = db
        .transaction(["people", "enrolments", "items", "notes"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let people = tx.object_store("people").unwrap();
    let enrolments = tx.object_store("enrolments").unwrap();
    let items = tx.object_store("items").unwrap();
    let notes = tx.object_store("notes").unwrap();
    for change in rows {
        match &change.record {
            Record::Person(p) => drop(people.put(p).serde().unwrap()),
            Record::Enrolment(e) => drop(enrolments.put(e).serde().unwrap()),
            Record::Item(i) => drop(items.put(i).serde().unwrap()),
            Record::Note(n) => drop(notes.put(n).serde().unwrap()),
            _ => {}
        }
    }
    tx.commit().await.unwrap();
    now() - start
}

/// Pages given in advance, answered in order.
struct Pages(std::vec::IntoIter<PullResponse>);

impl Remote for Pages {
    type Error = ();

    async fn push(
        &mut self,
        _: Vec<jalon_domain::sync::MutationEnvelope>,
    ) -> Result<jalon_domain::sync::PushResponse, ()> {
        Err(())
    }

    async fn pull(&mut self, _: i64, _: Option<u8>) -> Result<PullResponse, ()> {
        self.0.next().ok_or(())
    }
}

/// Jalon's bootstrap: the pulled pages (1,000 changes each) stored by the sync's own pull
/// loop, each with its cursor, and the replica's checksum, as on a first sign-in. The pages
/// come from memory instead of the network.
async fn jalon_bootstrap(rows: &[Change]) -> f64 {
    bootstrapped(rows).await.0
}

/// A store filled by a bootstrap of `rows`, its database's name, and how long the bootstrap
/// took.
async fn bootstrapped(rows: &[Change]) -> (f64, Store, String) {
    let name = format!("bench-jalon-{}", Uuid::new_v4());
    let store = Store::open(&name).await.unwrap();
    // Every record sealed with AES-256-GCM, as on a signed-in device.
    store.unlock(jalon_app::vault::Key::from_bytes(&[7; 32]));
    let pages: Vec<PullResponse> = rows
        .chunks(PAGE)
        .enumerate()
        .map(|(i, page)| PullResponse {
            protocol: 1,
            schema: 2,
            changes: page.to_vec(),
            cursor: page.last().unwrap().rev,
            has_more: (i + 1) * PAGE < rows.len(),
            total: None,
            checksum: None,
            buckets: vec![],
        })
        .collect();
    let start = now();
    let pulled = pull_pages(&mut Local(&store, None), &mut Pages(pages.into_iter()))
        .await
        .unwrap();
    assert_eq!(pulled.changes, rows.len());
    assert!(pulled.local.is_some());
    (now() - start, store, name)
}

/// What the list reads of the replica: right after the first sync (the records the pulls
/// stored are kept in memory), and in a tab opened later (every record opened from
/// IndexedDB: AES-GCM, JSON).
#[wasm_bindgen_test]
async fn reading_120_000_rows_back_for_the_list() {
    let rows = rows();
    let (_, store, name) = bootstrapped(&rows).await;
    let after_sync = list_reads(&store).await;
    let later = Store::open(&name).await.unwrap();
    later.unlock(jalon_app::vault::Key::from_bytes(&[7; 32]));
    let cold = list_reads(&later).await;
    console_log!(
        "BENCH list read rows={} after_first_sync_ms={after_sync:.0} later_tab_ms={cold:.0}",
        rows.len()
    );
}

/// How long the list's reads of the replica take.
async fn list_reads(store: &Store) -> f64 {
    let start = now();
    let people = store.people_as_shown().await.unwrap();
    let enrolments = store.enrolments().await.unwrap();
    let items = store.items_as_shown().await.unwrap();
    let notes = store.notes().await.unwrap();
    assert_eq!(
        people.len() + enrolments.len() + items.len() + notes.len(),
        120_000
    );
    now() - start
}

#[wasm_bindgen_test]
async fn bootstrap_of_120_000_rows_against_a_plain_bulk_insert() {
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

/// 1,500 people with an enrolment, four appointments, a contract and a note each: a large
/// supervisor's device.
fn caseload_of_1500() -> (Vec<Person>, Vec<Enrolment>, Vec<Item>, Vec<Note>) {
    const LAST: [&str; 12] = [
        "Durand",
        "Lefèvre",
        "Moreau",
        "Girard",
        "Bonnet",
        "Dupont",
        "Lambert",
        "Fontaine",
        "Rousseau",
        "Vincent",
        "Muller",
        "Chevalier",
    ];
    const FIRST: [&str; 8] = [
        "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Zoé", "Noé",
    ];
    const COMMUNES: [&str; 5] = ["87085", "87011", "87114", "87113", "87125"];
    let (mut people, mut enrolments, mut items, mut notes) = (vec![], vec![], vec![], vec![]);
    for i in 0..1_500u128 {
        let person = Person {
            id: Uuid::from_u128(i + 1),
            last_name: format!("{}{}", LAST[i as usize % 12], i / 12),
            first_name: FIRST[i as usize % 8].into(),
            birth_date: date!(1985 - 05 - 05),
            commune_code: COMMUNES[i as usize % 5].into(),
            rsa_beneficiary: i % 4 != 0,
            details: Default::default(),
        };
        let enrolment = Enrolment {
            id: Uuid::from_u128(10_000 + i),
            person_id: person.id,
            scheme: SchemeCode::ALL[i as usize % 3],
            referent_id: Uuid::from_u128(7),
            start_date: date!(2025 - 01 - 01),
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        };
        for k in 0..4u128 {
            items.push(Item {
                id: Uuid::from_u128(100_000 + i * 10 + k),
                person_id: person.id,
                version: 1,
                author_id: Uuid::from_u128(7),
                body: ItemBody::Appointment(Appointment {
                    date: date!(2026 - 08 - 01) + time::Duration::days((i % 90 + k * 20) as i64),
                    time: "10:00".into(),
                    place: Place::Mdd,
                    status: AppointmentStatus::Attended,
                    report: String::new(),
                }),
            });
        }
        items.push(Item {
            id: Uuid::from_u128(200_000 + i),
            person_id: person.id,
            version: 1,
            author_id: Uuid::from_u128(7),
            body: ItemBody::Contract(Contract {
                enrolment_id: enrolment.id,
                signed_on: date!(2025 - 01 - 10),
                start: date!(2025 - 01 - 10),
                end: date!(2026 - 01 - 10) + time::Duration::days((i % 400) as i64),
                objectives: "Objectifs".into(),
                weekly_hours: 15,
            }),
        });
        notes.push(Note {
            id: Uuid::from_u128(300_000 + i),
            person_id: person.id,
            author_id: Uuid::from_u128(7),
            date: date!(2026 - 10 - 01),
            text: "Note".into(),
            replaces: None,
        });
        people.push(person);
        enrolments.push(enrolment);
    }
    (people, enrolments, items, notes)
}

#[wasm_bindgen_test]
async fn search_of_1500_people_per_keystroke() {
    let (people, enrolments, items, notes) = caseload_of_1500();
    let (pending, conflicted) = (HashSet::new(), HashSet::new());
    let (rejections, staff) = (HashMap::new(), HashMap::new());
    let holdings = Holdings {
        people: &people,
        enrolments: &enrolments,
        items: &items,
        notes: &notes,
        pending: &pending,
        conflicted: &conflicted,
        rejections: &rejections,
        staff: &staff,
        schemes: &jalon_domain::schemes::Scheme::haute_vienne_defaults(),
        search_referents: true,
    };
    let start = now();
    let rows = list::rows(&holdings, date!(2026 - 11 - 26));
    let build_ms = now() - start;
    // What a user types, keystroke by keystroke, then a filter and a sort on top.
    let mut samples = Vec::new();
    let typed = "lefevre3 leo";
    for n in 1..=typed.len() {
        let filters = Filters {
            query: typed[..n].to_owned(),
            ..Filters::default()
        };
        let start = now();
        let mut kept = 0;
        // Repeat to rise above the timer's resolution.
        for _ in 0..20 {
            kept = select(&rows, &filters).len();
        }
        samples.push((now() - start) / 20.0);
        assert!(kept <= rows.len());
    }
    let sorted = Filters {
        query: "e".into(),
        alert: Some("any".into()),
        sort: Sort::LastContact,
        ..Filters::default()
    };
    let start = now();
    for _ in 0..20 {
        select(&rows, &sorted);
    }
    let filtered_ms = (now() - start) / 20.0;
    samples.sort_by(f64::total_cmp);
    console_log!(
        "BENCH search people={} build_rows_ms={build_ms:.1} keystroke_median_ms={:.3} keystroke_max_ms={:.3} filter_sort_ms={filtered_ms:.3}",
        rows.len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
}

/// A Département's history: 10,000 participations from 2015 to 2026 (about 1,250 followed at
/// any time, pathways of 4 to 36 months), 200,000 appointments and 50,000 notes.
#[wasm_bindgen_test]
fn dashboard_over_twelve_years() {
    use jalon_domain::pathway::{Exit, ExitReason};
    use jalon_domain::supervision::{Activity, Participation, Period, PeriodKind, dashboard};
    let schemes = jalon_domain::schemes::Scheme::haute_vienne_defaults();
    let start = date!(2015 - 01 - 05);
    let mut parts = Vec::new();
    let mut facts = Vec::new();
    for i in 0..10_000u32 {
        let from = start + time::Duration::days(i64::from(i) * 4300 / 10_000);
        let months = 4 + i64::from(i % 33);
        let end = from + time::Duration::days(months * 30);
        let person_id = Uuid::from_u128(u128::from(i) + 1);
        parts.push(Participation {
            enrolment_id: Uuid::from_u128(u128::from(i) + 1_000_000),
            person_id,
            scheme: SchemeCode::ALL[(i % 3) as usize],
            referent_id: Uuid::from_u128(u128::from(i % 21) + 5_000_000),
            start: from,
            oriented_on: from,
            exit: (end < date!(2026 - 11 - 30)).then_some(Exit {
                date: end,
                reason: ExitReason::ALL[(i % 9) as usize],
            }),
            rsa: i % 4 != 0,
        });
        for k in 0..20 {
            facts.push(Activity::Appointment {
                person_id,
                date: from + time::Duration::days(k * 30),
                status: if k % 7 == 0 {
                    AppointmentStatus::NoShow
                } else {
                    AppointmentStatus::Attended
                },
            });
        }
        for k in 0..5 {
            facts.push(Activity::Note {
                person_id,
                date: from + time::Duration::days(k * 90),
            });
        }
    }
    let today = date!(2026 - 11 - 30);
    let history = Period {
        from: date!(2015 - 01 - 01),
        to: today,
    };
    let t = now();
    let board = dashboard(&parts, &facts, &schemes, history, today);
    let full_ms = now() - t;
    let year = Period::of(PeriodKind::Year, 2017, 0).unwrap();
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = now();
        dashboard(&parts, &facts, &schemes, year, today);
        samples.push(now() - t);
    }
    samples.sort_by(f64::total_cmp);
    let active_2017 = dashboard(&parts, &facts, &schemes, year, today)
        .total
        .average_active();
    web_sys::console::log_1(
        &format!(
            "BENCH dashboard participations={} facts={} months={} full_history_ms={full_ms:.0} \
             one_year_ms_median={:.1} average_2017={active_2017:.0}",
            parts.len(),
            facts.len(),
            board.total.months.len(),
            samples[2]
        )
        .into(),
    );
    assert_eq!(board.total.months.len(), 143);
}
