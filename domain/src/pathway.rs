//! The life of an enrolment: its state machine and its exit with a reason and an outcome.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::{Role, SessionUser};
use crate::code_enum;
use crate::error::{FieldError, Invalid};
use crate::people::{Enrolment, EnrolmentStatus, Person};
use crate::profile::{Answer, Education, LabourMarket, Sex};

/// How an exit counts in the figures (share of positive exits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExitOutcome {
    Positive,
    Neutral,
    Negative,
}

impl ExitOutcome {
    pub fn label_fr(self) -> &'static str {
        match self {
            ExitOutcome::Positive => "sortie positive",
            ExitOutcome::Neutral => "sortie neutre",
            ExitOutcome::Negative => "sortie négative",
        }
    }
}

/// Why a person left a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// Employment of 6 months or more (at least half-time), or temping adding up to 6 months.
    LongJob,
    /// A shorter job.
    TemporaryJob,
    /// A validated qualifying training.
    QualifyingTraining,
    BusinessCreation,
    MovedAway,
    Health,
    Reoriented,
    Abandoned,
    Other,
}

impl ExitReason {
    pub const ALL: [ExitReason; 9] = [
        ExitReason::LongJob,
        ExitReason::TemporaryJob,
        ExitReason::QualifyingTraining,
        ExitReason::BusinessCreation,
        ExitReason::MovedAway,
        ExitReason::Health,
        ExitReason::Reoriented,
        ExitReason::Abandoned,
        ExitReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::LongJob => "long_job",
            ExitReason::TemporaryJob => "temporary_job",
            ExitReason::QualifyingTraining => "qualifying_training",
            ExitReason::BusinessCreation => "business_creation",
            ExitReason::MovedAway => "moved_away",
            ExitReason::Health => "health",
            ExitReason::Reoriented => "reoriented",
            ExitReason::Abandoned => "abandoned",
            ExitReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ExitReason> {
        ExitReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            ExitReason::LongJob => "Emploi de 6 mois ou plus",
            ExitReason::TemporaryJob => "Emploi de moins de 6 mois",
            ExitReason::QualifyingTraining => "Formation qualifiante",
            ExitReason::BusinessCreation => "Création d'entreprise",
            ExitReason::MovedAway => "Déménagement",
            ExitReason::Health => "Raisons de santé",
            ExitReason::Reoriented => "Réorientation",
            ExitReason::Abandoned => "Abandon",
            ExitReason::Other => "Autre motif",
        }
    }

    /// Positive exits are those the PLIE and the FSE count as such: lasting job, qualifying
    /// training, business creation.
    pub fn outcome(self) -> ExitOutcome {
        match self {
            ExitReason::LongJob | ExitReason::QualifyingTraining | ExitReason::BusinessCreation => {
                ExitOutcome::Positive
            }
            ExitReason::Abandoned => ExitOutcome::Negative,
            ExitReason::TemporaryJob
            | ExitReason::MovedAway
            | ExitReason::Health
            | ExitReason::Reoriented
            | ExitReason::Other => ExitOutcome::Neutral,
        }
    }
}

/// The end of an enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exit {
    pub date: Date,
    pub reason: ExitReason,
}

/// A participant's situation when an enrolment starts, as the FSE indicators count it. Each
/// enrolment keeps its own: a later enrolment never overwrites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FseEntry {
    pub age: i32,
    pub sex: Option<Sex>,
    pub education: Option<Education>,
    pub labour_market: Option<LabourMarket>,
    pub rsa_beneficiary: bool,
    /// The answers of the file at entry (see [`crate::profile::PersonDetails`]); absent from
    /// snapshots taken before they were asked, which keep their checksums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_country_national: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_background: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minority: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homeless: Option<Answer>,
    /// Living in a rural commune at entry ([`crate::communes::is_rural`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rural: Option<bool>,
}

code_enum! {
    /// The FSE result on leaving.
    pub enum FseExitSituation {
        Employed = ("employed", "En emploi, y compris indépendant"),
        InTraining = ("in_training", "En formation ou qualification"),
        JobSearching = ("job_searching", "En recherche d'emploi"),
        Inactive = ("inactive", "Inactif"),
    }
}

/// A participant's situation when an enrolment ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FseExit {
    pub situation: FseExitSituation,
    pub education: Option<Education>,
}

/// The entry snapshot of an enrolment starting on `start` for `person`.
pub fn fse_entry(person: &Person, start: Date) -> FseEntry {
    FseEntry {
        age: crate::people::age_on(person.birth_date, start),
        sex: person.details.sex,
        education: person.details.education,
        labour_market: person.details.labour_market,
        rsa_beneficiary: person.rsa_beneficiary,
        disability: person.details.disability,
        third_country_national: person.details.third_country_national,
        foreign_background: person.details.foreign_background,
        minority: person.details.minority,
        homeless: person.details.homeless,
        rural: crate::communes::by_code(&person.commune_code).map(crate::communes::is_rural),
    }
}

/// The exit snapshot: the situation the exit reason tells, or else (no exit data) the
/// person's labour-market situation carried from their file, as the FSE rules ask.
pub fn fse_exit(person: &Person, exit: &Exit) -> FseExit {
    let situation = match exit.reason {
        ExitReason::LongJob | ExitReason::TemporaryJob | ExitReason::BusinessCreation => {
            FseExitSituation::Employed
        }
        ExitReason::QualifyingTraining => FseExitSituation::InTraining,
        _ => match person.details.labour_market {
            Some(LabourMarket::Employed) => FseExitSituation::Employed,
            Some(LabourMarket::Inactive) => FseExitSituation::Inactive,
            _ => FseExitSituation::JobSearching,
        },
    };
    FseExit {
        situation,
        education: person.details.education,
    }
}

/// Checks a new enrolment of a person already known (a re-entry after an exit): the person
/// has no active enrolment (one référent at a time), the scheme serves their commune, the
/// référent (looked up among the staff) belongs to the scheme, and the new period starts
/// after every earlier one ended. A supervisor of the scheme may enrol with any of its
/// référents; a référent only into their own caseload. Returns the enrolment to store.
pub fn check_new_enrolment(
    mut enrolment: Enrolment,
    person: &Person,
    earlier: &[Enrolment],
    referent: Option<&crate::auth::StaffMember>,
    actor: &SessionUser,
    schemes: &[crate::schemes::Scheme],
    today: Date,
) -> Result<Enrolment, Invalid> {
    let mut invalid = Invalid::default();
    let allowed = match actor.role {
        Role::Supervisor => actor.supervised_schemes.contains(&enrolment.scheme),
        Role::Referent => actor.may_enrol_in(enrolment.scheme) && enrolment.referent_id == actor.id,
        Role::Administrator => false,
    };
    if !allowed {
        invalid.push(FieldError::new(
            "enrolment",
            "not_allowed",
            "Seuls un superviseur du dispositif, ou un de ses référents pour son propre portefeuille, peuvent inscrire une personne.",
        ));
    }
    if enrolment.person_id != person.id
        || enrolment.status != EnrolmentStatus::Active
        || enrolment.exit.is_some()
    {
        invalid.push(FieldError::new(
            "enrolment",
            "not_active",
            "Un nouvel accompagnement doit être actif et concerner cette personne.",
        ));
    }
    let mine: Vec<&Enrolment> = earlier
        .iter()
        .filter(|e| e.person_id == person.id)
        .collect();
    if mine.iter().any(|e| e.status == EnrolmentStatus::Active) {
        invalid.push(FieldError::new(
            "enrolment",
            "already_enrolled",
            "Cette personne a déjà un accompagnement en cours : un seul référent à la fois.",
        ));
    }
    match referent {
        Some(r) if r.role == Role::Referent && r.scheme == Some(enrolment.scheme) => {}
        _ => invalid.push(FieldError::new(
            "referent_id",
            "invalid_referent",
            format!(
                "Le référent doit être un référent du dispositif {}.",
                enrolment.scheme.short_name()
            ),
        )),
    }
    match schemes.iter().find(|s| s.code == enrolment.scheme) {
        None => invalid.push(FieldError::new(
            "scheme",
            "unknown_scheme",
            "Ce dispositif n'existe pas.",
        )),
        Some(scheme) => {
            if let Some(commune) = crate::communes::by_code(&person.commune_code)
                && !scheme.serves(commune)
            {
                invalid.push(FieldError::new(
                    "scheme",
                    "outside_territory",
                    format!(
                        "{} n'est pas sur le territoire du dispositif {}.",
                        commune.name,
                        enrolment.scheme.short_name()
                    ),
                ));
            }
        }
    }
    if enrolment.start_date > today {
        invalid.push(FieldError::new(
            "start_date",
            "in_future",
            "La date d'entrée ne peut pas être dans le futur.",
        ));
    }
    if let Some(last_exit) = mine.iter().filter_map(|e| e.exit.map(|x| x.date)).max()
        && enrolment.start_date < last_exit
    {
        invalid.push(FieldError::new(
            "start_date",
            "overlaps",
            format!(
                "Le nouvel accompagnement ne peut pas commencer avant la sortie du précédent ({}).",
                crate::text::format_date_fr(last_exit)
            ),
        ));
    }
    crate::orientation::check_given(actor, &mut enrolment, today, &mut invalid);
    invalid.into_result()?;
    Ok(Enrolment {
        fse_entry: None,
        fse_exit: None,
        fse_six_months: None,
        handovers: Vec::new(),
        ..enrolment
    })
}

/// Whether `actor` may close `enrolment`: an active one, by the référent who follows it or a
/// supervisor of its scheme ([`close_enrolment`] checks the same, with the reasons).
pub fn may_close(actor: &SessionUser, enrolment: &Enrolment) -> bool {
    enrolment.status == EnrolmentStatus::Active && closes(actor, enrolment)
}

fn closes(actor: &SessionUser, enrolment: &Enrolment) -> bool {
    (actor.role == Role::Referent && actor.id == enrolment.referent_id)
        || actor.supervises(enrolment.scheme)
}

/// The enrolment state machine: an active enrolment can be closed, once. Returns the closed
/// enrolment, or why the transition is impossible or not allowed to `actor` (the référent who
/// follows it, or a supervisor of its scheme).
pub fn close_enrolment(
    enrolment: &Enrolment,
    actor: &SessionUser,
    exit: Exit,
    today: Date,
) -> Result<Enrolment, Invalid> {
    let mut invalid = Invalid::default();
    if !closes(actor, enrolment) {
        invalid.push(FieldError::new(
            "enrolment",
            "not_allowed",
            "Seuls le référent de l'accompagnement et les superviseurs du dispositif peuvent le clôturer.",
        ));
    }
    if enrolment.status != EnrolmentStatus::Active {
        invalid.push(FieldError::new(
            "enrolment",
            "already_closed",
            "Cet accompagnement est déjà clôturé.",
        ));
    }
    if exit.date > today {
        invalid.push(FieldError::new(
            "exit_date",
            "in_future",
            "La date de sortie ne peut pas être dans le futur.",
        ));
    }
    if exit.date < enrolment.start_date {
        invalid.push(FieldError::new(
            "exit_date",
            "before_start",
            "La date de sortie ne peut pas précéder la date d'entrée.",
        ));
    }
    invalid.into_result()?;
    Ok(Enrolment {
        status: EnrolmentStatus::Closed,
        exit: Some(exit),
        ..enrolment.clone()
    })
}

/// A hand-over of an enrolment from one référent to another, on a day (the server keeps every
/// one; the enrolment holds the current référent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferentChange {
    pub enrolment_id: Uuid,
    pub from: Uuid,
    pub to: Uuid,
    pub on: Date,
}

/// A hand-over as the enrolment itself carries it, for the person's file: from whom, to whom,
/// from which day (the date of effect the supervisor gave, or the day it reached the server).
/// The server fills [`Enrolment::handovers`](crate::people::Enrolment) from the hand-overs it
/// keeps; what a device sends there is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Handover {
    pub from: Uuid,
    pub to: Uuid,
    pub on: Date,
}

/// The référents of `enrolment` in order, each with the first day they followed it: the
/// first from its start, then one per hand-over.
pub fn referent_periods(enrolment: &Enrolment) -> Vec<(Uuid, Date)> {
    let mut periods = vec![(
        enrolment
            .handovers
            .first()
            .map_or(enrolment.referent_id, |h| h.from),
        enrolment.start_date,
    )];
    periods.extend(enrolment.handovers.iter().map(|h| (h.to, h.on)));
    periods
}

/// The first day the current référent of `enrolment` followed it: its last hand-over, or its
/// start.
pub fn referent_since(enrolment: &Enrolment) -> Date {
    enrolment
        .handovers
        .iter()
        .map(|h| h.on)
        .fold(enrolment.start_date, Date::max)
}

/// Whether `user` followed `enrolment` on `date`: from its start (or the hand-over to them) to
/// the hand-over away from them or its exit, both days included — on the day of a hand-over
/// both référents followed the person.
pub fn followed_on(
    enrolment: &Enrolment,
    changes: &[ReferentChange],
    user: Uuid,
    date: Date,
) -> bool {
    let mut changes: Vec<&ReferentChange> = changes
        .iter()
        .filter(|c| c.enrolment_id == enrolment.id)
        .collect();
    changes.sort_by_key(|c| c.on);
    let end = enrolment.exit.map(|e| e.date);
    let mut start = enrolment.start_date;
    let mut referent = changes.first().map_or(enrolment.referent_id, |c| c.from);
    for change in changes {
        if referent == user && (start..=change.on).contains(&date) {
            return true;
        }
        start = change.on;
        referent = change.to;
    }
    referent == user && date >= start && end.is_none_or(|end| date <= end)
}

/// Whether something dated `date` about a person — a journal note, the outcome of an
/// appointment — that reaches the server after the person left `user`'s caseload was written
/// while `user` still followed them: then it is accepted, with its author, and reaches the new
/// référent (a hand-over learned late must not cost the old référent their last notes).
pub fn written_while_following(
    enrolments: &[Enrolment],
    changes: &[ReferentChange],
    user: Uuid,
    date: Date,
) -> bool {
    enrolments
        .iter()
        .any(|e| followed_on(e, changes, user, date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::SchemeCode;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn enrolment() -> Enrolment {
        crate::fixtures::enrolment(1, 2, SchemeCode::Arpe, 3, date!(2026 - 03 - 01))
    }

    fn user(id: u128, role: Role, supervised: Vec<SchemeCode>) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(id),
            username: "u".into(),
            display_name: "U".into(),
            role,
            scheme: (role == Role::Referent).then_some(SchemeCode::Arpe),
            supervised_schemes: supervised,
        }
    }

    fn exit(reason: ExitReason) -> Exit {
        Exit {
            date: date!(2026 - 11 - 20),
            reason,
        }
    }

    #[test]
    fn the_referents_of_an_enrolment_run_from_its_start_through_each_hand_over() {
        let mut e = enrolment();
        assert_eq!(
            referent_periods(&e),
            [(Uuid::from_u128(3), date!(2026 - 03 - 01))]
        );
        e.handovers = vec![
            Handover {
                from: Uuid::from_u128(7),
                to: Uuid::from_u128(8),
                on: date!(2026 - 05 - 10),
            },
            Handover {
                from: Uuid::from_u128(8),
                to: Uuid::from_u128(3),
                on: date!(2026 - 09 - 01),
            },
        ];
        assert_eq!(referent_since(&e), date!(2026 - 09 - 01));
        assert_eq!(
            referent_periods(&e),
            [
                (Uuid::from_u128(7), date!(2026 - 03 - 01)),
                (Uuid::from_u128(8), date!(2026 - 05 - 10)),
                (Uuid::from_u128(3), date!(2026 - 09 - 01)),
            ]
        );
    }

    fn codes(r: Result<Enrolment, Invalid>) -> Vec<String> {
        r.unwrap_err().errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn what_a_screen_offers_agrees_with_the_checks() {
        use crate::people::may_hand_over;
        let (referent, other) = (
            user(3, Role::Referent, vec![]),
            user(4, Role::Referent, vec![]),
        );
        let supervisor = user(5, Role::Supervisor, vec![SchemeCode::Arpe]);
        let elsewhere = user(6, Role::Supervisor, vec![SchemeCode::Plie]);
        let closed = Enrolment {
            status: EnrolmentStatus::Closed,
            ..enrolment()
        };
        for (actor, closes, hands_over) in [
            (&referent, true, false),
            (&other, false, false),
            (&supervisor, true, true),
            (&elsewhere, false, false),
        ] {
            assert_eq!(may_close(actor, &enrolment()), closes, "{}", actor.id);
            let checked = close_enrolment(&enrolment(), actor, exit(ExitReason::LongJob), TODAY);
            assert_eq!(checked.is_ok(), closes, "{}", actor.id);
            assert_eq!(
                may_hand_over(actor, &enrolment()),
                hands_over,
                "{}",
                actor.id
            );
            assert!(!may_close(actor, &closed) && !may_hand_over(actor, &closed));
        }
    }

    #[test]
    fn the_referent_closes_an_active_enrolment_once() {
        let referent = user(3, Role::Referent, vec![]);
        let closed =
            close_enrolment(&enrolment(), &referent, exit(ExitReason::LongJob), TODAY).unwrap();
        assert_eq!(closed.status, EnrolmentStatus::Closed);
        assert_eq!(closed.exit, Some(exit(ExitReason::LongJob)));
        assert_eq!(
            codes(close_enrolment(
                &closed,
                &referent,
                exit(ExitReason::Health),
                TODAY
            )),
            vec!["already_closed"]
        );
    }

    #[test]
    fn a_supervisor_of_the_scheme_may_close_but_nobody_else() {
        let supervisor = user(9, Role::Supervisor, vec![SchemeCode::Arpe]);
        assert!(close_enrolment(&enrolment(), &supervisor, exit(ExitReason::Other), TODAY).is_ok());
        for outsider in [
            user(4, Role::Referent, vec![]),
            user(9, Role::Supervisor, vec![SchemeCode::Plie]),
            user(5, Role::Administrator, vec![]),
        ] {
            assert_eq!(
                codes(close_enrolment(
                    &enrolment(),
                    &outsider,
                    exit(ExitReason::Other),
                    TODAY
                )),
                vec!["not_allowed"]
            );
        }
    }

    #[test]
    fn the_exit_date_lies_between_the_start_and_today() {
        let referent = user(3, Role::Referent, vec![]);
        let mut early = exit(ExitReason::Abandoned);
        early.date = date!(2026 - 02 - 28);
        assert_eq!(
            codes(close_enrolment(&enrolment(), &referent, early, TODAY)),
            vec!["before_start"]
        );
        let mut late = early;
        late.date = date!(2026 - 11 - 27);
        assert_eq!(
            codes(close_enrolment(&enrolment(), &referent, late, TODAY)),
            vec!["in_future"]
        );
    }

    #[test]
    fn lasting_jobs_training_and_business_creation_are_positive_exits() {
        let positive: Vec<_> = ExitReason::ALL
            .into_iter()
            .filter(|r| r.outcome() == ExitOutcome::Positive)
            .collect();
        assert_eq!(
            positive,
            vec![
                ExitReason::LongJob,
                ExitReason::QualifyingTraining,
                ExitReason::BusinessCreation
            ]
        );
        assert_eq!(ExitReason::Abandoned.outcome(), ExitOutcome::Negative);
        for reason in ExitReason::ALL {
            assert_eq!(ExitReason::parse(reason.as_str()), Some(reason));
        }
    }

    #[test]
    fn the_exit_snapshot_follows_the_reason_or_carries_the_entry_situation() {
        let person = Person {
            id: Uuid::from_u128(2),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 06 - 01),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
            details: crate::profile::PersonDetails {
                labour_market: Some(LabourMarket::Inactive),
                education: Some(Education::Isced34),
                ..Default::default()
            },
        };
        let entry = fse_entry(&person, date!(2026 - 05 - 31));
        assert_eq!(entry.age, 35);
        assert_eq!(entry.labour_market, Some(LabourMarket::Inactive));
        assert_eq!(
            fse_exit(&person, &exit(ExitReason::LongJob)).situation,
            FseExitSituation::Employed
        );
        assert_eq!(
            fse_exit(&person, &exit(ExitReason::QualifyingTraining)).situation,
            FseExitSituation::InTraining
        );
        assert_eq!(
            fse_exit(&person, &exit(ExitReason::Health)).situation,
            FseExitSituation::Inactive
        );
    }

    #[test]
    fn a_person_reenters_after_an_exit_with_one_referent_at_a_time() {
        use crate::auth::StaffMember;
        use crate::schemes::Scheme;
        let person = Person {
            id: Uuid::from_u128(2),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 06 - 01),
            commune_code: "87011".into(), // Bellac: rural
            rsa_beneficiary: true,
            details: Default::default(),
        };
        let referent = StaffMember {
            active: true,
            id: Uuid::from_u128(3),
            display_name: "R".into(),
            role: Role::Referent,
            scheme: Some(SchemeCode::Arpe),
        };
        let supervisor = user(9, Role::Supervisor, vec![SchemeCode::Arpe]);
        let closed =
            close_enrolment(&enrolment(), &supervisor, exit(ExitReason::Other), TODAY).unwrap();
        let new = Enrolment {
            id: Uuid::from_u128(20),
            start_date: date!(2026 - 11 - 24),
            ..enrolment()
        };
        let schemes = Scheme::haute_vienne_defaults();
        let check =
            |e: Enrolment, earlier: &[Enrolment], actor: &SessionUser, r: Option<&StaffMember>| {
                check_new_enrolment(e, &person, earlier, r, actor, &schemes, TODAY)
                    .map_err(|i| i.errors.into_iter().map(|e| e.code).collect::<Vec<_>>())
            };
        assert!(
            check(
                new.clone(),
                std::slice::from_ref(&closed),
                &supervisor,
                Some(&referent)
            )
            .is_ok()
        );
        // Still active: one référent at a time.
        assert_eq!(
            check(new.clone(), &[enrolment()], &supervisor, Some(&referent)).unwrap_err(),
            vec!["already_enrolled"]
        );
        // Before the last exit, into PLIE (urban only), by an outsider, with no référent.
        let early = Enrolment {
            start_date: date!(2026 - 11 - 19),
            scheme: SchemeCode::Plie,
            ..new.clone()
        };
        assert_eq!(
            check(
                early,
                std::slice::from_ref(&closed),
                &user(4, Role::Referent, vec![]),
                None
            )
            .unwrap_err(),
            vec![
                "not_allowed",
                "invalid_referent",
                "outside_territory",
                "overlaps"
            ]
        );
    }

    #[test]
    fn the_referent_on_a_day_follows_the_hand_overs() {
        let (first, second, third) = (Uuid::from_u128(7), Uuid::from_u128(8), Uuid::from_u128(9));
        let mut followed = enrolment();
        followed.start_date = date!(2026 - 01 - 10);
        followed.referent_id = third;
        let changes = [
            ReferentChange {
                enrolment_id: followed.id,
                from: first,
                to: second,
                on: date!(2026 - 03 - 01),
            },
            ReferentChange {
                enrolment_id: followed.id,
                from: second,
                to: third,
                on: date!(2026 - 06 - 15),
            },
            // Another enrolment's hand-over changes nothing here.
            ReferentChange {
                enrolment_id: Uuid::from_u128(99),
                from: third,
                to: first,
                on: date!(2026 - 02 - 01),
            },
        ];
        let on = |user, day| followed_on(&followed, &changes, user, day);
        assert!(!on(first, date!(2026 - 01 - 09)), "before the start");
        assert!(on(first, date!(2026 - 01 - 10)));
        assert!(on(first, date!(2026 - 03 - 01)), "the day of the hand-over");
        assert!(!on(first, date!(2026 - 03 - 02)));
        assert!(on(second, date!(2026 - 03 - 01)));
        assert!(on(second, date!(2026 - 06 - 15)));
        assert!(!on(second, date!(2026 - 06 - 16)));
        assert!(on(third, date!(2026 - 11 - 20)));
        assert!(!on(third, date!(2026 - 06 - 14)));

        // Without hand-overs, the référent from the start to the exit.
        let mut closed = enrolment();
        closed.exit = Some(Exit {
            date: date!(2026 - 05 - 05),
            reason: ExitReason::ALL[0],
        });
        let r = closed.referent_id;
        assert!(followed_on(&closed, &[], r, date!(2026 - 05 - 05)));
        assert!(!followed_on(&closed, &[], r, date!(2026 - 05 - 06)));
        assert!(written_while_following(
            &[closed.clone(), followed.clone()],
            &changes,
            first,
            date!(2026 - 02 - 02)
        ));
        assert!(!written_while_following(
            &[closed],
            &changes,
            first,
            date!(2026 - 11 - 20)
        ));
    }
}
