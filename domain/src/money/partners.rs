//! The financing partners of business creation: ADIE (microcredit), Initiative Haute-Vienne
//! (honour loans) and Limousin Actif (bank-loan guarantees). Each has a yearly agreement with
//! the Département that opens a number of places; a référent refers a person of their
//! caseload (a follow-up item of the person, typed offline like an order) and records the
//! partner's answer: granted (amount, business created and when) or refused, or the
//! referral withdrawn. A new referral takes a place of its year's agreement — the server
//! counts the places inside its writing transaction, as it sums the orders of a period.

use serde::{Deserialize, Serialize};
use time::Date;

use super::euros;
use crate::auth::{Role, SessionUser};
use crate::code_enum;
use crate::error::{FieldError, Invalid};

/// Longest business project of a referral, in characters.
pub const PROJECT_MAX_CHARS: usize = 300;
/// Most places of one yearly agreement.
pub const MAX_PLACES: u32 = 1_000;
/// The largest amount a partner grants one person (the caps of microcredit and honour loans
/// are far below it; it only stops a typing error).
pub const MAX_GRANT_CENTS: i64 = 10_000_000;

code_enum! {
    pub enum Partner {
        Adie = ("adie", "ADIE"),
        InitiativeHv = ("initiative_hv", "Initiative Haute-Vienne"),
        LimousinActif = ("limousin_actif", "Limousin Actif"),
    }
}

impl Partner {
    /// What the partner brings to a business creator.
    pub fn product_fr(self) -> &'static str {
        match self {
            Partner::Adie => "Microcrédit",
            Partner::InitiativeHv => "Prêt d'honneur",
            Partner::LimousinActif => "Garantie d'emprunt bancaire",
        }
    }
}

code_enum! {
    pub enum ReferralOutcome {
        Pending = ("pending", "En attente de la réponse"),
        Granted = ("granted", "Accordé"),
        Refused = ("refused", "Refusé"),
        Withdrawn = ("withdrawn", "Abandonné"),
    }
}

impl ReferralOutcome {
    /// A referral waits for the partner's answer; once answered or withdrawn it stays so (a
    /// granted one may still receive its amount and the business's date).
    pub fn may_become(self, next: ReferralOutcome) -> bool {
        self == next || self == ReferralOutcome::Pending
    }

    /// Whether the referral holds a place of its year's agreement.
    pub fn takes_a_place(self) -> bool {
        self != ReferralOutcome::Withdrawn
    }
}

/// A partner's agreement with the Département for one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerAgreement {
    pub partner: Partner,
    pub year: i32,
    pub places: u32,
    /// Referrals of the year not withdrawn, counted by the server when it answers.
    #[serde(default)]
    pub used: u32,
}

impl PartnerAgreement {
    /// Its id in the replica: the same for a partner and a year on every server.
    pub fn id(&self) -> uuid::Uuid {
        super::record_id(&format!("partner:{}:{}", self.partner.as_str(), self.year))
    }

    pub fn left(&self) -> u32 {
        self.places.saturating_sub(self.used)
    }
}

/// A referral of a person to a partner, an item of the person's follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    pub partner: Partner,
    pub referred_on: Date,
    /// The business project, in a few words.
    pub project: String,
    pub outcome: ReferralOutcome,
    /// The amount lent or guaranteed, once granted.
    #[serde(default)]
    pub amount_cents: Option<i64>,
    /// When the business was created, once it is.
    #[serde(default)]
    pub business_created_on: Option<Date>,
}

/// The agreement of `partner` for the year of `on`.
pub fn agreement_on(
    agreements: &[PartnerAgreement],
    partner: Partner,
    on: Date,
) -> Option<&PartnerAgreement> {
    agreements
        .iter()
        .find(|a| a.partner == partner && a.year == on.year())
}

/// Checks a referral against the partners' agreements and the version the server holds
/// (`None` when new). A new referral is the référent's, waits for its answer and needs the
/// partner's agreement of its year; afterwards only the answer changes, once.
pub fn check_referral(
    referral: &mut Referral,
    current: Option<&Referral>,
    agreements: &[PartnerAgreement],
    actor: &SessionUser,
    today: Date,
    invalid: &mut Invalid,
) {
    referral.project = referral.project.trim().to_owned();
    if let Some(current) = current {
        if (current.partner, current.referred_on, &current.project)
            != (referral.partner, referral.referred_on, &referral.project)
        {
            invalid.push(FieldError::new(
                "referral",
                "referral_frozen",
                "Une orientation envoyée ne se modifie pas : seule la réponse du partenaire s'enregistre.",
            ));
        } else if !current.outcome.may_become(referral.outcome) {
            invalid.push(FieldError::new(
                "referral_outcome",
                "invalid_transition",
                format!(
                    "Cette orientation est « {} » : elle ne peut pas devenir « {} ».",
                    current.outcome.label_fr(),
                    referral.outcome.label_fr()
                ),
            ));
        }
    } else {
        if actor.role != Role::Referent {
            invalid.push(FieldError::new(
                "referral",
                "not_allowed",
                "Une orientation vers un partenaire financier est faite par le référent de la personne.",
            ));
        }
        if referral.outcome != ReferralOutcome::Pending {
            invalid.push(FieldError::new(
                "referral_outcome",
                "invalid_transition",
                "Une nouvelle orientation attend d'abord la réponse du partenaire.",
            ));
        }
        if referral.referred_on > today {
            invalid.push(FieldError::new(
                "referral_date",
                "in_future",
                "La date d'orientation ne peut pas être dans le futur.",
            ));
        }
        if referral.project.is_empty() {
            invalid.push(FieldError::new(
                "referral_project",
                "required",
                "Décrivez le projet en quelques mots.",
            ));
        } else if referral.project.chars().count() > PROJECT_MAX_CHARS {
            invalid.push(FieldError::new(
                "referral_project",
                "too_long",
                format!("Le projet ne doit pas dépasser {PROJECT_MAX_CHARS} caractères."),
            ));
        } else if let Some(error) = crate::text::hidden_characters(
            "referral_project",
            "Le projet",
            &referral.project,
            false,
        ) {
            invalid.push(error);
        }
        if agreement_on(agreements, referral.partner, referral.referred_on).is_none() {
            invalid.push(FieldError::new(
                "referral_partner",
                "no_agreement",
                format!(
                    "Aucune convention avec {} pour {} : l'orientation est impossible.",
                    referral.partner.label_fr(),
                    referral.referred_on.year()
                ),
            ));
        }
    }
    let granted = referral.outcome == ReferralOutcome::Granted;
    match referral.amount_cents {
        Some(_) if !granted => {
            invalid.push(FieldError::new(
                "referral_amount",
                "not_granted",
                "Le montant s'indique quand le partenaire a accordé son concours.",
            ));
        }
        Some(cents) if !(1..=MAX_GRANT_CENTS).contains(&cents) => {
            invalid.push(FieldError::new(
                "referral_amount",
                "out_of_range",
                format!(
                    "Le montant accordé va de 0,01 € à {}.",
                    euros(MAX_GRANT_CENTS)
                ),
            ));
        }
        _ => {}
    }
    if let Some(created) = referral.business_created_on {
        if !granted {
            invalid.push(FieldError::new(
                "referral_business",
                "not_granted",
                "La date de création de l'entreprise s'indique quand le concours est accordé.",
            ));
        } else if created > today {
            invalid.push(FieldError::new(
                "referral_business",
                "in_future",
                "La date de création de l'entreprise ne peut pas être dans le futur.",
            ));
        } else if created < referral.referred_on - time::Duration::days(366) {
            invalid.push(FieldError::new(
                "referral_business",
                "too_early",
                "L'entreprise a été créée plus d'un an avant l'orientation : vérifiez la date.",
            ));
        }
    }
}

/// The places of a year's agreement: a new referral fits while the referrals of the year
/// that hold a place (`others`, without this one) leave one free. The server calls it inside
/// its writing transaction with its own count.
pub fn check_places(agreement: &PartnerAgreement, others: u32) -> Result<(), FieldError> {
    if others < agreement.places {
        return Ok(());
    }
    Err(FieldError::new(
        "referral_partner",
        "places_full",
        format!(
            "Les {} places de la convention {} avec {} sont prises : l'orientation est impossible.",
            agreement.places,
            agreement.year,
            agreement.partner.label_fr()
        ),
    ))
}

/// Checks the places a supervisor sets for a year: never fewer than the referrals it already
/// holds.
pub fn check_agreement_places(places: u32, used: u32) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    if places > MAX_PLACES {
        invalid.push(FieldError::new(
            "places",
            "out_of_range",
            format!("Une convention ouvre au plus {MAX_PLACES} places."),
        ));
    } else if places < used {
        invalid.push(FieldError::new(
            "places",
            "below_used",
            format!(
                "{used} personnes sont déjà orientées cette année : la convention ne peut pas ouvrir moins de places."
            ),
        ));
    }
    invalid.into_result()
}

/// A referral as the statistics see it: no person, only what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralFact {
    pub partner: Partner,
    pub year: i32,
    pub outcome: ReferralOutcome,
    #[serde(default)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub business_created: bool,
}

/// A partner's year: its places and what became of the referrals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerYear {
    pub partner: Option<Partner>,
    pub year: i32,
    /// `None` when the partner had no agreement that year.
    pub places: Option<u32>,
    pub referred: u32,
    pub pending: u32,
    pub granted: u32,
    pub refused: u32,
    pub withdrawn: u32,
    pub granted_cents: i64,
    pub businesses: u32,
}

/// What the supervision reads about the financing partners.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnersView {
    pub agreements: Vec<PartnerAgreement>,
    /// One row per partner and year with an agreement or a referral, newest year first.
    pub years: Vec<PartnerYear>,
}

/// Sums the referrals by partner and year, next to the places of each year's agreement.
pub fn partner_years(agreements: &[PartnerAgreement], facts: &[ReferralFact]) -> Vec<PartnerYear> {
    let mut keys: Vec<(i32, Partner)> = agreements
        .iter()
        .map(|a| (a.year, a.partner))
        .chain(facts.iter().map(|f| (f.year, f.partner)))
        .collect();
    keys.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    keys.dedup();
    keys.into_iter()
        .map(|(year, partner)| {
            let mut row = PartnerYear {
                partner: Some(partner),
                year,
                places: agreements
                    .iter()
                    .find(|a| a.partner == partner && a.year == year)
                    .map(|a| a.places),
                ..PartnerYear::default()
            };
            for fact in facts
                .iter()
                .filter(|f| f.partner == partner && f.year == year)
            {
                row.referred += 1;
                match fact.outcome {
                    ReferralOutcome::Pending => row.pending += 1,
                    ReferralOutcome::Granted => row.granted += 1,
                    ReferralOutcome::Refused => row.refused += 1,
                    ReferralOutcome::Withdrawn => row.withdrawn += 1,
                }
                if fact.outcome == ReferralOutcome::Granted {
                    row.granted_cents += fact.amount_cents.unwrap_or(0);
                    row.businesses += u32::from(fact.business_created);
                }
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use uuid::Uuid;

    fn user(role: Role) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(1),
            username: "u".into(),
            display_name: "U".into(),
            role,
            scheme: None,
            supervised_schemes: vec![],
        }
    }

    fn agreements() -> Vec<PartnerAgreement> {
        vec![PartnerAgreement {
            partner: Partner::Adie,
            year: 2026,
            places: 2,
            used: 0,
        }]
    }

    fn referral() -> Referral {
        Referral {
            partner: Partner::Adie,
            referred_on: date!(2026 - 03 - 02),
            project: "  Food truck  ".into(),
            outcome: ReferralOutcome::Pending,
            amount_cents: None,
            business_created_on: None,
        }
    }

    fn check(referral: &Referral, current: Option<&Referral>, role: Role) -> Vec<String> {
        let mut referral = referral.clone();
        let mut invalid = Invalid::default();
        check_referral(
            &mut referral,
            current,
            &agreements(),
            &user(role),
            date!(2026 - 06 - 01),
            &mut invalid,
        );
        invalid.errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn a_new_referral_waits_for_its_answer_within_an_agreement_of_its_year() {
        let new = referral();
        assert!(check(&new, None, Role::Referent).is_empty());
        assert_eq!(check(&new, None, Role::Supervisor), ["not_allowed"]);
        let other_partner = Referral {
            partner: Partner::LimousinActif,
            ..new.clone()
        };
        assert_eq!(
            check(&other_partner, None, Role::Referent),
            ["no_agreement"]
        );
        let last_year = Referral {
            referred_on: date!(2025 - 12 - 31),
            ..new.clone()
        };
        assert_eq!(check(&last_year, None, Role::Referent), ["no_agreement"]);
        let answered = Referral {
            outcome: ReferralOutcome::Granted,
            ..new.clone()
        };
        assert_eq!(
            check(&answered, None, Role::Referent),
            ["invalid_transition"]
        );
        let blank = Referral {
            project: " ".into(),
            ..new.clone()
        };
        assert_eq!(check(&blank, None, Role::Referent), ["required"]);
        let future = Referral {
            referred_on: date!(2026 - 06 - 02),
            ..new
        };
        assert_eq!(check(&future, None, Role::Referent), ["in_future"]);
    }

    #[test]
    fn only_the_answer_changes_and_only_once() {
        let mut sent = referral();
        sent.project = "Food truck".into();
        let granted = Referral {
            outcome: ReferralOutcome::Granted,
            amount_cents: Some(500_000),
            business_created_on: Some(date!(2026 - 05 - 01)),
            ..sent.clone()
        };
        assert!(check(&granted, Some(&sent), Role::Referent).is_empty());
        assert!(check(&granted, Some(&granted), Role::Supervisor).is_empty());
        let refused = Referral {
            outcome: ReferralOutcome::Refused,
            ..sent.clone()
        };
        assert_eq!(
            check(&refused, Some(&granted), Role::Referent),
            ["invalid_transition"]
        );
        assert_eq!(
            check(&sent, Some(&refused), Role::Referent),
            ["invalid_transition"]
        );
        let moved = Referral {
            partner: Partner::InitiativeHv,
            ..sent.clone()
        };
        assert_eq!(
            check(&moved, Some(&sent), Role::Referent),
            ["referral_frozen"]
        );
        let amount_refused = Referral {
            amount_cents: Some(100),
            ..refused.clone()
        };
        assert_eq!(
            check(&amount_refused, Some(&sent), Role::Referent),
            ["not_granted"]
        );
        let nothing = Referral {
            amount_cents: Some(0),
            ..granted.clone()
        };
        assert_eq!(
            check(&nothing, Some(&sent), Role::Referent),
            ["out_of_range"]
        );
        let tomorrow = Referral {
            business_created_on: Some(date!(2026 - 06 - 02)),
            ..granted
        };
        assert_eq!(check(&tomorrow, Some(&sent), Role::Referent), ["in_future"]);
    }

    #[test]
    fn places_are_counted_and_never_set_below_what_is_used() {
        let agreement = &agreements()[0];
        assert!(check_places(agreement, 1).is_ok());
        let full = check_places(agreement, 2).unwrap_err();
        assert_eq!(full.code, "places_full");
        assert!(
            full.message
                .contains("Les 2 places de la convention 2026 avec ADIE")
        );
        assert!(check_agreement_places(3, 3).is_ok());
        assert!(check_agreement_places(2, 3).is_err());
        assert!(check_agreement_places(MAX_PLACES + 1, 0).is_err());
        assert!(ReferralOutcome::Refused.takes_a_place());
        assert!(!ReferralOutcome::Withdrawn.takes_a_place());
    }

    #[test]
    fn the_years_sum_the_answers_next_to_the_places() {
        let fact = |partner, year, outcome, amount: Option<i64>, business| ReferralFact {
            partner,
            year,
            outcome,
            amount_cents: amount,
            business_created: business,
        };
        let facts = [
            fact(
                Partner::Adie,
                2026,
                ReferralOutcome::Granted,
                Some(300_000),
                true,
            ),
            fact(
                Partner::Adie,
                2026,
                ReferralOutcome::Granted,
                Some(200_000),
                false,
            ),
            fact(Partner::Adie, 2026, ReferralOutcome::Refused, None, false),
            fact(
                Partner::InitiativeHv,
                2025,
                ReferralOutcome::Pending,
                None,
                false,
            ),
        ];
        let years = partner_years(&agreements(), &facts);
        assert_eq!(years.len(), 2);
        assert_eq!(
            years[0],
            PartnerYear {
                partner: Some(Partner::Adie),
                year: 2026,
                places: Some(2),
                referred: 3,
                pending: 0,
                granted: 2,
                refused: 1,
                withdrawn: 0,
                granted_cents: 500_000,
                businesses: 1,
            }
        );
        assert_eq!(
            (years[1].year, years[1].places, years[1].pending),
            (2025, None, 1)
        );
    }
}
