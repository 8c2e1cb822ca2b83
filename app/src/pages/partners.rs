//! `/partenaires`: the financing partners of business creation — each partner's yearly
//! agreement (places) next to what became of the referrals of that year (answered, granted
//! amounts, businesses created), and the form to set a year's places (never below the
//! referrals it holds). Online, like `/fonds`; referrals themselves are made in the person's
//! file, offline.

use jalon_domain::auth::Role;
use jalon_domain::money::euros;
use jalon_domain::money::partners::{Partner, PartnerYear, PartnersView};
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use reqwest::Method;

use crate::clock::today;
use crate::components::TopBar;
use crate::forms::{InputField, SelectField, options};
use crate::i18n::fr;
use crate::pages::admin::{failure_message, token};
use crate::pages::agreements::head;
use crate::pages::funds::{YearSelect, send};
use crate::state::AppState;

#[component]
pub fn PartnersPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let year = RwSignal::new(today().year().to_string());
    let chosen = move || year.get().parse::<i32>().unwrap_or(today().year());
    let loaded = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move {
            api.get::<PartnersView>(&token, "/partners")
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
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="agreements">
                <p class="no-print"><A href="/pilotage">{fr::BACK_TO_SUPERVISION}</A></p>
                <h1>{fr::PARTNERS_TITLE}</h1>
                <Show when=supervisor fallback=|| view! { <p class="notice">{fr::PARTNERS_ONLY_SUPERVISION}</p> }>
                    <p class="muted">{fr::PARTNERS_INTRO}</p>
                    <YearSelect id="partners-year" year />
                    {move || match loaded.get() {
                        None => view! { <p role="status">{fr::LOADING}</p> }.into_any(),
                        Some(Err(message)) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                        Some(Ok(view)) => view! { <Year years=view.years year=chosen() /> }.into_any(),
                    }}
                    <PlacesForm version />
                </Show>
            </main>
        </Show>
    }
}

/// The partners' figures of one year, with the year's total.
#[component]
fn Year(years: Vec<PartnerYear>, year: i32) -> impl IntoView {
    let of_year: Vec<PartnerYear> = years.into_iter().filter(|y| y.year == year).collect();
    let empty = of_year.is_empty();
    let total = of_year.iter().fold(
        PartnerYear {
            year,
            places: Some(0),
            ..PartnerYear::default()
        },
        |mut t, y| {
            t.places = t.places.zip(y.places).map(|(a, b)| a + b);
            t.referred += y.referred;
            t.pending += y.pending;
            t.granted += y.granted;
            t.refused += y.refused;
            t.withdrawn += y.withdrawn;
            t.granted_cents += y.granted_cents;
            t.businesses += y.businesses;
            t
        },
    );
    let row = |y: PartnerYear| {
        let partner = y.partner.map_or(fr::TOTAL, Partner::label_fr);
        view! {
            <tr class:total=y.partner.is_none()>
                <th scope="row">{partner}</th>
                <td class="num">{fr::places_of(y.referred - y.withdrawn, y.places)}</td>
                <td class="num">{y.referred}</td>
                <td class="num">{y.pending}</td>
                <td class="num">{y.granted}</td>
                <td class="num">{y.refused}</td>
                <td class="num">{y.withdrawn}</td>
                <td class="num nowrap">{euros(y.granted_cents)}</td>
                <td class="num">{y.businesses}</td>
            </tr>
        }
    };
    let rows = of_year.into_iter().map(row).collect_view();
    view! {
        <section class="card" aria-labelledby="partner-years">
            <h2 id="partner-years">{fr::partners_of_year(year)}</h2>
            {empty.then(|| view! { <p class="empty">{fr::NO_PARTNER_YEAR}</p> })}
            <div class="table-scroll">
                <table class="compact">
                    {head(&[
                        fr::PARTNER, fr::PLACES, fr::REFERRED, fr::WAITING_COUNT,
                        fr::GRANTED_COUNT, fr::REFUSED_COUNT, fr::WITHDRAWN_COUNT,
                        fr::AMOUNT_GRANTED_TOTAL, fr::BUSINESSES,
                    ])}
                    <tbody>{rows}{(!empty).then(|| row(total))}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn PlacesForm(version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let partner = RwSignal::new(Partner::Adie.as_str().to_owned());
    let year = RwSignal::new(today().year().to_string());
    let places = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let Ok(count) = places.get_untracked().trim().parse::<u32>() else {
            return errors.set(Invalid::single(FieldError::new(
                "places",
                "not_a_number",
                fr::NOT_A_NUMBER,
            )));
        };
        let path = format!(
            "/partners/{}/{}",
            partner.get_untracked(),
            year.get_untracked()
        );
        let body = serde_json::json!({ "places": count });
        send(state, Method::PUT, path, body, errors, message, move || {
            message.set(Some(fr::PLACES_SAVED.to_owned()));
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="places-title">
            <h2 id="places-title">{fr::SET_PLACES}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id="places-partner".into() label=fr::PARTNER options=options(Partner::ALL, Partner::as_str, Partner::label_fr) value=partner errors />
                <YearSelect id="places-year" year />
                <InputField id="places".into() field="places" label=fr::PLACES value=places errors kind="number" />
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_PLACES}</button>
            </form>
        </section>
    }
}
