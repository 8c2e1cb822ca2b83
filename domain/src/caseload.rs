//! What a référent's home screen and the list of people show: alerts per person, the agenda,
//! and the last contact — pure functions of the records a device holds.

use time::{Date, Duration};
use uuid::Uuid;

use crate::followup::{
    AppointmentStatus, Contract, Item, ItemBody, PathwayLimit, add_months, pathway_limit,
};
use crate::notes::Note;
use crate::people::{Enrolment, EnrolmentStatus, Person};
use crate::schemes::Scheme;

/// Days without an attended appointment or a note after which a person is flagged.
pub const NO_CONTACT_DAYS: i64 = 60;
/// A contract ending within this many days is flagged.
pub const CONTRACT_ENDING_DAYS: i64 = 30;
/// A contract is due this many months after the start of an enrolment.
pub const CONTRACT_DUE_MONTHS: i32 = 1;

/// Something about a person that needs the référent's attention.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Alert {
    /// No attended appointment nor note for [`NO_CONTACT_DAYS`] (`last` is `None` when never).
    NoContact { last: Option<Date> },
    /// No contract covers today although the enrolment started over a month ago.
    ContractMissing { enrolment_id: Uuid },
    /// The current contract ends within [`CONTRACT_ENDING_DAYS`] and none follows it.
    ContractEnding { enrolment_id: Uuid, end: Date },
    /// A pathway near its scheme's limit (the PLIE's 36 months).
    PathwayNearLimit { enrolment_id: Uuid, months: i32 },
    /// A pathway at its scheme's limit: close it.
    PathwayLimitReached { enrolment_id: Uuid, limit: i32 },
    /// The person's commune is outside the territory of the scheme of an active enrolment
    /// (the person moved, or the scheme's territory changed): close it or enrol elsewhere.
    OutsideTerritory { enrolment_id: Uuid },
    /// The server found another file that may be the same person.
    PossibleDuplicate { item_id: Uuid },
}

impl Alert {
    /// A stable code, for filters.
    pub fn code(&self) -> &'static str {
        match self {
            Alert::NoContact { .. } => "no_contact",
            Alert::ContractMissing { .. } => "contract_missing",
            Alert::ContractEnding { .. } => "contract_ending",
            Alert::PathwayNearLimit { .. } => "pathway_near_limit",
            Alert::PathwayLimitReached { .. } => "pathway_limit",
            Alert::OutsideTerritory { .. } => "outside_territory",
            Alert::PossibleDuplicate { .. } => "duplicate",
        }
    }

    pub fn label_fr(&self) -> String {
        use crate::text::format_date_fr;
        match self {
            Alert::NoContact { last: Some(d) } => {
                format!("Aucun contact depuis le {}", format_date_fr(*d))
            }
            Alert::NoContact { last: None } => "Aucun contact enregistré".into(),
            Alert::ContractMissing { .. } => "Contrat d'engagement manquant".into(),
            Alert::ContractEnding { end, .. } => {
                format!("Contrat se terminant le {}", format_date_fr(*end))
            }
            Alert::PathwayNearLimit { months, .. } => format!("Parcours : {months} mois"),
            Alert::PathwayLimitReached { limit, .. } => {
                format!("Parcours à {limit} mois : à clôturer")
            }
            Alert::OutsideTerritory { .. } => "Hors du territoire du dispositif".into(),
            Alert::PossibleDuplicate { .. } => "Doublon possible".into(),
        }
    }
}

/// The date of the last contact with a person: their last attended appointment or note.
pub fn last_contact<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    notes: impl IntoIterator<Item = &'a Note>,
) -> Option<Date> {
    let attended = items.into_iter().filter_map(|i| match &i.body {
        ItemBody::Appointment(a) if a.status == AppointmentStatus::Attended => Some(a.date),
        _ => None,
    });
    attended.chain(notes.into_iter().map(|n| n.date)).max()
}

fn contracts_of<'a>(items: &[&'a Item], enrolment_id: Uuid) -> Vec<&'a Contract> {
    items
        .iter()
        .filter_map(|i| match &i.body {
            ItemBody::Contract(c) if c.enrolment_id == enrolment_id => Some(c),
            _ => None,
        })
        .collect()
}

/// The alerts of one person, given their enrolments, items and notes (those of other people
/// are ignored) and the schemes (territories, pathway limits).
pub fn alerts(
    person: &Person,
    enrolments: &[&Enrolment],
    items: &[&Item],
    notes: &[&Note],
    schemes: &[Scheme],
    today: Date,
) -> Vec<Alert> {
    let person_id = person.id;
    let items: Vec<&Item> = items
        .iter()
        .copied()
        .filter(|i| i.person_id == person_id)
        .collect();
    let active: Vec<&Enrolment> = enrolments
        .iter()
        .copied()
        .filter(|e| e.person_id == person_id && e.status == EnrolmentStatus::Active)
        .collect();
    let mut alerts = Vec::new();
    if active.is_empty() {
        return alerts;
    }
    let last = last_contact(
        items.iter().copied(),
        notes.iter().copied().filter(|n| n.person_id == person_id),
    );
    let since = last.or_else(|| active.iter().map(|e| e.start_date).min());
    if since.is_some_and(|d| today - d >= Duration::days(NO_CONTACT_DAYS)) {
        alerts.push(Alert::NoContact { last });
    }
    for enrolment in &active {
        let contracts = contracts_of(&items, enrolment.id);
        let current = contracts
            .iter()
            .filter(|c| c.start <= today && today <= c.end)
            .max_by_key(|c| c.end);
        let later = contracts.iter().any(|c| c.start > today);
        match current {
            None if !later && today > add_months(enrolment.start_date, CONTRACT_DUE_MONTHS) => {
                alerts.push(Alert::ContractMissing {
                    enrolment_id: enrolment.id,
                });
            }
            Some(c)
                if !later
                    && !contracts.iter().any(|o| o.end > c.end)
                    && c.end - today <= Duration::days(CONTRACT_ENDING_DAYS) =>
            {
                alerts.push(Alert::ContractEnding {
                    enrolment_id: enrolment.id,
                    end: c.end,
                });
            }
            _ => {}
        }
        match pathway_limit(enrolment, schemes, today) {
            Some(PathwayLimit::Near { months }) => alerts.push(Alert::PathwayNearLimit {
                enrolment_id: enrolment.id,
                months,
            }),
            Some(PathwayLimit::Reached { limit }) => alerts.push(Alert::PathwayLimitReached {
                enrolment_id: enrolment.id,
                limit,
            }),
            None => {}
        }
        let scheme = schemes.iter().find(|s| s.code == enrolment.scheme);
        let commune = crate::communes::by_code(&person.commune_code);
        if let (Some(scheme), Some(commune)) = (scheme, commune)
            && !scheme.serves(commune)
        {
            alerts.push(Alert::OutsideTerritory {
                enrolment_id: enrolment.id,
            });
        }
    }
    for item in &items {
        if let ItemBody::Duplicate(d) = &item.body
            && !d.dismissed
        {
            alerts.push(Alert::PossibleDuplicate { item_id: item.id });
        }
    }
    alerts
}

/// The appointments between `from` and `to` (both included), by date and time.
pub fn agenda<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    from: Date,
    to: Date,
) -> Vec<&'a Item> {
    let mut found: Vec<&Item> = items
        .into_iter()
        .filter(|i| matches!(&i.body, ItemBody::Appointment(a) if from <= a.date && a.date <= to))
        .collect();
    found.sort_by(|a, b| match (&a.body, &b.body) {
        (ItemBody::Appointment(x), ItemBody::Appointment(y)) => {
            (x.date, &x.time, a.id).cmp(&(y.date, &y.time, b.id))
        }
        _ => std::cmp::Ordering::Equal,
    });
    found
}

/// The Monday of the week of `date`.
pub fn week_start(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

#[cfg(test)]
mod tests;
