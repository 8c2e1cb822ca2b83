//! The orientation decision behind an enrolment: the Département (its multidisciplinary team,
//! or the PLIE's entry commission) decides on a day which kind of accompaniment a person on RSA
//! receives. It is recorded with the enrolment, by its référent or a supervisor of its scheme,
//! and the figures count their delays from it (orientation → first appointment, → contract).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::auth::SessionUser;
use crate::code_enum;
use crate::error::{FieldError, Invalid};
use crate::people::Enrolment;

/// Longest "decided by", in characters.
pub const DECIDED_BY_MAX_CHARS: usize = 120;

code_enum! {
    /// The kind of accompaniment the decision sends the person to.
    pub enum OrientationKind {
        Professional = ("professional", "Professionnelle"),
        SocioProfessional = ("socio_professional", "Socio-professionnelle"),
        Social = ("social", "Sociale"),
    }
}

/// An orientation decision: its day, its kind, and who took it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Orientation {
    pub date: Date,
    pub kind: OrientationKind,
    /// The body or person who decided ("Équipe pluridisciplinaire de Bellac").
    pub decided_by: String,
}

/// Whether `actor` may record the orientation of `enrolment`: an active one, by the référent
/// who follows it or a supervisor of its scheme — those who may close it
/// ([`check_orientation`] says why not).
pub fn may_orient(actor: &SessionUser, enrolment: &Enrolment) -> bool {
    crate::pathway::may_close(actor, enrolment)
}

/// Checks an orientation decision for `enrolment` typed by `actor` on `today`, and returns it
/// with its text trimmed: its day is not ahead of today, "decided by" is given and not too
/// long, and the actor may record it.
pub fn check_orientation(
    actor: &SessionUser,
    enrolment: &Enrolment,
    orientation: Orientation,
    today: Date,
) -> Result<Orientation, Invalid> {
    let mut invalid = Invalid::default();
    if !may_orient(actor, enrolment) {
        invalid.push(FieldError::new(
            "orientation",
            "not_allowed",
            "Seuls le référent d'un accompagnement en cours et les superviseurs du dispositif enregistrent son orientation.",
        ));
    }
    let decided_by = orientation
        .decided_by
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if orientation.date > today {
        invalid.push(FieldError::new(
            "orientation_date",
            "future_date",
            "La date de la décision d'orientation ne peut pas être après aujourd'hui.",
        ));
    }
    if decided_by.is_empty() {
        invalid.push(FieldError::new(
            "decided_by",
            "required",
            "Indiquez qui a décidé l'orientation (par exemple l'équipe pluridisciplinaire).",
        ));
    } else if decided_by.chars().count() > DECIDED_BY_MAX_CHARS {
        invalid.push(FieldError::new(
            "decided_by",
            "too_long",
            format!("Ce champ ne dépasse pas {DECIDED_BY_MAX_CHARS} caractères."),
        ));
    }
    invalid.into_result()?;
    Ok(Orientation {
        decided_by,
        ..orientation
    })
}

/// Checks the orientation a new enrolment carries, if any (see [`check_orientation`]), keeping
/// its trimmed text or adding the reasons to `invalid`.
pub fn check_given(
    actor: &SessionUser,
    enrolment: &mut Enrolment,
    today: Date,
    invalid: &mut Invalid,
) {
    let Some(orientation) = enrolment.orientation.take() else {
        return;
    };
    match check_orientation(actor, enrolment, orientation, today) {
        Ok(checked) => enrolment.orientation = Some(checked),
        Err(errors) => invalid.errors.extend(errors.errors),
    }
}

/// The day the figures count an enrolment's delays from: its orientation decision, or its
/// start when none is recorded.
pub fn oriented_on(enrolment: &Enrolment) -> Date {
    enrolment
        .orientation
        .as_ref()
        .map_or(enrolment.start_date, |o| o.date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::people::EnrolmentStatus;
    use crate::schemes::SchemeCode;
    use time::macros::date;
    use uuid::Uuid;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn enrolment() -> Enrolment {
        crate::fixtures::enrolment(1, 2, SchemeCode::Arpe, 3, date!(2026 - 03 - 01))
    }

    fn user(id: u128, role: Role) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(id),
            username: "u".into(),
            display_name: "U".into(),
            role,
            scheme: (role == Role::Referent).then_some(SchemeCode::Arpe),
            supervised_schemes: if role == Role::Supervisor {
                vec![SchemeCode::Arpe]
            } else {
                Vec::new()
            },
        }
    }

    fn decision(date: Date, decided_by: &str) -> Orientation {
        Orientation {
            date,
            kind: OrientationKind::SocioProfessional,
            decided_by: decided_by.into(),
        }
    }

    fn codes(r: Result<Orientation, Invalid>) -> Vec<String> {
        r.unwrap_err().errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn the_referent_or_a_supervisor_records_a_past_decision_with_its_author() {
        let e = enrolment();
        let ok = check_orientation(
            &user(3, Role::Referent),
            &e,
            decision(date!(2026 - 02 - 10), "  Équipe   pluridisciplinaire "),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok.decided_by, "Équipe pluridisciplinaire");
        assert!(
            check_orientation(
                &user(9, Role::Supervisor),
                &e,
                decision(TODAY, "CD87"),
                TODAY
            )
            .is_ok()
        );
        assert_eq!(
            codes(check_orientation(
                &user(4, Role::Referent),
                &e,
                decision(TODAY, "CD87"),
                TODAY
            )),
            ["not_allowed"]
        );
        assert_eq!(
            codes(check_orientation(
                &user(3, Role::Referent),
                &e,
                decision(date!(2026 - 11 - 27), " "),
                TODAY
            )),
            ["future_date", "required"]
        );
        assert_eq!(
            codes(check_orientation(
                &user(3, Role::Referent),
                &e,
                decision(TODAY, &"x".repeat(DECIDED_BY_MAX_CHARS + 1)),
                TODAY
            )),
            ["too_long"]
        );
        let mut closed = e.clone();
        closed.status = EnrolmentStatus::Closed;
        assert_eq!(
            codes(check_orientation(
                &user(3, Role::Referent),
                &closed,
                decision(TODAY, "CD87"),
                TODAY
            )),
            ["not_allowed"]
        );
    }

    #[test]
    fn delays_count_from_the_decision_or_else_the_start() {
        let mut e = enrolment();
        assert_eq!(oriented_on(&e), date!(2026 - 03 - 01));
        e.orientation = Some(decision(date!(2026 - 02 - 10), "CD87"));
        assert_eq!(oriented_on(&e), date!(2026 - 02 - 10));
    }
}
