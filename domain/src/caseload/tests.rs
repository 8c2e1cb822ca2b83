use super::*;
use crate::followup::{Appointment, Contract, DuplicateReason, DuplicateWarning, Place};
use crate::schemes::SchemeCode;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 26);
const PERSON: Uuid = Uuid::from_u128(100);

fn enrolment(scheme: SchemeCode, start: Date) -> Enrolment {
    Enrolment {
        id: Uuid::from_u128(50),
        person_id: PERSON,
        scheme,
        referent_id: Uuid::from_u128(1),
        start_date: start,
        status: EnrolmentStatus::Active,
        exit: None,
        fse_entry: None,
        fse_exit: None,
        fse_six_months: None,
        handovers: Vec::new(),
        orientation: None,
    }
}

fn item(id: u128, body: ItemBody) -> Item {
    Item {
        id: Uuid::from_u128(id),
        person_id: PERSON,
        version: 1,
        author_id: Uuid::from_u128(1),
        body,
    }
}

fn appointment(id: u128, date: Date, time: &str, status: AppointmentStatus) -> Item {
    item(
        id,
        ItemBody::Appointment(Appointment {
            date,
            time: time.into(),
            place: Place::Home,
            status,
            report: String::new(),
        }),
    )
}

fn contract(id: u128, start: Date, end: Date) -> Item {
    item(
        id,
        ItemBody::Contract(Contract {
            enrolment_id: Uuid::from_u128(50),
            signed_on: start,
            start,
            end,
            objectives: "Permis".into(),
            weekly_hours: 15,
        }),
    )
}

/// The person, living in a commune of the scheme's territory.
fn person(scheme: SchemeCode) -> Person {
    Person {
        id: PERSON,
        last_name: "Roux".into(),
        first_name: "Léa".into(),
        birth_date: date!(1990 - 01 - 01),
        commune_code: if scheme == SchemeCode::Arpe {
            "87011"
        } else {
            "87085"
        }
        .into(),
        rsa_beneficiary: true,
        details: Default::default(),
    }
}

fn codes(enrolment: &Enrolment, items: &[Item], notes: &[Note]) -> Vec<&'static str> {
    let items: Vec<&Item> = items.iter().collect();
    let notes: Vec<&Note> = notes.iter().collect();
    alerts(
        &person(enrolment.scheme),
        &[enrolment],
        &items,
        &notes,
        &Scheme::haute_vienne_defaults(),
        TODAY,
    )
    .iter()
    .map(Alert::code)
    .collect()
}

#[test]
fn a_person_outside_the_territory_of_their_scheme_is_flagged() {
    let plie = enrolment(SchemeCode::Plie, TODAY);
    let mut moved = person(SchemeCode::Plie);
    moved.commune_code = "87011".into();
    let found = alerts(
        &moved,
        &[&plie],
        &[],
        &[],
        &Scheme::haute_vienne_defaults(),
        TODAY,
    );
    assert_eq!(
        found,
        vec![Alert::OutsideTerritory {
            enrolment_id: plie.id
        }]
    );
    assert_eq!(found[0].label_fr(), "Hors du territoire du dispositif");
}

#[test]
fn a_new_enrolment_has_no_alert_for_a_month() {
    let fresh = enrolment(SchemeCode::Arpe, date!(2026 - 11 - 01));
    assert!(codes(&fresh, &[], &[]).is_empty());
    let older = enrolment(SchemeCode::Arpe, date!(2026 - 10 - 20));
    assert_eq!(codes(&older, &[], &[]), vec!["contract_missing"]);
}

#[test]
fn sixty_days_without_an_attended_appointment_or_a_note_is_flagged() {
    let e = enrolment(SchemeCode::Arpe, date!(2026 - 01 - 05));
    let covered = contract(9, date!(2026 - 02 - 01), date!(2027 - 06 - 01));
    // A missed appointment is no contact.
    let missed = appointment(1, date!(2026 - 11 - 01), "10:00", AppointmentStatus::NoShow);
    let seen = appointment(
        2,
        date!(2026 - 09 - 27),
        "10:00",
        AppointmentStatus::Attended,
    );
    assert_eq!(
        codes(&e, &[covered.clone(), missed.clone(), seen.clone()], &[]),
        vec!["no_contact"]
    );
    let note = Note {
        id: Uuid::from_u128(3),
        person_id: PERSON,
        author_id: Uuid::from_u128(1),
        date: date!(2026 - 10 - 01),
        text: "Appel".into(),
        replaces: None,
    };
    assert!(codes(&e, &[covered, missed, seen], &[note]).is_empty());
}

#[test]
fn contracts_ending_soon_are_flagged_unless_another_follows() {
    let e = enrolment(SchemeCode::Arpe, date!(2026 - 01 - 05));
    let note = Note {
        id: Uuid::from_u128(3),
        person_id: PERSON,
        author_id: Uuid::from_u128(1),
        date: TODAY,
        text: "Appel".into(),
        replaces: None,
    };
    let ending = contract(9, date!(2026 - 06 - 01), date!(2026 - 12 - 20));
    assert_eq!(
        codes(
            &e,
            std::slice::from_ref(&ending),
            std::slice::from_ref(&note)
        ),
        vec!["contract_ending"]
    );
    let next = contract(10, date!(2026 - 12 - 21), date!(2027 - 06 - 20));
    assert!(codes(&e, &[ending, next], std::slice::from_ref(&note)).is_empty());
    let expired = contract(11, date!(2026 - 01 - 10), date!(2026 - 07 - 10));
    assert_eq!(codes(&e, &[expired], &[note]), vec!["contract_missing"]);
}

#[test]
fn plie_pathways_near_their_limit_and_duplicates_are_flagged() {
    let note = Note {
        id: Uuid::from_u128(3),
        person_id: PERSON,
        author_id: Uuid::from_u128(1),
        date: TODAY,
        text: "Appel".into(),
        replaces: None,
    };
    let covered = contract(9, date!(2026 - 02 - 01), date!(2027 - 06 - 01));
    let near = enrolment(SchemeCode::Plie, date!(2024 - 04 - 01));
    assert_eq!(
        codes(
            &near,
            std::slice::from_ref(&covered),
            std::slice::from_ref(&note)
        ),
        vec!["pathway_near_limit"]
    );
    let reached = enrolment(SchemeCode::Plie, date!(2023 - 10 - 01));
    let duplicate = item(
        4,
        ItemBody::Duplicate(DuplicateWarning {
            other_person_id: Uuid::from_u128(200),
            other_label: "X".into(),
            reason: DuplicateReason::SameIdentity,
            dismissed: false,
        }),
    );
    assert_eq!(
        codes(&reached, &[covered, duplicate], &[note]),
        vec!["pathway_limit", "duplicate"]
    );
}

#[test]
fn the_agenda_lists_appointments_of_the_period_by_time() {
    let items = [
        appointment(
            1,
            date!(2026 - 11 - 26),
            "14:00",
            AppointmentStatus::Planned,
        ),
        appointment(
            2,
            date!(2026 - 11 - 26),
            "09:00",
            AppointmentStatus::Planned,
        ),
        appointment(
            3,
            date!(2026 - 11 - 30),
            "09:00",
            AppointmentStatus::Planned,
        ),
        appointment(
            4,
            date!(2026 - 11 - 22),
            "09:00",
            AppointmentStatus::Planned,
        ),
    ];
    let day: Vec<u128> = agenda(&items, TODAY, TODAY)
        .iter()
        .map(|i| i.id.as_u128())
        .collect();
    assert_eq!(day, vec![2, 1]);
    let monday = week_start(TODAY);
    assert_eq!(monday, date!(2026 - 11 - 23));
    let week: Vec<u128> = agenda(&items, monday, monday + Duration::days(6))
        .iter()
        .map(|i| i.id.as_u128())
        .collect();
    assert_eq!(week, vec![2, 1]);
}
