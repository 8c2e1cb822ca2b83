//! `/cofinancement`: the co-financing of the schemes a supervisor oversees — for a year, each
//! scheme's costs (staff and other costs declared, purchase orders summed by the server) and
//! the split of the total between the financers, each table with its CSV export, the whole
//! as an XLSX workbook; and the form to declare a scheme's plan of the year (the shares must
//! make 100 %). Online, like `/fonds`.

use jalon_domain::auth::Role;
use jalon_domain::money::cofinancing::{
    CofinancingReport, Financer, WHOLE, percent, report_tables,
};
use jalon_domain::money::{euros, parse_euros};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use reqwest::Method;

use crate::clock::today;
use crate::components::{TopBar, fetch_workbook};
use crate::forms::{InputField, SelectField};
use crate::i18n::fr;
use crate::pages::admin::{failure_message, token};
use crate::pages::funds::{YearSelect, send};
use crate::pages::supervision::DataTable;
use crate::state::AppState;

/// `45,5` (percent, at most two decimals) as basis points.
fn basis_points(text: &str) -> Option<u32> {
    let cents = parse_euros(text.trim().trim_end_matches('%'))?;
    u32::try_from(cents).ok()
}

#[component]
pub fn CofinancingPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let year = RwSignal::new(today().year().to_string());
    let chosen = move || year.get().parse::<i32>().unwrap_or(today().year());
    let loaded = LocalResource::new(move || {
        version.track();
        let year = chosen();
        let api = state.api();
        let token = token(state);
        async move {
            api.get::<CofinancingReport>(&token, &format!("/cofinancing?year={year}"))
                .await
                .map_err(|f| failure_message(&f))
        }
    });
    let supervisor = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == Role::Supervisor)
    };
    let message = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    let export_xlsx = move |_| {
        let year = chosen();
        fetch_workbook(
            state,
            format!("/cofinancing.xlsx?year={year}"),
            format!("jalon-cofinancement-{year}.xlsx"),
            exporting,
            message,
        );
    };
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="agreements">
                <p class="no-print"><A href="/pilotage">{fr::BACK_TO_SUPERVISION}</A></p>
                <h1>{fr::COFINANCING}</h1>
                <Show when=supervisor fallback=|| view! { <p class="notice">{fr::COFINANCING_FOR_SUPERVISORS}</p> }>
                    <p class="muted">{fr::COFINANCING_HELP}</p>
                    <YearSelect id="cofinancing-year" year />
                    <p class="no-print">
                        <button type="button" class="secondary" on:click=export_xlsx disabled=move || exporting.get()>
                            {fr::EXPORT_COFINANCING_XLSX}
                        </button>
                    </p>
                    <p role="status">{move || message.get()}</p>
                    {move || match loaded.get() {
                        None => view! { <p role="status">{fr::LOADING}</p> }.into_any(),
                        Some(Err(failure)) => view! { <p class="form-error" role="alert">{failure}</p> }.into_any(),
                        Some(Ok(report)) => {
                            let what = format!("Cofinancement {}", report.year);
                            report_tables(&report)
                                .into_iter()
                                .map(|table| {
                                    let what = format!("{what} — {}", table.title);
                                    view! { <DataTable table what message /> }
                                })
                                .collect_view()
                                .into_any()
                        }
                    }}
                    <PlanForm
                        year=Signal::derive(chosen)
                        report=Signal::derive(move || loaded.get().and_then(Result::ok))
                        version
                    />
                </Show>
            </main>
        </Show>
    }
}

/// A scheme's plan of the year: staff and other costs, and each financer's share.
#[component]
fn PlanForm(
    year: Signal<i32>,
    report: Signal<Option<CofinancingReport>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let schemes: Vec<(&'static str, &'static str)> = state
        .session
        .get_untracked()
        .map(|s| s.user.supervised_schemes)
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.as_str(), s.short_name()))
        .collect();
    let scheme = RwSignal::new(
        schemes
            .first()
            .map_or_else(String::new, |(code, _)| (*code).to_owned()),
    );
    let staff = RwSignal::new(String::new());
    let other = RwSignal::new(String::new());
    let shares: Vec<(Financer, RwSignal<String>)> = Financer::ALL
        .iter()
        .map(|f| (*f, RwSignal::new(String::new())))
        .collect();
    let shares = StoredValue::new(shares);
    // The form starts from the plan declared for the chosen scheme and year, if any.
    Effect::new(move |_| {
        let code = scheme.get();
        let plan = report.get().and_then(|r| {
            r.lines
                .into_iter()
                .find(|l| l.scheme.as_str() == code)
                .and_then(|l| l.plan)
        });
        let typed = |cents: i64| euros(cents).trim_end_matches("\u{a0}€").to_owned();
        staff.set(
            plan.as_ref()
                .map(|p| typed(p.staff_cents))
                .unwrap_or_default(),
        );
        other.set(
            plan.as_ref()
                .map(|p| typed(p.other_cents))
                .unwrap_or_default(),
        );
        for (financer, value) in shares.get_value() {
            let share = plan
                .as_ref()
                .and_then(|p| p.shares.iter().find(|s| s.financer == financer))
                .map(|s| {
                    percent(s.basis_points)
                        .trim_end_matches("\u{a0}%")
                        .to_owned()
                });
            value.set(share.unwrap_or_default());
        }
    });
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let mut invalid = Invalid::default();
        let mut amount = |field: &'static str, text: String| {
            if text.trim().is_empty() {
                return Some(0);
            }
            let cents = parse_euros(&text);
            if cents.is_none() {
                invalid.push(FieldError::new(field, "not_an_amount", fr::NOT_AN_AMOUNT));
            }
            cents
        };
        let staff_cents = amount("staff_cents", staff.get_untracked());
        let other_cents = amount("other_cents", other.get_untracked());
        let mut parts = Vec::new();
        for (financer, value) in shares.get_value() {
            let text = value.get_untracked();
            if text.trim().is_empty() {
                continue;
            }
            match basis_points(&text) {
                Some(points) => parts.push(serde_json::json!({
                    "financer": financer.as_str(), "basis_points": points,
                })),
                None => invalid.push(FieldError::new("shares", "not_a_share", fr::NOT_A_SHARE)),
            }
        }
        if SchemeCode::parse(&scheme.get_untracked()).is_none() {
            invalid.push(FieldError::new("scheme", "required", fr::CHOOSE_SCHEME));
        }
        if !invalid.is_empty() {
            return errors.set(invalid);
        }
        let path = format!(
            "/cofinancing/{}/{}",
            scheme.get_untracked(),
            year.get_untracked()
        );
        let body = serde_json::json!({
            "staff_cents": staff_cents, "other_cents": other_cents, "shares": parts,
        });
        send(state, Method::PUT, path, body, errors, message, move || {
            message.set(Some(fr::PLAN_SAVED.to_owned()));
            version.update(|v| *v += 1);
        });
    };
    let shares_error = move || errors.with(|e| e.message_for("shares").map(str::to_owned));
    view! {
        <section class="card" aria-labelledby="plan-title">
            <h2 id="plan-title">{move || fr::plan_of_year(year.get())}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id="scheme".into() label=fr::SCHEME options=schemes value=scheme errors />
                <InputField id="staff_cents".into() field="staff_cents" label=fr::STAFF_COST value=staff errors />
                <InputField id="other_cents".into() field="other_cents" label=fr::OTHER_COSTS value=other errors />
                <fieldset class="shares" aria-describedby="shares-error">
                    <legend>{fr::SHARES}</legend>
                    {shares.get_value().into_iter().map(|(financer, value)| {
                        let id = format!("share-{}", financer.as_str());
                        view! {
                            <div class="field">
                                <label for=id.clone()>{financer.label_fr()}</label>
                                <input id=id type="text" inputmode="decimal" bind:value=value />
                            </div>
                        }
                    }).collect_view()}
                    <p class="field-error" aria-live="polite" id="shares-error">{shares_error}</p>
                </fieldset>
                <p class="hint">{fr::shares_hint(WHOLE / 100)}</p>
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_PLAN}</button>
            </form>
        </section>
    }
}
