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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    LastName,
    FirstName,
    BirthDate,
    CommuneCode,
    RsaBeneficiary,
    BirthName,
    Sex,
    Phone,
    Email,
    Address,
    Household,
    Children,
    RsaFund,
    Allocataire,
    RsaSince,
    RightsAndDuties,
    Education,
    LabourMarket,
    SelfEmployed,
    Disability,
    ThirdCountryNational,
    ForeignBackground,
    Minority,
    Homeless,
}

/// A closed list's value as a field value: its code, or `""` when unknown.
fn code_value(code: Option<&'static str>) -> FieldValue {
    FieldValue::Text(code.unwrap_or_default().to_owned())
}

/// Reads a field value back into an optional code; `None` when the value is not a known code.
fn parse_code<T>(value: &FieldValue, parse: fn(&str) -> Option<T>) -> Option<Option<T>> {
    match value {
        FieldValue::Text(t) if t.is_empty() => Some(None),
        FieldValue::Text(t) => parse(t).map(Some),
        _ => None,
    }
}

impl PersonField {
    pub const ALL: [PersonField; 24] = [
        PersonField::LastName,
        PersonField::FirstName,
        PersonField::BirthDate,
        PersonField::CommuneCode,
        PersonField::RsaBeneficiary,
        PersonField::BirthName,
        PersonField::Sex,
        PersonField::Phone,
        PersonField::Email,
        PersonField::Address,
        PersonField::Household,
        PersonField::Children,
        PersonField::RsaFund,
        PersonField::Allocataire,
        PersonField::RsaSince,
        PersonField::RightsAndDuties,
        PersonField::Education,
        PersonField::LabourMarket,
        PersonField::SelfEmployed,
        PersonField::Disability,
        PersonField::ThirdCountryNational,
        PersonField::ForeignBackground,
        PersonField::Minority,
        PersonField::Homeless,
    ];

    /// The field's name in the API and in forms (`last_name`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PersonField::LastName => "last_name",
            PersonField::FirstName => "first_name",
            PersonField::BirthDate => "birth_date",
            PersonField::CommuneCode => "commune_code",
            PersonField::RsaBeneficiary => "rsa_beneficiary",
            PersonField::BirthName => "birth_name",
            PersonField::Sex => "sex",
            PersonField::Phone => "phone",
            PersonField::Email => "email",
            PersonField::Address => "address",
            PersonField::Household => "household",
            PersonField::Children => "children",
            PersonField::RsaFund => "rsa_fund",
            PersonField::Allocataire => "allocataire",
            PersonField::RsaSince => "rsa_since",
            PersonField::RightsAndDuties => "rights_and_duties",
            PersonField::Education => "education",
            PersonField::LabourMarket => "labour_market",
            PersonField::SelfEmployed => "self_employed",
            PersonField::Disability => "disability",
            PersonField::ThirdCountryNational => "third_country_national",
            PersonField::ForeignBackground => "foreign_background",
            PersonField::Minority => "minority",
            PersonField::Homeless => "homeless",
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
            PersonField::BirthName => "Nom de naissance",
            PersonField::Sex => "Sexe",
            PersonField::Phone => "Téléphone",
            PersonField::Email => "E-mail",
            PersonField::Address => "Adresse",
            PersonField::Household => "Situation familiale",
            PersonField::Children => "Enfants à charge",
            PersonField::RsaFund => "Organisme payeur",
            PersonField::Allocataire => "Numéro allocataire",
            PersonField::RsaSince => "Au RSA depuis",
            PersonField::RightsAndDuties => "Soumis aux droits et devoirs",
            PersonField::Education => "Niveau de formation",
            PersonField::LabourMarket => "Situation sur le marché du travail",
            PersonField::SelfEmployed => "Statut d'indépendant",
            PersonField::Disability => "Situation de handicap",
            PersonField::ThirdCountryNational => "Ressortissant d'un pays tiers (hors UE)",
            PersonField::ForeignBackground => "Personne d'origine étrangère",
            PersonField::Minority => "Appartenance à une minorité",
            PersonField::Homeless => "Sans domicile ou exclu du logement",
        }
    }

    /// How a value of this field is shown to users: closed lists by their label, communes by
    /// their name, the rest as [`FieldValue::display_fr`].
    pub fn display_value_fr(self, value: &FieldValue) -> String {
        use crate::profile::{Education, Household, LabourMarket, RsaFund, SelfEmployed, Sex};
        let FieldValue::Text(code) = value else {
            return value.display_fr();
        };
        let label = match self {
            PersonField::CommuneCode => crate::communes::by_code(code).map(|c| c.name),
            PersonField::Sex => Sex::parse(code).map(Sex::label_fr),
            PersonField::Household => Household::parse(code).map(Household::label_fr),
            PersonField::RsaFund => RsaFund::parse(code).map(RsaFund::label_fr),
            PersonField::Education => Education::parse(code).map(Education::label_fr),
            PersonField::LabourMarket => LabourMarket::parse(code).map(LabourMarket::label_fr),
            PersonField::SelfEmployed => SelfEmployed::parse(code).map(SelfEmployed::label_fr),
            PersonField::Disability
            | PersonField::ThirdCountryNational
            | PersonField::ForeignBackground
            | PersonField::Minority
            | PersonField::Homeless => {
                crate::profile::Answer::parse(code).map(crate::profile::Answer::label_fr)
            }
            _ => None,
        };
        label.map_or_else(|| value.display_fr(), str::to_owned)
    }

    /// The value of this field in `person`.
    pub fn get(self, person: &Person) -> FieldValue {
        let d = &person.details;
        match self {
            PersonField::LastName => FieldValue::Text(person.last_name.clone()),
            PersonField::FirstName => FieldValue::Text(person.first_name.clone()),
            PersonField::BirthDate => FieldValue::Date(person.birth_date),
            PersonField::CommuneCode => FieldValue::Text(person.commune_code.clone()),
            PersonField::RsaBeneficiary => FieldValue::Bool(person.rsa_beneficiary),
            PersonField::BirthName => FieldValue::Text(d.birth_name.clone()),
            PersonField::Sex => code_value(d.sex.map(|v| v.as_str())),
            PersonField::Phone => FieldValue::Text(d.phone.clone()),
            PersonField::Email => FieldValue::Text(d.email.clone()),
            PersonField::Address => FieldValue::Text(d.address.clone()),
            PersonField::Household => code_value(d.household.map(|v| v.as_str())),
            PersonField::Children => FieldValue::Int(d.children),
            PersonField::RsaFund => code_value(d.rsa_fund.map(|v| v.as_str())),
            PersonField::Allocataire => FieldValue::Text(d.allocataire.clone()),
            PersonField::RsaSince => match d.rsa_since {
                Some(date) => FieldValue::Date(date),
                None => FieldValue::Text(String::new()),
            },
            PersonField::RightsAndDuties => FieldValue::Bool(d.rights_and_duties),
            PersonField::Education => code_value(d.education.map(|v| v.as_str())),
            PersonField::LabourMarket => code_value(d.labour_market.map(|v| v.as_str())),
            PersonField::SelfEmployed => code_value(d.self_employed.map(|v| v.as_str())),
            PersonField::Disability => code_value(d.disability.map(|v| v.as_str())),
            PersonField::ThirdCountryNational => {
                code_value(d.third_country_national.map(|v| v.as_str()))
            }
            PersonField::ForeignBackground => code_value(d.foreign_background.map(|v| v.as_str())),
            PersonField::Minority => code_value(d.minority.map(|v| v.as_str())),
            PersonField::Homeless => code_value(d.homeless.map(|v| v.as_str())),
        }
    }

    /// Sets this field of `person`; `false` when the value has the wrong type or is not one
    /// of the field's codes.
    pub fn set(self, person: &mut Person, value: &FieldValue) -> bool {
        use crate::profile::{
            Answer, Education, Household, LabourMarket, RsaFund, SelfEmployed, Sex,
        };
        let d = &mut person.details;
        match (self, value) {
            (PersonField::LastName, FieldValue::Text(v)) => person.last_name = v.clone(),
            (PersonField::FirstName, FieldValue::Text(v)) => person.first_name = v.clone(),
            (PersonField::BirthDate, FieldValue::Date(v)) => person.birth_date = *v,
            (PersonField::CommuneCode, FieldValue::Text(v)) => person.commune_code = v.clone(),
            (PersonField::RsaBeneficiary, FieldValue::Bool(v)) => person.rsa_beneficiary = *v,
            (PersonField::BirthName, FieldValue::Text(v)) => d.birth_name = v.clone(),
            (PersonField::Phone, FieldValue::Text(v)) => d.phone = v.clone(),
            (PersonField::Email, FieldValue::Text(v)) => d.email = v.clone(),
            (PersonField::Address, FieldValue::Text(v)) => d.address = v.clone(),
            (PersonField::Children, FieldValue::Int(v)) => d.children = *v,
            (PersonField::Allocataire, FieldValue::Text(v)) => d.allocataire = v.clone(),
            (PersonField::RsaSince, FieldValue::Date(v)) => d.rsa_since = Some(*v),
            (PersonField::RsaSince, FieldValue::Text(v)) if v.is_empty() => d.rsa_since = None,
            (PersonField::RightsAndDuties, FieldValue::Bool(v)) => d.rights_and_duties = *v,
            (PersonField::Sex, v) => match parse_code(v, Sex::parse) {
                Some(code) => d.sex = code,
                None => return false,
            },
            (PersonField::Household, v) => match parse_code(v, Household::parse) {
                Some(code) => d.household = code,
                None => return false,
            },
            (PersonField::RsaFund, v) => match parse_code(v, RsaFund::parse) {
                Some(code) => d.rsa_fund = code,
                None => return false,
            },
            (PersonField::Education, v) => match parse_code(v, Education::parse) {
                Some(code) => d.education = code,
                None => return false,
            },
            (PersonField::LabourMarket, v) => match parse_code(v, LabourMarket::parse) {
                Some(code) => d.labour_market = code,
                None => return false,
            },
            (PersonField::SelfEmployed, v) => match parse_code(v, SelfEmployed::parse) {
                Some(code) => d.self_employed = code,
                None => return false,
            },
            (PersonField::Disability, v) => match parse_code(v, Answer::parse) {
                Some(code) => d.disability = code,
                None => return false,
            },
            (PersonField::ThirdCountryNational, v) => match parse_code(v, Answer::parse) {
                Some(code) => d.third_country_national = code,
                None => return false,
            },
            (PersonField::ForeignBackground, v) => match parse_code(v, Answer::parse) {
                Some(code) => d.foreign_background = code,
                None => return false,
            },
            (PersonField::Minority, v) => match parse_code(v, Answer::parse) {
                Some(code) => d.minority = code,
                None => return false,
            },
            (PersonField::Homeless, v) => match parse_code(v, Answer::parse) {
                Some(code) => d.homeless = code,
                None => return false,
            },
            _ => return false,
        }
        true
    }
}

/// A field's value. The derived order (by variant, then by value) is the total order that
/// settles conflicts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Bool(bool),
    Date(Date),
    Text(String),
    Int(i64),
}

impl FieldValue {
    /// How the value is shown to users (codes of closed lists are shown by their caller).
    pub fn display_fr(&self) -> String {
        match self {
            FieldValue::Bool(true) => "oui".into(),
            FieldValue::Bool(false) => "non".into(),
            FieldValue::Date(d) => crate::text::format_date_fr(*d),
            FieldValue::Text(t) if t.is_empty() => "(vide)".into(),
            FieldValue::Text(t) => t.clone(),
            FieldValue::Int(n) => n.to_string(),
        }
    }
}

/// One changed field: the value the device last saw and the value it wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: PersonField,
    pub base: FieldValue,
    pub value: FieldValue,
}

/// An edit of a person made on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonEdit {
    pub person_id: Uuid,
    pub changes: Vec<FieldChange>,
}

/// One of the values of a conflict, with who set it, from which device (when known) and when
/// (server time, Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictValue {
    pub value: FieldValue,
    pub author_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
    pub at: i64,
}

/// Two devices changed the same field of a person from the same base. The field holds
/// `result` (the greater value) until a user keeps one of the `candidates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Merges one field change into the field's current value. `same_writer` says that the
/// current value was written by the device that sends the change: a device's later edit of a
/// field supersedes its earlier one even when its base is stale (an app of an older version
/// forgot its own acknowledged change), so a device never conflicts with itself. Edits of
/// different devices, even of one user, conflict: the server cannot tell in which order they
/// were typed.
pub fn merge_field(current: &FieldValue, change: &FieldChange, same_writer: bool) -> FieldMerge {
    if *current == change.value {
        FieldMerge::Unchanged
    } else if *current == change.base || same_writer {
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
            match merge_field(&current, c, false) {
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
            merge_field(&text("Léa"), &change("Léa", "Léna"), false),
            FieldMerge::Apply(text("Léna"))
        );
    }

    #[test]
    fn the_same_change_made_twice_is_no_conflict() {
        assert_eq!(
            merge_field(&text("Léna"), &change("Léa", "Léna"), false),
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
            merge_field(&settled, &change("Léna", "Line"), false),
            FieldMerge::Apply(text("Line"))
        );
    }

    #[test]
    fn a_device_supersedes_its_own_value_even_from_a_stale_base() {
        // The device wrote "Léna" over "Léa", then "Lina" still based on "Léa".
        assert_eq!(
            merge_field(&text("Léna"), &change("Léa", "Lina"), true),
            FieldMerge::Apply(text("Lina"))
        );
        // The same edit from another device is a conflict.
        assert_eq!(
            merge_field(&text("Léna"), &change("Léa", "Lina"), false),
            FieldMerge::Conflict {
                result: text("Léna")
            }
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
            details: Default::default(),
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
    fn values_are_shown_by_their_labels() {
        assert_eq!(
            PersonField::CommuneCode.display_value_fr(&text("87085")),
            "Limoges"
        );
        assert_eq!(PersonField::Sex.display_value_fr(&text("female")), "Femme");
        assert_eq!(PersonField::Sex.display_value_fr(&text("")), "(vide)");
        assert_eq!(PersonField::Phone.display_value_fr(&text("0611")), "0611");
        assert_eq!(
            PersonField::RsaBeneficiary.display_value_fr(&FieldValue::Bool(true)),
            "oui"
        );
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
            details: Default::default(),
        };
        assert!(!PersonField::BirthDate.set(&mut person, &text("hier")));
        assert!(PersonField::BirthDate.set(&mut person, &FieldValue::Date(date!(1991 - 02 - 03))));
        assert_eq!(person.birth_date, date!(1991 - 02 - 03));
    }

    #[test]
    fn every_field_reads_back_what_it_sets_and_refuses_unknown_codes() {
        let mut person = Person {
            id: Uuid::from_u128(1),
            last_name: "Roux".into(),
            first_name: "Léa".into(),
            birth_date: date!(1990 - 01 - 01),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
            details: Default::default(),
        };
        for field in PersonField::ALL {
            assert_eq!(PersonField::parse(field.as_str()), Some(field));
            let value = field.get(&person);
            assert!(field.set(&mut person, &value), "{field:?}");
            assert_eq!(field.get(&person), value);
        }
        assert!(PersonField::Sex.set(&mut person, &text("female")));
        assert_eq!(person.details.sex, Some(crate::profile::Sex::Female));
        assert!(!PersonField::Sex.set(&mut person, &text("martian")));
        assert!(PersonField::Sex.set(&mut person, &text("")));
        assert_eq!(person.details.sex, None);
        assert!(PersonField::RsaSince.set(&mut person, &FieldValue::Date(date!(2020 - 05 - 01))));
        assert!(PersonField::RsaSince.set(&mut person, &text("")));
        assert_eq!(person.details.rsa_since, None);
        assert!(!PersonField::Children.set(&mut person, &text("2")));
        assert!(PersonField::Children.set(&mut person, &FieldValue::Int(2)));
        assert_eq!(person.details.children, 2);
    }
}
