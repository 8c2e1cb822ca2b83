//! The accompaniment schemes ("dispositifs") and the territory each one serves.
//!
//! Which communes a scheme serves is data ([`Territory`]), stored by the server and sent to every
//! device with the reference data; the rule that applies it ([`Scheme::serves`]) lives here.

use serde::{Deserialize, Serialize};

use crate::communes::{Commune, LIMOGES_METROPOLE_EPCI};
use crate::{FieldError, Invalid};

/// The three schemes of Haute-Vienne.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SchemeCode {
    /// Accompagnement renforcé pour l'emploi, run by the Département on the rural territory.
    Arpe,
    /// Plan local pour l'insertion et l'emploi of Limoges Métropole.
    Plie,
    /// Accompagnement global, Pôle emploi with the Département's social service.
    Global,
}

impl SchemeCode {
    pub const ALL: [SchemeCode; 3] = [SchemeCode::Arpe, SchemeCode::Plie, SchemeCode::Global];

    /// The code as stored and sent (`arpe`, `plie`, `global`).
    pub fn as_str(self) -> &'static str {
        match self {
            SchemeCode::Arpe => "arpe",
            SchemeCode::Plie => "plie",
            SchemeCode::Global => "global",
        }
    }

    pub fn parse(code: &str) -> Option<SchemeCode> {
        SchemeCode::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The short name users know the scheme by.
    pub fn short_name(self) -> &'static str {
        match self {
            SchemeCode::Arpe => "ARPE",
            SchemeCode::Plie => "PLIE",
            SchemeCode::Global => "Accompagnement global",
        }
    }
}

/// The communes a scheme serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Territory {
    /// Every commune of the département.
    Everywhere,
    /// Only the communes that belong to one of these EPCI.
    InsideEpci { epci: Vec<String> },
    /// Every commune except those of these EPCI.
    OutsideEpci { epci: Vec<String> },
    /// These communes (INSEE codes).
    Communes { codes: Vec<String> },
}

impl Territory {
    pub fn contains(&self, commune: &Commune) -> bool {
        match self {
            Territory::Everywhere => true,
            Territory::InsideEpci { epci } => epci.iter().any(|e| e == commune.epci),
            Territory::OutsideEpci { epci } => epci.iter().all(|e| e != commune.epci),
            Territory::Communes { codes } => codes.iter().any(|c| c == commune.code),
        }
    }

    /// Checks that every EPCI or commune named is in the reference data (and that a list of
    /// communes is not empty); returns the territory with its lists sorted and deduplicated.
    pub fn checked(self) -> Result<Territory, Invalid> {
        let known_epci: Vec<&str> = crate::communes::all().iter().map(|c| c.epci).collect();
        let mut invalid = Invalid::default();
        let mut sorted = |mut list: Vec<String>, known: &dyn Fn(&str) -> bool, what: &str| {
            list.iter_mut().for_each(|v| *v = v.trim().to_owned());
            list.sort();
            list.dedup();
            for unknown in list.iter().filter(|v| !known(v)) {
                invalid.push(FieldError::new(
                    "territory",
                    "unknown",
                    format!("{what} « {unknown} » n'existe pas dans les données de référence de la Haute-Vienne."),
                ));
            }
            list
        };
        let territory = match self {
            Territory::Everywhere => Territory::Everywhere,
            Territory::InsideEpci { epci } => Territory::InsideEpci {
                epci: sorted(epci, &|e| known_epci.contains(&e), "L'EPCI"),
            },
            Territory::OutsideEpci { epci } => Territory::OutsideEpci {
                epci: sorted(epci, &|e| known_epci.contains(&e), "L'EPCI"),
            },
            Territory::Communes { codes } => Territory::Communes {
                codes: sorted(
                    codes,
                    &|c| crate::communes::by_code(c).is_some(),
                    "La commune",
                ),
            },
        };
        if matches!(&territory, Territory::Communes { codes } if codes.is_empty())
            || matches!(&territory, Territory::InsideEpci { epci } if epci.is_empty())
        {
            invalid.push(FieldError::new(
                "territory",
                "empty",
                "Le territoire ne contient aucune commune.",
            ));
        }
        invalid.into_result()?;
        Ok(territory)
    }
}

/// How the monthly active caseload ("file active mensuelle") counts a person: active on any
/// day of the month (the default), or on its last day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileActiveRule {
    #[default]
    AnyDay,
    LastDay,
}

/// What an administrator may set on a scheme besides its territory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemeSettings {
    #[serde(default)]
    pub file_active_rule: FileActiveRule,
    /// People a full-time référent of the scheme is expected to follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portfolio_target: Option<i64>,
    /// Longest pathway in months (PLIE: 36), if the scheme has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway_limit_months: Option<i32>,
}

impl SchemeSettings {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        if self
            .portfolio_target
            .is_some_and(|t| !(1..=200).contains(&t))
        {
            invalid.push(FieldError::new(
                "portfolio_target",
                "out_of_range",
                "L'objectif de portefeuille va de 1 à 200 personnes.",
            ));
        }
        if self
            .pathway_limit_months
            .is_some_and(|m| !(6..=120).contains(&m))
        {
            invalid.push(FieldError::new(
                "pathway_limit_months",
                "out_of_range",
                "La durée maximale d'un parcours va de 6 à 120 mois.",
            ));
        }
        invalid.into_result()
    }
}

/// A scheme with its territory and settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scheme {
    pub code: SchemeCode,
    pub name: String,
    pub territory: Territory,
    #[serde(default)]
    pub settings: SchemeSettings,
}

/// A change of a scheme by an administrator, in force from a date (`PUT /api/admin/schemes/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemeChange {
    pub territory: Territory,
    pub settings: SchemeSettings,
    pub effective_from: time::Date,
}

impl Scheme {
    pub fn serves(&self, commune: &Commune) -> bool {
        self.territory.contains(commune)
    }

    /// The schemes as the seed document describes them; the server stores these on first start.
    pub fn haute_vienne_defaults() -> Vec<Scheme> {
        vec![
            Scheme {
                code: SchemeCode::Arpe,
                name: "ARPE — accompagnement renforcé pour l'emploi".into(),
                territory: Territory::OutsideEpci {
                    epci: vec![LIMOGES_METROPOLE_EPCI.into()],
                },
                settings: SchemeSettings {
                    portfolio_target: Some(50),
                    ..SchemeSettings::default()
                },
            },
            Scheme {
                code: SchemeCode::Plie,
                name: "PLIE de Limoges Métropole".into(),
                territory: Territory::InsideEpci {
                    epci: vec![LIMOGES_METROPOLE_EPCI.into()],
                },
                settings: SchemeSettings {
                    portfolio_target: Some(60),
                    pathway_limit_months: Some(36),
                    ..SchemeSettings::default()
                },
            },
            Scheme {
                code: SchemeCode::Global,
                name: "Accompagnement global (Pôle emploi – Département)".into(),
                territory: Territory::Everywhere,
                settings: SchemeSettings {
                    portfolio_target: Some(60),
                    ..SchemeSettings::default()
                },
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::communes::{all, by_code};

    fn scheme(code: SchemeCode) -> Scheme {
        Scheme::haute_vienne_defaults()
            .into_iter()
            .find(|s| s.code == code)
            .unwrap()
    }

    #[test]
    fn arpe_serves_the_rural_territory_and_plie_the_metropole_only() {
        let limoges = by_code("87085").unwrap();
        let bellac = by_code("87011").unwrap();
        assert_eq!(bellac.name, "Bellac");
        assert!(scheme(SchemeCode::Plie).serves(limoges));
        assert!(!scheme(SchemeCode::Plie).serves(bellac));
        assert!(scheme(SchemeCode::Arpe).serves(bellac));
        assert!(!scheme(SchemeCode::Arpe).serves(limoges));
    }

    #[test]
    fn arpe_and_plie_split_the_departement_and_global_covers_it_all() {
        let (arpe, plie, global) = (
            scheme(SchemeCode::Arpe),
            scheme(SchemeCode::Plie),
            scheme(SchemeCode::Global),
        );
        for commune in all() {
            assert!(
                arpe.serves(commune) != plie.serves(commune),
                "{}",
                commune.name
            );
            assert!(global.serves(commune));
        }
        assert_eq!(all().iter().filter(|c| arpe.serves(c)).count(), 175);
    }

    #[test]
    fn scheme_codes_round_trip_through_their_string_form() {
        for code in SchemeCode::ALL {
            assert_eq!(SchemeCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(SchemeCode::parse("rsa"), None);
    }

    #[test]
    fn a_territory_is_plain_data_that_serialises() {
        let json = serde_json::to_value(&scheme(SchemeCode::Plie).territory).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "inside_epci", "epci": ["248719312"]})
        );
    }

    #[test]
    fn a_territory_names_known_communes_and_epci_only() {
        let communes = Territory::Communes {
            codes: vec!["87085".into(), " 87011".into(), "87085".into()],
        }
        .checked()
        .unwrap();
        assert_eq!(
            communes,
            Territory::Communes {
                codes: vec!["87011".into(), "87085".into()]
            }
        );
        assert!(communes.contains(by_code("87011").unwrap()));
        assert!(!communes.contains(by_code("87114").unwrap()));
        let unknown = Territory::Communes {
            codes: vec!["75056".into()],
        }
        .checked()
        .unwrap_err();
        assert_eq!(unknown.errors[0].code, "unknown");
        assert!(unknown.errors[0].message.contains("75056"));
        assert!(Territory::InsideEpci { epci: vec![] }.checked().is_err());
        assert!(Territory::Communes { codes: vec![] }.checked().is_err());
        assert!(
            Territory::OutsideEpci {
                epci: vec!["000000000".into()]
            }
            .checked()
            .is_err()
        );
    }

    #[test]
    fn settings_have_bounds() {
        assert!(SchemeSettings::default().check().is_ok());
        let bad = SchemeSettings {
            portfolio_target: Some(0),
            pathway_limit_months: Some(400),
            ..SchemeSettings::default()
        };
        assert_eq!(bad.check().unwrap_err().errors.len(), 2);
    }
}
