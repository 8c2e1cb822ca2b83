//! The accompaniment schemes ("dispositifs") and the territory each one serves.
//!
//! Which communes a scheme serves is data ([`Territory`]), stored by the server and sent to every
//! device with the reference data; the rule that applies it ([`Scheme::serves`]) lives here.

use serde::{Deserialize, Serialize};

use crate::communes::{Commune, LIMOGES_METROPOLE_EPCI};

/// The three schemes of Haute-Vienne.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Territory {
    /// Every commune of the département.
    Everywhere,
    /// Only the communes that belong to one of these EPCI.
    InsideEpci { epci: Vec<String> },
    /// Every commune except those of these EPCI.
    OutsideEpci { epci: Vec<String> },
}

impl Territory {
    pub fn contains(&self, commune: &Commune) -> bool {
        match self {
            Territory::Everywhere => true,
            Territory::InsideEpci { epci } => epci.iter().any(|e| e == commune.epci),
            Territory::OutsideEpci { epci } => epci.iter().all(|e| e != commune.epci),
        }
    }
}

/// A scheme with its territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub code: SchemeCode,
    pub name: String,
    pub territory: Territory,
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
            },
            Scheme {
                code: SchemeCode::Plie,
                name: "PLIE de Limoges Métropole".into(),
                territory: Territory::InsideEpci {
                    epci: vec![LIMOGES_METROPOLE_EPCI.into()],
                },
            },
            Scheme {
                code: SchemeCode::Global,
                name: "Accompagnement global (Pôle emploi – Département)".into(),
                territory: Territory::Everywhere,
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
}
