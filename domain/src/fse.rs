//! The FSE (European Social Fund) participant file (DOMAIN.md §3): for a co-financed scheme
//! and a period, one row per participation with the ESF+ common indicators at entry, the
//! results upon leaving and six months after leaving; the participations whose mandatory data
//! is missing (listed before any export, never silently left out); and the six-month
//! follow-up — at exit + 6 months the référent (or a supervisor, when the référent has left)
//! records the participant's situation.
//!
//! The columns are documented in `docs/fse-export.md`; change both together.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::{Role, SessionUser, StaffMember};
use crate::code_enum;
use crate::error::{FieldError, Invalid};
use crate::followup::add_months;
use crate::pathway::{ExitReason, FseEntry, FseExitSituation, fse_entry};
use crate::people::{Enrolment, EnrolmentStatus, Person};
use crate::profile::{Answer, LabourMarket};
use crate::schemes::SchemeCode;
use crate::supervision::{Cell, Period, Table};
use crate::text::format_iso_date;

/// The follow-up is due this many months after the exit.
pub const SIX_MONTHS: i32 = 6;

/// A référent keeps the file of a person who left their caseload this long after the exit,
/// until the six-month situation is recorded (the server's scope says the same); after that
/// the follow-up goes to the scheme's supervisors.
pub const KEPT_AFTER_EXIT_MONTHS: i32 = 12;

code_enum! {
    /// A participant's situation six months after leaving.
    pub enum SixMonthSituation {
        Employed = ("employed", "En emploi, y compris indépendant"),
        InTraining = ("in_training", "En formation"),
        JobSearching = ("job_searching", "En recherche d'emploi"),
        Inactive = ("inactive", "Inactif"),
        Unreachable = ("unreachable", "Situation inconnue (personne injoignable)"),
    }
}

/// The situation six months after leaving, as collected on `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SixMonths {
    pub date: Date,
    pub situation: SixMonthSituation,
    /// A better labour-market situation than at entry (a job after unemployment, a longer
    /// contract, full time after part time); unknown when the person could not be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub better: Option<bool>,
}

/// The day the six-month situation is due: six months after the exit of a closed enrolment.
pub fn due_on(enrolment: &Enrolment) -> Option<Date> {
    match (enrolment.status, enrolment.exit) {
        (EnrolmentStatus::Closed, Some(exit)) => Some(add_months(exit.date, SIX_MONTHS)),
        _ => None,
    }
}

/// Whether `actor` may record the six-month situation of `enrolment`: its (last) référent or
/// a supervisor of its scheme.
pub fn may_record(actor: &SessionUser, enrolment: &Enrolment) -> bool {
    (actor.role == Role::Referent && actor.id == enrolment.referent_id)
        || actor.supervises(enrolment.scheme)
}

/// Checks the six-month situation of `enrolment` typed by `actor` on `today`: the enrolment
/// is closed, the day is between the due day and today, "better" is answered unless the
/// person could not be reached (and dropped if so).
pub fn check_six_months(
    actor: &SessionUser,
    enrolment: &Enrolment,
    mut result: SixMonths,
    today: Date,
) -> Result<SixMonths, Invalid> {
    let mut invalid = Invalid::default();
    if !may_record(actor, enrolment) {
        invalid.push(FieldError::new(
            "six_months",
            "not_allowed",
            "Seuls le référent de l'accompagnement et les superviseurs du dispositif recueillent la situation à 6 mois.",
        ));
    }
    match due_on(enrolment) {
        None => invalid.push(FieldError::new(
            "six_months",
            "not_closed",
            "La situation à 6 mois se recueille après la sortie de l'accompagnement.",
        )),
        Some(due) if result.date < due => invalid.push(FieldError::new(
            "six_months_date",
            "too_early",
            format!(
                "La situation à 6 mois se recueille à partir du {}.",
                crate::text::format_date_fr(due)
            ),
        )),
        Some(_) => {}
    }
    if result.date > today {
        invalid.push(FieldError::new(
            "six_months_date",
            "future_date",
            "La date du recueil ne peut pas être après aujourd'hui.",
        ));
    }
    if result.situation == SixMonthSituation::Unreachable {
        result.better = None;
    } else if result.better.is_none() {
        invalid.push(FieldError::new(
            "better",
            "required",
            "Indiquez si la situation sur le marché du travail est meilleure qu'à l'entrée.",
        ));
    }
    invalid.into_result()?;
    Ok(result)
}

/// A six-month situation waiting to be collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub scheme: SchemeCode,
    pub exit: Date,
    pub due_on: Date,
}

/// The six-month situations `viewer` should collect on `today`, oldest due first: a
/// référent's for the enrolments they followed, while their device holds the file
/// ([`KEPT_AFTER_EXIT_MONTHS`]); a supervisor's for the enrolments of their schemes whose
/// référent is no longer an active référent of the scheme, or whose référent's time is over.
pub fn due(
    viewer: &SessionUser,
    enrolments: &[Enrolment],
    staff: &[StaffMember],
    today: Date,
) -> Vec<Due> {
    let still_here = |e: &Enrolment| {
        staff.iter().any(|s| {
            s.id == e.referent_id
                && s.active
                && s.role == Role::Referent
                && s.scheme == Some(e.scheme)
        })
    };
    let mut out: Vec<Due> = enrolments
        .iter()
        .filter(|e| e.fse_six_months.is_none())
        .filter_map(|e| {
            let due_on = due_on(e)?;
            let exit = e.exit?.date;
            let referents_time = add_months(exit, KEPT_AFTER_EXIT_MONTHS) > today;
            let mine = match viewer.role {
                Role::Referent => e.referent_id == viewer.id && referents_time,
                Role::Supervisor => {
                    viewer.supervises(e.scheme) && (!referents_time || !still_here(e))
                }
                Role::Administrator => false,
            };
            (mine && due_on <= today).then_some(Due {
                enrolment_id: e.id,
                person_id: e.person_id,
                scheme: e.scheme,
                exit,
                due_on,
            })
        })
        .collect();
    out.sort_by_key(|d| (d.due_on, d.enrolment_id));
    out
}

/// What a participation of the FSE file lacks. Disability and minority are sensitive and
/// never required, so they are never missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Missing {
    /// The file was purged under the retention rule: no identity left to report.
    Identity,
    Sex,
    Education,
    LabourMarket,
    ThirdCountryNational,
    ForeignBackground,
    Homeless,
    /// A closed enrolment without its exit data.
    ExitSituation,
    /// Six months have passed since the exit and the situation is not recorded.
    SixMonths,
}

impl Missing {
    pub fn label_fr(self) -> &'static str {
        match self {
            Missing::Identity => "identité (dossier purgé)",
            Missing::Sex => "sexe",
            Missing::Education => "niveau de formation",
            Missing::LabourMarket => "situation sur le marché du travail à l'entrée",
            Missing::ThirdCountryNational => "ressortissant d'un pays tiers",
            Missing::ForeignBackground => "origine étrangère",
            Missing::Homeless => "sans domicile ou exclu du logement",
            Missing::ExitSituation => "situation à la sortie",
            Missing::SixMonths => "situation à 6 mois",
        }
    }
}

/// One participation of the file: an enrolment of the scheme active on at least one day of
/// the period, with its person.
#[derive(Debug, Clone)]
pub struct Participant<'a> {
    pub person: &'a Person,
    pub enrolment: &'a Enrolment,
    /// The entry data: the snapshot the server took at entry; an answer the snapshot lacks
    /// (the file was completed after the first interview) is taken from the file as it is now.
    pub entry: FseEntry,
    pub missing: Vec<Missing>,
}

/// A participation with missing mandatory data, as listed before the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    /// "DURAND Léa", or empty for a purged file.
    pub name: String,
    pub start: Date,
    pub missing: Vec<Missing>,
}

/// The participations of `scheme` active on at least one day of `period`, by name then start.
pub fn participants<'a>(
    people: &'a [Person],
    enrolments: &'a [Enrolment],
    scheme: SchemeCode,
    period: Period,
    today: Date,
) -> Vec<Participant<'a>> {
    let by_id: HashMap<Uuid, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let mut out: Vec<Participant<'a>> = enrolments
        .iter()
        .filter(|e| {
            e.scheme == scheme
                && e.start_date <= period.to
                && e.exit.is_none_or(|x| x.date >= period.from)
        })
        .filter_map(|e| {
            let person = *by_id.get(&e.person_id)?;
            let entry = entry_of(person, e);
            let missing = missing(person, e, &entry, today);
            Some(Participant {
                person,
                enrolment: e,
                entry,
                missing,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            &a.person.last_name,
            &a.person.first_name,
            a.enrolment.start_date,
        )
            .cmp(&(
                &b.person.last_name,
                &b.person.first_name,
                b.enrolment.start_date,
            ))
    });
    out
}

/// The entry data of `enrolment`: its snapshot, its gaps filled from the file.
fn entry_of(person: &Person, enrolment: &Enrolment) -> FseEntry {
    let now = fse_entry(person, enrolment.start_date);
    let Some(taken) = enrolment.fse_entry.clone() else {
        return now;
    };
    FseEntry {
        sex: taken.sex.or(now.sex),
        education: taken.education.or(now.education),
        labour_market: taken.labour_market.or(now.labour_market),
        disability: taken.disability.or(now.disability),
        third_country_national: taken.third_country_national.or(now.third_country_national),
        foreign_background: taken.foreign_background.or(now.foreign_background),
        minority: taken.minority.or(now.minority),
        homeless: taken.homeless.or(now.homeless),
        rural: taken.rural.or(now.rural),
        ..taken
    }
}

fn missing(person: &Person, enrolment: &Enrolment, entry: &FseEntry, today: Date) -> Vec<Missing> {
    let mut out = Vec::new();
    if person.is_purged() {
        out.push(Missing::Identity);
    }
    let checks = [
        (entry.sex.is_none(), Missing::Sex),
        (entry.education.is_none(), Missing::Education),
        (entry.labour_market.is_none(), Missing::LabourMarket),
        (
            entry.third_country_national.is_none(),
            Missing::ThirdCountryNational,
        ),
        (
            entry.foreign_background.is_none(),
            Missing::ForeignBackground,
        ),
        (entry.homeless.is_none(), Missing::Homeless),
        (
            enrolment.status == EnrolmentStatus::Closed && enrolment.fse_exit.is_none(),
            Missing::ExitSituation,
        ),
        (
            enrolment.fse_six_months.is_none() && due_on(enrolment).is_some_and(|d| d <= today),
            Missing::SixMonths,
        ),
    ];
    out.extend(
        checks
            .into_iter()
            .filter(|(lacks, _)| *lacks)
            .map(|(_, m)| m),
    );
    out
}

/// The anomalies of `participants`, in their order.
pub fn anomalies(participants: &[Participant<'_>]) -> Vec<Anomaly> {
    participants
        .iter()
        .filter(|p| !p.missing.is_empty())
        .map(|p| Anomaly {
            enrolment_id: p.enrolment.id,
            person_id: p.person.id,
            name: if p.person.is_purged() {
                String::new()
            } else {
                p.person.display_name()
            },
            start: p.enrolment.start_date,
            missing: p.missing.clone(),
        })
        .collect()
}

/// The column names of the export, in order (`docs/fse-export.md` explains each).
pub const COLUMNS: [&str; 33] = [
    "participation_id",
    "personne_id",
    "nom",
    "prenom",
    "date_naissance",
    "sexe",
    "commune_insee",
    "commune",
    "zone_rurale",
    "dispositif",
    "date_entree",
    "age_entree",
    "tranche_age",
    "situation_entree",
    "chomeur_longue_duree",
    "niveau_formation",
    "rsa_entree",
    "handicap",
    "pays_tiers",
    "origine_etrangere",
    "minorite",
    "sans_domicile",
    "date_sortie",
    "motif_sortie",
    "sortie_recherche_emploi",
    "sortie_formation",
    "sortie_qualification",
    "sortie_emploi",
    "date_6_mois",
    "situation_6_mois",
    "emploi_6_mois",
    "meilleure_situation_6_mois",
    "donnees_manquantes",
];

fn yes_no(value: bool) -> String {
    if value { "oui" } else { "non" }.to_owned()
}

fn answer(value: Option<Answer>) -> String {
    match value {
        None => "",
        Some(Answer::Yes) => "oui",
        Some(Answer::No) => "non",
        Some(Answer::Declined) => "non_communique",
    }
    .to_owned()
}

fn age_group(age: i32) -> &'static str {
    match age {
        ..18 => "moins_18",
        18..=29 => "18_29",
        30..=54 => "30_54",
        _ => "55_plus",
    }
}

/// The row of a participation, in [`COLUMNS`]' order.
pub fn row(p: &Participant<'_>) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let person = p.person;
    let e = p.enrolment;
    let entry = &p.entry;
    let commune = crate::communes::by_code(&person.commune_code);
    let exit_situation = e.fse_exit.as_ref().map(|x| x.situation);
    let exit_is = |s: FseExitSituation| match exit_situation {
        None => String::new(),
        Some(x) => yes_no(x == s),
    };
    let six = e.fse_six_months;
    let unknown_six = six.is_none_or(|s| s.situation == SixMonthSituation::Unreachable);
    vec![
        text(&e.id.to_string()),
        text(&person.id.to_string()),
        text(&person.last_name),
        text(&person.first_name),
        Cell::Text(if person.is_purged() {
            String::new()
        } else {
            format_iso_date(person.birth_date)
        }),
        text(entry.sex.map_or("", |s| s.as_str())),
        text(&person.commune_code),
        text(commune.map_or("", |c| c.name)),
        Cell::Text(entry.rural.map(yes_no).unwrap_or_default()),
        text(e.scheme.as_str()),
        Cell::Text(format_iso_date(e.start_date)),
        Cell::Count(entry.age.max(0) as u32),
        text(age_group(entry.age)),
        text(match entry.labour_market {
            None => "",
            Some(LabourMarket::Unemployed | LabourMarket::LongTermUnemployed) => "chomeur",
            Some(LabourMarket::Inactive) => "inactif",
            Some(LabourMarket::Employed) => "en_emploi",
        }),
        Cell::Text(
            entry
                .labour_market
                .map(|l| yes_no(l == LabourMarket::LongTermUnemployed))
                .unwrap_or_default(),
        ),
        text(entry.education.map_or("", |x| x.as_str())),
        Cell::Text(yes_no(entry.rsa_beneficiary)),
        Cell::Text(answer(entry.disability)),
        Cell::Text(answer(entry.third_country_national)),
        Cell::Text(answer(entry.foreign_background)),
        Cell::Text(answer(entry.minority)),
        Cell::Text(answer(entry.homeless)),
        Cell::Text(e.exit.map(|x| format_iso_date(x.date)).unwrap_or_default()),
        text(e.exit.map_or("", |x| x.reason.as_str())),
        Cell::Text(exit_is(FseExitSituation::JobSearching)),
        Cell::Text(exit_is(FseExitSituation::InTraining)),
        Cell::Text(
            e.exit
                .map(|x| yes_no(x.reason == ExitReason::QualifyingTraining))
                .unwrap_or_default(),
        ),
        Cell::Text(exit_is(FseExitSituation::Employed)),
        Cell::Text(six.map(|s| format_iso_date(s.date)).unwrap_or_default()),
        text(six.map_or("", |s| s.situation.as_str())),
        Cell::Text(match six {
            Some(s) if !unknown_six => yes_no(s.situation == SixMonthSituation::Employed),
            _ => String::new(),
        }),
        Cell::Text(six.and_then(|s| s.better).map(yes_no).unwrap_or_default()),
        Cell::Text(
            p.missing
                .iter()
                .map(|m| m.label_fr())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
}

/// The participant file as a table (`fse`), for CSV and XLSX.
pub fn table(participants: &[Participant<'_>], scheme: SchemeCode, period: Period) -> Table {
    Table {
        id: "fse",
        title: format!(
            "Participants FSE — {}, du {} au {}",
            scheme.short_name(),
            crate::text::format_date_fr(period.from),
            crate::text::format_date_fr(period.to)
        ),
        headers: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: participants.iter().map(row).collect(),
    }
}

/// The anomalies as a table (`fse-anomalies`), the second sheet of the workbook.
pub fn anomaly_table(anomalies: &[Anomaly]) -> Table {
    Table {
        id: "fse-anomalies",
        title: "Données manquantes".to_owned(),
        headers: [
            "participation_id",
            "personne",
            "date_entree",
            "donnees_manquantes",
        ]
        .iter()
        .map(|c| (*c).to_owned())
        .collect(),
        rows: anomalies
            .iter()
            .map(|a| {
                vec![
                    Cell::Text(a.enrolment_id.to_string()),
                    Cell::Text(if a.name.is_empty() {
                        "(dossier purgé)".to_owned()
                    } else {
                        a.name.clone()
                    }),
                    Cell::Text(format_iso_date(a.start)),
                    Cell::Text(
                        a.missing
                            .iter()
                            .map(|m| m.label_fr())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
