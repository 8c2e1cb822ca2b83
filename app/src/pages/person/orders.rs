//! The purchase orders of a person's file: a référent orders a service of a framework
//! agreement in force, offline like the rest of the file, at the price of the period; the
//! order waits until the server has checked the period's maximum. An order then moves along
//! its lifecycle (service done, or cancelled while placed); refusals show in the top bar's
//! list of refused changes with what was left.

use jalon_domain::Invalid;
use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::money::agreements::Agreement;
use jalon_domain::money::euros;
use jalon_domain::money::orders::PurchaseOrder;
use jalon_domain::people::Enrolment;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use uuid::Uuid;

use super::follow_up::{Shown, active_enrolment, pending_badge, save, waits};
use crate::clock::today;
use crate::forms::{InputField, required_date};
use crate::i18n::fr;
use crate::state::AppState;

/// The agreements with a period in force on `date`.
fn in_force(agreements: &[Agreement], date: time::Date) -> Vec<Agreement> {
    agreements
        .iter()
        .filter(|a| a.period_on(date).is_some())
        .cloned()
        .collect()
}

#[component]
pub fn Orders(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let agreements = Signal::derive(move || state.shared.with(|s| s.agreements.clone()));
    let orders = move || {
        let mut found: Vec<(Item, PurchaseOrder)> = items
            .get()
            .into_iter()
            .filter_map(|(i, _)| match &i.body {
                ItemBody::Order(o) => Some((i.clone(), o.clone())),
                _ => None,
            })
            .collect();
        found.sort_by_key(|(i, o)| (std::cmp::Reverse(o.ordered_on), i.id));
        found
    };
    let provider = move |id: Uuid| {
        agreements.with(|all| {
            all.iter()
                .find(|a| a.id == id)
                .map_or_else(String::new, |a| a.provider.clone())
        })
    };
    let errors = RwSignal::new(Invalid::default());
    // A stage chosen on a row: the order's next version.
    let move_to = move |item: Item, order: PurchaseOrder, stage| {
        let next = Item {
            body: ItemBody::Order(PurchaseOrder {
                status: stage,
                ..order
            }),
            ..item.clone()
        };
        let invalid = save(state, next, Some(&item), &enrolments.get_untracked(), || {});
        errors.set(invalid);
    };
    view! {
        <section id="commandes" class="orders" aria-label=fr::ORDERS>
            <h2>{fr::ORDERS}</h2>
            <Show when=move || orders().is_empty()>
                <p class="empty">{fr::NO_ORDER}</p>
            </Show>
            <ul class="items">
                <For
                    each=orders
                    key=|(i, _)| (i.id, i.version)
                    children=move |(item, order)| {
                        let user = state.session.get_untracked().map(|s| s.user);
                        let stages = user
                            .map(|u| order.status.next_for(&u))
                            .unwrap_or_default();
                        let pending = waits(items, item.id);
                        view! {
                            <li class="item order">
                                <strong>{fr::order_line(&order.label, order.quantity, &euros(order.amount_cents))}</strong>
                                <span>{fr::ordered_on(&format_date_fr(order.ordered_on), &provider(order.agreement_id))}</span>
                                <span class="badge">{order.status.label_fr()}</span>
                                {pending_badge(pending)}
                                <span class="actions">
                                    {stages
                                        .into_iter()
                                        .map(|stage| {
                                            let (item, order) = (item.clone(), order.clone());
                                            view! {
                                                <button type="button" class="secondary"
                                                    on:click=move |_| move_to(item.clone(), order.clone(), stage)>
                                                    {fr::order_action(stage)}
                                                </button>
                                            }
                                        })
                                        .collect_view()}
                                </span>
                            </li>
                        }
                    }
                />
            </ul>
            {move || errors.with(|e| e.message_for("order_status").or(e.message_for("order")).map(str::to_owned))
                .map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <Show when=move || active_enrolment(&enrolments.get()).is_some()>
                <NewOrder person_id agreements enrolments />
            </Show>
        </section>
    }
}

#[component]
fn NewOrder(
    person_id: Uuid,
    agreements: Signal<Vec<Agreement>>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let agreement = RwSignal::new(String::new());
    let service = RwSignal::new(String::new());
    let quantity = RwSignal::new("1".to_owned());
    let date = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let available = Signal::derive(move || in_force(&agreements.get(), today()));
    let chosen = Signal::derive(move || {
        let id = agreement.get();
        available.with(|all| all.iter().find(|a| a.id.to_string() == id).cloned())
    });
    // The order as typed, priced from the period in force on its date.
    let priced = move || {
        let agreement = chosen.get()?;
        let on = jalon_domain::text::parse_iso_date(&date.get())?;
        let quantity = quantity.get().trim().parse::<u32>().ok()?;
        PurchaseOrder::priced(&agreement, &service.get(), quantity, on)
    };
    let summary = move || {
        let order = priced()?;
        let left = chosen
            .get()?
            .period(order.period)
            .map(|p| p.left_cents())
            .unwrap_or_default();
        Some(view! {
            <p class="hint" aria-live="polite">{fr::order_amount(&euros(order.amount_cents), &euros(left))}</p>
            {(order.amount_cents > left)
                .then(|| view! { <p class="warning" role="status">{fr::order_over_left(&euros(left))}</p> })}
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let on = required_date("order_date", &date.get_untracked(), &mut invalid);
        let Some(agreement) = chosen.get_untracked() else {
            invalid.push(jalon_domain::FieldError::new(
                "order_agreement",
                "required",
                "Choisissez un accord-cadre.",
            ));
            errors.set(invalid);
            return;
        };
        let count = quantity.get_untracked().trim().parse::<u32>();
        if count.is_err() {
            invalid.push(jalon_domain::FieldError::new(
                "order_quantity",
                "not_a_number",
                fr::NOT_A_NUMBER,
            ));
        }
        let (Some(on), Ok(count)) = (on, count) else {
            errors.set(invalid);
            return;
        };
        let Some(order) = PurchaseOrder::priced(&agreement, &service.get_untracked(), count, on)
        else {
            invalid.push(jalon_domain::FieldError::new(
                "order_service",
                "required",
                "Choisissez une prestation du bordereau en vigueur à cette date.",
            ));
            errors.set(invalid);
            return;
        };
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Order(order),
        };
        let result = save(state, item, None, &enrolments.get_untracked(), move || {
            quantity.set("1".to_owned());
            service.set(String::new());
        });
        errors.set(result);
    };
    let message =
        move |field: &'static str| move || errors.with(|e| e.message_for(field).map(str::to_owned));
    view! {
        <details>
            <summary>{fr::NEW_ORDER}</summary>
            <Show
                when=move || !available.get().is_empty()
                fallback=|| view! { <p class="empty">{fr::NO_AGREEMENT_IN_FORCE}</p> }
            >
                <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                    <div class="field" class:invalid=move || message("order_agreement")().is_some()>
                        <label for="order_agreement">{fr::AGREEMENT}</label>
                        <select id="order_agreement" aria-describedby="order_agreement-error"
                            prop:value=move || agreement.get()
                            on:change=move |ev| {
                                agreement.set(event_target_value(&ev));
                                service.set(String::new());
                            }>
                            <option value="">"—"</option>
                            {move || available.get().into_iter().map(|a| view! {
                                <option value=a.id.to_string()>{format!("{} ({})", a.label(), a.lot.label_fr())}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error" aria-live="polite" id="order_agreement-error">{message("order_agreement")}</p>
                    </div>
                    <div class="field" class:invalid=move || message("order_service")().is_some()>
                        <label for="order_service">{fr::SERVICE}</label>
                        <select id="order_service" aria-describedby="order_service-error"
                            prop:value=move || service.get()
                            on:change=move |ev| service.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {move || {
                                let on = jalon_domain::text::parse_iso_date(&date.get()).unwrap_or_else(today);
                                chosen.get()
                                    .and_then(|a| a.period_on(on).map(|p| p.terms.prices.clone()))
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|line| view! {
                                        <option value=line.code.clone()>{format!("{} — {}", line.label, euros(line.unit_cents))}</option>
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <p class="field-error" aria-live="polite" id="order_service-error">{message("order_service")}</p>
                    </div>
                    <InputField id="order_quantity".into() field="order_quantity" label=fr::QUANTITY value=quantity errors kind="number" />
                    <InputField id="order_date".into() field="order_date" label=fr::ORDER_DATE value=date errors kind="date" />
                    {summary}
                    <p class="hint">{fr::ORDER_WAITS}</p>
                    {move || message("order")().or(message("item")()).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <button type="submit">{fr::SAVE_ORDER}</button>
                </form>
            </Show>
        </details>
    }
}
