//! `/marches`: the supervision's framework agreements — each agreement with its periods and
//! their consumption (ordered, service done, invoiced, paid against the maximum, alerts at
//! 80 % and 100 %), a new agreement, a renewal (the form is gone after the second), and the
//! orders of the supervised people to record as invoiced, then paid. Online: the figures are
//! the server's, summed over every device's orders.

use std::collections::HashMap;

use jalon_domain::auth::Role;
use jalon_domain::followup::ItemBody;
use jalon_domain::money::agreements::{
    AgreementDraft, AgreementState, AgreementsView, Alert, Lot, PeriodTerms, parse_price_list,
    price_list_text,
};
use jalon_domain::money::euros;
use jalon_domain::money::orders::OrderStatus;
use jalon_domain::text::{format_date_fr, format_iso_date};
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use reqwest::Method;
use uuid::Uuid;

use crate::api::ApiFailure;
use crate::clock::today;
use crate::components::TopBar;
use crate::forms::{InputField, SelectField, TextArea, options, required_date};
use crate::i18n::fr;
use crate::pages::admin::{failure_message, token};
use crate::state::AppState;

/// The terms typed in a period form; the errors on their fields otherwise.
fn typed_terms(start: &str, end: &str, max: &str, prices: &str) -> Result<PeriodTerms, Invalid> {
    let mut invalid = Invalid::default();
    let start = required_date("period_start", start, &mut invalid);
    let end = required_date("period_end", end, &mut invalid);
    let max = jalon_domain::money::parse_euros(max);
    if max.is_none() {
        invalid.push(FieldError::new(
            "period_max",
            "not_an_amount",
            fr::NOT_AN_AMOUNT,
        ));
    }
    let prices = parse_price_list(prices).map_err(|e| invalid.errors.extend(e.errors));
    match (start, end, max, prices) {
        (Some(start), Some(end), Some(max_cents), Ok(prices)) if invalid.errors.is_empty() => {
            Ok(PeriodTerms {
                start,
                end,
                max_cents,
                prices,
            })
        }
        _ => Err(invalid),
    }
}

/// What a failed request shows: the fields' errors, or one message.
pub(super) fn show_failure(
    failure: ApiFailure,
    errors: RwSignal<Invalid>,
    message: RwSignal<Option<String>>,
) {
    match failure {
        ApiFailure::Refused { fields, .. } if !fields.is_empty() => {
            errors.set(Invalid { errors: fields })
        }
        other => message.set(Some(failure_message(&other))),
    }
}

#[component]
pub fn AgreementsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move {
            api.get::<AgreementsView>(&token, "/agreements")
                .await
                .map_err(|f| failure_message(&f))
        }
    });
    // The people the device holds, to name the orders' people.
    let people = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move {
            store
                .people()
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|p| (p.id, p.display_name()))
                .collect::<HashMap<Uuid, String>>()
        }
    });
    let supervisor = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == Role::Supervisor)
    };
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="agreements">
                <p class="no-print"><A href="/pilotage">{fr::BACK_TO_SUPERVISION}</A></p>
                <h1>{fr::AGREEMENTS}</h1>
                <Show when=supervisor fallback=|| view! { <p class="notice">{fr::AGREEMENTS_FOR_SUPERVISORS}</p> }>
                    <p class="muted">{fr::AGREEMENTS_HELP}</p>
                    {move || match loaded.get() {
                        None => view! { <p role="status">{fr::LOADING}</p> }.into_any(),
                        Some(Err(message)) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                        Some(Ok(view)) => {
                            let names = people.get().unwrap_or_default();
                            view! {
                                {view.agreements.into_iter().map(|a| view! { <AgreementCard state=a version /> }).collect_view()}
                                <Orders view=view.orders names version />
                            }.into_any()
                        }
                    }}
                    <NewAgreement version />
                </Show>
            </main>
        </Show>
    }
}

/// A table's header row.
pub(super) fn head(titles: &[&'static str]) -> impl IntoView + use<> {
    let cells = titles
        .iter()
        .map(|t| view! { <th scope="col">{*t}</th> })
        .collect_view();
    view! { <thead><tr>{cells}</tr></thead> }
}

fn alert_badge(alert: Option<Alert>) -> impl IntoView {
    alert.map(|a| {
        let class = match a {
            Alert::Near => "badge warning",
            Alert::Reached => "badge danger",
        };
        view! { <span class=class>{a.label_fr()}</span> }
    })
}

#[component]
fn AgreementCard(state: AgreementState, version: RwSignal<u32>) -> impl IntoView {
    let agreement = state.agreement.clone();
    let rows = agreement
        .periods
        .iter()
        .zip(state.periods.iter())
        .map(|(period, used)| {
            let max = period.terms.max_cents;
            let c = used.consumption;
            let share = if max > 0 {
                (c.ordered_cents.min(max) * 100 / max) as u32
            } else {
                0
            };
            view! {
                <tr>
                    <th scope="row">{period.label_fr()}</th>
                    <td class="num">{euros(max)}</td>
                    <td class="num">
                        {euros(c.ordered_cents)}
                        <progress max="100" value=share.to_string() aria-label=fr::share_of_max(share)></progress>
                    </td>
                    <td class="num">{euros(c.done_cents)}</td>
                    <td class="num">{euros(c.invoiced_cents)}</td>
                    <td class="num">{euros(c.paid_cents)}</td>
                    <td class="num">{euros((max - c.ordered_cents).max(0))}</td>
                    <td>{alert_badge(used.alert)}</td>
                </tr>
            }
        })
        .collect_view();
    let last = agreement.periods.last().cloned();
    view! {
        <article class="card agreement" data-provider=agreement.provider.clone()>
            <h2>{agreement.provider.clone()}</h2>
            <p>
                {agreement.object.clone()}
                " · "{agreement.lot.label_fr()}
                " · "<span class="badge">{state.status.label_fr()}</span>
            </p>
            <div class="table-scroll">
                <table>
                    <caption class="visually-hidden">{fr::periods_of(&agreement.provider)}</caption>
                    {head(&[fr::PERIOD, fr::MAXIMUM, fr::ORDERED, fr::SERVICE_DONE, fr::INVOICED, fr::PAID, fr::LEFT, fr::ALERT])}
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {match (state.may_renew, last) {
                (true, Some(last)) => view! { <Renewal id=agreement.id last version /> }.into_any(),
                _ => view! { <p class="muted">{fr::NO_RENEWAL_LEFT}</p> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn Renewal(
    id: Uuid,
    last: jalon_domain::money::agreements::Period,
    version: RwSignal<u32>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let next_start = last.terms.end.next_day().unwrap_or(last.terms.end);
    let next_end = next_start
        .replace_year(next_start.year() + 1)
        .ok()
        .and_then(|d| d.previous_day())
        .unwrap_or(next_start);
    let start = RwSignal::new(format_iso_date(next_start));
    let end = RwSignal::new(format_iso_date(next_end));
    let max = RwSignal::new(format!(
        "{},{:02}",
        last.terms.max_cents / 100,
        last.terms.max_cents % 100
    ));
    let prices = RwSignal::new(price_list_text(&last.terms.prices));
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let prefix = format!("renew-{}", id.simple());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let terms = match typed_terms(
            &start.get_untracked(),
            &end.get_untracked(),
            &max.get_untracked(),
            &prices.get_untracked(),
        ) {
            Ok(terms) => terms,
            Err(invalid) => return errors.set(invalid),
        };
        errors.set(Invalid::default());
        spawn_local(async move {
            let path = format!("/agreements/{id}/renewals");
            match state
                .api()
                .send_json::<_, serde_json::Value>(Method::POST, &token(state), &path, &terms)
                .await
            {
                Ok(_) => version.update(|v| *v += 1),
                Err(failure) => show_failure(failure, errors, message),
            }
        });
    };
    view! {
        <details>
            <summary>{fr::RENEW}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <InputField id=format!("{prefix}-start") field="period_start" label=fr::PERIOD_START value=start errors kind="date" />
                <InputField id=format!("{prefix}-end") field="period_end" label=fr::PERIOD_END value=end errors kind="date" />
                <InputField id=format!("{prefix}-max") field="period_max" label=fr::MAXIMUM_TYPED value=max errors />
                <TextArea id=format!("{prefix}-prices") field="prices" label=fr::PRICE_LIST value=prices errors />
                {move || errors.with(|e| e.message_for("renewal").map(str::to_owned)).or(message.get())
                    .map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit">{fr::SAVE_RENEWAL}</button>
            </form>
        </details>
    }
}

#[component]
fn NewAgreement(version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let provider = RwSignal::new(String::new());
    let object = RwSignal::new(String::new());
    let lot = RwSignal::new(Lot::Eti.as_str().to_owned());
    let year = today().year() + 1;
    let start = RwSignal::new(format!("{year}-01-02"));
    let end = RwSignal::new(format!("{year}-12-31"));
    let max = RwSignal::new(String::new());
    let prices = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let initial = match typed_terms(
            &start.get_untracked(),
            &end.get_untracked(),
            &max.get_untracked(),
            &prices.get_untracked(),
        ) {
            Ok(terms) => terms,
            Err(invalid) => return errors.set(invalid),
        };
        let draft = AgreementDraft {
            provider: provider.get_untracked(),
            object: object.get_untracked(),
            lot: Lot::parse(&lot.get_untracked()).unwrap_or(Lot::Other),
            initial,
        };
        errors.set(Invalid::default());
        spawn_local(async move {
            match state
                .api()
                .send_json::<_, serde_json::Value>(
                    Method::POST,
                    &token(state),
                    "/agreements",
                    &draft,
                )
                .await
            {
                Ok(_) => {
                    provider.set(String::new());
                    object.set(String::new());
                    max.set(String::new());
                    prices.set(String::new());
                    message.set(Some(fr::AGREEMENT_SAVED.to_owned()));
                    version.update(|v| *v += 1);
                }
                Err(failure) => show_failure(failure, errors, message),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="new-agreement">
            <h2 id="new-agreement">{fr::NEW_AGREEMENT}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <InputField id="agreement-provider".into() field="provider" label=fr::AGREEMENT_PROVIDER value=provider errors />
                <InputField id="agreement-object".into() field="object" label=fr::OBJECT value=object errors />
                <SelectField id="agreement-lot".into() label=fr::LOT options=options(Lot::ALL, Lot::as_str, Lot::label_fr) value=lot errors />
                <InputField id="agreement-start".into() field="period_start" label=fr::PERIOD_START value=start errors kind="date" />
                <InputField id="agreement-end".into() field="period_end" label=fr::PERIOD_END value=end errors kind="date" />
                <InputField id="agreement-max".into() field="period_max" label=fr::MAXIMUM_TYPED value=max errors />
                <TextArea id="agreement-prices".into() field="prices" label=fr::PRICE_LIST value=prices errors />
                <p class="muted">{fr::PRICE_LIST_HINT}</p>
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_AGREEMENT}</button>
            </form>
        </section>
    }
}

#[component]
fn Orders(
    view: Vec<jalon_domain::followup::Item>,
    names: HashMap<Uuid, String>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = RwSignal::new(None::<String>);
    let stage = move |id: Uuid, status: OrderStatus| {
        spawn_local(async move {
            let path = format!("/orders/{id}/status");
            let body = serde_json::json!({ "status": status });
            match state
                .api()
                .send_json::<_, serde_json::Value>(Method::POST, &token(state), &path, &body)
                .await
            {
                Ok(_) => version.update(|v| *v += 1),
                Err(failure) => message.set(Some(failure_message(&failure))),
            }
        });
    };
    let user = state.session.get_untracked().map(|s| s.user);
    let rows = view
        .into_iter()
        .filter_map(|item| match item.body {
            ItemBody::Order(o) => Some((item.id, item.person_id, o)),
            _ => None,
        })
        .map(|(id, person_id, order)| {
            let stages = user
                .as_ref()
                .map(|u| order.status.next_for(u))
                .unwrap_or_default();
            let name = names
                .get(&person_id)
                .cloned()
                .unwrap_or_else(|| "—".to_owned());
            view! {
                <tr>
                    <td>{format_date_fr(order.ordered_on)}</td>
                    <td>{name}</td>
                    <td>{format!("{} × {}", order.label, order.quantity)}</td>
                    <td class="num">{euros(order.amount_cents)}</td>
                    <td>{order.status.label_fr()}</td>
                    <td>
                        {stages.into_iter().map(|next| view! {
                            <button type="button" class="secondary" on:click=move |_| stage(id, next)>
                                {fr::order_action(next)}
                            </button>
                        }).collect_view()}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="orders-title">
            <h2 id="orders-title">{fr::ORDERS}</h2>
            <p role="status">{move || message.get()}</p>
            <div class="table-scroll">
                <table>
                    {head(&[fr::ORDER_DATE, fr::PERSON, fr::SERVICE, fr::AMOUNT, fr::STAGE, fr::ACTIONS])}
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
