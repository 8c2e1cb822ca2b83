//! Framework agreements with purchase orders ("accords-cadres à bons de commande"): a provider,
//! an object and a lot, then periods — the initial one and at most [`MAX_RENEWALS`] renewals,
//! each a recorded decision — with a maximum amount and a price list each. An order is placed
//! inside a period active on its date, at the price of that period, and the period's orders
//! never add up beyond its maximum.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::euros;
use crate::code_enum;
use crate::error::{FieldError, Invalid};

/// Renewals an agreement may have after its initial period (so at most three periods).
pub const MAX_RENEWALS: usize = 2;
/// Lines of one price list.
pub const MAX_PRICE_LINES: usize = 30;
/// Longest provider name, object or service label, in characters.
pub const LABEL_MAX_CHARS: usize = 200;
/// The largest maximum of a period (10 million euros), in cents.
pub const MAX_PERIOD_CENTS: i64 = 1_000_000_000;
/// A framework agreement lasts at most four years, renewals included (public procurement).
pub const MAX_YEARS: i32 = 4;

code_enum! {
    pub enum Lot {
        Eti = ("eti", "Travailleurs indépendants (ETI)"),
        Nsa = ("nsa", "Non-salariés agricoles (NSA)"),
        MicroEntrepreneurs = ("micro", "Micro-entrepreneurs"),
        Other = ("other", "Autre accompagnement"),
    }
}

code_enum! {
    pub enum AgreementStatus {
        Upcoming = ("upcoming", "À venir"),
        Active = ("active", "En cours"),
        Ended = ("ended", "Échu"),
    }
}

/// One service of a price list and its unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceLine {
    /// Stable within the period (`p1`, `p2`…): what an order names.
    pub code: String,
    pub label: String,
    pub unit_cents: i64,
}

/// The initial period or a renewal, as decided: its dates, maximum and prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodTerms {
    pub start: Date,
    pub end: Date,
    pub max_cents: i64,
    pub prices: Vec<PriceLine>,
}

/// A period of an agreement (`AgreementPeriod` in the API description, beside the
/// dashboard's `Period`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = AgreementPeriod)
)]
pub struct Period {
    /// 0 for the initial period, then 1 and 2 for the renewals.
    pub number: u8,
    pub terms: PeriodTerms,
    /// The orders of the period that are not cancelled, when the server sent it: what a
    /// device shows as left. The server decides on its own sum, in the writing transaction.
    #[serde(default)]
    pub ordered_cents: i64,
}

impl Period {
    pub fn covers(&self, date: Date) -> bool {
        self.terms.start <= date && date <= self.terms.end
    }

    pub fn price(&self, code: &str) -> Option<&PriceLine> {
        self.terms.prices.iter().find(|p| p.code == code)
    }

    /// What is left to order as last known (never below zero).
    pub fn left_cents(&self) -> i64 {
        (self.terms.max_cents - self.ordered_cents).max(0)
    }

    /// « 02/01/2018 au 31/12/2018 (période initiale) », « … (reconduction 1) ».
    pub fn label_fr(&self) -> String {
        let which = match self.number {
            0 => "période initiale".to_owned(),
            n => format!("reconduction {n}"),
        };
        format!(
            "{} au {} ({which})",
            crate::text::format_date_fr(self.terms.start),
            crate::text::format_date_fr(self.terms.end)
        )
    }
}

/// A framework agreement with its periods in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    pub id: Uuid,
    pub provider: String,
    pub object: String,
    pub lot: Lot,
    pub periods: Vec<Period>,
}

impl Agreement {
    /// The period in force on `date`: where an order of that day goes.
    pub fn period_on(&self, date: Date) -> Option<&Period> {
        self.periods.iter().find(|p| p.covers(date))
    }

    pub fn period(&self, number: u8) -> Option<&Period> {
        self.periods.iter().find(|p| p.number == number)
    }

    pub fn status(&self, today: Date) -> AgreementStatus {
        match (self.periods.first(), self.periods.last()) {
            (Some(first), _) if today < first.terms.start => AgreementStatus::Upcoming,
            (_, Some(last)) if today <= last.terms.end => AgreementStatus::Active,
            _ => AgreementStatus::Ended,
        }
    }

    /// Whether a renewal may still be decided (the initial period and at most two renewals).
    pub fn may_renew(&self) -> bool {
        self.periods.len() <= MAX_RENEWALS
    }

    /// « Prestataire — objet ».
    pub fn label(&self) -> String {
        format!("{} — {}", self.provider, self.object)
    }
}

/// A new agreement as a supervisor types it, with its initial period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementDraft {
    pub provider: String,
    pub object: String,
    pub lot: Lot,
    pub initial: PeriodTerms,
}

fn check_label(field: &str, label: &str, value: &str, invalid: &mut Invalid) {
    if value.trim().is_empty() {
        invalid.push(FieldError::new(
            field,
            "required",
            format!("{label} est obligatoire."),
        ));
    } else if value.chars().count() > LABEL_MAX_CHARS {
        invalid.push(FieldError::new(
            field,
            "too_long",
            format!("{label} ne doit pas dépasser {LABEL_MAX_CHARS} caractères."),
        ));
    } else if let Some(error) = crate::text::hidden_characters(field, label, value, false) {
        invalid.push(error);
    }
}

/// The last day an agreement starting on `start` may run to ([`MAX_YEARS`]).
fn last_day(start: Date) -> Date {
    start
        .replace_year(start.year() + MAX_YEARS)
        .ok()
        .and_then(|d| d.previous_day())
        .unwrap_or(start)
}

fn too_long() -> FieldError {
    FieldError::new(
        "period_end",
        "too_long",
        format!("Un accord-cadre ne dure pas plus de {MAX_YEARS} ans, reconductions comprises."),
    )
}

/// Checks the terms of a period (trimmed labels, dates in order, a maximum, a price list
/// with distinct codes and positive prices).
fn check_terms(terms: &mut PeriodTerms, today: Date, invalid: &mut Invalid) {
    if let Some(error) =
        crate::text::implausible_date("period_start", "Le début de la période", terms.start, today)
    {
        invalid.push(error);
    }
    if terms.end <= terms.start {
        invalid.push(FieldError::new(
            "period_end",
            "before_start",
            "La fin de la période doit suivre son début.",
        ));
    } else if terms.end > last_day(terms.start) {
        invalid.push(too_long());
    }
    if !(1..=MAX_PERIOD_CENTS).contains(&terms.max_cents) {
        invalid.push(FieldError::new(
            "period_max",
            "out_of_range",
            format!(
                "Le montant maximum va de 0,01 € à {}.",
                euros(MAX_PERIOD_CENTS)
            ),
        ));
    }
    if terms.prices.is_empty() || terms.prices.len() > MAX_PRICE_LINES {
        invalid.push(FieldError::new(
            "prices",
            "out_of_range",
            format!("Le bordereau de prix compte de 1 à {MAX_PRICE_LINES} prestations."),
        ));
    }
    for (i, line) in terms.prices.iter_mut().enumerate() {
        line.label = line.label.trim().to_owned();
        line.code = line.code.trim().to_owned();
        let field = format!("prices.{i}");
        check_label(&field, "L'intitulé de la prestation", &line.label, invalid);
        if line.code.is_empty() || line.code.len() > 20 {
            invalid.push(FieldError::new(
                &field,
                "invalid_code",
                "Chaque prestation a un code court.",
            ));
        }
        if !(1..=MAX_PERIOD_CENTS).contains(&line.unit_cents) {
            invalid.push(FieldError::new(
                &field,
                "out_of_range",
                "Le prix unitaire d'une prestation est positif.",
            ));
        }
    }
    let mut codes: Vec<&str> = terms.prices.iter().map(|p| p.code.as_str()).collect();
    codes.sort_unstable();
    if codes.windows(2).any(|w| w[0] == w[1]) {
        invalid.push(FieldError::new(
            "prices",
            "duplicate_code",
            "Deux prestations du bordereau ont le même code.",
        ));
    }
}

/// Checks a new agreement; returns it trimmed with its initial period.
pub fn check_agreement(draft: AgreementDraft, id: Uuid, today: Date) -> Result<Agreement, Invalid> {
    let mut draft = draft;
    let mut invalid = Invalid::default();
    draft.provider = draft.provider.trim().to_owned();
    draft.object = draft.object.trim().to_owned();
    check_label("provider", "Le prestataire", &draft.provider, &mut invalid);
    check_label("object", "L'objet", &draft.object, &mut invalid);
    check_terms(&mut draft.initial, today, &mut invalid);
    invalid.into_result()?;
    Ok(Agreement {
        id,
        provider: draft.provider,
        object: draft.object,
        lot: draft.lot,
        periods: vec![Period {
            number: 0,
            terms: draft.initial,
            ordered_cents: 0,
        }],
    })
}

/// Checks a renewal of `agreement`: at most [`MAX_RENEWALS`], starting the day after the last
/// period ends, the whole agreement within [`MAX_YEARS`]. Returns the new period.
pub fn check_renewal(
    agreement: &Agreement,
    terms: PeriodTerms,
    today: Date,
) -> Result<Period, Invalid> {
    let mut terms = terms;
    let mut invalid = Invalid::default();
    if !agreement.may_renew() {
        invalid.push(FieldError::new(
            "renewal",
            "no_renewal_left",
            format!(
                "Cet accord-cadre a déjà été reconduit {MAX_RENEWALS} fois : une nouvelle reconduction est impossible, il faut un nouveau marché."
            ),
        ));
        return Err(invalid);
    }
    check_terms(&mut terms, today, &mut invalid);
    if let (Some(first), Some(last)) = (agreement.periods.first(), agreement.periods.last()) {
        if last.terms.end.next_day() != Some(terms.start) {
            invalid.push(FieldError::new(
                "period_start",
                "not_contiguous",
                format!(
                    "Une reconduction commence le lendemain de la période précédente, le {}.",
                    last.terms
                        .end
                        .next_day()
                        .map_or_else(String::new, crate::text::format_date_fr)
                ),
            ));
        }
        if terms.end > last_day(first.terms.start)
            && !invalid.errors.iter().any(|e| e.code == "too_long")
        {
            invalid.push(too_long());
        }
    }
    invalid.into_result()?;
    Ok(Period {
        number: agreement.periods.len() as u8,
        terms,
        ordered_cents: 0,
    })
}

/// How much of a period's maximum its orders use, by stage of the orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consumption {
    /// Every order not cancelled.
    pub ordered_cents: i64,
    /// Of which the service was done (done, invoiced or paid).
    pub done_cents: i64,
    /// Of which invoiced (invoiced or paid).
    pub invoiced_cents: i64,
    /// Of which paid.
    pub paid_cents: i64,
}

code_enum! {
    pub enum Alert {
        Near = ("near", "80 % du maximum atteint"),
        Reached = ("reached", "Maximum atteint"),
    }
}

/// The alert of a period: from 80 % of its maximum ordered, then at 100 %.
pub fn alert(ordered_cents: i64, max_cents: i64) -> Option<Alert> {
    if max_cents <= 0 {
        return None;
    }
    if ordered_cents >= max_cents {
        Some(Alert::Reached)
    } else if ordered_cents * 5 >= max_cents * 4 {
        Some(Alert::Near)
    } else {
        None
    }
}

/// Where a period of an agreement stands (`GET /api/agreements`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodState {
    pub number: u8,
    pub consumption: Consumption,
    pub alert: Option<Alert>,
}

/// An agreement as the supervision sees it: its status and the consumption of each period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementState {
    pub agreement: Agreement,
    pub status: AgreementStatus,
    pub may_renew: bool,
    pub periods: Vec<PeriodState>,
}

impl AgreementState {
    /// `consumption` holds the sums of every period of every agreement, by agreement id and
    /// period number; a period without orders has consumed nothing.
    pub fn new(
        agreement: Agreement,
        consumption: &[(Uuid, u8, Consumption)],
        today: Date,
    ) -> AgreementState {
        let periods = agreement
            .periods
            .iter()
            .map(|p| {
                let consumption = consumption
                    .iter()
                    .find(|(id, number, _)| *id == agreement.id && *number == p.number)
                    .map(|(_, _, c)| *c)
                    .unwrap_or_default();
                PeriodState {
                    number: p.number,
                    consumption,
                    alert: alert(consumption.ordered_cents, p.terms.max_cents),
                }
            })
            .collect();
        AgreementState {
            status: agreement.status(today),
            may_renew: agreement.may_renew(),
            periods,
            agreement,
        }
    }
}

/// A price list typed one service a line, « intitulé ; prix unitaire » (`Diagnostic ; 450`),
/// coded `p1`, `p2`… in order. Errors name the line.
pub fn parse_price_list(text: &str) -> Result<Vec<PriceLine>, Invalid> {
    let mut invalid = Invalid::default();
    let mut lines = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let parsed = line
            .rsplit_once(';')
            .and_then(|(label, price)| Some((label.trim(), super::parse_euros(price)?)));
        match parsed {
            Some((label, unit_cents)) if !label.is_empty() => lines.push(PriceLine {
                code: format!("p{}", i + 1),
                label: label.to_owned(),
                unit_cents,
            }),
            _ => invalid.push(FieldError::new(
                "prices",
                "invalid_line",
                format!(
                    "Ligne {} du bordereau : écrivez « intitulé ; prix unitaire », par exemple « Diagnostic ; 450,00 ».",
                    i + 1
                ),
            )),
        }
    }
    invalid.into_result().map(|()| lines)
}

/// The price list as typed back in [`parse_price_list`]'s form (to renew with the same list).
pub fn price_list_text(prices: &[PriceLine]) -> String {
    prices
        .iter()
        .map(|p| {
            format!(
                "{} ; {},{:02}",
                p.label,
                p.unit_cents / 100,
                p.unit_cents % 100
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The agreements and the orders of the supervisor's people (`GET /api/agreements`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementsView {
    pub agreements: Vec<AgreementState>,
    pub orders: Vec<crate::followup::Item>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    pub(crate) fn terms(start: Date, end: Date, max_cents: i64) -> PeriodTerms {
        PeriodTerms {
            start,
            end,
            max_cents,
            prices: vec![
                PriceLine {
                    code: "p1".into(),
                    label: "Diagnostic de l'activité".into(),
                    unit_cents: 45_000,
                },
                PriceLine {
                    code: "p2".into(),
                    label: "Suivi mensuel".into(),
                    unit_cents: 12_050,
                },
            ],
        }
    }

    fn agreement() -> Agreement {
        check_agreement(
            AgreementDraft {
                provider: "  Cabinet Synthèse  ".into(),
                object: "Accompagnement des ETI".into(),
                lot: Lot::Eti,
                initial: terms(date!(2018 - 01 - 02), date!(2018 - 12 - 31), 3_000_000),
            },
            Uuid::nil(),
            date!(2018 - 01 - 01),
        )
        .unwrap()
    }

    #[test]
    fn an_agreement_is_renewed_at_most_twice_contiguously_within_four_years() {
        let mut a = agreement();
        assert_eq!(a.provider, "Cabinet Synthèse");
        let today = date!(2018 - 12 - 01);
        let gap = check_renewal(
            &a,
            terms(date!(2019 - 02 - 01), date!(2019 - 12 - 31), 1),
            today,
        )
        .unwrap_err();
        assert_eq!(gap.errors[0].code, "not_contiguous");
        for year in [2019, 2020] {
            let start = Date::from_calendar_date(year, time::Month::January, 1).unwrap();
            let end = Date::from_calendar_date(year, time::Month::December, 31).unwrap();
            let period = check_renewal(&a, terms(start, end, 3_000_000), today).unwrap();
            assert_eq!(usize::from(period.number), a.periods.len());
            a.periods.push(period);
        }
        let third = check_renewal(
            &a,
            terms(date!(2021 - 01 - 01), date!(2021 - 12 - 31), 1),
            today,
        )
        .unwrap_err();
        assert_eq!(third.errors[0].code, "no_renewal_left");
        assert!(!a.may_renew());

        let mut b = agreement();
        let long = check_renewal(
            &b,
            terms(date!(2019 - 01 - 01), date!(2022 - 01 - 02), 1),
            today,
        )
        .unwrap_err();
        assert!(long.errors.iter().any(|e| e.code == "too_long"));
        b.periods.push(
            check_renewal(
                &b,
                terms(date!(2019 - 01 - 01), date!(2022 - 01 - 01), 1),
                today,
            )
            .unwrap(),
        );
    }

    #[test]
    fn periods_are_checked_and_found_by_date() {
        let mut bad = terms(date!(2018 - 12 - 31), date!(2018 - 01 - 02), 0);
        bad.prices[1].code = "p1".into();
        bad.prices[0].unit_cents = 0;
        let invalid = check_agreement(
            AgreementDraft {
                provider: String::new(),
                object: "x".into(),
                lot: Lot::Nsa,
                initial: bad,
            },
            Uuid::nil(),
            date!(2018 - 01 - 01),
        )
        .unwrap_err();
        let codes: Vec<&str> = invalid.errors.iter().map(|e| e.code.as_str()).collect();
        for code in ["required", "before_start", "out_of_range", "duplicate_code"] {
            assert!(codes.contains(&code), "{code} in {codes:?}");
        }
        let a = agreement();
        assert_eq!(a.period_on(date!(2018 - 01 - 01)), None);
        assert_eq!(a.period_on(date!(2018 - 06 - 01)).unwrap().number, 0);
        assert_eq!(a.status(date!(2017 - 06 - 01)), AgreementStatus::Upcoming);
        assert_eq!(a.status(date!(2018 - 12 - 31)), AgreementStatus::Active);
        assert_eq!(a.status(date!(2019 - 01 - 01)), AgreementStatus::Ended);
    }

    #[test]
    fn a_price_list_is_typed_one_service_a_line_and_read_back() {
        let prices = parse_price_list("Diagnostic ; 450\n\n Suivi mensuel ; 120,50 ").unwrap();
        assert_eq!(prices.len(), 2);
        assert_eq!(
            (
                prices[1].code.as_str(),
                prices[1].label.as_str(),
                prices[1].unit_cents
            ),
            ("p2", "Suivi mensuel", 12_050)
        );
        assert_eq!(parse_price_list(&price_list_text(&prices)).unwrap(), prices);
        let invalid = parse_price_list("Diagnostic 450\n ; 3").unwrap_err();
        assert_eq!(invalid.errors.len(), 2);
        assert!(invalid.errors[1].message.starts_with("Ligne 2"));
    }

    #[test]
    fn a_period_without_orders_consumed_nothing() {
        let a = agreement();
        let used = Consumption {
            ordered_cents: 2_500_000,
            ..Consumption::default()
        };
        let state = AgreementState::new(a.clone(), &[(a.id, 0, used)], date!(2018 - 06 - 01));
        assert_eq!(state.periods[0].alert, Some(Alert::Near));
        assert_eq!(state.status, AgreementStatus::Active);
        let none = AgreementState::new(a, &[], date!(2018 - 06 - 01));
        assert_eq!(none.periods[0].consumption, Consumption::default());
        assert_eq!(none.periods[0].alert, None);
    }

    #[test]
    fn alerts_come_at_80_and_100_percent() {
        assert_eq!(alert(79_999, 100_000), None);
        assert_eq!(alert(80_000, 100_000), Some(Alert::Near));
        assert_eq!(alert(100_000, 100_000), Some(Alert::Reached));
        assert_eq!(alert(0, 0), None);
    }
}
