//! The demo's framework agreements and purchase orders: the six agreements of 2018 (initial
//! period and two renewals, all ended) and the six of the current generation (started last
//! year, renewed once for this year), with orders placed by référents for some of the people
//! they follow — never beyond a period's maximum, as the server's own check would refuse.

use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::money::agreements::{Agreement, Lot, Period, PeriodTerms, PriceLine};
use jalon_domain::money::orders::{OrderStatus, PurchaseOrder, check_cap};
use jalon_domain::people::Enrolment;
use sqlx::SqliteConnection;
use time::{Date, Duration, Month};
use uuid::Uuid;

use super::Rng;
use crate::db;

/// Synthetic providers (they designate no real firm), with the lot of their agreement.
const PROVIDERS: &[(&str, &str, Lot)] = &[
    (
        "Cabinet Horizon Entreprendre",
        "Accompagnement des travailleurs indépendants — Limoges Métropole",
        Lot::Eti,
    ),
    (
        "Conseil Vienne Création",
        "Accompagnement des travailleurs indépendants — territoire rural",
        Lot::Eti,
    ),
    (
        "Terres d'Avenir Conseil",
        "Accompagnement des non-salariés agricoles — nord du département",
        Lot::Nsa,
    ),
    (
        "Coopérative Sillons",
        "Accompagnement des non-salariés agricoles — sud du département",
        Lot::Nsa,
    ),
    (
        "Atelier Micro-Projets",
        "Accompagnement des micro-entrepreneurs — Limoges Métropole",
        Lot::MicroEntrepreneurs,
    ),
    (
        "Réseau Artisans Solidaires",
        "Accompagnement des micro-entrepreneurs — territoire rural",
        Lot::MicroEntrepreneurs,
    ),
];

/// One in this many people followed gets an order.
const ORDER_EVERY: u64 = 8;
/// The maximum of each period.
const PERIOD_MAX_CENTS: i64 = 1_600_000;

fn prices(year_offset: i64) -> Vec<PriceLine> {
    // Prices rise a little at each renewal.
    let rise = |cents: i64| cents + cents * year_offset * 2 / 100;
    vec![
        PriceLine {
            code: "p1".into(),
            label: "Diagnostic de l'activité".into(),
            unit_cents: rise(45_000),
        },
        PriceLine {
            code: "p2".into(),
            label: "Accompagnement mensuel".into(),
            unit_cents: rise(12_050),
        },
        PriceLine {
            code: "p3".into(),
            label: "Bilan de fin d'accompagnement".into(),
            unit_cents: rise(20_000),
        },
    ]
}

fn period(number: u8, start: Date, end: Date) -> Period {
    Period {
        number,
        terms: PeriodTerms {
            start,
            end,
            max_cents: PERIOD_MAX_CENTS,
            prices: prices(i64::from(number)),
        },
        ordered_cents: 0,
    }
}

fn day(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

/// The twelve agreements, the current generation first.
fn agreements(rng: &mut Rng, today: Date) -> Vec<Agreement> {
    let year = today.year();
    let current = [
        period(
            0,
            day(year - 1, Month::January, 2),
            day(year - 1, Month::December, 31),
        ),
        period(
            1,
            day(year, Month::January, 1),
            day(year, Month::December, 31),
        ),
    ];
    let of_2018 = [
        period(
            0,
            day(2018, Month::January, 2),
            day(2018, Month::December, 31),
        ),
        period(
            1,
            day(2019, Month::January, 1),
            day(2019, Month::December, 31),
        ),
        period(
            2,
            day(2020, Month::January, 1),
            day(2020, Month::December, 31),
        ),
    ];
    let mut out = Vec::new();
    for periods in [&current[..], &of_2018[..]] {
        for (provider, object, lot) in PROVIDERS {
            out.push(Agreement {
                id: rng.uuid(),
                provider: (*provider).into(),
                object: (*object).into(),
                lot: *lot,
                periods: periods.to_vec(),
            });
        }
    }
    out
}

/// Stores the agreements (decided by `supervisor_id`) and orders for some of the `followed`
/// people (their active enrolment), placed by their référent in this year's period.
pub(super) async fn seed(
    tx: &mut SqliteConnection,
    today: Date,
    supervisor_id: Uuid,
    followed: &[Enrolment],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut rng = Rng(0x4D41_5243_4845);
    let mut agreements = agreements(&mut rng, today);
    for agreement in &agreements {
        db::money::insert_agreement(tx, agreement, supervisor_id, now).await?;
    }
    let current = PROVIDERS.len();
    for enrolment in followed {
        if rng.below(ORDER_EVERY) != 0 {
            continue;
        }
        let index = rng.below(current as u64) as usize;
        let agreement = &agreements[index];
        let Some(period) = agreement.period_on(today) else {
            continue;
        };
        let earliest = period.terms.start.max(enrolment.start_date);
        let span = (today - earliest).whole_days().max(0) as u64;
        let ordered_on = earliest + Duration::days(rng.below(span + 1) as i64);
        let service = ["p1", "p2", "p3"][rng.below(3) as usize];
        let quantity = if service == "p2" {
            1 + rng.below(6) as u32
        } else {
            1
        };
        let Some(mut order) = PurchaseOrder::priced(agreement, service, quantity, ordered_on)
        else {
            continue;
        };
        let Some(period) = agreements[index]
            .periods
            .iter_mut()
            .find(|p| p.number == order.period)
        else {
            continue;
        };
        if check_cap(period, period.ordered_cents, order.amount_cents).is_err() {
            continue;
        }
        period.ordered_cents += order.amount_cents;
        let age = (today - ordered_on).whole_days();
        order.status = match rng.below(10) {
            _ if age < 20 => OrderStatus::Placed,
            0 => OrderStatus::Cancelled,
            1..=2 => OrderStatus::Done,
            3..=4 if age > 45 => OrderStatus::Invoiced,
            5..=9 if age > 60 => OrderStatus::Paid,
            _ => OrderStatus::Placed,
        };
        if order.status == OrderStatus::Cancelled {
            period.ordered_cents -= order.amount_cents;
        }
        let item = Item {
            id: rng.uuid(),
            person_id: enrolment.person_id,
            version: 1,
            author_id: enrolment.referent_id,
            body: ItemBody::Order(order.clone()),
        };
        let rev = db::next_revs(tx, 1).await?;
        db::save_item(tx, &item, rev, now).await?;
        db::money::save_order(tx, item.id, &order, Some(enrolment.scheme)).await?;
    }
    Ok(())
}

/// Farm names are made of a kind of farm and a place-name word: they designate no real farm.
const FARM_KINDS: &[&str] = &["EARL", "GAEC", "SCEA", "Exploitation"];
const FARM_PLACES: &[&str] = &[
    "des Combes",
    "du Puy Haut",
    "de la Brande",
    "des Genêts",
    "du Moulin Bas",
    "de la Font Vieille",
    "des Châtaigniers",
    "du Bois Rond",
    "de la Croix Blanche",
    "des Prés Longs",
];

/// The farm funds as the seed document tells them for 2016 — Agridiff (2 250 €) and the SESA
/// cell (35 000 €) supporting 82 farms, the emergency fund (5 000 €) helping 4 farmers — and
/// this year's envelopes with a few grants so far.
pub(super) async fn seed_funds(
    tx: &mut SqliteConnection,
    today: Date,
    supervisor_id: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    use jalon_domain::communes::{self, LIMOGES_METROPOLE_EPCI};
    use jalon_domain::money::funds::{Envelope, Farm, Fund, Grant};
    let mut rng = Rng(0x4645_524D_4553);
    let rural: Vec<_> = communes::all()
        .iter()
        .filter(|c| c.epci != LIMOGES_METROPOLE_EPCI)
        .collect();
    for year in [2016, today.year()] {
        for (fund, cents) in [
            (Fund::Agridiff, 225_000),
            (Fund::Sesa, 3_500_000),
            (Fund::Emergency, 500_000),
        ] {
            let envelope = Envelope {
                fund,
                year,
                amount_cents: cents,
            };
            db::funds::set_envelope(tx, &envelope, supervisor_id, now).await?;
        }
    }
    let mut farms = Vec::new();
    for n in 0..90 {
        let farmer = format!(
            "{} {}",
            rng.pick(super::FIRST_NAMES),
            rng.pick(super::LAST_NAMES)
        );
        let farm = Farm {
            id: rng.uuid(),
            name: format!(
                "{} {} {}",
                rng.pick(FARM_KINDS),
                rng.pick(FARM_PLACES),
                n + 1
            ),
            siret: String::new(),
            commune_code: rng.pick(&rural).code.to_owned(),
            farmers: vec![farmer],
            people: Vec::new(),
        };
        db::funds::insert_farm(tx, &farm, supervisor_id, now).await?;
        farms.push(farm);
    }
    let mut grant = |farm: &Farm, fund, granted_on, amount_cents| Grant {
        id: rng.uuid(),
        farm_id: farm.id,
        fund,
        granted_on,
        amount_cents,
        purpose: match fund {
            Fund::Agridiff => "Diagnostic de l'exploitation".into(),
            Fund::Sesa => "Accompagnement économique et social".into(),
            Fund::Emergency => "Aide d'urgence".into(),
        },
    };
    let mut grants = Vec::new();
    // 2016: SESA for 82 farms (400 € each), Agridiff for 5 of them (450 €), the emergency fund
    // for 4 farmers (1 250 €).
    for (i, farm) in farms.iter().take(82).enumerate() {
        let on = day(2016, Month::March, 1) + Duration::days((i as i64 * 3) % 270);
        grants.push(grant(farm, Fund::Sesa, on, 40_000));
        if i % 20 == 0 {
            grants.push(grant(farm, Fund::Agridiff, on, 45_000));
        }
        if i % 20 == 5 {
            grants.push(grant(farm, Fund::Emergency, on, 125_000));
        }
    }
    // This year: a few grants so far.
    for (i, farm) in farms.iter().skip(82).enumerate() {
        let on = (day(today.year(), Month::February, 1) + Duration::days(i as i64 * 20)).min(today);
        grants.push(grant(farm, Fund::Sesa, on, 45_000));
    }
    if let Some(farm) = farms.last() {
        grants.push(grant(farm, Fund::Emergency, today, 125_000));
    }
    for grant in &grants {
        db::funds::insert_grant(tx, grant, supervisor_id, now).await?;
    }
    Ok(())
}

/// The schemes' co-financing plans since 2015 (synthetic shares and costs: about 52 000 € of
/// pay and charges per référent and year, overheads at 8 %). The FSE co-finances each scheme;
/// Limoges Métropole the PLIE, France Travail the accompagnement global.
pub(super) async fn seed_cofinancing(
    tx: &mut SqliteConnection,
    today: Date,
    supervisor_id: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    use jalon_domain::money::cofinancing::{CofinancingPlan, Financer, Share};
    use jalon_domain::schemes::SchemeCode;
    let share = |financer, basis_points| Share {
        financer,
        basis_points,
    };
    for year in 2015..=today.year() {
        for (scheme, referents, shares) in [
            (
                SchemeCode::Arpe,
                5,
                vec![
                    share(Financer::Fse, 5_000),
                    share(Financer::Departement, 5_000),
                ],
            ),
            (
                SchemeCode::Plie,
                10,
                vec![
                    share(Financer::Fse, 4_500),
                    share(Financer::LimogesMetropole, 3_500),
                    share(Financer::Departement, 2_000),
                ],
            ),
            (
                SchemeCode::Global,
                6,
                vec![
                    share(Financer::Fse, 4_000),
                    share(Financer::Departement, 3_000),
                    share(Financer::PoleEmploi, 3_000),
                ],
            ),
        ] {
            // Pay rises about 1.5 % a year from 2015.
            let staff_cents = referents * 5_200_000 * (1_000 + 15 * i64::from(year - 2015)) / 1_000;
            let plan = CofinancingPlan {
                scheme,
                year,
                staff_cents,
                other_cents: staff_cents * 8 / 100,
                shares,
            };
            db::cofinancing::set_plan(tx, &plan, supervisor_id, now).await?;
        }
    }
    Ok(())
}
