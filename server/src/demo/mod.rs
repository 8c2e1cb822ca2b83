//! Demo data for an empty database: the three schemes, 21 référents (5 ARPE, 10 PLIE,
//! 6 accompagnement global, as in the seed document), one supervisor, one administrator and
//! about 1,250 synthetic people followed today (950 on RSA), with the people followed since
//! January 2015 who have left (`history`). Names are random pairs drawn from lists of common
//! French first and last names: they designate nobody.

use jalon_domain::auth::Role;
use jalon_domain::communes::{self, Commune};
use jalon_domain::followup::{
    Appointment, AppointmentStatus, Contract, DuplicateReason, DuplicateWarning, Item, ItemBody,
    Obstacle, ObstacleStatus, ObstacleTheme, Place, Step, StepKind, StepStatus, add_months,
    obstacle_id,
};
use jalon_domain::fse::{SixMonthSituation, SixMonths};
use jalon_domain::merge::{Conflict, ConflictValue, FieldValue, PersonField};
use jalon_domain::notes::Note;
use jalon_domain::pathway::{Exit, ExitReason, fse_entry, fse_exit};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::profile::{
    Answer, Education, Household, LabourMarket, PersonDetails, RsaFund, SelfEmployed, Sex,
};
use jalon_domain::schemes::{Scheme, SchemeCode};
use time::{Date, Duration};
use uuid::Uuid;

use crate::auth;
use crate::db::{self, Db, HistoryEntry, NewUser};

mod history;
mod money;
mod partners;

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
    for scheme in SchemeCode::ALL {
        accounts.push((scheme_supervisor(scheme), Role::Supervisor));
    }
    accounts.push(("admin".into(), Role::Administrator));
    accounts
}

/// The login of the demo's coordinator of one scheme (`superviseur.plie`), who supervises
/// that scheme alone, beside `superviseur` who supervises the whole Département.
pub fn scheme_supervisor(scheme: SchemeCode) -> String {
    format!("superviseur.{}", scheme.as_str())
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

/// People per référent whose enrolment closed this year (outside the active caseload).
const EXITS_PER_REFERENT: u32 = 2;

/// A person of `scheme`'s territory as they were on `as_of`, on RSA or not.
fn demo_person(
    rng: &mut Rng,
    scheme: SchemeCode,
    rsa_beneficiary: bool,
    pool: &[&Commune],
    as_of: Date,
) -> Person {
    let today = as_of;
    let birth_date = today - Duration::days(18 * 365 + rng.below(45 * 365) as i64);
    let last_name = rng.pick(LAST_NAMES).to_string();
    let first_name = rng.pick(FIRST_NAMES).to_string();
    let fund = if scheme == SchemeCode::Arpe && rng.below(4) == 0 {
        RsaFund::Msa
    } else {
        RsaFund::Caf
    };
    let details = PersonDetails {
        birth_name: if rng.below(8) == 0 {
            rng.pick(LAST_NAMES).to_string()
        } else {
            String::new()
        },
        sex: Some(*rng.pick(&[
            Sex::Female,
            Sex::Male,
            Sex::Female,
            Sex::Male,
            Sex::NonBinary,
        ])),
        phone: format!(
            "06 {:02} {:02} {:02} {:02}",
            rng.below(100),
            rng.below(100),
            rng.below(100),
            rng.below(100)
        ),
        email: if rng.below(2) == 0 {
            format!(
                "{}.{}@exemple.fr",
                jalon_domain::text::fold(&first_name),
                jalon_domain::text::fold(&last_name)
            )
            .replace(' ', "-")
        } else {
            String::new()
        },
        address: format!("{} rue des {}", 1 + rng.below(80), rng.pick(STREETS)),
        household: Some(*rng.pick(Household::ALL)),
        children: rng.below(4) as i64,
        rsa_fund: rsa_beneficiary.then_some(fund),
        allocataire: if rsa_beneficiary {
            format!("{:07}", rng.below(10_000_000))
        } else {
            String::new()
        },
        rsa_since: rsa_beneficiary.then(|| today - Duration::days(90 + rng.below(8 * 365) as i64)),
        rights_and_duties: rsa_beneficiary,
        education: Some(*rng.pick(Education::ALL)),
        labour_market: Some(*rng.pick(LabourMarket::ALL)),
        self_employed: Some(match (scheme, rng.below(10)) {
            (SchemeCode::Arpe, 0) => SelfEmployed::Nsa,
            (_, 1) => SelfEmployed::MicroEntrepreneur,
            (_, 2) => SelfEmployed::Eti,
            _ => SelfEmployed::No,
        }),
        ..PersonDetails::default()
    };
    let mut person = Person {
        id: rng.uuid(),
        last_name,
        first_name,
        birth_date,
        commune_code: rng.commune(pool).code.to_owned(),
        rsa_beneficiary,
        details,
    };
    fse_answers(&mut person);
    person
}

/// The FSE entry questions of a demo file, drawn from its id (so that adding them left every
/// other draw of the demo as it was): mostly answered, a few left blank (the FSE page lists
/// them), the sensitive ones sometimes declined.
fn fse_answers(person: &mut Person) {
    let mut rng = Rng(person.id.as_u64_pair().0 ^ 0x4653_455F_454E_5452);
    // Per thousand: yes, no, declined; the rest is not asked yet.
    let mut draw = |yes: u64, no: u64, declined: u64| {
        let n = rng.below(1000);
        if n < yes {
            Some(Answer::Yes)
        } else if n < yes + no {
            Some(Answer::No)
        } else if n < yes + no + declined {
            Some(Answer::Declined)
        } else {
            None
        }
    };
    let d = &mut person.details;
    d.disability = draw(90, 800, 60);
    d.third_country_national = draw(60, 925, 0);
    d.foreign_background = draw(140, 845, 0);
    d.minority = draw(30, 620, 300);
    d.homeless = draw(40, 945, 0);
}

/// The six-month FSE situation of a demo exit, collected a few weeks after it was due; `None`
/// while it is not (the last month's are left for the référents' home screens). Drawn from the
/// enrolment's id, like [`fse_answers`].
fn six_months(enrolment: &Enrolment, today: Date) -> Option<SixMonths> {
    let due = jalon_domain::fse::due_on(enrolment)?;
    let reason = enrolment.exit?.reason;
    let mut rng = Rng(enrolment.id.as_u64_pair().1 ^ 0x5349_585F_4D4F_4953);
    let date = due + Duration::days(rng.below(21) as i64);
    if date + Duration::days(30) > today {
        return None;
    }
    let n = rng.below(100);
    let situation = if n < 10 {
        SixMonthSituation::Unreachable
    } else if reason.outcome() == jalon_domain::pathway::ExitOutcome::Positive {
        [
            SixMonthSituation::Employed,
            SixMonthSituation::Employed,
            SixMonthSituation::Employed,
            SixMonthSituation::InTraining,
            SixMonthSituation::JobSearching,
        ][(n % 5) as usize]
    } else {
        [
            SixMonthSituation::Employed,
            SixMonthSituation::JobSearching,
            SixMonthSituation::JobSearching,
            SixMonthSituation::Inactive,
            SixMonthSituation::InTraining,
        ][(n % 5) as usize]
    };
    Some(SixMonths {
        date,
        situation,
        better: (situation != SixMonthSituation::Unreachable)
            .then(|| situation == SixMonthSituation::Employed || rng.below(4) == 0),
    })
}

/// A working-hours time, on the half hour.
fn slot(rng: &mut Rng) -> String {
    format!(
        "{:02}:{}",
        9 + rng.below(8),
        if rng.below(2) == 0 { "00" } else { "30" }
    )
}

/// The follow-up of one enrolment: a contract (missing, ending or expired for some), past
/// and coming appointments (some today), steps, obstacles and notes.
fn follow_up(rng: &mut Rng, enrolment: &Enrolment, today: Date) -> (Vec<Item>, Vec<Note>) {
    let person_id = enrolment.person_id;
    let author_id = enrolment.referent_id;
    let start = enrolment.start_date;
    let end_of_follow_up = enrolment.exit.map_or(today, |e| e.date);
    let days = (end_of_follow_up - start).whole_days().max(1) as u64;
    let mut bodies: Vec<ItemBody> = Vec::new();

    // Most have a contract signed in the first weeks; a few have none (alert).
    if rng.below(10) != 0 {
        let signed_on = (start + Duration::days(rng.below(25) as i64)).min(today);
        let months = if rng.below(3) == 0 { 6 } else { 12 };
        let mut c_start = signed_on;
        // Renewed while it ran out, so the current contract covers today for most.
        while add_months(c_start, months) < today - Duration::days(rng.below(40) as i64) {
            c_start = add_months(c_start, months);
        }
        bodies.push(ItemBody::Contract(Contract {
            enrolment_id: enrolment.id,
            signed_on: c_start.min(today),
            start: c_start,
            end: add_months(c_start, months),
            objectives: rng.pick(OBJECTIVES).to_string(),
            weekly_hours: *rng.pick(&[15, 15, 15, 10, 8]),
        }));
    }

    // Attended appointments about monthly; a tenth of people without contact for 60 days.
    let quiet = rng.below(10) == 0;
    let last_seen = if quiet {
        65 + rng.below(60)
    } else {
        rng.below(50)
    };
    let mut back = last_seen;
    while back < days && back < 400 {
        let status = match rng.below(10) {
            0 => AppointmentStatus::NoShow,
            1 => AppointmentStatus::Excused,
            _ => AppointmentStatus::Attended,
        };
        let report = if status == AppointmentStatus::Attended {
            rng.pick(REPORTS).to_string()
        } else {
            String::new()
        };
        bodies.push(ItemBody::Appointment(Appointment {
            date: end_of_follow_up - Duration::days(back as i64),
            time: slot(rng),
            place: *rng.pick(Place::ALL),
            status,
            report,
        }));
        back += 25 + rng.below(15);
    }
    if enrolment.status == EnrolmentStatus::Active {
        // The next appointment: today for one in eight, else within three weeks.
        let ahead = if rng.below(8) == 0 {
            0
        } else {
            1 + rng.below(21)
        };
        bodies.push(ItemBody::Appointment(Appointment {
            date: today + Duration::days(ahead as i64),
            time: slot(rng),
            place: *rng.pick(Place::ALL),
            status: AppointmentStatus::Planned,
            report: String::new(),
        }));
    }

    for _ in 0..rng.below(3) {
        let planned_start = start + Duration::days(rng.below(days) as i64);
        let status = *rng.pick(&[
            StepStatus::Planned,
            StepStatus::InProgress,
            StepStatus::Done,
            StepStatus::Done,
            StepStatus::Abandoned,
        ]);
        let begun = status != StepStatus::Planned;
        let actual_end = (status == StepStatus::Done || status == StepStatus::Abandoned)
            .then(|| (planned_start + Duration::days(30 + rng.below(60) as i64)).min(today));
        bodies.push(ItemBody::Step(Step {
            kind: *rng.pick(StepKind::ALL),
            provider: rng.pick(PROVIDERS).to_string(),
            planned_start: Some(planned_start),
            planned_end: Some(planned_start + Duration::days(90)),
            actual_start: (begun).then_some(planned_start.min(today)),
            actual_end,
            status,
        }));
    }

    for _ in 0..rng.below(4) {
        let theme = *rng.pick(ObstacleTheme::ALL);
        if bodies
            .iter()
            .any(|b| matches!(b, ItemBody::Obstacle(o) if o.theme == theme))
        {
            continue;
        }
        bodies.push(ItemBody::Obstacle(Obstacle {
            theme,
            status: *rng.pick(ObstacleStatus::ALL),
            date: start + Duration::days(rng.below(days) as i64),
        }));
    }

    let mut notes = Vec::new();
    if !quiet {
        for _ in 0..rng.below(3) {
            notes.push(Note {
                id: rng.uuid(),
                person_id,
                author_id,
                date: end_of_follow_up - Duration::days(rng.below(days.min(58)) as i64),
                text: rng.pick(NOTES).to_string(),
                replaces: None,
            });
        }
    }
    let items = bodies
        .into_iter()
        .map(|body| Item {
            id: match &body {
                ItemBody::Obstacle(o) => obstacle_id(person_id, o.theme),
                _ => rng.uuid(),
            },
            person_id,
            version: 1,
            author_id,
            body,
        })
        .collect();
    (items, notes)
}

/// A phone number changed on the référent's tablet and on their desktop from the same value:
/// the conflict both devices show until someone keeps one of the two.
async fn seed_conflict(
    tx: &mut sqlx::SqliteConnection,
    rng: &mut Rng,
    person: &Person,
    referent_id: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    let field = PersonField::Phone;
    let base = field.get(person);
    let typed = |rng: &mut Rng| {
        FieldValue::Text(format!(
            "07 {:02} {:02} {:02} {:02}",
            rng.below(100),
            rng.below(100),
            rng.below(100),
            rng.below(100)
        ))
    };
    let (first, second) = (typed(rng), typed(rng));
    let result = first.clone().max(second.clone());
    // The tablet and the desktop: two devices of one user, so a conflict.
    let devices = [1, 2].map(|n| Uuid::from_u128(person.id.as_u128() ^ n));
    let candidates = vec![
        ConflictValue {
            value: first.clone(),
            author_id: referent_id,
            device_id: Some(devices[0]),
            at: now - 26 * 3600,
        },
        ConflictValue {
            value: second.clone(),
            author_id: referent_id,
            device_id: Some(devices[1]),
            at: now - 25 * 3600,
        },
    ];
    for ((value, at), device) in [(&first, now - 26 * 3600), (&second, now - 25 * 3600)]
        .into_iter()
        .zip(devices)
    {
        db::insert_history(
            tx,
            &HistoryEntry {
                person_id: person.id,
                field,
                old_value: &base,
                new_value: value,
                kept: *value == result,
                author_id: referent_id,
                device_id: Some(device),
                at,
            },
        )
        .await?;
    }
    let mut after = person.clone();
    field.set(&mut after, &result);
    let rev = db::next_revs(tx, 2).await?;
    db::update_person(tx, &after, rev).await?;
    let conflict = Conflict {
        id: rng.uuid(),
        person_id: person.id,
        field,
        candidates,
        result,
        resolved_by: None,
        resolved_at: None,
    };
    db::upsert_conflict(tx, &conflict, rev + 1, now).await
}

/// A second file of the same person (same name and birth date), as a référent working offline
/// may create, with the warning the server raises.
async fn seed_duplicate(
    tx: &mut sqlx::SqliteConnection,
    rng: &mut Rng,
    original: &Person,
    enrolment: &Enrolment,
    now: i64,
) -> Result<(), sqlx::Error> {
    let twin = Person {
        id: rng.uuid(),
        details: PersonDetails::default(),
        ..original.clone()
    };
    let twin_enrolment = Enrolment {
        id: rng.uuid(),
        person_id: twin.id,
        fse_entry: Some(fse_entry(&twin, enrolment.start_date)),
        ..enrolment.clone()
    };
    let warning = Item {
        id: rng.uuid(),
        person_id: twin.id,
        version: 1,
        author_id: enrolment.referent_id,
        body: ItemBody::Duplicate(DuplicateWarning {
            other_person_id: original.id,
            other_label: format!(
                "{}, né(e) le {}",
                original.display_name(),
                jalon_domain::text::format_date_fr(original.birth_date)
            ),
            reason: DuplicateReason::SameIdentity,
            dismissed: false,
        }),
    };
    let rev = db::next_revs(tx, 3).await?;
    db::insert_person(tx, &twin, rev, enrolment.referent_id, now).await?;
    db::insert_enrolment(tx, &twin_enrolment, rev + 1, now).await?;
    db::save_item(tx, &warning, rev + 2, now).await
}

const STREETS: &[&str] = &[
    "Tilleuls",
    "Écoles",
    "Châtaigniers",
    "Vignes",
    "Prés",
    "Forges",
];

const OBJECTIVES: &[&str] = &[
    "Obtenir le permis B et rechercher un emploi dans la logistique.",
    "Suivre une formation qualifiante d'aide à domicile.",
    "Consolider l'activité agricole et régulariser la situation MSA.",
    "Stabiliser le logement puis reprendre une recherche d'emploi.",
    "Développer la micro-entreprise : chiffre d'affaires et statut.",
];

const REPORTS: &[&str] = &[
    "Point sur les démarches : CV mis à jour, deux candidatures envoyées.",
    "Entretien sur la mobilité : dossier d'aide au permis à compléter.",
    "Bilan de la formation en cours, assiduité correcte.",
    "Point budget : échéancier proposé pour la dette de loyer.",
    "Préparation de l'entretien d'embauche de la semaine prochaine.",
];

const PROVIDERS: &[&str] = &[
    "AFPA Limoges",
    "Mission locale rurale",
    "Auto-école solidaire",
    "Chantier d'insertion du Pays de Nexon",
    "Centre médico-social",
    "ADIE",
];

const NOTES: &[&str] = &[
    "Appel : la personne confirme sa présence au prochain rendez-vous.",
    "Courrier CAF reçu, transmis au service RSA.",
    "Échange avec le prestataire : bonne implication.",
    "Message laissé, à rappeler en fin de semaine.",
];

/// Stores the first version of a follow-up item of `enrolment`'s person, written by its
/// référent; returns the item's id.
async fn save_referent_item(
    tx: &mut sqlx::SqliteConnection,
    rng: &mut Rng,
    enrolment: &Enrolment,
    body: ItemBody,
    now: i64,
) -> Result<Uuid, sqlx::Error> {
    let item = Item {
        id: rng.uuid(),
        person_id: enrolment.person_id,
        version: 1,
        author_id: enrolment.referent_id,
        body,
    };
    let rev = db::next_revs(tx, 1).await?;
    db::save_item(tx, &item, rev, now).await?;
    Ok(item.id)
}

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
    // The active enrolments, some of which get purchase orders.
    let mut followed: Vec<Enrolment> = Vec::new();
    // Those of them on RSA, some of whom are referred to a financing partner.
    let mut rsa_followed: Vec<Enrolment> = Vec::new();
    // Every enrolment of today's caseload with whether its person is on RSA, each scheme's
    // référents and communes: what the history since 2015 is built around.
    let mut current: Vec<(Enrolment, bool)> = Vec::new();
    let mut referents: Vec<(SchemeCode, Vec<Uuid>)> = Vec::new();
    let mut pools: Vec<(SchemeCode, Vec<&Commune>)> = Vec::new();
    // The schemes are stored at first start, demo or not (`Db::ensure_schemes`).
    for scheme in &schemes {
        let pool: Vec<&Commune> = communes::all()
            .iter()
            .filter(|c| scheme.serves(c))
            .collect();
        let count = REFERENTS
            .iter()
            .find(|(code, _)| *code == scheme.code)
            .map_or(0, |(_, n)| *n);
        let mut of_scheme = Vec::new();
        for n in 1..=count {
            let referent_id = rng.uuid();
            of_scheme.push(referent_id);
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
            // The active caseload (whose last file, on the first référent of each scheme, is a
            // second file of the person before), then a few people who left this year.
            let mut previous: Option<(Person, Enrolment)> = None;
            for i in 0..size + EXITS_PER_REFERENT {
                if n == 1
                    && i == size - 1
                    && let Some((person, enrolment)) = &previous
                {
                    seed_duplicate(&mut tx, &mut rng, person, enrolment, now).await?;
                    continue;
                }
                let rsa = scheme.code != SchemeCode::Plie || i >= PLIE_NON_RSA_PER_REFERENT;
                let person = demo_person(&mut rng, scheme.code, rsa, &pool, today);
                // PLIE pathways run up to 36 months; some are near that limit.
                let longest = if scheme.code == SchemeCode::Plie {
                    34 * 30
                } else {
                    30 * 30
                };
                let start_date = today - Duration::days(rng.below(longest) as i64);
                let mut enrolment = Enrolment {
                    id: rng.uuid(),
                    person_id: person.id,
                    scheme: scheme.code,
                    referent_id,
                    start_date,
                    status: EnrolmentStatus::Active,
                    exit: None,
                    fse_entry: Some(fse_entry(&person, start_date)),
                    fse_exit: None,
                    fse_six_months: None,
                    handovers: Vec::new(),
                    orientation: None,
                };
                if i >= size {
                    let exit = Exit {
                        date: (start_date + Duration::days(60 + rng.below(300) as i64)).min(today),
                        reason: *rng.pick(&ExitReason::ALL),
                    };
                    enrolment.status = EnrolmentStatus::Closed;
                    enrolment.fse_exit = Some(fse_exit(&person, &exit));
                    enrolment.exit = Some(exit);
                    enrolment.fse_six_months = six_months(&enrolment, today);
                }
                let rev = db::next_revs(&mut tx, 2).await?;
                db::insert_person(&mut tx, &person, rev, referent_id, now).await?;
                db::insert_enrolment(&mut tx, &enrolment, rev + 1, now).await?;
                let (items, notes) = follow_up(&mut rng, &enrolment, today);
                for item in &items {
                    let rev = db::next_revs(&mut tx, 1).await?;
                    db::save_item(&mut tx, item, rev, now).await?;
                }
                for note in &notes {
                    let rev = db::next_revs(&mut tx, 1).await?;
                    db::insert_note(&mut tx, note, rev, now).await?;
                }
                current.push((enrolment.clone(), person.rsa_beneficiary));
                if enrolment.status == EnrolmentStatus::Active {
                    followed.push(enrolment.clone());
                    if person.rsa_beneficiary {
                        rsa_followed.push(enrolment.clone());
                    }
                }
                if n == 2 && i == 0 {
                    seed_conflict(&mut tx, &mut rng, &person, referent_id, now).await?;
                }
                previous = Some((person, enrolment));
            }
        }
        referents.push((scheme.code, of_scheme));
        pools.push((scheme.code, pool));
    }

    let past = history::seed(&mut tx, today, now, &current, &referents, &pools).await?;

    let mut supervisor_id = Uuid::nil();
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
        let id = rng.uuid();
        if role == Role::Supervisor {
            supervisor_id = id;
        }
        db::insert_user(
            &mut tx,
            &NewUser {
                id,
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
    // Each scheme's coordinator, who supervises that scheme alone (after the accounts above,
    // so that the rest of the demo draws the same numbers).
    for scheme in SchemeCode::ALL {
        let username = scheme_supervisor(scheme);
        let display_name = match scheme {
            SchemeCode::Arpe => "Claude Coordination ARPE",
            SchemeCode::Plie => "Alix Coordination PLIE",
            SchemeCode::Global => "Sacha Coordination Accompagnement global",
        };
        db::insert_user(
            &mut tx,
            &NewUser {
                id: rng.uuid(),
                username: &username,
                display_name,
                role: Role::Supervisor,
                scheme: None,
                supervised: &[scheme],
                password_hash: &password_hash,
            },
            now,
        )
        .await?;
    }
    money::seed(&mut tx, today, supervisor_id, &followed, &past, now).await?;
    money::seed_before_2018(&mut tx, supervisor_id, &past, now).await?;
    money::seed_funds(&mut tx, today, supervisor_id, now).await?;
    money::seed_cofinancing(&mut tx, today, supervisor_id, now).await?;
    partners::seed(&mut tx, today, supervisor_id, &rsa_followed, now).await?;
    db::shared::refresh(&mut tx).await?;
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
        assert_eq!(accounts.len(), 26);
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
