//! The rest of a person's file besides their identity: birth name, sex, contact, household,
//! RSA, education, labour-market situation and self-employed status. Every field is optional
//! at creation (a first interview rarely gathers everything) and merged field by field like
//! the identity (see `merge`).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::code_enum;
use crate::error::{FieldError, Invalid};

/// Longest address, in characters.
pub const ADDRESS_MAX_CHARS: usize = 200;
/// Most children in charge a household may declare.
pub const MAX_CHILDREN: i64 = 15;

code_enum! {
    /// Sex, as the FSE indicators count it.
    pub enum Sex {
        Female = ("female", "Femme"),
        Male = ("male", "Homme"),
        NonBinary = ("non_binary", "Non binaire"),
    }
}

code_enum! {
    pub enum Household {
        Alone = ("alone", "Personne seule"),
        Couple = ("couple", "En couple"),
    }
}

code_enum! {
    /// The body that pays the RSA and gives the "numéro allocataire".
    pub enum RsaFund {
        Caf = ("caf", "CAF"),
        Msa = ("msa", "MSA"),
    }
}

code_enum! {
    /// Education level in the FSE groups (ISCED).
    pub enum Education {
        Isced02 = ("isced_0_2", "Collège ou moins (CITE 0–2)"),
        Isced34 = ("isced_3_4", "Lycée, CAP, BEP, bac (CITE 3–4)"),
        Isced58 = ("isced_5_8", "Études supérieures (CITE 5–8)"),
    }
}

code_enum! {
    /// Labour-market situation: exactly one, as the FSE counts it at entry.
    pub enum LabourMarket {
        Unemployed = ("unemployed", "Demandeur d'emploi"),
        LongTermUnemployed = ("long_term_unemployed", "Demandeur d'emploi de longue durée"),
        Inactive = ("inactive", "Inactif"),
        Employed = ("employed", "En emploi (y compris indépendant)"),
    }
}

code_enum! {
    pub enum SelfEmployed {
        No = ("none", "Aucun"),
        Eti = ("eti", "Entrepreneur ou travailleur indépendant (ETI)"),
        Nsa = ("nsa", "Non-salarié agricole (NSA)"),
        MicroEntrepreneur = ("micro", "Micro-entrepreneur"),
    }
}

code_enum! {
    /// An answer to one of the FSE entry questions (disability, third-country national, …).
    /// "Declined" is an answer: the person chose not to say (the sensitive questions are
    /// never required).
    pub enum Answer {
        Yes = ("yes", "Oui"),
        No = ("no", "Non"),
        Declined = ("declined", "Ne souhaite pas répondre"),
    }
}

/// Everything of a person's file besides identity and commune. Empty strings mean "not
/// known".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PersonDetails {
    pub birth_name: String,
    pub sex: Option<Sex>,
    pub phone: String,
    pub email: String,
    /// Street address; the commune is the person's `commune_code`.
    pub address: String,
    pub household: Option<Household>,
    pub children: i64,
    pub rsa_fund: Option<RsaFund>,
    /// The CAF or MSA "numéro allocataire".
    pub allocataire: String,
    pub rsa_since: Option<Date>,
    /// Subject to the rights and duties of RSA beneficiaries.
    pub rights_and_duties: bool,
    pub education: Option<Education>,
    pub labour_market: Option<LabourMarket>,
    pub self_employed: Option<SelfEmployed>,
    /// FSE entry data (ESF+ common indicators). Disability and minority are sensitive: optional,
    /// never required anywhere. Absent from the serialised record when unknown, so that files
    /// written before these fields keep their checksums.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability: Option<Answer>,
    /// A national of a country outside the European Union.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub third_country_national: Option<Answer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_background: Option<Answer>,
    /// Member of a minority (including marginalised communities such as the Roma); sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minority: Option<Answer>,
    /// Homeless or excluded from housing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homeless: Option<Answer>,
}

impl PersonDetails {
    /// The same details with free text trimmed.
    pub fn normalized(mut self) -> PersonDetails {
        for s in [
            &mut self.birth_name,
            &mut self.phone,
            &mut self.email,
            &mut self.address,
            &mut self.allocataire,
        ] {
            *s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        self.allocataire.retain(|c| !c.is_whitespace());
        self
    }
}

/// A French phone number: 10 digits from 0, or +33 then 9 digits; spaces, dots and dashes
/// allowed between digits.
pub fn is_phone(s: &str) -> bool {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if let Some(rest) = digits.strip_prefix("+33") {
        rest.len() == 9 && rest.chars().all(|c| c.is_ascii_digit())
    } else {
        digits.len() == 10 && digits.starts_with('0') && digits.chars().all(|c| c.is_ascii_digit())
    }
}

/// A plausible e-mail address: one `@`, something before it, a dot in the domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && s.len() <= 254
}

/// Checks the details of a person born on `birth_date` (already [normalized]
/// (PersonDetails::normalized)).
pub fn check_details(
    details: &PersonDetails,
    birth_date: Date,
    today: Date,
    invalid: &mut Invalid,
) {
    if details.birth_name.chars().count() > crate::people::NAME_MAX_CHARS {
        invalid.push(FieldError::new(
            "birth_name",
            "too_long",
            format!(
                "Le nom de naissance ne doit pas dépasser {} caractères.",
                crate::people::NAME_MAX_CHARS
            ),
        ));
    }
    for (field, label, value) in [
        ("birth_name", "Le nom de naissance", &details.birth_name),
        ("address", "L'adresse", &details.address),
    ] {
        if let Some(error) = crate::text::hidden_characters(field, label, value, false) {
            invalid.push(error);
        }
    }
    if !details.phone.is_empty() && !is_phone(&details.phone) {
        invalid.push(FieldError::new(
            "phone",
            "invalid_phone",
            "Le téléphone doit compter 10 chiffres (ou +33 suivi de 9 chiffres).",
        ));
    }
    if !details.email.is_empty() && !is_email(&details.email) {
        invalid.push(FieldError::new(
            "email",
            "invalid_email",
            "L'adresse e-mail n'est pas valide.",
        ));
    }
    if details.address.chars().count() > ADDRESS_MAX_CHARS {
        invalid.push(FieldError::new(
            "address",
            "too_long",
            format!("L'adresse ne doit pas dépasser {ADDRESS_MAX_CHARS} caractères."),
        ));
    }
    if !(0..=MAX_CHILDREN).contains(&details.children) {
        invalid.push(FieldError::new(
            "children",
            "out_of_range",
            format!("Le nombre d'enfants à charge va de 0 à {MAX_CHILDREN}."),
        ));
    }
    if !details.allocataire.is_empty()
        && (!details.allocataire.chars().all(|c| c.is_ascii_digit())
            || !(4..=13).contains(&details.allocataire.len()))
    {
        invalid.push(FieldError::new(
            "allocataire",
            "invalid_allocataire",
            "Le numéro allocataire compte de 4 à 13 chiffres.",
        ));
    }
    if let Some(since) = details.rsa_since {
        if since > today {
            invalid.push(FieldError::new(
                "rsa_since",
                "in_future",
                "La date d'ouverture du RSA ne peut pas être dans le futur.",
            ));
        } else if since < birth_date {
            invalid.push(FieldError::new(
                "rsa_since",
                "before_birth",
                "La date d'ouverture du RSA ne peut pas précéder la naissance.",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn errors(details: &PersonDetails) -> Vec<String> {
        let mut invalid = Invalid::default();
        check_details(
            details,
            date!(1980 - 01 - 01),
            date!(2026 - 11 - 26),
            &mut invalid,
        );
        invalid.errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn empty_details_are_valid() {
        assert!(errors(&PersonDetails::default()).is_empty());
    }

    #[test]
    fn phones_are_french_numbers() {
        for good in [
            "05 55 12 34 56",
            "0612345678",
            "+33 6 12 34 56 78",
            "06.12.34.56.78",
        ] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["12345", "5555123456", "+33 6 12", "06 12 34 56 7a"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_user_and_a_domain() {
        assert!(is_email("lea.durand@exemple.fr"));
        for bad in [
            "lea",
            "@exemple.fr",
            "lea@exemple",
            "lea @exemple.fr",
            "a@b@c.fr",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let details = PersonDetails {
            phone: "123".into(),
            email: "nope".into(),
            children: 16,
            allocataire: "12ab".into(),
            rsa_since: Some(date!(2027 - 01 - 01)),
            address: "x".repeat(ADDRESS_MAX_CHARS + 1),
            ..PersonDetails::default()
        };
        assert_eq!(
            errors(&details),
            vec![
                "invalid_phone",
                "invalid_email",
                "too_long",
                "out_of_range",
                "invalid_allocataire",
                "in_future"
            ]
        );
        let before_birth = PersonDetails {
            rsa_since: Some(date!(1979 - 12 - 31)),
            ..PersonDetails::default()
        };
        assert_eq!(errors(&before_birth), vec!["before_birth"]);
    }

    #[test]
    fn normalizing_trims_text_and_strips_spaces_from_the_file_number() {
        let details = PersonDetails {
            phone: " 05 55  12 34 56 ".into(),
            allocataire: " 123 4567 ".into(),
            ..PersonDetails::default()
        }
        .normalized();
        assert_eq!(details.phone, "05 55 12 34 56");
        assert_eq!(details.allocataire, "1234567");
    }
}
