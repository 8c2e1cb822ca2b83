//! The farm funds: Agridiff, the SESA cell and the emergency fund, each with a yearly envelope;
//! the farms they support (name, optional SIRET, commune, the farmers — linked to their person
//! files when they are accompanied) and the grants, never beyond the fund's envelope of the
//! grant's year (the server sums the year's grants inside its writing transaction, as for
//! purchase orders).

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::euros;
use crate::code_enum;
use crate::error::{FieldError, Invalid};

/// Longest farm name or grant purpose, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// Farmers of one farm.
pub const MAX_FARMERS: usize = 10;

code_enum! {
    pub enum Fund {
        Agridiff = ("agridiff", "Agridiff"),
        Sesa = ("sesa", "Cellule SESA (soutien économique et social aux agriculteurs)"),
        Emergency = ("emergency", "Fonds d'urgence"),
    }
}

/// A fund's envelope for one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope {
    pub fund: Fund,
    pub year: i32,
    pub amount_cents: i64,
}

impl Envelope {
    /// Its id in the replica: the same for a fund and a year on every server.
    pub fn id(&self) -> Uuid {
        super::record_id(&format!("fund:{}:{}", self.fund.as_str(), self.year))
    }
}

/// A farm supported by a fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Farm {
    pub id: Uuid,
    pub name: String,
    /// 14 digits, or empty.
    #[serde(default)]
    pub siret: String,
    pub commune_code: String,
    /// The farmers' names, as typed.
    #[serde(default)]
    pub farmers: Vec<String>,
    /// The person files of the farmers who are accompanied.
    #[serde(default)]
    pub people: Vec<Uuid>,
}

/// A grant of a fund to a farm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub id: Uuid,
    pub farm_id: Uuid,
    pub fund: Fund,
    pub granted_on: Date,
    pub amount_cents: i64,
    #[serde(default)]
    pub purpose: String,
}

/// Whether `siret` is 14 digits passing the Luhn check (La Poste's establishments aside,
/// which follow another rule and are not farms).
pub fn siret_ok(siret: &str) -> bool {
    siret.len() == 14
        && siret.chars().all(|c| c.is_ascii_digit())
        && siret
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let d = d * 2;
                    if d > 9 { d - 9 } else { d }
                } else {
                    d
                }
            })
            .sum::<u32>()
            .is_multiple_of(10)
}

fn check_name(field: &str, label: &str, value: &str, required: bool, invalid: &mut Invalid) {
    if required && value.is_empty() {
        invalid.push(FieldError::new(
            field,
            "required",
            format!("{label} est obligatoire."),
        ));
    } else if value.chars().count() > NAME_MAX_CHARS {
        invalid.push(FieldError::new(
            field,
            "too_long",
            format!("{label} ne doit pas dépasser {NAME_MAX_CHARS} caractères."),
        ));
    } else if let Some(error) = crate::text::hidden_characters(field, label, value, false) {
        invalid.push(error);
    }
}

/// Checks a farm: a name, a SIRET of 14 digits when given, a commune of Haute-Vienne, at most
/// [`MAX_FARMERS`] farmers. Returns it trimmed, without blank farmers.
pub fn check_farm(farm: Farm) -> Result<Farm, Invalid> {
    let mut farm = farm;
    let mut invalid = Invalid::default();
    farm.name = farm.name.trim().to_owned();
    farm.siret = farm.siret.chars().filter(|c| !c.is_whitespace()).collect();
    farm.farmers = farm
        .farmers
        .iter()
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    check_name(
        "farm_name",
        "Le nom de l'exploitation",
        &farm.name,
        true,
        &mut invalid,
    );
    if !farm.siret.is_empty() && !siret_ok(&farm.siret) {
        invalid.push(FieldError::new(
            "farm_siret",
            "invalid_siret",
            "Le SIRET compte 14 chiffres (clé de contrôle comprise) ; laissez vide s'il n'est pas connu.",
        ));
    }
    if crate::communes::by_code(&farm.commune_code).is_none() {
        invalid.push(FieldError::new(
            "farm_commune",
            "unknown_commune",
            "Choisissez une commune de la Haute-Vienne.",
        ));
    }
    if farm.farmers.len() > MAX_FARMERS || farm.people.len() > MAX_FARMERS {
        invalid.push(FieldError::new(
            "farm_farmers",
            "too_many",
            format!("Une exploitation compte au plus {MAX_FARMERS} exploitants."),
        ));
    }
    for farmer in &farm.farmers {
        check_name(
            "farm_farmers",
            "Le nom d'un exploitant",
            farmer,
            false,
            &mut invalid,
        );
    }
    invalid.into_result().map(|()| farm)
}

/// Checks a grant against the envelope of its fund and year and what that year's other grants
/// of the fund already use (`granted_cents`, summed by the server in its writing
/// transaction). The refusal says what was left.
pub fn check_grant(
    grant: Grant,
    envelope: Option<&Envelope>,
    granted_cents: i64,
    today: Date,
) -> Result<Grant, Invalid> {
    let mut grant = grant;
    let mut invalid = Invalid::default();
    grant.purpose = grant.purpose.trim().to_owned();
    check_name(
        "grant_purpose",
        "L'objet de l'aide",
        &grant.purpose,
        false,
        &mut invalid,
    );
    if grant.granted_on > today {
        invalid.push(FieldError::new(
            "grant_date",
            "in_future",
            "La date de l'aide ne peut pas être dans le futur.",
        ));
    }
    if grant.amount_cents <= 0 {
        invalid.push(FieldError::new(
            "grant_amount",
            "out_of_range",
            "Le montant de l'aide est positif.",
        ));
    }
    let year = grant.granted_on.year();
    match envelope {
        None => invalid.push(FieldError::new(
            "grant_fund",
            "no_envelope",
            format!(
                "{} n'a pas d'enveloppe pour {year} : fixez-la avant d'accorder une aide.",
                grant.fund.label_fr()
            ),
        )),
        Some(envelope) if grant.amount_cents > 0 => {
            let left = (envelope.amount_cents - granted_cents).max(0);
            if grant.amount_cents > left {
                invalid.push(FieldError::new(
                    "grant_amount",
                    "over_envelope",
                    format!(
                        "L'enveloppe {year} de {} est dépassée : il restait {} sur {}, l'aide est de {}.",
                        grant.fund.label_fr(),
                        euros(left),
                        euros(envelope.amount_cents),
                        euros(grant.amount_cents)
                    ),
                ));
            }
        }
        Some(_) => {}
    }
    invalid.into_result().map(|()| grant)
}

/// The figures of one fund for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundYear {
    pub fund: Fund,
    pub year: i32,
    /// `None` when no envelope is set for that year.
    pub envelope_cents: Option<i64>,
    pub granted_cents: i64,
    /// Distinct farms that received a grant of the fund that year.
    pub farms: u32,
}

/// The figures of each fund for `year`, from the envelopes and every grant.
pub fn fund_year(envelopes: &[Envelope], grants: &[Grant], year: i32) -> Vec<FundYear> {
    Fund::ALL
        .iter()
        .map(|fund| {
            let of_year: Vec<&Grant> = grants
                .iter()
                .filter(|g| g.fund == *fund && g.granted_on.year() == year)
                .collect();
            let mut farms: Vec<Uuid> = of_year.iter().map(|g| g.farm_id).collect();
            farms.sort_unstable();
            farms.dedup();
            FundYear {
                fund: *fund,
                year,
                envelope_cents: envelopes
                    .iter()
                    .find(|e| e.fund == *fund && e.year == year)
                    .map(|e| e.amount_cents),
                granted_cents: of_year.iter().map(|g| g.amount_cents).sum(),
                farms: farms.len() as u32,
            }
        })
        .collect()
}

/// What the funds' screen shows (`GET /api/funds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundsView {
    pub envelopes: Vec<Envelope>,
    pub farms: Vec<Farm>,
    pub grants: Vec<Grant>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn grant(amount_cents: i64, granted_on: Date) -> Grant {
        Grant {
            id: Uuid::from_u128(1),
            farm_id: Uuid::from_u128(2),
            fund: Fund::Emergency,
            granted_on,
            amount_cents,
            purpose: " Trésorerie ".into(),
        }
    }

    #[test]
    fn a_grant_stays_within_its_years_envelope() {
        let envelope = Envelope {
            fund: Fund::Emergency,
            year: 2016,
            amount_cents: 500_000,
        };
        let today = date!(2016 - 12 - 01);
        let ok = check_grant(
            grant(125_000, date!(2016 - 06 - 01)),
            Some(&envelope),
            375_000,
            today,
        )
        .unwrap();
        assert_eq!(ok.purpose, "Trésorerie");
        let over = check_grant(
            grant(125_001, date!(2016 - 06 - 01)),
            Some(&envelope),
            375_000,
            today,
        )
        .unwrap_err();
        assert_eq!(over.errors[0].code, "over_envelope");
        assert!(
            over.errors[0]
                .message
                .contains("il restait 1\u{202f}250,00\u{a0}€ sur 5\u{202f}000,00\u{a0}€")
        );
        let none = check_grant(grant(1, date!(2016 - 06 - 01)), None, 0, today).unwrap_err();
        assert_eq!(none.errors[0].code, "no_envelope");
        let future =
            check_grant(grant(1, date!(2016 - 12 - 02)), Some(&envelope), 0, today).unwrap_err();
        assert_eq!(future.errors[0].code, "in_future");
    }

    #[test]
    fn a_farm_has_a_name_a_commune_and_a_valid_siret_when_given() {
        let farm = Farm {
            id: Uuid::nil(),
            name: " GAEC des Combes ".into(),
            siret: "870 000 000 00014".into(),
            commune_code: "87085".into(),
            farmers: vec![" Jeanne ".into(), String::new()],
            people: vec![],
        };
        let checked = check_farm(farm.clone()).unwrap();
        assert_eq!(
            (
                checked.name.as_str(),
                checked.siret.as_str(),
                checked.farmers.len()
            ),
            ("GAEC des Combes", "87000000000014", 1)
        );
        let bad = check_farm(Farm {
            name: String::new(),
            siret: "87000000000015".into(),
            commune_code: "75056".into(),
            ..farm
        })
        .unwrap_err();
        let codes: Vec<&str> = bad.errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["required", "invalid_siret", "unknown_commune"]);
    }

    #[test]
    fn the_year_counts_distinct_farms_and_what_was_granted() {
        let envelopes = [Envelope {
            fund: Fund::Sesa,
            year: 2016,
            amount_cents: 3_500_000,
        }];
        let mut grants = vec![
            grant(100, date!(2016 - 03 - 01)),
            grant(200, date!(2016 - 04 - 01)),
        ];
        for g in &mut grants {
            g.fund = Fund::Sesa;
        }
        grants.push(Grant {
            farm_id: Uuid::from_u128(3),
            ..grants[0].clone()
        });
        grants.push(Grant {
            granted_on: date!(2017 - 01 - 01),
            ..grants[0].clone()
        });
        let year = fund_year(&envelopes, &grants, 2016);
        let sesa = year.iter().find(|f| f.fund == Fund::Sesa).unwrap();
        assert_eq!(
            (sesa.envelope_cents, sesa.granted_cents, sesa.farms),
            (Some(3_500_000), 400, 2)
        );
        let agridiff = year.iter().find(|f| f.fund == Fund::Agridiff).unwrap();
        assert_eq!((agridiff.envelope_cents, agridiff.granted_cents), (None, 0));
    }
}
