//! The demo's financing partners: a yearly agreement with ADIE, Initiative Haute-Vienne and
//! Limousin Actif since 2015, and the 73 RSA beneficiaries the seed document counts as
//! referred to them — people followed today, referred last year or this year by their
//! référent, with the partners' answers (loans and guarantees granted, businesses created).

use jalon_domain::followup::ItemBody;
use jalon_domain::money::partners::{
    Partner, PartnerAgreement, Referral, ReferralOutcome, check_places,
};
use jalon_domain::people::Enrolment;
use sqlx::SqliteConnection;
use time::{Date, Duration, Month};
use uuid::Uuid;

use super::{Rng, save_referent_item};
use crate::db;

/// The people referred, as in the seed document.
pub const REFERRALS: usize = 73;

/// Places of each partner's yearly agreement.
const PLACES: &[(Partner, u32)] = &[
    (Partner::Adie, 30),
    (Partner::InitiativeHv, 25),
    (Partner::LimousinActif, 20),
];

/// Business projects of the demo (made up).
const PROJECTS: &[&str] = &[
    "Atelier de couture et retouches à domicile",
    "Camion de restauration de produits locaux",
    "Entretien de jardins et petit paysagisme",
    "Coiffure à domicile en milieu rural",
    "Maraîchage biologique en vente directe",
    "Réparation et location de vélos",
    "Services informatiques aux très petites entreprises",
    "Boulangerie ambulante",
    "Multiservice de petits travaux du bâtiment",
    "Garde d'animaux et toilettage",
];

/// Stores the agreements (set by `supervisor_id`) and [`REFERRALS`] referrals of people among
/// `followed` (RSA beneficiaries with an active enrolment).
pub(super) async fn seed(
    tx: &mut SqliteConnection,
    today: Date,
    supervisor_id: Uuid,
    followed: &[Enrolment],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut rng = Rng(0x5041_5254_4e52);
    let mut agreements = Vec::new();
    for year in 2015..=today.year() {
        for (partner, places) in PLACES {
            let agreement = PartnerAgreement {
                partner: *partner,
                year,
                places: *places,
                used: 0,
            };
            db::partners::set_agreement(tx, &agreement, supervisor_id, now).await?;
            agreements.push(agreement);
        }
    }
    let from = Date::from_calendar_date(today.year() - 1, Month::January, 1).expect("a date");
    let mut referred: Vec<Uuid> = Vec::new();
    let mut tries = 0;
    while referred.len() < REFERRALS && tries < followed.len() * 4 {
        tries += 1;
        let enrolment = &followed[rng.below(followed.len() as u64) as usize];
        if referred.contains(&enrolment.person_id) {
            continue;
        }
        let earliest = enrolment.start_date.max(from);
        let span = (today - earliest).whole_days().max(0) as u64;
        let referred_on = earliest + Duration::days(rng.below(span + 1) as i64);
        let partner = *rng.pick(Partner::ALL);
        let Some(agreement) = agreements
            .iter_mut()
            .find(|a| a.partner == partner && a.year == referred_on.year())
        else {
            continue;
        };
        if check_places(agreement, agreement.used).is_err() {
            continue;
        }
        agreement.used += 1;
        let age = (today - referred_on).whole_days();
        let outcome = match rng.below(20) {
            _ if age < 45 => ReferralOutcome::Pending,
            0..=10 => ReferralOutcome::Granted,
            11..=15 => ReferralOutcome::Refused,
            16..=17 => ReferralOutcome::Withdrawn,
            _ => ReferralOutcome::Pending,
        };
        if outcome == ReferralOutcome::Withdrawn {
            agreement.used -= 1;
        }
        let granted = outcome == ReferralOutcome::Granted;
        let amount_cents = granted.then(|| {
            // Whole hundreds of euros, in cents.
            let (low, high): (u64, u64) = match partner {
                Partner::Adie => (10, 80),
                Partner::InitiativeHv => (20, 80),
                Partner::LimousinActif => (50, 300),
            };
            ((low + rng.below(high - low + 1)) * 10_000) as i64
        });
        let business_created_on = (granted && age > 75 && rng.below(10) < 7)
            .then(|| referred_on + Duration::days(30 + rng.below((age - 45) as u64) as i64));
        let referral = Referral {
            partner,
            referred_on,
            project: rng.pick(PROJECTS).to_string(),
            outcome,
            amount_cents,
            business_created_on: business_created_on.filter(|d| *d <= today),
        };
        let body = ItemBody::Referral(referral.clone());
        let item_id = save_referent_item(tx, &mut rng, enrolment, body, now).await?;
        db::partners::save_referral(tx, item_id, &referral).await?;
        referred.push(enrolment.person_id);
    }
    Ok(())
}
