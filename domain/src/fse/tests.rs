use time::macros::date;

use super::*;
use crate::auth::{Role, StaffMember};
use crate::fixtures::{closed, enrolment, person, user};
use crate::pathway::{FseExit, fse_exit};
use crate::profile::{Answer, Education, Sex};

const TODAY: Date = date!(2026 - 12 - 03);

fn left(exit: Date) -> Enrolment {
    closed(
        enrolment(1, 2, SchemeCode::Plie, 3, date!(2025 - 01 - 06)),
        exit,
        ExitReason::LongJob,
    )
}

fn found(day: Date, better: Option<bool>) -> SixMonths {
    SixMonths {
        date: day,
        situation: SixMonthSituation::Employed,
        better,
    }
}

fn codes<T: std::fmt::Debug>(r: Result<T, Invalid>) -> Vec<String> {
    r.unwrap_err().errors.into_iter().map(|e| e.code).collect()
}

fn staff(id: u128, active: bool) -> StaffMember {
    StaffMember {
        id: Uuid::from_u128(id),
        display_name: format!("R{id}"),
        role: Role::Referent,
        scheme: Some(SchemeCode::Plie),
        active,
    }
}

#[test]
fn the_six_month_situation_is_due_six_months_after_the_exit() {
    assert_eq!(
        due_on(&left(date!(2026 - 05 - 31))),
        Some(date!(2026 - 11 - 30))
    );
    assert_eq!(
        due_on(&enrolment(1, 2, SchemeCode::Plie, 3, date!(2025 - 01 - 06))),
        None
    );
}

#[test]
fn the_referent_or_a_supervisor_records_it_from_the_due_day_to_today() {
    let e = left(date!(2026 - 05 - 31));
    let referent = user(3, Role::Referent, SchemeCode::Plie);
    let ok = check_six_months(
        &referent,
        &e,
        found(date!(2026 - 11 - 30), Some(true)),
        TODAY,
    );
    assert_eq!(ok.unwrap().better, Some(true));
    let supervisor = user(9, Role::Supervisor, SchemeCode::Plie);
    assert!(check_six_months(&supervisor, &e, found(TODAY, Some(false)), TODAY).is_ok());
    assert_eq!(
        codes(check_six_months(
            &user(4, Role::Referent, SchemeCode::Plie),
            &e,
            found(TODAY, Some(true)),
            TODAY
        )),
        ["not_allowed"]
    );
    assert_eq!(
        codes(check_six_months(
            &user(9, Role::Supervisor, SchemeCode::Arpe),
            &e,
            found(TODAY, Some(true)),
            TODAY
        )),
        ["not_allowed"]
    );
    assert_eq!(
        codes(check_six_months(
            &referent,
            &e,
            found(date!(2026 - 11 - 29), Some(true)),
            TODAY
        )),
        ["too_early"]
    );
    assert_eq!(
        codes(check_six_months(
            &referent,
            &e,
            found(date!(2026 - 12 - 04), Some(true)),
            TODAY
        )),
        ["future_date"]
    );
    assert_eq!(
        codes(check_six_months(&referent, &e, found(TODAY, None), TODAY)),
        ["required"]
    );
}

#[test]
fn an_active_enrolment_has_no_six_month_situation() {
    let active = enrolment(1, 2, SchemeCode::Plie, 3, date!(2025 - 01 - 06));
    let referent = user(3, Role::Referent, SchemeCode::Plie);
    assert_eq!(
        codes(check_six_months(
            &referent,
            &active,
            found(TODAY, Some(true)),
            TODAY
        )),
        ["not_closed"]
    );
}

#[test]
fn an_unreachable_person_needs_no_answer_on_the_better_situation() {
    let e = left(date!(2026 - 05 - 31));
    let unreachable = SixMonths {
        date: TODAY,
        situation: SixMonthSituation::Unreachable,
        better: Some(true),
    };
    let ok = check_six_months(
        &user(3, Role::Referent, SchemeCode::Plie),
        &e,
        unreachable,
        TODAY,
    );
    assert_eq!(ok.unwrap().better, None);
}

#[test]
fn the_referent_collects_while_their_device_holds_the_file_then_the_supervisor() {
    let referent = user(3, Role::Referent, SchemeCode::Plie);
    let supervisor = user(9, Role::Supervisor, SchemeCode::Plie);
    let here = [staff(3, true)];
    let not_yet = left(date!(2026 - 06 - 04));
    let due_now = left(date!(2026 - 05 - 31));
    let mut done = left(date!(2026 - 04 - 30));
    done.fse_six_months = Some(found(date!(2026 - 11 - 02), Some(true)));
    let mut late = left(date!(2025 - 11 - 30));
    late.id = Uuid::from_u128(5);
    let all = [not_yet, due_now.clone(), done, late.clone()];
    let mine: Vec<Uuid> = due(&referent, &all, &here, TODAY)
        .iter()
        .map(|d| d.enrolment_id)
        .collect();
    assert_eq!(
        mine,
        [due_now.id],
        "a year after the exit the file has left the device"
    );
    let theirs: Vec<Uuid> = due(&supervisor, &all, &here, TODAY)
        .iter()
        .map(|d| d.enrolment_id)
        .collect();
    assert_eq!(theirs, [late.id]);
    // The référent's account is deactivated: every due situation goes to the supervisor.
    let gone = [staff(3, false)];
    assert_eq!(due(&supervisor, &all, &gone, TODAY).len(), 2);
    assert!(
        due(
            &user(4, Role::Referent, SchemeCode::Plie),
            &all,
            &here,
            TODAY
        )
        .is_empty()
    );
}

fn complete(mut p: Person) -> Person {
    p.details.sex = Some(Sex::Female);
    p.details.education = Some(Education::Isced34);
    p.details.labour_market = Some(LabourMarket::LongTermUnemployed);
    p.details.third_country_national = Some(Answer::No);
    p.details.foreign_background = Some(Answer::Yes);
    p.details.homeless = Some(Answer::No);
    p
}

fn period() -> Period {
    Period {
        from: date!(2026 - 01 - 01),
        to: date!(2026 - 06 - 30),
    }
}

#[test]
fn a_participation_counts_when_active_on_one_day_of_the_period() {
    let people = [
        complete(person(2)),
        complete(person(12)),
        complete(person(22)),
    ];
    let on_first_day = closed(
        enrolment(1, 2, SchemeCode::Plie, 3, date!(2024 - 01 - 06)),
        date!(2026 - 01 - 01),
        ExitReason::Abandoned,
    );
    let before = closed(
        enrolment(11, 12, SchemeCode::Plie, 3, date!(2024 - 01 - 06)),
        date!(2025 - 12 - 31),
        ExitReason::Abandoned,
    );
    let after = enrolment(21, 22, SchemeCode::Plie, 3, date!(2026 - 07 - 01));
    let other_scheme = enrolment(31, 2, SchemeCode::Arpe, 3, date!(2026 - 02 - 01));
    let enrolments = [on_first_day, before, after, other_scheme];
    let ids: Vec<Uuid> = participants(&people, &enrolments, SchemeCode::Plie, period(), TODAY)
        .iter()
        .map(|p| p.enrolment.id)
        .collect();
    assert_eq!(ids, [Uuid::from_u128(1)]);
}

#[test]
fn each_participation_keeps_its_own_entry_and_a_gap_is_filled_from_the_file() {
    let mut p = complete(person(2));
    let mut first = closed(
        enrolment(1, 2, SchemeCode::Plie, 3, date!(2026 - 01 - 05)),
        date!(2026 - 03 - 31),
        ExitReason::TemporaryJob,
    );
    let mut at_first = fse_entry(&p, first.start_date);
    at_first.labour_market = Some(LabourMarket::Inactive);
    at_first.homeless = None;
    first.fse_entry = Some(at_first);
    first.fse_exit = Some(fse_exit(&p, &first.exit.unwrap()));
    p.details.labour_market = Some(LabourMarket::Employed);
    let second = enrolment(4, 2, SchemeCode::Plie, 3, date!(2026 - 05 - 04));
    let people = [p];
    let enrolments = [first, second];
    let file = participants(&people, &enrolments, SchemeCode::Plie, period(), TODAY);
    assert_eq!(file.len(), 2);
    assert_eq!(file[0].entry.labour_market, Some(LabourMarket::Inactive));
    assert_eq!(
        file[0].entry.homeless,
        Some(Answer::No),
        "filled from the file"
    );
    assert_eq!(file[1].entry.labour_market, Some(LabourMarket::Employed));
    let row = row(&file[0]);
    let column = |name: &str| match &row[COLUMNS.iter().position(|c| *c == name).unwrap()] {
        Cell::Text(t) => t.clone(),
        Cell::Count(n) => n.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(column("situation_entree"), "inactif");
    assert_eq!(column("age_entree"), "40");
    assert_eq!(column("tranche_age"), "30_54");
    assert_eq!(column("origine_etrangere"), "oui");
    assert_eq!(column("zone_rurale"), "non", "Bellac has 3,537 inhabitants");
    assert_eq!(column("sortie_emploi"), "oui");
    assert_eq!(column("sortie_recherche_emploi"), "non");
    assert_eq!(column("date_sortie"), "2026-03-31");
    assert_eq!(column("situation_6_mois"), "");
    assert_eq!(column("donnees_manquantes"), "situation à 6 mois");
    assert_eq!(row.len(), COLUMNS.len());
}

#[test]
fn missing_mandatory_data_is_listed_but_sensitive_data_never_is() {
    let mut bare = person(2);
    bare.details.sex = Some(Sex::Male);
    let mut purged = complete(person(12));
    purged.last_name.clear();
    purged.first_name.clear();
    let mut exited = closed(
        enrolment(1, 2, SchemeCode::Plie, 3, date!(2025 - 01 - 06)),
        date!(2026 - 02 - 27),
        ExitReason::Abandoned,
    );
    exited.fse_exit = Some(FseExit {
        situation: FseExitSituation::JobSearching,
        education: None,
    });
    let purged_one = closed(
        enrolment(11, 12, SchemeCode::Plie, 3, date!(2025 - 01 - 06)),
        date!(2026 - 01 - 15),
        ExitReason::Other,
    );
    let people = [bare, purged];
    let enrolments = [exited, purged_one];
    let file = participants(&people, &enrolments, SchemeCode::Plie, period(), TODAY);
    let listed = anomalies(&file);
    assert_eq!(listed.len(), 2);
    let of = |id: u128| {
        listed
            .iter()
            .find(|a| a.enrolment_id == Uuid::from_u128(id))
            .unwrap()
    };
    assert_eq!(
        of(1).missing,
        [
            Missing::Education,
            Missing::LabourMarket,
            Missing::ThirdCountryNational,
            Missing::ForeignBackground,
            Missing::Homeless,
            Missing::SixMonths,
        ]
    );
    assert_eq!(of(1).name, "DURAND Léa");
    assert_eq!(
        of(11).missing,
        [
            Missing::Identity,
            Missing::ExitSituation,
            Missing::SixMonths
        ]
    );
    assert_eq!(of(11).name, "");
    let sheet = anomaly_table(&listed);
    assert_eq!(sheet.rows.len(), 2);
    assert!(
        table(&file, SchemeCode::Plie, period())
            .csv()
            .contains("situation à 6 mois")
    );
}

#[test]
fn a_recorded_six_month_situation_lands_in_the_row() {
    let people = [complete(person(2))];
    let mut e = left(date!(2026 - 03 - 31));
    e.fse_exit = Some(fse_exit(&people[0], &e.exit.unwrap()));
    e.fse_six_months = Some(found(date!(2026 - 10 - 05), Some(true)));
    let enrolments = [e];
    let file = participants(&people, &enrolments, SchemeCode::Plie, period(), TODAY);
    assert!(file[0].missing.is_empty());
    let csv = table(&file, SchemeCode::Plie, period()).csv();
    let line = csv.lines().nth(1).unwrap();
    assert!(line.contains(";2026-10-05;employed;oui;oui;"), "{line}");
}
