use super::*;
use crate::auth::Role;
use crate::schemes::SchemeCode;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 26);
const PERSON: Uuid = Uuid::from_u128(100);

fn actor(id: u128) -> SessionUser {
    SessionUser {
        id: Uuid::from_u128(id),
        username: "u".into(),
        display_name: "U".into(),
        role: Role::Referent,
        scheme: Some(SchemeCode::Plie),
        supervised_schemes: vec![],
    }
}

fn enrolment(scheme: SchemeCode, start: Date, status: EnrolmentStatus) -> Enrolment {
    Enrolment {
        id: Uuid::from_u128(50),
        person_id: PERSON,
        scheme,
        referent_id: Uuid::from_u128(1),
        start_date: start,
        status,
        exit: None,
        fse_entry: None,
        fse_exit: None,
        fse_six_months: None,
        handovers: Vec::new(),
        orientation: None,
    }
}

fn item(body: ItemBody) -> Item {
    Item {
        id: Uuid::from_u128(7),
        person_id: PERSON,
        version: 1,
        author_id: Uuid::from_u128(1),
        body,
    }
}

fn appointment(date: Date, status: AppointmentStatus, report: &str) -> ItemBody {
    ItemBody::Appointment(Appointment {
        date,
        time: "09:30".into(),
        place: Place::Mdd,
        status,
        report: report.into(),
    })
}

fn check(item: Item, current: Option<&Item>, enrolments: &[Enrolment]) -> Result<Item, Invalid> {
    check_item(
        item,
        current,
        &ItemContext {
            actor: &actor(1),
            enrolments,
            schemes: &Scheme::haute_vienne_defaults(),
            agreements: &[],
            partner_agreements: &[],
            today: TODAY,
        },
    )
}

fn codes(r: Result<Item, Invalid>) -> Vec<String> {
    r.expect_err("should be refused")
        .errors
        .into_iter()
        .map(|e| e.code)
        .collect()
}

fn active() -> Vec<Enrolment> {
    vec![enrolment(
        SchemeCode::Plie,
        date!(2026 - 01 - 05),
        EnrolmentStatus::Active,
    )]
}

#[test]
fn an_appointment_is_planned_then_reported_once() {
    let planned = check(
        item(appointment(
            date!(2026 - 12 - 01),
            AppointmentStatus::Planned,
            "",
        )),
        None,
        &active(),
    )
    .unwrap();
    assert_eq!(planned.version, 1);
    // Reporting a future appointment is refused; once it took place it is accepted.
    assert_eq!(
        codes(check(
            item(appointment(
                date!(2026 - 12 - 01),
                AppointmentStatus::Attended,
                "Vu."
            )),
            Some(&planned),
            &active()
        )),
        vec!["report_in_future"]
    );
    let past = check(
        item(appointment(
            date!(2026 - 11 - 20),
            AppointmentStatus::Planned,
            "",
        )),
        None,
        &active(),
    )
    .unwrap();
    let attended = check(
        item(appointment(
            date!(2026 - 11 - 20),
            AppointmentStatus::Attended,
            "  Vu.  ",
        )),
        Some(&past),
        &active(),
    )
    .unwrap();
    assert_eq!(attended.version, 2);
    let ItemBody::Appointment(a) = &attended.body else {
        panic!("an appointment")
    };
    assert_eq!(a.report, "Vu.");
    // Another device cancels it from the old "planned" state: impossible transition.
    assert_eq!(
        codes(check(
            item(appointment(
                date!(2026 - 11 - 20),
                AppointmentStatus::Cancelled,
                ""
            )),
            Some(&attended),
            &active()
        )),
        vec!["invalid_transition"]
    );
    // Completing the report keeps the status: allowed.
    assert!(
        check(
            item(appointment(
                date!(2026 - 11 - 20),
                AppointmentStatus::Attended,
                "Vu, suite."
            )),
            Some(&attended),
            &active()
        )
        .is_ok()
    );
}

#[test]
fn appointment_fields_are_checked() {
    let mut body = appointment(
        date!(2026 - 12 - 01),
        AppointmentStatus::Planned,
        "trop tôt",
    );
    if let ItemBody::Appointment(a) = &mut body {
        a.time = "25:00".into();
    }
    assert_eq!(
        codes(check(item(body), None, &active())),
        vec!["invalid_time", "report_before_meeting"]
    );
}

#[test]
fn a_step_needs_coherent_dates_for_its_status() {
    let step = |status, actual_start, actual_end| {
        item(ItemBody::Step(Step {
            kind: StepKind::Training,
            provider: " AFPA ".into(),
            planned_start: Some(date!(2026 - 10 - 01)),
            planned_end: Some(date!(2026 - 09 - 01)),
            actual_start,
            actual_end,
            status,
        }))
    };
    assert_eq!(
        codes(check(step(StepStatus::Done, None, None), None, &active())),
        vec!["before_start", "required", "required"]
    );
    assert_eq!(
        codes(check(
            step(StepStatus::InProgress, Some(date!(2026 - 12 - 01)), None),
            None,
            &active()
        )),
        vec!["before_start", "in_future"]
    );
}

#[test]
fn a_contract_belongs_to_an_active_enrolment_and_runs_forward() {
    let contract = |enrolment: u128, end: Date, hours: i64, objectives: &str| {
        item(ItemBody::Contract(Contract {
            enrolment_id: Uuid::from_u128(enrolment),
            signed_on: date!(2026 - 02 - 01),
            start: date!(2026 - 02 - 01),
            end,
            objectives: objectives.into(),
            weekly_hours: hours,
        }))
    };
    assert!(
        check(
            contract(50, date!(2026 - 08 - 01), 15, "Permis B"),
            None,
            &active()
        )
        .is_ok()
    );
    assert_eq!(
        codes(check(
            contract(51, date!(2026 - 01 - 01), 36, " "),
            None,
            &active()
        )),
        vec![
            "unknown_enrolment",
            "before_start",
            "required",
            "out_of_range"
        ]
    );
    let closed = vec![enrolment(
        SchemeCode::Plie,
        date!(2026 - 01 - 05),
        EnrolmentStatus::Closed,
    )];
    assert_eq!(
        codes(check(
            contract(50, date!(2026 - 08 - 01), 15, "Permis B"),
            None,
            &closed
        )),
        vec!["enrolment_closed"]
    );
}

#[test]
fn nothing_new_is_planned_in_a_plie_pathway_at_36_months() {
    let old = vec![enrolment(
        SchemeCode::Plie,
        date!(2023 - 11 - 26),
        EnrolmentStatus::Active,
    )];
    let schemes = Scheme::haute_vienne_defaults();
    assert_eq!(
        pathway_limit(&old[0], &schemes, TODAY),
        Some(PathwayLimit::Reached { limit: 36 })
    );
    assert_eq!(
        codes(check(
            item(appointment(
                date!(2026 - 12 - 01),
                AppointmentStatus::Planned,
                ""
            )),
            None,
            &old
        )),
        vec!["pathway_limit"]
    );
    // An obstacle may still be noted, and an existing appointment still reported.
    let theme = ObstacleTheme::Housing;
    let obstacle = Item {
        id: obstacle_id(PERSON, theme),
        ..item(ItemBody::Obstacle(Obstacle {
            theme,
            status: ObstacleStatus::Identified,
            date: TODAY,
        }))
    };
    assert!(check(obstacle, None, &old).is_ok());
    let near = enrolment(
        SchemeCode::Plie,
        date!(2024 - 05 - 26),
        EnrolmentStatus::Active,
    );
    assert_eq!(
        pathway_limit(&near, &schemes, TODAY),
        Some(PathwayLimit::Near { months: 30 })
    );
    let arpe = enrolment(
        SchemeCode::Arpe,
        date!(2020 - 01 - 01),
        EnrolmentStatus::Active,
    );
    assert_eq!(pathway_limit(&arpe, &schemes, TODAY), None);
    // The limit is a setting of the scheme.
    let mut longer = schemes.clone();
    for scheme in &mut longer {
        scheme.settings.pathway_limit_months = Some(48);
    }
    assert_eq!(pathway_limit(&old[0], &longer, TODAY), None);
    assert_eq!(
        pathway_limit(&arpe, &longer, TODAY),
        Some(PathwayLimit::Reached { limit: 48 })
    );
}

#[test]
fn an_obstacle_is_one_item_per_theme() {
    let theme = ObstacleTheme::Mobility;
    assert_eq!(obstacle_id(PERSON, theme), obstacle_id(PERSON, theme));
    assert_ne!(
        obstacle_id(PERSON, theme),
        obstacle_id(PERSON, ObstacleTheme::Health)
    );
    assert_ne!(
        obstacle_id(PERSON, theme),
        obstacle_id(Uuid::from_u128(101), theme)
    );
    let random_id = item(ItemBody::Obstacle(Obstacle {
        theme,
        status: ObstacleStatus::Lifted,
        date: TODAY,
    }));
    assert_eq!(codes(check(random_id, None, &active())), vec!["invalid_id"]);
}

#[test]
fn a_duplicate_warning_can_only_be_dismissed() {
    let warning = DuplicateWarning {
        other_person_id: Uuid::from_u128(200),
        other_label: "DURAND Léa".into(),
        reason: DuplicateReason::SameIdentity,
        dismissed: false,
    };
    let current = item(ItemBody::Duplicate(warning.clone()));
    assert_eq!(
        codes(check(current.clone(), None, &active())),
        vec!["not_allowed"]
    );
    let dismissed = item(ItemBody::Duplicate(DuplicateWarning {
        dismissed: true,
        ..warning.clone()
    }));
    assert!(check(dismissed, Some(&current), &active()).is_ok());
    let rewritten = item(ItemBody::Duplicate(DuplicateWarning {
        dismissed: true,
        other_label: "Autre".into(),
        ..warning
    }));
    assert_eq!(
        codes(check(rewritten, Some(&current), &active())),
        vec!["not_allowed"]
    );
}

#[test]
fn items_are_signed_and_keep_their_person_and_kind() {
    let planned = item(appointment(
        date!(2026 - 12 - 01),
        AppointmentStatus::Planned,
        "",
    ));
    let mut forged = planned.clone();
    forged.author_id = Uuid::from_u128(2);
    assert_eq!(codes(check(forged, None, &active())), vec!["not_allowed"]);
    let step = item(ItemBody::Step(Step {
        kind: StepKind::Job,
        provider: String::new(),
        planned_start: None,
        planned_end: None,
        actual_start: None,
        actual_end: None,
        status: StepStatus::Planned,
    }));
    assert_eq!(
        codes(check(step, Some(&planned), &active())),
        vec!["invalid_change"]
    );
}

#[test]
fn months_are_counted_and_added_on_the_calendar() {
    assert_eq!(
        months_between(date!(2026 - 01 - 31), date!(2026 - 02 - 28)),
        0
    );
    assert_eq!(
        months_between(date!(2026 - 01 - 31), date!(2026 - 03 - 31)),
        2
    );
    assert_eq!(
        months_between(date!(2026 - 03 - 01), date!(2026 - 01 - 01)),
        0
    );
    assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
    assert_eq!(add_months(date!(2026 - 03 - 15), -3), date!(2025 - 12 - 15));
}

#[test]
fn duplicates_are_found_by_identity_or_file_number() {
    let person = |id: u128, last: &str, first: &str, allocataire: &str| crate::people::Person {
        id: Uuid::from_u128(id),
        last_name: last.into(),
        first_name: first.into(),
        birth_date: date!(1988 - 03 - 14),
        commune_code: "87085".into(),
        rsa_beneficiary: true,
        details: crate::profile::PersonDetails {
            allocataire: allocataire.into(),
            ..Default::default()
        },
    };
    let lea = person(1, "Durand", "Léa", "1234567");
    assert_eq!(
        duplicate_reason(&lea, &person(2, "DURAND", "Lea", "")),
        Some(DuplicateReason::SameIdentity)
    );
    assert_eq!(
        duplicate_reason(&lea, &person(3, "Martin", "Zoé", "1234567")),
        Some(DuplicateReason::SameAllocataire)
    );
    assert_eq!(
        duplicate_reason(&lea, &person(4, "Durand", "Léna", "")),
        None
    );
    assert_eq!(duplicate_reason(&lea, &lea), None);
}

#[test]
fn the_next_appointment_is_the_earliest_planned_from_today() {
    let item = |id: u128, body: ItemBody| Item {
        id: Uuid::from_u128(id),
        person_id: PERSON,
        version: 1,
        author_id: Uuid::from_u128(1),
        body,
    };
    let at = |date: Date, time: &str| {
        let mut body = appointment(date, AppointmentStatus::Planned, "");
        if let ItemBody::Appointment(a) = &mut body {
            a.time = time.into();
        }
        body
    };
    let items = [
        item(1, at(date!(2026 - 12 - 03), "09:00")),
        item(2, at(date!(2026 - 11 - 26), "16:00")),
        item(3, at(date!(2026 - 11 - 26), "08:30")),
        // Past and still planned: waits for its outcome, not the next one.
        item(4, at(date!(2026 - 11 - 20), "10:00")),
        // Earlier today but already held.
        item(5, appointment(TODAY, AppointmentStatus::Attended, "")),
    ];
    let next = next_appointment(&items, TODAY).unwrap();
    assert_eq!((next.date, next.time.as_str()), (TODAY, "08:30"));
    assert!(next_appointment(&items[3..], TODAY).is_none());
    assert!(next_appointment(&[], TODAY).is_none());
}

#[test]
fn a_planned_appointment_may_take_any_outcome_and_an_outcome_only_keeps_its_own() {
    use AppointmentStatus::*;
    assert_eq!(Planned.choices(), AppointmentStatus::ALL.to_vec());
    for outcome in [Attended, Excused, NoShow, Cancelled] {
        assert_eq!(outcome.choices(), vec![outcome]);
    }
    assert!(
        [Planned, Attended, Excused, NoShow]
            .iter()
            .all(|s| s.may_be_reported())
    );
    assert!(!Cancelled.may_be_reported());
}

#[test]
fn an_order_needs_an_active_enrolment_and_a_known_agreement() {
    use crate::money::orders::{OrderStatus, PurchaseOrder};
    let order = ItemBody::Order(PurchaseOrder {
        agreement_id: Uuid::from_u128(9),
        period: 0,
        service: "p1".into(),
        label: "Diagnostic".into(),
        quantity: 1,
        unit_cents: 45_000,
        amount_cents: 45_000,
        ordered_on: TODAY,
        status: OrderStatus::Placed,
    });
    let closed = [enrolment(
        SchemeCode::Plie,
        date!(2025 - 01 - 06),
        EnrolmentStatus::Closed,
    )];
    let refused = codes(check(item(order.clone()), None, &closed));
    assert!(
        refused.contains(&"no_active_enrolment".to_owned()),
        "{refused:?}"
    );
    let active = [enrolment(
        SchemeCode::Plie,
        date!(2025 - 01 - 06),
        EnrolmentStatus::Active,
    )];
    assert_eq!(
        codes(check(item(order), None, &active)),
        ["unknown_agreement"]
    );
}
