//! Demo data for an empty database: the three schemes, 21 référents (5 ARPE, 10 PLIE,
//! 6 accompagnement global, as in the seed document), one supervisor, one administrator and
//! about 1,250 synthetic people (950 on RSA). Names are random pairs drawn from lists of common
//! French first and last names: they designate nobody.

use jalon_domain::auth::Role;
use jalon_domain::communes::{self, Commune};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::schemes::{Scheme, SchemeCode};
use time::{Date, Duration};
use uuid::Uuid;

use crate::auth;
use crate::db::{self, Db, NewUser};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "jalon-demo";

/// The demo accounts, as `(username, role)`, for the start-up banner.
pub fn demo_accounts() -> Vec<(String, Role)> {
    let mut accounts = Vec::new();
    for (scheme, count) in REFERENTS {
        for n in 1..=*count {
            accounts.push((format!("{}{n}", scheme.as_str()), Role::Referent));
        }
    }
    accounts.push(("superviseur".into(), Role::Supervisor));
    accounts.push(("admin".into(), Role::Administrator));
    accounts
}

/// Référents per scheme, and people followed by each.
const REFERENTS: &[(SchemeCode, u32)] = &[
    (SchemeCode::Arpe, 5),
    (SchemeCode::Plie, 10),
    (SchemeCode::Global, 6),
];

/// People followed by the `n`th référent (from 1) of `scheme`: about 50 in rural areas, 60
/// and more in Limoges, 1,250 in all.
fn caseload_size(scheme: SchemeCode, n: u32) -> u32 {
    match scheme {
        SchemeCode::Arpe => 50,
        SchemeCode::Plie => 62,
        SchemeCode::Global if n <= 2 => 64,
        SchemeCode::Global => 63,
    }
}

/// Out of each PLIE référent's 62 people, how many are not on RSA (other jobseekers).
const PLIE_NON_RSA_PER_REFERENT: u32 = 30;

const FIRST_NAMES: &[&str] = &[
    "Léa",
    "Emma",
    "Chloé",
    "Manon",
    "Camille",
    "Sarah",
    "Inès",
    "Julie",
    "Laura",
    "Marie",
    "Nadia",
    "Sophie",
    "Amandine",
    "Céline",
    "Aurélie",
    "Fatou",
    "Yasmina",
    "Élodie",
    "Nathalie",
    "Sandrine",
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Julien",
    "Maxime",
    "Kevin",
    "Antoine",
    "Romain",
    "Mehdi",
    "Karim",
    "Olivier",
    "Sébastien",
    "Damien",
    "Franck",
    "Mamadou",
    "Pierre",
    "Jérôme",
    "Bruno",
    "Yannick",
];

const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Lefebvre",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Rodriguez",
    "Da Silva",
    "Hubert",
    "Louis",
    "Charles",
    "Guillot",
    "Rivière",
    "Le Gall",
    "Guillaume",
    "Adam",
    "Rey",
    "Moulin",
    "Gonzalez",
    "Berger",
    "Lecomte",
    "Ménard",
    "Fleury",
    "Deschamps",
    "Carpentier",
    "Julien",
    "Benoît",
    "Paris",
    "Maillard",
    "Marchal",
    "Aubry",
    "Vasseur",
    "Le Roux",
    "Renault",
    "Jacquet",
    "Collet",
    "Prévost",
    "Poirier",
    "Charpentier",
    "Royer",
    "Huet",
    "Baron",
    "Dupuy",
    "Pons",
    "Paul",
    "Laine",
    "Carré",
    "Breton",
    "Rémy",
    "Schneider",
    "Perrot",
    "Guyot",
    "Barre",
    "Marty",
    "Cousin",
];

/// SplitMix64: small, fast, deterministic; the demo data is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            ((u128::from(self.next()) << 64) | u128::from(self.next())).to_be_bytes(),
        )
        .into_uuid()
    }

    /// A commune of `pool`, weighted by population so that Limoges gets its share.
    fn commune<'a>(&mut self, pool: &[&'a Commune]) -> &'a Commune {
        let total: u64 = pool.iter().map(|c| u64::from(c.population.max(1))).sum();
        let mut target = self.below(total);
        for commune in pool {
            let weight = u64::from(commune.population.max(1));
            if target < weight {
                return commune;
            }
            target -= weight;
        }
        pool[pool.len() - 1]
    }
}

/// Seeds the demo data into an empty database, in one transaction. Does nothing when the
/// database has accounts already (another instance may have seeded it meanwhile).
pub async fn seed(db: &Db, today: Date, now: i64) -> Result<(), sqlx::Error> {
    // Every demo account has the same password, so one argon2id hash serves them all.
    let password_hash = tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let mut rng = Rng(0x4A41_4C4F_4E87);
    let schemes = Scheme::haute_vienne_defaults();
    let mut tx = db.begin_write().await?;
    if db::user_count(&mut tx).await? > 0 {
        return Ok(());
    }
    for scheme in &schemes {
        db::insert_scheme(&mut tx, scheme).await?;
    }

    for scheme in &schemes {
        let pool: Vec<&Commune> = communes::all()
            .iter()
            .filter(|c| scheme.serves(c))
            .collect();
        let count = REFERENTS
            .iter()
            .find(|(code, _)| *code == scheme.code)
            .map_or(0, |(_, n)| *n);
        for n in 1..=count {
            let referent_id = rng.uuid();
            let username = format!("{}{n}", scheme.code.as_str());
            let display_name = format!(
                "{} {} ({username})",
                rng.pick(FIRST_NAMES),
                rng.pick(LAST_NAMES),
            );
            db::insert_user(
                &mut tx,
                &NewUser {
                    id: referent_id,
                    username: &username,
                    display_name: &display_name,
                    role: Role::Referent,
                    scheme: Some(scheme.code),
                    supervised: &[],
                    password_hash: &password_hash,
                },
                now,
            )
            .await?;

            let size = caseload_size(scheme.code, n);
            let first_rev = db::next_revs(&mut tx, 2 * i64::from(size)).await?;
            for i in 0..size {
                let person = Person {
                    id: rng.uuid(),
                    last_name: rng.pick(LAST_NAMES).to_string(),
                    first_name: rng.pick(FIRST_NAMES).to_string(),
                    birth_date: today - Duration::days(18 * 365 + rng.below(45 * 365) as i64),
                    commune_code: rng.commune(&pool).code.to_owned(),
                    rsa_beneficiary: scheme.code != SchemeCode::Plie
                        || i >= PLIE_NON_RSA_PER_REFERENT,
                };
                let enrolment = Enrolment {
                    id: rng.uuid(),
                    person_id: person.id,
                    scheme: scheme.code,
                    referent_id,
                    start_date: today - Duration::days(rng.below(30 * 30) as i64),
                    status: EnrolmentStatus::Active,
                    exit: None,
                };
                let rev = first_rev + 2 * i64::from(i);
                db::insert_person(&mut tx, &person, rev, referent_id, now).await?;
                db::insert_enrolment(&mut tx, &enrolment, rev + 1, now).await?;
            }
        }
    }

    for (username, display_name, role, supervised) in [
        (
            "superviseur",
            "Dominique Supervision",
            Role::Supervisor,
            &SchemeCode::ALL[..],
        ),
        (
            "admin",
            "Administration Jalon",
            Role::Administrator,
            &[][..],
        ),
    ] {
        db::insert_user(
            &mut tx,
            &NewUser {
                id: rng.uuid(),
                username,
                display_name,
                role,
                scheme: None,
                supervised,
                password_hash: &password_hash,
            },
            now,
        )
        .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accounts_follow_the_seed_document() {
        let accounts = demo_accounts();
        let referents = |prefix: &str| {
            accounts
                .iter()
                .filter(|(u, r)| *r == Role::Referent && u.starts_with(prefix))
                .count()
        };
        assert_eq!(
            (referents("arpe"), referents("plie"), referents("global")),
            (5, 10, 6)
        );
        assert_eq!(accounts.len(), 23);
    }

    #[test]
    fn the_demo_caseload_has_1250_people_of_whom_950_on_rsa() {
        let total: u32 = REFERENTS
            .iter()
            .flat_map(|(scheme, count)| (1..=*count).map(|n| caseload_size(*scheme, n)))
            .sum();
        assert_eq!(total, 1_250);
        assert_eq!(total - 10 * PLIE_NON_RSA_PER_REFERENT, 950);
    }
}
