//! The co-financing of the schemes: for each scheme and year, the costs (staff and other
//! costs declared by the supervision, purchase orders summed from the orders of the scheme's
//! référents) and the financers' agreed shares — the European Social Fund, the Département,
//! Limoges Métropole, France Travail (Pôle emploi) —, and the split of the total cost between
//! them, to the cent (the remainder of the rounding goes to the largest fractions, so the
//! parts always add up to the total).

use serde::{Deserialize, Serialize};

use super::euros;
use crate::code_enum;
use crate::error::{FieldError, Invalid};
use crate::schemes::SchemeCode;
use crate::supervision::{Cell, Table};

/// A share of 100 % in basis points.
pub const WHOLE: u32 = 10_000;
/// The largest yearly cost of one kind for one scheme (a typing error beyond it).
pub const MAX_COST_CENTS: i64 = 10_000_000_000;

code_enum! {
    pub enum Financer {
        Fse = ("fse", "Fonds social européen (FSE)"),
        Departement = ("departement", "Département de la Haute-Vienne"),
        LimogesMetropole = ("limoges_metropole", "Limoges Métropole"),
        PoleEmploi = ("pole_emploi", "France Travail (ex-Pôle emploi)"),
    }
}

/// A financer's agreed share of a scheme's cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub financer: Financer,
    /// In basis points: 4 550 is 45,5 %.
    pub basis_points: u32,
}

/// What the supervision declares for a scheme's year: its costs other than orders and the
/// financers' shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CofinancingPlan {
    pub scheme: SchemeCode,
    pub year: i32,
    /// The référents' and coordinators' pay, charges included.
    pub staff_cents: i64,
    /// Premises, travel, overheads.
    #[serde(default)]
    pub other_cents: i64,
    pub shares: Vec<Share>,
}

impl CofinancingPlan {
    /// Its id in the replica: the same for a scheme and a year on every server.
    pub fn id(&self) -> uuid::Uuid {
        super::record_id(&format!(
            "cofinancing:{}:{}",
            self.scheme.as_str(),
            self.year
        ))
    }
}

/// Checks a plan: costs within range, every financer at most once with a share above zero,
/// the shares adding up to 100 %.
pub fn check_plan(plan: &CofinancingPlan) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    for (field, label, cents) in [
        ("staff_cents", "Le coût du personnel", plan.staff_cents),
        ("other_cents", "Les autres coûts", plan.other_cents),
    ] {
        if !(0..=MAX_COST_CENTS).contains(&cents) {
            invalid.push(FieldError::new(
                field,
                "out_of_range",
                format!("{label} va de 0 à {}.", euros(MAX_COST_CENTS)),
            ));
        }
    }
    let mut seen = Vec::new();
    for share in &plan.shares {
        if seen.contains(&share.financer) {
            invalid.push(FieldError::new(
                "shares",
                "duplicate_financer",
                format!("{} figure deux fois.", share.financer.label_fr()),
            ));
        }
        seen.push(share.financer);
        if share.basis_points == 0 || share.basis_points > WHOLE {
            invalid.push(FieldError::new(
                "shares",
                "out_of_range",
                format!(
                    "La part de {} est comprise entre 0,01 % et 100 %.",
                    share.financer.label_fr()
                ),
            ));
        }
    }
    let sum: u32 = plan.shares.iter().map(|s| s.basis_points.min(WHOLE)).sum();
    if sum != WHOLE {
        invalid.push(FieldError::new(
            "shares",
            "shares_not_whole",
            format!(
                "Les parts des financeurs font {} : elles doivent faire 100 %.",
                percent(sum)
            ),
        ));
    }
    invalid.into_result()
}

/// `45,5 %` from basis points.
pub fn percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    let rest = basis_points % 100;
    if rest == 0 {
        format!("{whole}\u{a0}%")
    } else if rest.is_multiple_of(10) {
        format!("{whole},{}\u{a0}%", rest / 10)
    } else {
        format!("{whole},{rest:02}\u{a0}%")
    }
}

/// Splits `total_cents` by the shares, to the cent: each financer gets the floor of its
/// fraction, then the cents left go one by one to the largest remainders (ties to the order
/// of the shares). The parts add up to the total.
pub fn split(total_cents: i64, shares: &[Share]) -> Vec<(Financer, i64)> {
    let whole = i128::from(WHOLE);
    let mut parts: Vec<(Financer, i64, i128)> = shares
        .iter()
        .map(|s| {
            let exact = i128::from(total_cents) * i128::from(s.basis_points);
            (s.financer, (exact / whole) as i64, exact % whole)
        })
        .collect();
    let given: i64 = parts.iter().map(|p| p.1).sum();
    let mut left = total_cents - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left <= 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.into_iter().map(|(f, cents, _)| (f, cents)).collect()
}

/// A scheme's year: its costs and their split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CofinancingLine {
    pub scheme: SchemeCode,
    pub year: i32,
    /// `None` when no plan was declared for the year (the orders are still counted).
    pub plan: Option<CofinancingPlan>,
    /// The year's orders of the scheme's référents, not cancelled.
    pub orders_cents: i64,
    pub total_cents: i64,
    /// Each financer's part of the total; empty without a plan.
    pub split: Vec<SplitPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitPart {
    pub financer: Financer,
    pub basis_points: u32,
    pub cents: i64,
}

/// The report of a year, one line per scheme shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CofinancingReport {
    pub year: i32,
    pub lines: Vec<CofinancingLine>,
}

/// The lines of `year` for `schemes`, from the declared plans and the orders' sums by scheme.
pub fn report(
    year: i32,
    schemes: &[SchemeCode],
    plans: &[CofinancingPlan],
    orders: &[(SchemeCode, i64)],
) -> CofinancingReport {
    let lines = schemes
        .iter()
        .map(|scheme| {
            let plan = plans
                .iter()
                .find(|p| p.scheme == *scheme && p.year == year)
                .cloned();
            let orders_cents = orders
                .iter()
                .filter(|(s, _)| s == scheme)
                .map(|(_, c)| c)
                .sum();
            let declared = plan.as_ref().map_or(0, |p| p.staff_cents + p.other_cents);
            let total_cents = declared + orders_cents;
            let split = plan.as_ref().map_or_else(Vec::new, |p| {
                split(total_cents, &p.shares)
                    .into_iter()
                    .zip(&p.shares)
                    .map(|((financer, cents), share)| SplitPart {
                        financer,
                        basis_points: share.basis_points,
                        cents,
                    })
                    .collect()
            });
            CofinancingLine {
                scheme: *scheme,
                year,
                plan,
                orders_cents,
                total_cents,
                split,
            }
        })
        .collect();
    CofinancingReport { year, lines }
}

/// The report as the two tables the screen shows and the exports hold: the costs by scheme,
/// and the split by scheme and financer.
pub fn report_tables(report: &CofinancingReport) -> Vec<Table> {
    let year = report.year;
    let mut costs = Table {
        id: "couts",
        title: format!("Coûts des dispositifs en {year}"),
        headers: [
            "Dispositif",
            "Personnel",
            "Bons de commande",
            "Autres coûts",
            "Coût total",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: Vec::new(),
    };
    let mut parts = Table {
        id: "cofinancement",
        title: format!("Répartition du coût entre les financeurs en {year}"),
        headers: ["Dispositif", "Financeur", "Part", "Montant"]
            .map(str::to_owned)
            .to_vec(),
        rows: Vec::new(),
    };
    let mut total = [0i64; 4];
    for line in &report.lines {
        let staff = line.plan.as_ref().map_or(0, |p| p.staff_cents);
        let other = line.plan.as_ref().map_or(0, |p| p.other_cents);
        for (sum, cents) in
            total
                .iter_mut()
                .zip([staff, line.orders_cents, other, line.total_cents])
        {
            *sum += cents;
        }
        costs.rows.push(vec![
            Cell::Text(line.scheme.short_name().to_owned()),
            Cell::Euros(staff),
            Cell::Euros(line.orders_cents),
            Cell::Euros(other),
            Cell::Euros(line.total_cents),
        ]);
        if line.split.is_empty() {
            parts.rows.push(vec![
                Cell::Text(line.scheme.short_name().to_owned()),
                Cell::Text("Plan de financement non saisi".to_owned()),
                Cell::Percent(None),
                Cell::Euros(line.total_cents),
            ]);
        }
        for part in &line.split {
            parts.rows.push(vec![
                Cell::Text(line.scheme.short_name().to_owned()),
                Cell::Text(part.financer.label_fr().to_owned()),
                Cell::Percent(Some(f64::from(part.basis_points) / 100.0)),
                Cell::Euros(part.cents),
            ]);
        }
    }
    let mut row = vec![Cell::Text("Total".to_owned())];
    row.extend(total.map(Cell::Euros));
    costs.rows.push(row);
    vec![costs, parts]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(financer: Financer, basis_points: u32) -> Share {
        Share {
            financer,
            basis_points,
        }
    }

    fn plan(shares: Vec<Share>) -> CofinancingPlan {
        CofinancingPlan {
            scheme: SchemeCode::Plie,
            year: 2026,
            staff_cents: 100_000,
            other_cents: 1,
            shares,
        }
    }

    #[test]
    fn the_parts_add_up_to_the_total_to_the_cent() {
        let thirds = [
            share(Financer::Fse, 3_333),
            share(Financer::Departement, 3_333),
            share(Financer::LimogesMetropole, 3_334),
        ];
        let parts = split(100, &thirds);
        assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), 100);
        assert_eq!(parts.iter().map(|p| p.1).collect::<Vec<_>>(), [33, 33, 34]);
        let parts = split(1_000_001, &thirds);
        assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), 1_000_001);
        assert_eq!(split(0, &thirds).iter().map(|p| p.1).sum::<i64>(), 0);
        let halves = [
            share(Financer::Fse, 5_000),
            share(Financer::Departement, 5_000),
        ];
        assert_eq!(
            split(3, &halves),
            [(Financer::Fse, 2), (Financer::Departement, 1)]
        );
    }

    #[test]
    fn a_plan_has_each_financer_once_and_shares_of_a_whole() {
        assert!(check_plan(&plan(vec![share(Financer::Fse, WHOLE)])).is_ok());
        let codes = |p: &CofinancingPlan| -> Vec<String> {
            check_plan(p)
                .unwrap_err()
                .errors
                .into_iter()
                .map(|e| e.code)
                .collect()
        };
        assert_eq!(
            codes(&plan(vec![share(Financer::Fse, 4_000)])),
            ["shares_not_whole"]
        );
        assert_eq!(
            codes(&plan(vec![
                share(Financer::Fse, 5_000),
                share(Financer::Fse, 5_000)
            ])),
            ["duplicate_financer"]
        );
        assert_eq!(
            codes(&plan(vec![
                share(Financer::Fse, WHOLE),
                share(Financer::Departement, 0)
            ])),
            ["out_of_range"]
        );
        let mut negative = plan(vec![share(Financer::Fse, WHOLE)]);
        negative.staff_cents = -1;
        assert_eq!(codes(&negative), ["out_of_range"]);
        assert!(
            check_plan(&plan(vec![share(Financer::Fse, 4_550)]))
                .unwrap_err()
                .to_string()
                .contains("45,5\u{a0}%")
        );
    }

    #[test]
    fn the_report_counts_the_orders_and_splits_the_total() {
        let plans = [plan(vec![
            share(Financer::Fse, 4_500),
            share(Financer::LimogesMetropole, 5_500),
        ])];
        let orders = [(SchemeCode::Plie, 50_000), (SchemeCode::Arpe, 7_000)];
        let report = report(2026, &[SchemeCode::Arpe, SchemeCode::Plie], &plans, &orders);
        let plie = &report.lines[1];
        assert_eq!(plie.total_cents, 150_001);
        assert_eq!(plie.split.iter().map(|p| p.cents).sum::<i64>(), 150_001);
        let arpe = &report.lines[0];
        assert_eq!((arpe.total_cents, arpe.split.len()), (7_000, 0));
        let tables = report_tables(&report);
        assert_eq!(tables[0].rows.len(), 3);
        assert_eq!(tables[0].rows[2][4], Cell::Euros(157_001));
        assert_eq!(tables[1].rows.len(), 3);
        assert!(
            tables[1]
                .csv()
                .contains("PLIE;Fonds social européen (FSE);45,0;675,00\r\n")
        );
    }
}
