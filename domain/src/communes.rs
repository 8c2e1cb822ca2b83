//! The communes of Haute-Vienne, generated from open data (see `scripts/communes/`).

use crate::communes_data::COMMUNES;

/// INSEE code of the EPCI "CU Limoges Métropole".
pub const LIMOGES_METROPOLE_EPCI: &str = "248719312";

/// A current commune of Haute-Vienne.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commune {
    /// INSEE code, e.g. `87085` for Limoges.
    pub code: &'static str,
    pub name: &'static str,
    pub postal_codes: &'static [&'static str],
    /// SIREN code of the EPCI (grouping of communes) the commune belongs to.
    pub epci: &'static str,
    pub population: u32,
}

impl Commune {
    /// "Bellac (87300)": the name with its first postal code, as shown in pickers.
    pub fn label(&self) -> String {
        match self.postal_codes.first() {
            Some(postal) => format!("{} ({postal})", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// Every current commune of Haute-Vienne, sorted by name.
pub fn all() -> &'static [Commune] {
    COMMUNES
}

/// The commune with this INSEE code, if it is a current commune of Haute-Vienne.
pub fn by_code(code: &str) -> Option<&'static Commune> {
    COMMUNES.iter().find(|c| c.code == code)
}

/// Communes under this population count as rural for the FSE indicator "participants from
/// rural areas": INSEE's historical rule (a rural commune has fewer than 2,000 inhabitants).
/// The density grid Eurostat prefers is not in the open data Jalon carries; ARCHITECTURE.md
/// says so.
pub const RURAL_BELOW: u32 = 2_000;

/// Whether the commune counts as a rural area ([`RURAL_BELOW`]).
pub fn is_rural(commune: &Commune) -> bool {
    commune.population < RURAL_BELOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_communes_are_rural_and_limoges_is_not() {
        assert!(!is_rural(by_code("87085").unwrap()));
        assert!(
            !is_rural(by_code("87011").unwrap()),
            "Bellac, 3,537 inhabitants"
        );
        assert!(
            is_rural(by_code("87012").unwrap()),
            "Berneuil, 418 inhabitants"
        );
        let rural = all().iter().filter(|c| is_rural(c)).count();
        assert!(rural > 100 && rural < 195, "{rural} rural communes");
    }

    #[test]
    fn haute_vienne_has_195_communes_with_unique_codes() {
        assert_eq!(all().len(), 195);
        let mut codes: Vec<_> = all().iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 195);
        assert!(all().iter().all(|c| c.code.starts_with("87")));
    }

    #[test]
    fn limoges_metropole_has_20_member_communes_including_limoges() {
        let members: Vec<_> = all()
            .iter()
            .filter(|c| c.epci == LIMOGES_METROPOLE_EPCI)
            .collect();
        assert_eq!(members.len(), 20);
        assert!(members.iter().any(|c| c.name == "Limoges"));
        assert!(members.iter().all(|c| c.name != "Bellac"));
    }

    #[test]
    fn communes_are_found_by_code_and_labelled_with_their_postal_code() {
        let limoges = by_code("87085").expect("Limoges exists");
        assert_eq!(limoges.name, "Limoges");
        assert!(limoges.label().starts_with("Limoges (87"));
        assert!(by_code("75056").is_none(), "Paris is not in Haute-Vienne");
    }
}
