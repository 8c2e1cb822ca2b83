//! Retention (CNIL, social accompaniment: 2 years in the active base after the last contact).
//! A file due for purging loses everything that identifies the person; what the figures need
//! stays: the enrolments (scheme, référent, dates, exit, FSE snapshots), the commune, and the
//! dates and outcomes of appointments and steps without their text.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::followup::{Item, ItemBody};
use crate::people::Person;
use crate::profile::PersonDetails;

/// A file the retention rule proposes for purging. No name: administrators see no person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub person_id: Uuid,
    /// The last contact: attended appointment, note, enrolment start or exit.
    pub last_contact: Date,
    /// The schemes the person was enrolled in.
    pub schemes: Vec<String>,
}

/// Body of `POST /api/admin/retention/purge`: the files to purge, from the list just shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgeRequest {
    pub person_ids: Vec<Uuid>,
}

/// Answer to a purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurgeReport {
    pub purged: usize,
    /// Files of the request that were no longer due (a contact or an enrolment since).
    pub skipped: usize,
}

/// The day before which a last contact makes a file due for purging.
pub fn cutoff(today: Date, years: i64) -> Date {
    let year = today.year() - years as i32;
    Date::from_calendar_date(year, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(year, today.month(), 28))
        .unwrap_or(today)
}

/// The person with nothing identifying left: names, birth date (1 January 1900), contact,
/// household, RSA file number. The commune and the RSA flag stay (the figures count them).
pub fn anonymized_person(person: &Person) -> Person {
    Person {
        id: person.id,
        last_name: String::new(),
        first_name: String::new(),
        birth_date: time::macros::date!(1900 - 01 - 01),
        commune_code: person.commune_code.clone(),
        rsa_beneficiary: person.rsa_beneficiary,
        details: PersonDetails::default(),
    }
}

/// An item with its free text removed, or `None` when nothing of it is anonymous (a duplicate
/// warning names another person).
pub fn anonymized_item(item: &Item) -> Option<Item> {
    let mut item = item.clone();
    match &mut item.body {
        ItemBody::Appointment(a) => a.report.clear(),
        ItemBody::Step(s) => s.provider.clear(),
        ItemBody::Contract(c) => c.objectives.clear(),
        // A referral's project may describe the person; the partner, dates and answer stay
        // for the partners' figures.
        ItemBody::Referral(r) => r.project.clear(),
        // An order holds no free text and stays for the accounts of its agreement.
        ItemBody::Obstacle(_) | ItemBody::Order(_) => {}
        ItemBody::Duplicate(_) => return None,
    }
    Some(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::{
        Appointment, AppointmentStatus, DuplicateReason, DuplicateWarning, Place,
    };
    use time::macros::date;

    #[test]
    fn the_cutoff_is_two_years_back() {
        assert_eq!(cutoff(date!(2026 - 12 - 01), 2), date!(2024 - 12 - 01));
        assert_eq!(cutoff(date!(2028 - 02 - 29), 2), date!(2026 - 02 - 28));
    }

    #[test]
    fn nothing_identifying_stays() {
        let mut person = Person {
            id: Uuid::from_u128(1),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 04 - 05),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
            details: PersonDetails::default(),
        };
        person.details.phone = "0555555555".into();
        person.details.allocataire = "1234567".into();
        let gone = anonymized_person(&person);
        assert!(gone.last_name.is_empty() && gone.first_name.is_empty());
        assert_eq!(gone.details, PersonDetails::default());
        assert_eq!(gone.commune_code, "87085");
        assert!(gone.rsa_beneficiary);

        let appointment = Item {
            id: Uuid::from_u128(2),
            person_id: person.id,
            version: 3,
            author_id: Uuid::from_u128(9),
            body: ItemBody::Appointment(Appointment {
                date: date!(2023 - 01 - 02),
                time: "09:00".into(),
                place: Place::Mdd,
                status: AppointmentStatus::Attended,
                report: "Santé fragile, dettes.".into(),
            }),
        };
        let kept = anonymized_item(&appointment).unwrap();
        assert!(matches!(&kept.body, ItemBody::Appointment(a)
            if a.report.is_empty() && a.status == AppointmentStatus::Attended));
        let duplicate = Item {
            body: ItemBody::Duplicate(DuplicateWarning {
                other_person_id: Uuid::from_u128(3),
                other_label: "ROUX Léa".into(),
                reason: DuplicateReason::SameIdentity,
                dismissed: false,
            }),
            ..appointment
        };
        assert_eq!(anonymized_item(&duplicate), None);
    }
}
