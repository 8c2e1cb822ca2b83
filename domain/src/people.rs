//! People followed by référents, their enrolments in a scheme, and the rules that guard them.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::{Role, SessionUser, StaffMember};
use crate::communes;
use crate::error::{FieldError, Invalid};
use crate::profile::{PersonDetails, check_details};
use crate::schemes::{Scheme, SchemeCode};

/// Longest accepted name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Youngest age accepted at enrolment (PLIE takes jobseekers from 16).
pub const MIN_AGE_YEARS: i32 = 16;
/// Oldest plausible age.
pub const MAX_AGE_YEARS: i32 = 100;

/// A person of a caseload. No NIR is ever collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: Uuid,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Date,
    /// INSEE code of a commune of Haute-Vienne.
    pub commune_code: String,
    pub rsa_beneficiary: bool,
    /// Everything else the file holds (contact, household, RSA, education…).
    #[serde(default)]
    pub details: PersonDetails,
}

impl Person {
    /// A file purged under the retention rule: what is left carries no name (a name is
    /// required of every other file). Supervisors' devices keep it for the figures only; no
    /// list shows it.
    pub fn is_purged(&self) -> bool {
        self.last_name.is_empty() && self.first_name.is_empty()
    }

    /// "DURAND Léa": the way people are listed.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.last_name.to_uppercase(), self.first_name)
    }

    /// The same person with names trimmed and inner whitespace collapsed.
    pub fn normalized(mut self) -> Person {
        self.last_name = collapse_whitespace(&self.last_name);
        self.first_name = collapse_whitespace(&self.first_name);
        self.commune_code = self.commune_code.trim().to_owned();
        self.details = self.details.normalized();
        self
    }
}

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Active,
    Closed,
}

impl EnrolmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Active => "active",
            EnrolmentStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<EnrolmentStatus> {
        match s {
            "active" => Some(EnrolmentStatus::Active),
            "closed" => Some(EnrolmentStatus::Closed),
            _ => None,
        }
    }
}

/// A person's enrolment ("accompagnement") in a scheme, followed by one référent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub scheme: SchemeCode,
    pub referent_id: Uuid,
    pub start_date: Date,
    pub status: EnrolmentStatus,
    /// Set when the enrolment is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<crate::pathway::Exit>,
    /// The FSE data at entry, taken by the server when the enrolment reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fse_entry: Option<crate::pathway::FseEntry>,
    /// The FSE data at exit, taken by the server when the enrolment is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fse_exit: Option<crate::pathway::FseExit>,
    /// The hand-overs of the enrolment, oldest first, filled by the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handovers: Vec<crate::pathway::Handover>,
    /// The orientation decision behind the enrolment, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<crate::orientation::Orientation>,
    /// The FSE situation six months after the exit, once collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fse_six_months: Option<crate::fse::SixMonths>,
}

/// A new person together with their first enrolment, created in one step by a référent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonCreation {
    pub person: Person,
    pub enrolment: Enrolment,
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_name(field: &str, label: &str, value: &str, invalid: &mut Invalid) {
    if value.is_empty() {
        invalid.push(FieldError::new(
            field,
            "required",
            format!("Le {label} est obligatoire."),
        ));
    } else if value.chars().count() > NAME_MAX_CHARS {
        invalid.push(FieldError::new(
            field,
            "too_long",
            format!("Le {label} ne doit pas dépasser {NAME_MAX_CHARS} caractères."),
        ));
    } else if value.chars().any(crate::text::is_hidden) || !value.chars().any(char::is_alphabetic) {
        invalid.push(FieldError::new(
            field,
            "invalid_characters",
            format!(
                "Le {label} doit contenir des lettres et aucun caractère invisible ou de contrôle."
            ),
        ));
    }
}

/// Whether a person with these enrolments is in `user`'s caseload (the scope of their
/// devices, as the server computes it on `today`): a référent follows one of their active
/// enrolments, or left one less than a year ago whose six-month FSE situation is still to
/// collect; a supervisor supervises the scheme of one of them. Out of it, the device offers no
/// form.
pub fn in_caseload(user: &SessionUser, enrolments: &[Enrolment], today: Date) -> bool {
    use crate::auth::Scope;
    let followed = |e: &Enrolment| {
        e.status == EnrolmentStatus::Active
            || (e.fse_six_months.is_none()
                && e.exit.is_some_and(|x| {
                    crate::followup::add_months(x.date, crate::fse::KEPT_AFTER_EXIT_MONTHS) > today
                }))
    };
    match user.scope() {
        Scope::Referent(id) => enrolments
            .iter()
            .any(|e| e.referent_id == id && followed(e)),
        Scope::Schemes(schemes) => enrolments.iter().any(|e| schemes.contains(&e.scheme)),
        Scope::Nothing => false,
    }
}

/// Whole years between `birth` and `today`.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Checks a person's own fields (already [normalized](Person::normalized)).
pub fn check_person(person: &Person, today: Date) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    check_name("last_name", "nom", &person.last_name, &mut invalid);
    check_name("first_name", "prénom", &person.first_name, &mut invalid);

    if person.birth_date > today {
        invalid.push(FieldError::new(
            "birth_date",
            "in_future",
            "La date de naissance ne peut pas être dans le futur.",
        ));
    } else {
        let age = age_on(person.birth_date, today);
        if age < MIN_AGE_YEARS {
            invalid.push(FieldError::new(
                "birth_date",
                "too_young",
                format!("La personne doit avoir au moins {MIN_AGE_YEARS} ans."),
            ));
        } else if age > MAX_AGE_YEARS {
            invalid.push(FieldError::new(
                "birth_date",
                "implausible",
                format!(
                    "Une date de naissance de plus de {MAX_AGE_YEARS} ans n'est pas plausible."
                ),
            ));
        }
    }

    check_details(&person.details, person.birth_date, today, &mut invalid);

    if person.commune_code.is_empty() {
        invalid.push(FieldError::new(
            "commune_code",
            "required",
            "La commune est obligatoire.",
        ));
    } else if communes::by_code(&person.commune_code).is_none() {
        invalid.push(FieldError::new(
            "commune_code",
            "unknown_commune",
            "Cette commune ne fait pas partie de la Haute-Vienne.",
        ));
    }
    invalid.into_result()
}

/// Checks that `actor` may create this person with this first enrolment, and that every rule
/// holds. Returns the normalized creation to store.
///
/// The app calls this before saving, the server again before applying a pushed mutation.
pub fn check_person_creation(
    creation: PersonCreation,
    actor: &SessionUser,
    schemes: &[Scheme],
    today: Date,
) -> Result<PersonCreation, Invalid> {
    let person = creation.person.normalized();
    let mut enrolment = creation.enrolment;
    let mut invalid = match check_person(&person, today) {
        Ok(()) => Invalid::default(),
        Err(invalid) => invalid,
    };

    if enrolment.person_id != person.id {
        invalid.push(FieldError::new(
            "enrolment",
            "person_mismatch",
            "L'accompagnement ne concerne pas cette personne.",
        ));
    }
    if enrolment.status != EnrolmentStatus::Active || enrolment.exit.is_some() {
        invalid.push(FieldError::new(
            "enrolment",
            "not_active",
            "Un nouvel accompagnement doit être actif.",
        ));
    }
    if !actor.may_enrol_in(enrolment.scheme) || enrolment.referent_id != actor.id {
        invalid.push(FieldError::new(
            "enrolment",
            "not_allowed",
            "Seul un référent du dispositif peut inscrire une personne dans son portefeuille.",
        ));
    }
    if enrolment.start_date > today {
        invalid.push(FieldError::new(
            "start_date",
            "in_future",
            "La date d'entrée ne peut pas être dans le futur.",
        ));
    }
    if enrolment.start_date < person.birth_date {
        invalid.push(FieldError::new(
            "start_date",
            "before_birth",
            "La date d'entrée ne peut pas précéder la date de naissance.",
        ));
    }

    match schemes.iter().find(|s| s.code == enrolment.scheme) {
        None => invalid.push(FieldError::new(
            "enrolment",
            "unknown_scheme",
            "Ce dispositif n'existe pas.",
        )),
        Some(scheme) => {
            if let Some(commune) = communes::by_code(&person.commune_code)
                && !scheme.serves(commune)
            {
                invalid.push(FieldError::new(
                    "commune_code",
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

    crate::orientation::check_given(actor, &mut enrolment, today, &mut invalid);
    invalid.into_result()?;
    Ok(PersonCreation { person, enrolment })
}

/// Whether `actor` may hand `enrolment` over to another référent: an active one, by a
/// supervisor of its scheme ([`check_referent_change`] checks the same, with the reasons).
pub fn may_hand_over(actor: &SessionUser, enrolment: &Enrolment) -> bool {
    enrolment.status == EnrolmentStatus::Active && actor.supervises(enrolment.scheme)
}

/// Checks that `actor` may hand `enrolment` over to `new_referent` (looked up among the staff;
/// `None` when unknown): only a supervisor of the scheme, only an active enrolment, only to a
/// référent of the same scheme; and that the date of effect, when given, lies between the
/// start of the enrolment (or its last hand-over) and `today` — a hand-over is recorded on the
/// day it happened or later, never ahead.
pub fn check_referent_change(
    actor: &SessionUser,
    enrolment: &Enrolment,
    new_referent: Option<&StaffMember>,
    effective: Option<Date>,
    today: Date,
) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    if let Some(on) = effective {
        let earliest = crate::pathway::referent_since(enrolment);
        if on > today {
            invalid.push(FieldError::new(
                "effective",
                "future_date",
                "La date d'effet ne peut pas être après aujourd'hui.",
            ));
        } else if on < earliest {
            invalid.push(FieldError::new(
                "effective",
                "before_start",
                format!(
                    "La date d'effet ne peut pas précéder le {} (début de l'accompagnement ou dernier changement de référent).",
                    crate::text::format_date_fr(earliest)
                ),
            ));
        }
    }
    if !actor.supervises(enrolment.scheme) {
        invalid.push(FieldError::new(
            "referent_id",
            "not_allowed",
            "Seul un superviseur du dispositif peut changer le référent.",
        ));
    }
    if enrolment.status != EnrolmentStatus::Active {
        invalid.push(FieldError::new(
            "referent_id",
            "enrolment_closed",
            "Cet accompagnement est clôturé : son référent ne change plus.",
        ));
    }
    match new_referent {
        Some(r) if !r.active => invalid.push(FieldError::new(
            "referent_id",
            "inactive_referent",
            format!(
                "{} n'est plus en activité : choisissez un autre référent.",
                r.display_name
            ),
        )),
        Some(r) if r.role == Role::Referent && r.scheme == Some(enrolment.scheme) => {}
        _ => invalid.push(FieldError::new(
            "referent_id",
            "invalid_referent",
            format!(
                "Le nouveau référent doit être un référent du dispositif {}.",
                enrolment.scheme.short_name()
            ),
        )),
    }
    invalid.into_result()
}

/// A supervisor hands several people over to one référent at once: for each chosen person,
/// their active enrolment in a scheme of the new référent. Refused as a whole, with French
/// messages, when nobody is chosen, when the référent is not an active référent or when one
/// of the hand-overs breaks [`check_referent_change`]; people the référent already follows
/// are left out.
pub fn plan_bulk_hand_over<'a>(
    actor: &SessionUser,
    chosen: &[Uuid],
    enrolments: &'a [Enrolment],
    new_referent: Option<&StaffMember>,
    effective: Option<Date>,
    today: Date,
) -> Result<Vec<&'a Enrolment>, Invalid> {
    let refuse = |code: &str, message: String| {
        Err(Invalid::single(FieldError::new(
            "referent_id",
            code,
            message,
        )))
    };
    if chosen.is_empty() {
        return refuse(
            "empty_selection",
            "Choisissez au moins une personne à transférer.".into(),
        );
    }
    let Some(referent) = new_referent.filter(|r| r.active && r.role == Role::Referent) else {
        return refuse(
            "invalid_referent",
            "Choisissez un référent en activité du dispositif.".into(),
        );
    };
    let mut planned = Vec::new();
    for person in chosen {
        let active: Vec<&Enrolment> = enrolments
            .iter()
            .filter(|e| e.person_id == *person && e.status == EnrolmentStatus::Active)
            .collect();
        let Some(enrolment) = active
            .iter()
            .copied()
            .find(|e| Some(e.scheme) == referent.scheme)
        else {
            return refuse(
                "invalid_referent",
                format!(
                    "Le nouveau référent doit être un référent du dispositif de chaque personne choisie ({}).",
                    referent.scheme.map_or("aucun", |s| s.short_name())
                ),
            );
        };
        if enrolment.referent_id == referent.id {
            continue;
        }
        check_referent_change(actor, enrolment, Some(referent), effective, today)?;
        planned.push(enrolment);
    }
    Ok(planned)
}

/// Delete against edit: a deletion names the person as its device last saw them (`base`) and
/// applies only if the file still reads the same (`current`); otherwise it is refused, so that
/// an edit is never lost to a deletion decided without seeing it. Only the référent of an active
/// enrolment of the person, or a supervisor of one of their schemes, may delete. (The other
/// half of the rule — an edit arriving after a deletion is refused with its values kept in the
/// rejection — is applied by the server.)
pub fn check_deletion(
    actor: &SessionUser,
    enrolments: &[Enrolment],
    base: &Person,
    current: &Person,
) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    let allowed = enrolments.iter().any(|e| {
        (actor.role == Role::Referent
            && e.referent_id == actor.id
            && e.status == EnrolmentStatus::Active)
            || actor.supervises(e.scheme)
    });
    if !allowed {
        invalid.push(FieldError::new(
            "person",
            "not_allowed",
            "Seuls le référent de la personne et les superviseurs du dispositif peuvent supprimer sa fiche.",
        ));
    }
    if base != current {
        invalid.push(FieldError::new(
            "person",
            "modified_since",
            "La fiche a été modifiée depuis que vous l'avez vue : vérifiez-la avant de la supprimer.",
        ));
    }
    invalid.into_result()
}

/// Checks a person after an edit: their own fields, and that every scheme they are actively
/// enrolled in still serves their commune. Returns the normalized person to store.
pub fn check_person_update(
    person: Person,
    enrolments: &[Enrolment],
    schemes: &[Scheme],
    today: Date,
) -> Result<Person, Invalid> {
    let person = person.normalized();
    let mut invalid = match check_person(&person, today) {
        Ok(()) => Invalid::default(),
        Err(invalid) => invalid,
    };
    if let Some(commune) = communes::by_code(&person.commune_code) {
        for enrolment in enrolments
            .iter()
            .filter(|e| e.person_id == person.id && e.status == EnrolmentStatus::Active)
        {
            if let Some(scheme) = schemes.iter().find(|s| s.code == enrolment.scheme)
                && !scheme.serves(commune)
            {
                invalid.push(FieldError::new(
                    "commune_code",
                    "outside_territory",
                    format!(
                        "{} n'est pas sur le territoire du dispositif {} : clôturez d'abord l'accompagnement.",
                        commune.name,
                        enrolment.scheme.short_name()
                    ),
                ));
            }
        }
    }
    invalid.into_result()?;
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn referent(scheme: SchemeCode) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(1),
            username: "plie1".into(),
            display_name: "Référent".into(),
            role: Role::Referent,
            scheme: Some(scheme),
            supervised_schemes: vec![],
        }
    }

    fn creation(commune: &str, scheme: SchemeCode) -> PersonCreation {
        let person = Person {
            id: Uuid::from_u128(10),
            last_name: "  Durand ".into(),
            first_name: "Léa   Marie".into(),
            birth_date: date!(1988 - 03 - 14),
            commune_code: commune.into(),
            rsa_beneficiary: true,
            details: PersonDetails::default(),
        };
        PersonCreation {
            enrolment: Enrolment {
                id: Uuid::from_u128(11),
                person_id: person.id,
                scheme,
                referent_id: Uuid::from_u128(1),
                start_date: TODAY,
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

    fn codes(result: Result<PersonCreation, Invalid>) -> Vec<(String, String)> {
        result
            .expect_err("should be refused")
            .errors
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn check(c: PersonCreation, actor: &SessionUser) -> Result<PersonCreation, Invalid> {
        check_person_creation(c, actor, &Scheme::haute_vienne_defaults(), TODAY)
    }

    #[test]
    fn the_caseload_is_the_scope_of_the_user() {
        let mut enrolment = creation("87085", SchemeCode::Plie).enrolment;
        let plie = referent(SchemeCode::Plie);
        assert!(in_caseload(&plie, std::slice::from_ref(&enrolment), TODAY));
        let mut other = plie.clone();
        other.id = Uuid::from_u128(2);
        assert!(!in_caseload(
            &other,
            std::slice::from_ref(&enrolment),
            TODAY
        ));
        let supervisor = SessionUser {
            role: Role::Supervisor,
            scheme: None,
            supervised_schemes: vec![SchemeCode::Plie],
            ..other.clone()
        };
        // A référent keeps a person who left for the six-month FSE follow-up: until it is
        // recorded, and for a year at most.
        enrolment.status = EnrolmentStatus::Closed;
        enrolment.exit = Some(crate::pathway::Exit {
            date: TODAY - time::Duration::days(200),
            reason: crate::pathway::ExitReason::LongJob,
        });
        assert!(in_caseload(&plie, std::slice::from_ref(&enrolment), TODAY));
        let a_year_on = TODAY + time::Duration::days(170);
        assert!(!in_caseload(
            &plie,
            std::slice::from_ref(&enrolment),
            a_year_on
        ));
        enrolment.fse_six_months = Some(crate::fse::SixMonths {
            date: TODAY,
            situation: crate::fse::SixMonthSituation::Employed,
            better: Some(true),
        });
        assert!(!in_caseload(&plie, std::slice::from_ref(&enrolment), TODAY));
        assert!(in_caseload(
            &supervisor,
            std::slice::from_ref(&enrolment),
            TODAY
        ));
        let admin = SessionUser {
            role: Role::Administrator,
            ..supervisor
        };
        assert!(!in_caseload(&admin, &[enrolment], TODAY));
    }

    #[test]
    fn a_valid_creation_is_accepted_with_names_normalized() {
        let ok = check(
            creation("87085", SchemeCode::Plie),
            &referent(SchemeCode::Plie),
        )
        .unwrap();
        assert_eq!(ok.person.last_name, "Durand");
        assert_eq!(ok.person.first_name, "Léa Marie");
        assert_eq!(ok.person.display_name(), "DURAND Léa Marie");
    }

    #[test]
    fn enrolling_someone_outside_the_scheme_territory_is_refused_on_the_commune() {
        let refused = check(
            creation("87011", SchemeCode::Plie),
            &referent(SchemeCode::Plie),
        );
        let message = refused.clone().unwrap_err();
        assert_eq!(
            codes(refused),
            vec![("commune_code".into(), "outside_territory".into())]
        );
        assert_eq!(
            message.message_for("commune_code"),
            Some("Bellac n'est pas sur le territoire du dispositif PLIE.")
        );
    }

    #[test]
    fn a_referent_cannot_enrol_into_another_scheme_or_for_someone_else() {
        assert_eq!(
            codes(check(
                creation("87011", SchemeCode::Arpe),
                &referent(SchemeCode::Plie)
            )),
            vec![("enrolment".into(), "not_allowed".into())]
        );
        let mut c = creation("87085", SchemeCode::Plie);
        c.enrolment.referent_id = Uuid::from_u128(99);
        assert_eq!(
            codes(check(c, &referent(SchemeCode::Plie))),
            vec![("enrolment".into(), "not_allowed".into())]
        );
    }

    #[test]
    fn empty_too_long_or_letterless_names_are_refused() {
        let mut c = creation("87085", SchemeCode::Plie);
        c.person.last_name = "   ".into();
        c.person.first_name = "x".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(
            codes(check(c.clone(), &referent(SchemeCode::Plie))),
            vec![
                ("last_name".into(), "required".into()),
                ("first_name".into(), "too_long".into())
            ]
        );
        c.person.last_name = "--".into();
        c.person.first_name = "Ana\u{7}".into();
        assert_eq!(
            codes(check(c, &referent(SchemeCode::Plie))),
            vec![
                ("last_name".into(), "invalid_characters".into()),
                ("first_name".into(), "invalid_characters".into())
            ]
        );
    }

    #[test]
    fn birth_dates_must_be_plausible() {
        let mut c = creation("87085", SchemeCode::Plie);
        c.person.birth_date = date!(2027 - 01 - 01);
        c.enrolment.start_date = date!(2026 - 01 - 01);
        let found = codes(check(c.clone(), &referent(SchemeCode::Plie)));
        assert!(found.contains(&("birth_date".into(), "in_future".into())));
        c.person.birth_date = date!(2010 - 11 - 27);
        assert_eq!(
            codes(check(c.clone(), &referent(SchemeCode::Plie))),
            vec![("birth_date".into(), "too_young".into())]
        );
        c.person.birth_date = date!(2010 - 11 - 26);
        assert!(check(c.clone(), &referent(SchemeCode::Plie)).is_ok());
        c.person.birth_date = date!(1920 - 01 - 01);
        assert_eq!(
            codes(check(c, &referent(SchemeCode::Plie))),
            vec![("birth_date".into(), "implausible".into())]
        );
    }

    #[test]
    fn unknown_or_missing_communes_are_refused() {
        assert_eq!(
            codes(check(
                creation("75056", SchemeCode::Global),
                &referent(SchemeCode::Global)
            )),
            vec![("commune_code".into(), "unknown_commune".into())]
        );
        assert_eq!(
            codes(check(
                creation("", SchemeCode::Global),
                &referent(SchemeCode::Global)
            )),
            vec![("commune_code".into(), "required".into())]
        );
    }

    #[test]
    fn an_enrolment_cannot_start_in_the_future_or_belong_to_another_person() {
        let mut c = creation("87085", SchemeCode::Plie);
        c.enrolment.start_date = date!(2026 - 11 - 27);
        c.enrolment.person_id = Uuid::from_u128(12);
        assert_eq!(
            codes(check(c, &referent(SchemeCode::Plie))),
            vec![
                ("enrolment".into(), "person_mismatch".into()),
                ("start_date".into(), "in_future".into())
            ]
        );
    }

    #[test]
    fn an_update_keeps_the_person_inside_the_territory_of_their_active_enrolments() {
        let c = creation("87085", SchemeCode::Plie);
        let mut moved = c.person.clone();
        moved.commune_code = "87011".into();
        let schemes = Scheme::haute_vienne_defaults();
        let refused = check_person_update(
            moved.clone(),
            std::slice::from_ref(&c.enrolment),
            &schemes,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(refused.errors[0].code, "outside_territory");
        let mut closed = c.enrolment.clone();
        closed.status = EnrolmentStatus::Closed;
        assert!(check_person_update(moved, &[closed], &schemes, TODAY).is_ok());
        let mut renamed = c.person.clone();
        renamed.first_name = " Léa ".into();
        let ok = check_person_update(renamed, &[c.enrolment], &schemes, TODAY).unwrap();
        assert_eq!(ok.first_name, "Léa");
    }

    #[test]
    fn only_a_supervisor_hands_an_active_enrolment_to_a_referent_of_its_scheme() {
        let c = creation("87085", SchemeCode::Plie);
        let supervisor = SessionUser {
            role: Role::Supervisor,
            scheme: None,
            supervised_schemes: vec![SchemeCode::Plie],
            ..referent(SchemeCode::Plie)
        };
        let colleague = |scheme| StaffMember {
            active: true,
            id: Uuid::from_u128(5),
            display_name: "Autre".into(),
            role: Role::Referent,
            scheme: Some(scheme),
        };
        assert!(
            check_referent_change(
                &supervisor,
                &c.enrolment,
                Some(&colleague(SchemeCode::Plie)),
                None,
                TODAY
            )
            .is_ok()
        );
        let code = |r: Result<(), Invalid>| r.unwrap_err().errors[0].code.clone();
        assert_eq!(
            code(check_referent_change(
                &supervisor,
                &c.enrolment,
                Some(&colleague(SchemeCode::Arpe)),
                None,
                TODAY
            )),
            "invalid_referent"
        );
        assert_eq!(
            code(check_referent_change(
                &supervisor,
                &c.enrolment,
                None,
                None,
                TODAY
            )),
            "invalid_referent"
        );
        assert_eq!(
            code(check_referent_change(
                &referent(SchemeCode::Plie),
                &c.enrolment,
                Some(&colleague(SchemeCode::Plie)),
                None,
                TODAY
            )),
            "not_allowed"
        );
        let mut closed = c.enrolment.clone();
        closed.status = EnrolmentStatus::Closed;
        assert_eq!(
            code(check_referent_change(
                &supervisor,
                &closed,
                Some(&colleague(SchemeCode::Plie)),
                None,
                TODAY
            )),
            "enrolment_closed"
        );
    }

    #[test]
    fn a_hand_over_takes_effect_between_the_last_change_and_today() {
        let c = creation("87085", SchemeCode::Plie);
        let supervisor = SessionUser {
            role: Role::Supervisor,
            scheme: None,
            supervised_schemes: vec![SchemeCode::Plie],
            ..referent(SchemeCode::Plie)
        };
        let colleague = StaffMember {
            active: true,
            id: Uuid::from_u128(5),
            display_name: "Autre".into(),
            role: Role::Referent,
            scheme: Some(SchemeCode::Plie),
        };
        let mut enrolment = c.enrolment.clone();
        enrolment.start_date = date!(2026 - 01 - 05);
        let check = |e: &Enrolment, on| {
            check_referent_change(&supervisor, e, Some(&colleague), Some(on), TODAY)
                .map_err(|i| (i.errors[0].field.clone(), i.errors[0].code.clone()))
        };
        assert!(check(&enrolment, TODAY).is_ok());
        assert!(
            check(&enrolment, date!(2026 - 01 - 05)).is_ok(),
            "its first day"
        );
        assert_eq!(
            check(&enrolment, date!(2026 - 11 - 27)),
            Err(("effective".into(), "future_date".into()))
        );
        assert_eq!(
            check(&enrolment, date!(2026 - 01 - 04)),
            Err(("effective".into(), "before_start".into()))
        );
        enrolment.handovers.push(crate::pathway::Handover {
            from: Uuid::from_u128(4),
            to: enrolment.referent_id,
            on: date!(2026 - 06 - 01),
        });
        let refused = check_referent_change(
            &supervisor,
            &enrolment,
            Some(&colleague),
            Some(date!(2026 - 05 - 31)),
            TODAY,
        )
        .unwrap_err();
        assert_eq!(refused.errors[0].code, "before_start");
        assert!(
            refused.errors[0].message.contains("01/06/2026"),
            "{refused:?}"
        );
        assert!(check(&enrolment, date!(2026 - 06 - 01)).is_ok());
    }

    #[test]
    fn a_bulk_hand_over_plans_every_chosen_enrolment_or_refuses_them_all() {
        let c = creation("87085", SchemeCode::Plie);
        let supervisor = SessionUser {
            role: Role::Supervisor,
            scheme: None,
            supervised_schemes: vec![SchemeCode::Plie],
            ..referent(SchemeCode::Plie)
        };
        let to = |scheme, active| StaffMember {
            active,
            id: Uuid::from_u128(5),
            display_name: "Autre".into(),
            role: Role::Referent,
            scheme: Some(scheme),
        };
        let mut second = c.enrolment.clone();
        second.id = Uuid::from_u128(77);
        second.person_id = Uuid::from_u128(78);
        let mut already = c.enrolment.clone();
        already.id = Uuid::from_u128(88);
        already.person_id = Uuid::from_u128(89);
        already.referent_id = Uuid::from_u128(5);
        let enrolments = [c.enrolment.clone(), second.clone(), already.clone()];
        let people = [c.person.id, second.person_id, already.person_id];
        let plie = to(SchemeCode::Plie, true);
        let planned =
            plan_bulk_hand_over(&supervisor, &people, &enrolments, Some(&plie), None, TODAY)
                .unwrap();
        assert_eq!(
            planned.iter().map(|e| e.id).collect::<Vec<_>>(),
            [c.enrolment.id, second.id],
            "the one already followed by the référent is left out"
        );
        let code = |r: Result<Vec<&Enrolment>, Invalid>| r.unwrap_err().errors[0].code.clone();
        assert_eq!(
            code(plan_bulk_hand_over(
                &supervisor,
                &[],
                &enrolments,
                Some(&plie),
                None,
                TODAY
            )),
            "empty_selection"
        );
        assert_eq!(
            code(plan_bulk_hand_over(
                &supervisor,
                &people,
                &enrolments,
                Some(&to(SchemeCode::Arpe, true)),
                None,
                TODAY
            )),
            "invalid_referent"
        );
        assert_eq!(
            code(plan_bulk_hand_over(
                &supervisor,
                &people,
                &enrolments,
                Some(&to(SchemeCode::Plie, false)),
                None,
                TODAY
            )),
            "invalid_referent",
            "a deactivated account"
        );
        assert_eq!(
            code(plan_bulk_hand_over(
                &referent(SchemeCode::Plie),
                &people,
                &enrolments,
                Some(&plie),
                None,
                TODAY
            )),
            "not_allowed"
        );
    }

    #[test]
    fn a_deletion_applies_only_to_the_file_as_its_author_saw_it() {
        let c = creation("87085", SchemeCode::Plie);
        let referent = referent(SchemeCode::Plie);
        let enrolments = [c.enrolment.clone()];
        assert!(check_deletion(&referent, &enrolments, &c.person, &c.person).is_ok());
        let mut edited = c.person.clone();
        edited.first_name = "Léna".into();
        let code = |r: Result<(), Invalid>| r.unwrap_err().errors[0].code.clone();
        assert_eq!(
            code(check_deletion(&referent, &enrolments, &c.person, &edited)),
            "modified_since"
        );
        let stranger = SessionUser {
            id: Uuid::from_u128(77),
            ..referent.clone()
        };
        assert_eq!(
            code(check_deletion(&stranger, &enrolments, &c.person, &c.person)),
            "not_allowed"
        );
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2026 - 02 - 28)), 25);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2026 - 03 - 01)), 26);
    }

    #[test]
    fn dates_travel_as_iso_strings() {
        let json = serde_json::to_value(creation("87085", SchemeCode::Plie)).unwrap();
        assert_eq!(json["person"]["birth_date"], "1988-03-14");
        assert_eq!(json["enrolment"]["scheme"], "plie");
    }
}
