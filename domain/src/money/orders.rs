//! Purchase orders ("bons de commande"): a service of a framework agreement ordered for a
//! person, at the price of the period in force on the order's date. An order is a follow-up
//! item of the person (so it is typed offline and synced like the rest of the file); once
//! placed, only its stage changes: placed → service done → invoiced → paid, or cancelled
//! while placed (which frees its amount).

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::agreements::{Agreement, Period};
use super::euros;
use crate::auth::{Role, SessionUser};
use crate::code_enum;
use crate::error::{FieldError, Invalid};

/// Most units of one service on one order.
pub const MAX_QUANTITY: u32 = 50;

code_enum! {
    pub enum OrderStatus {
        Placed = ("placed", "Commandé"),
        Done = ("done", "Service fait"),
        Invoiced = ("invoiced", "Facturé"),
        Paid = ("paid", "Payé"),
        Cancelled = ("cancelled", "Annulé"),
    }
}

impl OrderStatus {
    /// The order's lifecycle: each stage leads to the next; only a placed order is cancelled.
    pub fn may_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        self == next
            || matches!(
                (self, next),
                (Placed, Done) | (Placed, Cancelled) | (Done, Invoiced) | (Invoiced, Paid)
            )
    }

    /// Whether the order's amount counts against its period's maximum.
    pub fn counts(self) -> bool {
        self != OrderStatus::Cancelled
    }

    /// Who records this stage: invoices and payments are the supervision's (desktop), the
    /// rest the référent's.
    pub fn recorded_by(self, role: Role) -> bool {
        match self {
            OrderStatus::Invoiced | OrderStatus::Paid => role == Role::Supervisor,
            _ => role == Role::Referent || role == Role::Supervisor,
        }
    }

    /// The stages `user` may move an order in this stage to (what a form offers).
    pub fn next_for(self, user: &SessionUser) -> Vec<OrderStatus> {
        OrderStatus::ALL
            .iter()
            .copied()
            .filter(|next| *next != self && self.may_become(*next) && next.recorded_by(user.role))
            .collect()
    }
}

/// A purchase order of a person's follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrder {
    pub agreement_id: Uuid,
    /// The number of the period the order's date falls in.
    pub period: u8,
    /// The code of the service in the period's price list.
    pub service: String,
    /// The service's label, as ordered.
    pub label: String,
    pub quantity: u32,
    pub unit_cents: i64,
    pub amount_cents: i64,
    pub ordered_on: Date,
    pub status: OrderStatus,
}

impl PurchaseOrder {
    /// A new order of `quantity` units of `service` on `ordered_on`, priced from the period
    /// in force that day; `None` when no period is in force or the service is not in its list.
    pub fn priced(
        agreement: &Agreement,
        service: &str,
        quantity: u32,
        ordered_on: Date,
    ) -> Option<PurchaseOrder> {
        let period = agreement.period_on(ordered_on)?;
        let line = period.price(service)?;
        Some(PurchaseOrder {
            agreement_id: agreement.id,
            period: period.number,
            service: line.code.clone(),
            label: line.label.clone(),
            quantity,
            unit_cents: line.unit_cents,
            amount_cents: line.unit_cents * i64::from(quantity),
            ordered_on,
            status: OrderStatus::Placed,
        })
    }
}

/// Checks an order against the agreements and the version the server holds (`None` when
/// new): a new order is placed in the period in force on its date, at its price; a placed
/// order only changes stage, along the lifecycle, by whom that stage belongs to.
pub fn check_order(
    order: &PurchaseOrder,
    current: Option<&PurchaseOrder>,
    agreements: &[Agreement],
    actor: &SessionUser,
    today: Date,
    invalid: &mut Invalid,
) {
    if let Some(current) = current {
        let same_terms = PurchaseOrder {
            status: current.status,
            ..order.clone()
        } == *current;
        if !same_terms {
            invalid.push(FieldError::new(
                "order",
                "order_frozen",
                "Un bon de commande émis ne se modifie pas : annulez-le et commandez à nouveau.",
            ));
        } else if !current.status.may_become(order.status) {
            invalid.push(FieldError::new(
                "order_status",
                "invalid_transition",
                format!(
                    "Ce bon de commande est « {} » : il ne peut pas devenir « {} ».",
                    current.status.label_fr(),
                    order.status.label_fr()
                ),
            ));
        } else if current.status != order.status && !order.status.recorded_by(actor.role) {
            invalid.push(FieldError::new(
                "order_status",
                "not_allowed",
                "La facturation et le paiement d'un bon de commande sont enregistrés par la supervision.",
            ));
        }
        return;
    }
    if actor.role != Role::Referent {
        invalid.push(FieldError::new(
            "order",
            "not_allowed",
            "Un bon de commande est émis par le référent de la personne.",
        ));
    }
    if order.status != OrderStatus::Placed {
        invalid.push(FieldError::new(
            "order_status",
            "invalid_transition",
            "Un nouveau bon de commande est d'abord « Commandé ».",
        ));
    }
    if order.ordered_on > today {
        invalid.push(FieldError::new(
            "order_date",
            "in_future",
            "La date de commande ne peut pas être dans le futur.",
        ));
    }
    if !(1..=MAX_QUANTITY).contains(&order.quantity) {
        invalid.push(FieldError::new(
            "order_quantity",
            "out_of_range",
            format!("La quantité va de 1 à {MAX_QUANTITY}."),
        ));
    }
    let Some(agreement) = agreements.iter().find(|a| a.id == order.agreement_id) else {
        invalid.push(FieldError::new(
            "order_agreement",
            "unknown_agreement",
            "Cet accord-cadre n'existe pas.",
        ));
        return;
    };
    let Some(period) = agreement.period_on(order.ordered_on) else {
        invalid.push(FieldError::new(
            "order_date",
            "period_inactive",
            format!(
                "Aucune période de l'accord-cadre « {} » n'est en vigueur le {} : la commande est impossible.",
                agreement.label(),
                crate::text::format_date_fr(order.ordered_on)
            ),
        ));
        return;
    };
    let priced = PurchaseOrder::priced(agreement, &order.service, order.quantity, order.ordered_on);
    match priced {
        None => invalid.push(FieldError::new(
            "order_service",
            "unknown_service",
            "Cette prestation ne figure pas au bordereau de prix de la période.",
        )),
        Some(priced) if priced != *order => invalid.push(FieldError::new(
            "order_service",
            "price_changed",
            format!(
                "Le prix de « {} » pour la période {} est de {} : la commande doit reprendre le bordereau en vigueur.",
                priced.label,
                period.label_fr(),
                euros(priced.unit_cents)
            ),
        )),
        Some(_) => {}
    }
}

/// The cap of a period: a new order of `amount_cents` fits when the orders of the period not
/// cancelled (`others_cents`, without this one) plus it stay within the maximum. The server
/// calls it inside its writing transaction with its own sum; the refusal says what was left.
pub fn check_cap(period: &Period, others_cents: i64, amount_cents: i64) -> Result<(), FieldError> {
    let left = (period.terms.max_cents - others_cents).max(0);
    if amount_cents <= left {
        return Ok(());
    }
    Err(FieldError::new(
        "order",
        "over_cap",
        format!(
            "Le maximum de la période {} est atteint : il restait {} sur {}, ce bon de commande est de {}.",
            period.label_fr(),
            euros(left),
            euros(period.terms.max_cents),
            euros(amount_cents)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::agreements::{Lot, PeriodTerms, PriceLine};
    use time::macros::date;

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

    fn agreement() -> Agreement {
        let period = |number: u8, start: Date, end: Date, unit_cents: i64| Period {
            number,
            terms: PeriodTerms {
                start,
                end,
                max_cents: 100_000,
                prices: vec![PriceLine {
                    code: "p1".into(),
                    label: "Diagnostic".into(),
                    unit_cents,
                }],
            },
            ordered_cents: 0,
        };
        Agreement {
            id: Uuid::from_u128(7),
            provider: "Cabinet".into(),
            object: "ETI".into(),
            lot: Lot::Eti,
            periods: vec![
                period(0, date!(2025 - 01 - 02), date!(2025 - 12 - 31), 40_000),
                period(1, date!(2026 - 01 - 01), date!(2026 - 12 - 31), 45_000),
            ],
        }
    }

    fn codes(result: Invalid) -> Vec<String> {
        result.errors.into_iter().map(|e| e.code).collect()
    }

    fn check(order: &PurchaseOrder, current: Option<&PurchaseOrder>, role: Role) -> Vec<String> {
        let mut invalid = Invalid::default();
        check_order(
            order,
            current,
            &[agreement()],
            &user(role),
            date!(2026 - 06 - 01),
            &mut invalid,
        );
        codes(invalid)
    }

    #[test]
    fn an_order_takes_the_price_of_the_period_in_force_on_its_date() {
        let a = agreement();
        let old = PurchaseOrder::priced(&a, "p1", 2, date!(2025 - 06 - 01)).unwrap();
        assert_eq!((old.period, old.amount_cents), (0, 80_000));
        let new = PurchaseOrder::priced(&a, "p1", 2, date!(2026 - 06 - 01)).unwrap();
        assert_eq!((new.period, new.amount_cents), (1, 90_000));
        assert!(check(&new, None, Role::Referent).is_empty());
        assert!(PurchaseOrder::priced(&a, "p1", 1, date!(2027 - 01 - 01)).is_none());
        assert!(PurchaseOrder::priced(&a, "p9", 1, date!(2026 - 01 - 01)).is_none());

        let cheap = PurchaseOrder {
            unit_cents: 40_000,
            amount_cents: 80_000,
            ..new.clone()
        };
        assert_eq!(check(&cheap, None, Role::Referent), ["price_changed"]);
        let outside = PurchaseOrder {
            ordered_on: date!(2024 - 06 - 01),
            ..new.clone()
        };
        assert_eq!(check(&outside, None, Role::Referent), ["period_inactive"]);
        let future = PurchaseOrder {
            ordered_on: date!(2026 - 06 - 02),
            ..new.clone()
        };
        assert!(check(&future, None, Role::Referent).contains(&"in_future".to_owned()));
        assert_eq!(check(&new, None, Role::Supervisor), ["not_allowed"]);
        let none = PurchaseOrder {
            quantity: 0,
            amount_cents: 0,
            ..new
        };
        assert_eq!(check(&none, None, Role::Referent), ["out_of_range"]);
    }

    #[test]
    fn a_placed_order_only_moves_along_its_lifecycle_by_whom_each_stage_belongs_to() {
        let placed = PurchaseOrder::priced(&agreement(), "p1", 1, date!(2026 - 05 - 01)).unwrap();
        let at = |status| PurchaseOrder {
            status,
            ..placed.clone()
        };
        assert!(check(&at(OrderStatus::Done), Some(&placed), Role::Referent).is_empty());
        assert!(check(&at(OrderStatus::Cancelled), Some(&placed), Role::Referent).is_empty());
        let done = at(OrderStatus::Done);
        assert_eq!(
            check(&at(OrderStatus::Cancelled), Some(&done), Role::Referent),
            ["invalid_transition"]
        );
        assert_eq!(
            check(&at(OrderStatus::Invoiced), Some(&done), Role::Referent),
            ["not_allowed"]
        );
        assert!(check(&at(OrderStatus::Invoiced), Some(&done), Role::Supervisor).is_empty());
        let more = PurchaseOrder {
            quantity: 2,
            amount_cents: 90_000,
            ..placed.clone()
        };
        assert_eq!(
            check(&more, Some(&placed), Role::Referent),
            ["order_frozen"]
        );
        assert_eq!(
            OrderStatus::Placed.next_for(&user(Role::Referent)),
            [OrderStatus::Done, OrderStatus::Cancelled]
        );
        assert_eq!(
            OrderStatus::Done.next_for(&user(Role::Supervisor)),
            [OrderStatus::Invoiced]
        );
        assert!(OrderStatus::Done.next_for(&user(Role::Referent)).is_empty());
    }

    #[test]
    fn the_cap_says_what_was_left() {
        let a = agreement();
        let period = a.period(1).unwrap();
        assert!(check_cap(period, 10_000, 90_000).is_ok());
        let refused = check_cap(period, 10_001, 90_000).unwrap_err();
        assert_eq!(refused.code, "over_cap");
        assert!(
            refused
                .message
                .contains("il restait 899,99\u{a0}€ sur 1\u{202f}000,00\u{a0}€")
        );
        assert!(check_cap(period, 200_000, 1).is_err());
    }
}
