//! The demo's framework agreements and purchase orders: the three markets of 2015–2017 with
//! the orders the seed document counts (about 500 self-employed people for about 278 000 €;
//! in 2016, 186 people for 93 415,64 €), then six agreements relaunched every three years
//! from 2 January 2018 (an initial period and the two renewals the rules allow: 2018–2020,
//! 2021–2023, 2024–2026…), with orders placed by référents for some of the people they
//! followed each year — never beyond a period's maximum, as the server's own check would
//! refuse.

use jalon_domain::followup::ItemBody;
use jalon_domain::money::agreements::{Agreement, Lot, Period, PeriodTerms, PriceLine};
use jalon_domain::money::orders::{OrderStatus, PurchaseOrder, check_cap};
use jalon_domain::people::Enrolment;
use sqlx::SqliteConnection;
use time::{Date, Duration, Month};
use uuid::Uuid;

use super::{Rng, save_referent_item};
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

/// The first year of each generation of the six agreements: relaunched every three years from
/// 2018, each generation an initial period (from 2 January) and the two renewals the rules
/// allow, one calendar year each — so that an agreement is in force every year since 2018.
fn generation_years(today: Date) -> Vec<i32> {
    (2018..=today.year()).step_by(3).collect()
}

/// The periods of the generation started in `first`, as decided by today: the renewals of the
/// current generation come as its years begin.
fn generation(first: i32, today: Date) -> Vec<Period> {
    (first..=(first + 2).min(today.year()))
        .map(|year| {
            let number = (year - first) as u8;
            let start = if number == 0 {
                day(year, Month::January, 2)
            } else {
                day(year, Month::January, 1)
            };
            period(number, start, day(year, Month::December, 31))
        })
        .collect()
}

/// The agreements of every generation since 2018, the current generation first.
fn agreements(rng: &mut Rng, today: Date) -> Vec<Agreement> {
    let mut out = Vec::new();
    for first in generation_years(today).into_iter().rev() {
        let periods = generation(first, today);
        for (provider, object, lot) in PROVIDERS {
            out.push(Agreement {
                id: rng.uuid(),
                provider: (*provider).into(),
                object: (*object).into(),
                lot: *lot,
                periods: periods.clone(),
            });
        }
    }
    out
}

/// Stores the agreements (decided by `supervisor_id`) and orders for some of the `followed`
/// people (their active enrolment), placed by their référent in this year's period, and for
/// some of the people followed in each earlier year since 2018 (`past`: the history's
/// enrolments), in that year's period.
pub(super) async fn seed(
    tx: &mut SqliteConnection,
    today: Date,
    supervisor_id: Uuid,
    followed: &[Enrolment],
    past: &[(Enrolment, bool)],
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
        let Some(mut order) = draw_order(&mut rng, &mut agreements[index], ordered_on) else {
            continue;
        };
        let age = (today - ordered_on).whole_days();
        order.status = match rng.below(10) {
            _ if age < 20 => OrderStatus::Placed,
            0 => OrderStatus::Cancelled,
            1..=2 => OrderStatus::Done,
            3..=4 if age > 45 => OrderStatus::Invoiced,
            5..=9 if age > 60 => OrderStatus::Paid,
            _ => OrderStatus::Placed,
        };
        if order.status == OrderStatus::Cancelled
            && let Some(period) = agreements[index]
                .periods
                .iter_mut()
                .find(|p| p.number == order.period)
        {
            period.ordered_cents -= order.amount_cents;
        }
        let body = ItemBody::Order(order.clone());
        let item_id = save_referent_item(tx, &mut rng, enrolment, body, now).await?;
        db::money::save_order(tx, item_id, &order, Some(enrolment.scheme)).await?;
    }
    let enrolments = past.iter().map(|(e, _)| e).chain(followed);
    seed_past_orders(tx, &mut agreements, enrolments, today, now).await
}

/// Draws a service and a quantity and prices them from `agreement`'s period in force on
/// `ordered_on`; the order counts in that period's total if it fits within its maximum (as
/// the server's own check would decide), otherwise there is none.
fn draw_order(rng: &mut Rng, agreement: &mut Agreement, ordered_on: Date) -> Option<PurchaseOrder> {
    let service = ["p1", "p2", "p3"][rng.below(3) as usize];
    let quantity = if service == "p2" {
        1 + rng.below(6) as u32
    } else {
        1
    };
    let order = PurchaseOrder::priced(agreement, service, quantity, ordered_on)?;
    let period = agreement
        .periods
        .iter_mut()
        .find(|p| p.number == order.period)?;
    check_cap(period, period.ordered_cents, order.amount_cents).ok()?;
    period.ordered_cents += order.amount_cents;
    Some(order)
}

/// The orders of the years before this one, all paid: a person followed for at least two
/// months of a year since 2018 gets, one time in [`ORDER_EVERY`], one order of an agreement in
/// force then, placed by their référent while they followed them — never beyond the period's
/// maximum.
async fn seed_past_orders<'a>(
    tx: &mut SqliteConnection,
    agreements: &mut [Agreement],
    enrolments: impl Iterator<Item = &'a Enrolment>,
    today: Date,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut rng = Rng(0x4D41_5243_4845_3138);
    for enrolment in enrolments {
        for year in 2018..today.year() {
            let (first, last) = (day(year, Month::January, 2), day(year, Month::December, 31));
            let from = enrolment.start_date.max(first);
            let to = enrolment.exit.as_ref().map_or(last, |x| x.date.min(last));
            let span = (to - from).whole_days();
            if span < 60 || rng.below(ORDER_EVERY) != 0 {
                continue;
            }
            let ordered_on = from + Duration::days(rng.below(span as u64 + 1) as i64);
            let in_force: Vec<usize> = (0..agreements.len())
                .filter(|&i| agreements[i].period_on(ordered_on).is_some())
                .collect();
            if in_force.is_empty() {
                continue;
            }
            let index = in_force[rng.below(in_force.len() as u64) as usize];
            let Some(mut order) = draw_order(&mut rng, &mut agreements[index], ordered_on) else {
                continue;
            };
            order.status = OrderStatus::Paid;
            let body = ItemBody::Order(order.clone());
            let item_id = save_referent_item(tx, &mut rng, enrolment, body, now).await?;
            db::money::save_order(tx, item_id, &order, Some(enrolment.scheme)).await?;
        }
    }
    Ok(())
}

/// The markets of 2015–2017 that bought the accompaniment of self-employed people on RSA, one
/// per lot (synthetic providers), each renewed twice: one period per year.
const FIRST_MARKETS: &[(&str, &str, Lot)] = &[
    (
        "Parcours Indépendants Conseil",
        "Accompagnement des travailleurs indépendants bénéficiaires du RSA (2015–2017)",
        Lot::Eti,
    ),
    (
        "Agri-Repères Limousin",
        "Accompagnement des non-salariés agricoles bénéficiaires du RSA (2015–2017)",
        Lot::Nsa,
    ),
    (
        "Micro-Élan Conseil",
        "Accompagnement des micro-entrepreneurs bénéficiaires du RSA (2015–2017)",
        Lot::MicroEntrepreneurs,
    ),
];

/// Each year of the first markets: the people accompanied, how many of them had a closing
/// review, the months of accompaniment ordered in all, and the year's prices (diagnostic,
/// month, review). 2016 gives the seed's 186 people for exactly 93 415,64 €; the three years
/// 500 people for 277 982,64 €.
struct MarketYear {
    year: i32,
    people: usize,
    reviews: usize,
    months: u32,
    prices: [i64; 3],
}

const MARKET_YEARS: [MarketYear; 3] = [
    MarketYear {
        year: 2015,
        people: 160,
        reviews: 80,
        months: 622,
        prices: [15_000, 9_000, 12_000],
    },
    MarketYear {
        year: 2016,
        people: 186,
        reviews: 87,
        months: 601,
        prices: [15_000, 9_164, 12_000],
    },
    MarketYear {
        year: 2017,
        people: 154,
        reviews: 77,
        months: 667,
        prices: [15_300, 9_300, 12_200],
    },
];

/// The maximum of each yearly period of a first market.
const FIRST_MARKET_MAX_CENTS: i64 = 5_000_000;

fn first_market_period(number: u8, year: &MarketYear) -> Period {
    let [diagnostic, month, review] = year.prices;
    Period {
        number,
        terms: PeriodTerms {
            start: day(year.year, Month::January, 1),
            end: day(year.year, Month::December, 31),
            max_cents: FIRST_MARKET_MAX_CENTS,
            prices: vec![
                PriceLine {
                    code: "p1".into(),
                    label: "Diagnostic de l'activité".into(),
                    unit_cents: diagnostic,
                },
                PriceLine {
                    code: "p2".into(),
                    label: "Accompagnement mensuel".into(),
                    unit_cents: month,
                },
                PriceLine {
                    code: "p3".into(),
                    label: "Bilan de fin d'accompagnement".into(),
                    unit_cents: review,
                },
            ],
        },
        ordered_cents: 0,
    }
}

/// Seeds the markets of 2015–2017 and their orders, all paid: each year, people on RSA
/// followed for at least two months of it (`past`: the history's enrolments) get a diagnostic,
/// months of accompaniment (one to six) and, for some, a closing review, placed by their
/// référent while they followed them. Nobody is accompanied in two years.
pub(super) async fn seed_before_2018(
    tx: &mut SqliteConnection,
    supervisor_id: Uuid,
    past: &[(Enrolment, bool)],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut rng = Rng(0x4D41_5243_4845_3135);
    let mut markets: Vec<Agreement> = FIRST_MARKETS
        .iter()
        .map(|(provider, object, lot)| Agreement {
            id: rng.uuid(),
            provider: (*provider).into(),
            object: (*object).into(),
            lot: *lot,
            periods: MARKET_YEARS
                .iter()
                .enumerate()
                .map(|(n, year)| first_market_period(n as u8, year))
                .collect(),
        })
        .collect();
    for market in &markets {
        db::money::insert_agreement(tx, market, supervisor_id, now).await?;
    }
    let mut used = std::collections::HashSet::new();
    for (n, year) in MARKET_YEARS.iter().enumerate() {
        let (first, last) = (
            day(year.year, Month::January, 1),
            day(year.year, Month::December, 31),
        );
        // The people on RSA followed for at least two months of the year, not yet accompanied.
        let mut candidates: Vec<(&Enrolment, Date, Date)> = past
            .iter()
            .filter(|(e, rsa)| *rsa && !used.contains(&e.person_id))
            .filter_map(|(e, _)| {
                let from = e.start_date.max(first);
                let to = e.exit.map_or(last, |x| x.date.min(last));
                ((to - from).whole_days() >= 60).then_some((e, from, to))
            })
            .collect();
        // A deterministic shuffle, then the year's number of people.
        for i in (1..candidates.len()).rev() {
            candidates.swap(i, rng.below(i as u64 + 1) as usize);
        }
        candidates.truncate(year.people);
        assert_eq!(
            candidates.len(),
            year.people,
            "the history has too few people"
        );
        // One month each, then the others one at a time, up to six a person.
        let mut months = vec![1_u32; year.people];
        let mut left = year.months - year.people as u32;
        while left > 0 {
            let i = rng.below(year.people as u64) as usize;
            if months[i] < 6 {
                months[i] += 1;
                left -= 1;
            }
        }
        for (i, (enrolment, from, to)) in candidates.into_iter().enumerate() {
            used.insert(enrolment.person_id);
            let span = (to - from).whole_days();
            let diagnostic_on = from + Duration::days(rng.below(span as u64 / 4 + 1) as i64);
            let months_on = (diagnostic_on + Duration::days(7 + rng.below(20) as i64)).min(to);
            let mut lines = vec![("p1", 1, diagnostic_on), ("p2", months[i], months_on)];
            if i < year.reviews {
                lines.push((
                    "p3",
                    1,
                    (to - Duration::days(rng.below(15) as i64)).max(months_on),
                ));
            }
            // The lot with the most room left takes the person when the drawn one is short.
            let drawn = rng.below(markets.len() as u64) as usize;
            for (service, quantity, ordered_on) in lines {
                let ordered_on = ordered_on.max(diagnostic_on);
                let mut placed = false;
                for index in std::iter::once(drawn).chain(0..markets.len()) {
                    let Some(mut order) =
                        PurchaseOrder::priced(&markets[index], service, quantity, ordered_on)
                    else {
                        continue;
                    };
                    let period = &mut markets[index].periods[n];
                    if check_cap(period, period.ordered_cents, order.amount_cents).is_err() {
                        continue;
                    }
                    period.ordered_cents += order.amount_cents;
                    order.status = OrderStatus::Paid;
                    let body = ItemBody::Order(order.clone());
                    let item_id = save_referent_item(tx, &mut rng, enrolment, body, now).await?;
                    db::money::save_order(tx, item_id, &order, Some(enrolment.scheme)).await?;
                    placed = true;
                    break;
                }
                assert!(placed, "the first markets' maxima hold the seed's orders");
            }
        }
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
