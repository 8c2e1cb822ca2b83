//! Merging concurrent edits of a person, field by field, as pure functions.
//!
//! A device that edits a person sends, for each field it changed, the value it last saw (its
//! *base*) and the new value. The server compares the base with the field's current value:
//!
//! - current = base: nobody else changed the field since the device saw it → the edit applies;
//! - current = new value: both sides made the same change → nothing to do;
//! - otherwise two devices changed the same field from the same base → a conflict. The result
//!   is the greater of the two values in [`FieldValue`]'s total order: it depends only on the
//!   values, never on arrival order or device clocks, so every replica converges on it. A
//!   conflict record keeps both values, their authors and times, until a user resolves it.
//!
//! Two devices that change different fields never conflict: each field merges on its own.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::people::Person;

/// The fields of a person that can be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    LastName,
    FirstName,
    BirthDate,
    CommuneCode,
    RsaBeneficiary,
}

impl PersonField {
    pub const ALL: [PersonField; 5] = [
        PersonField::LastName,
        PersonField::FirstName,
        PersonField::BirthDate,
        PersonField::CommuneCode,
        PersonField::RsaBeneficiary,
    ];

    /// The field's name in the API and in forms (`last_name`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PersonField::LastName => "last_name",
            PersonField::FirstName => "first_name",
            PersonField::BirthDate => "birth_date",
            PersonField::CommuneCode => "commune_code",
            PersonField::RsaBeneficiary => "rsa_beneficiary",
        }
    }

    pub fn parse(s: &str) -> Option<PersonField> {
        PersonField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            PersonField::LastName => "Nom",
            PersonField::FirstName => "Prénom",
            PersonField::BirthDate => "Date de naissance",
            PersonField::CommuneCode => "Commune",
            PersonField::RsaBeneficiary => "Bénéficiaire du RSA",
        }
    }

    /// The value of this field in `person`.
    pub fn get(self, person: &Person) -> FieldValue {
        match self {
            PersonField::LastName => FieldValue::Text(person.last_name.clone()),
            PersonField::FirstName => FieldValue::Text(person.first_name.clone()),
            PersonField::BirthDate => FieldValue::Date(person.birth_date),
            PersonField::CommuneCode => FieldValue::Text(person.commune_code.clone()),
            PersonField::RsaBeneficiary => FieldValue::Bool(person.rsa_beneficiary),
        }
    }

    /// Sets this field of `person`; `false` when the value has the wrong type.
    pub fn set(self, person: &mut Person, value: &FieldValue) -> bool {
        match (self, value) {
            (PersonField::LastName, FieldValue::Text(v)) => person.last_name = v.clone(),
            (PersonField::FirstName, FieldValue::Text(v)) => person.first_name = v.clone(),
            (PersonField::BirthDate, FieldValue::Date(v)) => person.birth_date = *v,
            (PersonField::CommuneCode, FieldValue::Text(v)) => person.commune_code = v.clone(),
            (PersonField::RsaBeneficiary, FieldValue::Bool(v)) => person.rsa_beneficiary = *v,
            _ => return false,
        }
        true
    }
}

/// A field's value. The derived order (by variant, then by value) is the total order that
/// settles conflicts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Bool(bool),
    Date(Date),
    Text(String),
}

impl FieldValue {
    /// How the value is shown to users.
    pub fn display_fr(&self) -> String {
        match self {
            FieldValue::Bool(true) => "oui".into(),
            FieldValue::Bool(false) => "non".into(),
            FieldValue::Date(d) => crate::text::format_date_fr(*d),
            FieldValue::Text(t) => t.clone(),
        }
    }
}

/// One changed field: the value the device last saw and the value it wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: PersonField,
    pub base: FieldValue,
    pub value: FieldValue,
}

/// An edit of a person made on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEdit {
    pub person_id: Uuid,
    pub changes: Vec<FieldChange>,
}

/// One of the values of a conflict, with who set it and when (server time, Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictValue {
    pub value: FieldValue,
    pub author_id: Uuid,
    pub at: i64,
}

/// Two devices changed the same field of a person from the same base. The field holds
/// `result` (the greater value) until a user keeps one of the `candidates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: Uuid,
    pub person_id: Uuid,
    pub field: PersonField,
    pub candidates: Vec<ConflictValue>,
    pub result: FieldValue,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<i64>,
}

impl Conflict {
    pub fn is_open(&self) -> bool {
        self.resolved_by.is_none()
    }
}

/// What becomes of one field change on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldMerge {
    /// Nobody changed the field meanwhile: it takes the new value.
    Apply(FieldValue),
    /// The field already holds the new value.
    Unchanged,
    /// Someone else changed the field from the same base: `result` is the converged value
    /// (one of `current` and the new value); a conflict record must be kept.
    Conflict { result: FieldValue },
}

/// Merges one field change into the field's current value.
pub fn merge_field(current: &FieldValue, change: &FieldChange) -> FieldMerge {
    if *current == change.value {
        FieldMerge::Unchanged
    } else if *current == change.base {
        FieldMerge::Apply(change.value.clone())
    } else {
        FieldMerge::Conflict {
            result: current.clone().max(change.value.clone()),
        }
    }
}

/// The person as this device shows it: the last known server state with the device's edits
/// that still wait in the outbox laid over it, in order.
pub fn with_pending_edits<'a>(
    mut person: Person,
    pending: impl IntoIterator<Item = &'a PersonEdit>,
) -> Person {
    for edit in pending {
        if edit.person_id != person.id {
            continue;
        }
        for change in &edit.changes {
            change.field.set(&mut person, &change.value);
        }
    }
    person
}

/// The changes that turn `before` into `after`, each with its base from `before`.
pub fn diff(before: &Person, after: &Person) -> PersonEdit {
    PersonEdit {
        person_id: before.id,
        changes: PersonField::ALL
            .into_iter()
            .filter_map(|field| {
                let (base, value) = (field.get(before), field.get(after));
                (base != value).then_some(FieldChange { field, base, value })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    fn change(base: &str, value: &str) -> FieldChange {
        FieldChange {
            field: PersonField::FirstName,
            base: text(base),
            value: text(value),
        }
    }

    /// Applies changes one after the other as the server does; returns the final value and
    /// the number of conflicts.
    fn replay(start: &FieldValue, changes: &[FieldChange]) -> (FieldValue, usize) {
        let mut current = start.clone();
        let mut conflicts = 0;
        for c in changes {
            match merge_field(&current, c) {
                FieldMerge::Apply(v) => current = v,
                FieldMerge::Unchanged => {}
                FieldMerge::Conflict { result } => {
                    current = result;
                    conflicts += 1;
                }
            }
        }
        (current, conflicts)
    }

    #[test]
    fn an_edit_from_the_current_value_applies() {
        assert_eq!(
            merge_field(&text("Léa"), &change("Léa", "Léna")),
            FieldMerge::Apply(text("Léna"))
        );
    }

    #[test]
    fn the_same_change_made_twice_is_no_conflict() {
        assert_eq!(
            merge_field(&text("Léna"), &change("Léa", "Léna")),
            FieldMerge::Unchanged
        );
    }

    #[test]
    fn two_changes_of_one_field_from_one_base_converge_whatever_the_order() {
        let (a, b) = (change("Léa", "Léna"), change("Léa", "Lina"));
        let ab = replay(&text("Léa"), &[a.clone(), b.clone()]);
        let ba = replay(&text("Léa"), &[b, a]);
        assert_eq!(ab, ba);
        // "Léna" > "Lina": 'é' (U+00E9) comes after 'i' in the order of code points.
        assert_eq!(ab, (text("Léna"), 1));
    }

    #[test]
    fn three_concurrent_changes_converge_in_every_order() {
        let edits = [
            change("Léa", "Zoé"),
            change("Léa", "Anna"),
            change("Léa", "Maya"),
        ];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for order in orders {
            let sequence: Vec<_> = order.iter().map(|&i| edits[i].clone()).collect();
            assert_eq!(replay(&text("Léa"), &sequence).0, text("Zoé"), "{order:?}");
        }
    }

    #[test]
    fn an_edit_based_on_the_settled_value_applies_without_conflict() {
        let (settled, _) = replay(
            &text("Léa"),
            &[change("Léa", "Léna"), change("Léa", "Lina")],
        );
        assert_eq!(
            merge_field(&settled, &change("Léna", "Line")),
            FieldMerge::Apply(text("Line"))
        );
    }

    #[test]
    fn pending_edits_are_laid_over_the_server_state_in_order() {
        let server = Person {
            id: Uuid::from_u128(1),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 01 - 01),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
        };
        let mut edited = server.clone();
        edited.first_name = "Léna".into();
        edited.rsa_beneficiary = false;
        let first = diff(&server, &edited);
        assert_eq!(first.changes.len(), 2);
        let mut again = edited.clone();
        again.first_name = "Lina".into();
        let second = diff(&edited, &again);
        let other = PersonEdit {
            person_id: Uuid::from_u128(2),
            changes: vec![change("Léa", "Autre")],
        };
        let shown = with_pending_edits(server, [&first, &other, &second]);
        assert_eq!(shown, again);
    }

    #[test]
    fn values_of_the_wrong_type_are_not_set() {
        let mut person = Person {
            id: Uuid::from_u128(1),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 01 - 01),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
        };
        assert!(!PersonField::BirthDate.set(&mut person, &text("hier")));
        assert!(PersonField::BirthDate.set(&mut person, &FieldValue::Date(date!(1991 - 02 - 03))));
        assert_eq!(person.birth_date, date!(1991 - 02 - 03));
    }
}
