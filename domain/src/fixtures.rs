//! Builders the unit tests share: a person, an enrolment and a user with the values most
//! tests do not care about, so that each test spells out only what it is about.

use time::Date;
use time::macros::date;
use uuid::Uuid;

use crate::auth::{Role, SessionUser};
use crate::pathway::{Exit, ExitReason};
use crate::people::{Enrolment, EnrolmentStatus, Person};
use crate::profile::PersonDetails;
use crate::schemes::SchemeCode;

/// Léa Durand of Bellac (ARPE's territory), born in 1985, on RSA, id `n`.
pub fn person(n: u128) -> Person {
    Person {
        id: Uuid::from_u128(n),
        last_name: "Durand".into(),
        first_name: "Léa".into(),
        birth_date: date!(1985 - 04 - 12),
        commune_code: "87011".into(),
        rsa_beneficiary: true,
        details: PersonDetails::default(),
    }
}

/// An active enrolment `id` of `person` in `scheme`, followed by `referent` since `start`.
pub fn enrolment(
    id: u128,
    person: u128,
    scheme: SchemeCode,
    referent: u128,
    start: Date,
) -> Enrolment {
    Enrolment {
        id: Uuid::from_u128(id),
        person_id: Uuid::from_u128(person),
        scheme,
        referent_id: Uuid::from_u128(referent),
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

/// `enrolment` closed on `date` for `reason`.
pub fn closed(mut enrolment: Enrolment, date: Date, reason: ExitReason) -> Enrolment {
    enrolment.status = EnrolmentStatus::Closed;
    enrolment.exit = Some(Exit { date, reason });
    enrolment
}

/// A signed-in user `id`: a référent of `scheme`, or a supervisor of it.
pub fn user(id: u128, role: Role, scheme: SchemeCode) -> SessionUser {
    SessionUser {
        id: Uuid::from_u128(id),
        username: format!("u{id}"),
        display_name: format!("U{id}"),
        role,
        scheme: (role == Role::Referent).then_some(scheme),
        supervised_schemes: if role == Role::Supervisor {
            vec![scheme]
        } else {
            Vec::new()
        },
    }
}
