//! `/fonds`: the farm funds of a year — each fund's envelope, what it granted and to how many
//! farms, what is left — with the forms to set an envelope, add a farm and grant an aid (the
//! server refuses a grant beyond the envelope and says what was left). Online, like
//! `/marches`.

use jalon_domain::auth::Role;
use jalon_domain::communes;
use jalon_domain::money::funds::{Farm, Fund, FundsView, Grant, fund_year};
use jalon_domain::money::{euros, parse_euros};
use jalon_domain::people::Person;
use jalon_domain::text::{fold, format_date_fr, format_iso_date};
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use reqwest::Method;
use uuid::Uuid;

use crate::clock::today;
use crate::components::{ReadFailed, TopBar};
use crate::forms::{InputField, SelectField, TextArea, options, required_date};
use crate::i18n::fr;
use crate::pages::admin::{failure_message, token};
use crate::pages::agreements::{head, show_failure};
use crate::state::AppState;

/// Sends a form's request; on success runs `done`, otherwise shows the refusal on the
/// fields or as one message.
pub(super) fn send<B: serde::Serialize + 'static>(
    state: AppState,
    method: Method,
    path: impl Into<String>,
    body: B,
    errors: RwSignal<Invalid>,
    message: RwSignal<Option<String>>,
    done: impl FnOnce() + 'static,
) {
    let path = path.into();
    errors.set(Invalid::default());
    spawn_local(async move {
        match state
            .api()
            .send_json::<_, serde_json::Value>(method, &token(state), &path, &body)
            .await
        {
            Ok(_) => done(),
            Err(failure) => show_failure(failure, errors, message),
        }
    });
}

/// The calendar years the money screens cover, from 2015 to next year, newest first.
#[component]
pub(super) fn YearSelect(id: &'static str, year: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field narrow">
            <label for=id>{fr::YEAR}</label>
            <select id=id prop:value=move || year.get() on:change=move |ev| year.set(event_target_value(&ev))>
                {(2015..=today().year() + 1).rev().map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// An amount field: whole cents, or the error on `field`.
fn amount(field: &str, text: &str, invalid: &mut Invalid) -> Option<i64> {
    let cents = parse_euros(text);
    if cents.is_none() {
        invalid.push(FieldError::new(field, "not_an_amount", fr::NOT_AN_AMOUNT));
    }
    cents
}

#[component]
pub fn FundsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let year = RwSignal::new(today().year().to_string());
    let loaded = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move {
            api.get::<FundsView>(&token, "/funds")
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
    let chosen = move || year.get().parse::<i32>().unwrap_or(today().year());
    let farms = Signal::derive(move || {
        loaded
            .get()
            .and_then(Result::ok)
            .map(|v| v.farms)
            .unwrap_or_default()
    });
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="agreements">
                <p class="no-print"><A href="/pilotage">{fr::BACK_TO_SUPERVISION}</A></p>
                <h1>{fr::FUNDS}</h1>
                <Show when=supervisor fallback=|| view! { <p class="notice">{fr::FUNDS_FOR_SUPERVISORS}</p> }>
                    <p class="muted">{fr::FUNDS_HELP}</p>
                    <YearSelect id="funds-year" year />
                    {move || match loaded.get() {
                        None => view! { <p role="status">{fr::LOADING}</p> }.into_any(),
                        Some(Err(message)) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                        Some(Ok(view)) => view! { <YearFigures view year=chosen() /> }.into_any(),
                    }}
                    <EnvelopeForm year=Signal::derive(chosen) version />
                    <GrantForm farms version />
                    <FarmForm version />
                    <FarmList farms />
                </Show>
            </main>
        </Show>
    }
}

#[component]
fn YearFigures(view: FundsView, year: i32) -> impl IntoView {
    let figures = fund_year(&view.envelopes, &view.grants, year)
        .into_iter()
        .map(|f| {
            let left = f
                .envelope_cents
                .map(|e| euros((e - f.granted_cents).max(0)));
            view! {
                <tr>
                    <th scope="row">{f.fund.label_fr()}</th>
                    <td class="num">{f.envelope_cents.map_or_else(|| "—".to_owned(), euros)}</td>
                    <td class="num">{euros(f.granted_cents)}</td>
                    <td class="num">{left.unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="num">{f.farms}</td>
                </tr>
            }
        })
        .collect_view();
    let name = |id: Uuid| {
        view.farms
            .iter()
            .find(|f| f.id == id)
            .map_or_else(|| "—".to_owned(), |f| f.name.clone())
    };
    let grants = view
        .grants
        .iter()
        .filter(|g| g.granted_on.year() == year)
        .map(|g| {
            view! {
                <tr>
                    <td>{format_date_fr(g.granted_on)}</td>
                    <td>{name(g.farm_id)}</td>
                    <td>{g.fund.label_fr()}</td>
                    <td class="num">{euros(g.amount_cents)}</td>
                    <td>{g.purpose.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="funds-year-title">
            <h2 id="funds-year-title">{fr::funds_of_year(year)}</h2>
            <div class="table-scroll">
                <table>
                    {head(&[fr::FUND, fr::ENVELOPE, fr::GRANTED, fr::LEFT, fr::FARMS_SUPPORTED])}
                    <tbody>{figures}</tbody>
                </table>
            </div>
            <h3>{fr::GRANTS}</h3>
            <div class="table-scroll">
                <table>
                    {head(&[fr::GRANT_DATE, fr::FARM, fr::FUND, fr::AMOUNT, fr::GRANT_PURPOSE])}
                    <tbody>{grants}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn EnvelopeForm(year: Signal<i32>, version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let fund = RwSignal::new(Fund::Agridiff.as_str().to_owned());
    let value = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let mut invalid = Invalid::default();
        let Some(cents) = amount("envelope", &value.get_untracked(), &mut invalid) else {
            return errors.set(invalid);
        };
        let path = format!("/funds/{}/{}", fund.get_untracked(), year.get_untracked());
        let body = serde_json::json!({ "amount_cents": cents });
        send(state, Method::PUT, path, body, errors, message, move || {
            message.set(Some(fr::ENVELOPE_SAVED.to_owned()));
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="envelope-title">
            <h2 id="envelope-title">{move || fr::envelope_of_year(year.get())}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id="envelope-fund".into() label=fr::FUND options=options(Fund::ALL, Fund::as_str, Fund::label_fr) value=fund errors />
                <InputField id="envelope-amount".into() field="envelope" label=fr::ENVELOPE_TYPED value errors />
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_ENVELOPE}</button>
            </form>
        </section>
    }
}

#[component]
fn GrantForm(farms: Signal<Vec<Farm>>, version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let farm = RwSignal::new(String::new());
    let fund = RwSignal::new(Fund::Sesa.as_str().to_owned());
    let date = RwSignal::new(format_iso_date(today()));
    let value = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let mut invalid = Invalid::default();
        let on = required_date("grant_date", &date.get_untracked(), &mut invalid);
        let cents = amount("grant_amount", &value.get_untracked(), &mut invalid);
        let farm_id = Uuid::parse_str(&farm.get_untracked()).ok();
        if farm_id.is_none() {
            invalid.push(FieldError::new("grant_farm", "required", fr::CHOOSE_FARM));
        }
        let (Some(on), Some(cents), Some(farm_id)) = (on, cents, farm_id) else {
            return errors.set(invalid);
        };
        let grant = Grant {
            id: Uuid::nil(),
            farm_id,
            fund: Fund::parse(&fund.get_untracked()).unwrap_or(Fund::Sesa),
            granted_on: on,
            amount_cents: cents,
            purpose: purpose.get_untracked(),
        };
        send(
            state,
            Method::POST,
            "/grants",
            grant,
            errors,
            message,
            move || {
                value.set(String::new());
                purpose.set(String::new());
                message.set(Some(fr::GRANT_SAVED.to_owned()));
                version.update(|v| *v += 1);
            },
        );
    };
    let farm_error = move || errors.with(|e| e.message_for("grant_farm").map(str::to_owned));
    view! {
        <section class="card" aria-labelledby="grant-title">
            <h2 id="grant-title">{fr::NEW_GRANT}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <div class="field" class:invalid=move || farm_error().is_some()>
                    <label for="grant-farm">{fr::FARM}</label>
                    <select id="grant-farm" aria-describedby="grant-farm-error" prop:value=move || farm.get()
                        on:change=move |ev| farm.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || farms.get().into_iter().map(|f| view! {
                            <option value=f.id.to_string()>{f.name}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite" id="grant-farm-error">{farm_error}</p>
                </div>
                <SelectField id="grant-fund".into() label=fr::FUND options=options(Fund::ALL, Fund::as_str, Fund::label_fr) value=fund errors />
                <InputField id="grant-date".into() field="grant_date" label=fr::GRANT_DATE value=date errors kind="date" />
                <InputField id="grant-amount".into() field="grant_amount" label=fr::GRANT_AMOUNT value errors />
                <InputField id="grant-purpose".into() field="grant_purpose" label=fr::GRANT_PURPOSE value=purpose errors />
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_GRANT}</button>
            </form>
        </section>
    }
}

#[component]
fn FarmForm(version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let name = RwSignal::new(String::new());
    let siret = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let farmers = RwSignal::new(String::new());
    let linked = RwSignal::new(Vec::<Person>::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let mut all: Vec<_> = communes::all().iter().collect();
    all.sort_by_key(|c| jalon_domain::text::fold(c.name));
    let choices: Vec<(String, String)> = all
        .into_iter()
        .map(|c| (c.code.to_owned(), c.label()))
        .collect();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let farm = Farm {
            id: Uuid::nil(),
            name: name.get_untracked(),
            siret: siret.get_untracked(),
            commune_code: commune.get_untracked(),
            farmers: farmers.get_untracked().lines().map(str::to_owned).collect(),
            people: linked.with_untracked(|l| l.iter().map(|p| p.id).collect()),
        };
        send(
            state,
            Method::POST,
            "/farms",
            farm,
            errors,
            message,
            move || {
                name.set(String::new());
                siret.set(String::new());
                farmers.set(String::new());
                linked.set(Vec::new());
                message.set(Some(fr::FARM_SAVED.to_owned()));
                version.update(|v| *v += 1);
            },
        );
    };
    let commune_error = move || errors.with(|e| e.message_for("farm_commune").map(str::to_owned));
    view! {
        <section class="card" aria-labelledby="farm-title">
            <h2 id="farm-title">{fr::NEW_FARM}</h2>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <InputField id="farm-name".into() field="farm_name" label=fr::FARM_NAME value=name errors />
                <InputField id="farm-siret".into() field="farm_siret" label=fr::SIRET value=siret errors />
                <div class="field" class:invalid=move || commune_error().is_some()>
                    <label for="farm-commune">{fr::COMMUNE}</label>
                    <select id="farm-commune" aria-describedby="farm-commune-error" prop:value=move || commune.get()
                        on:change=move |ev| commune.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {choices.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite" id="farm-commune-error">{commune_error}</p>
                </div>
                <TextArea id="farm-farmers".into() field="farm_farmers" label=fr::FARMERS value=farmers errors />
                <FarmerPicker linked errors />
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_FARM}</button>
            </form>
        </section>
    }
}

/// The person files of a farm's farmers who are accompanied: found by name (or numéro
/// allocataire) among the people of the supervised schemes this device holds, offline too.
#[component]
fn FarmerPicker(linked: RwSignal<Vec<Person>>, errors: RwSignal<Invalid>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let people = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move { store.people_as_shown().await.map_err(|e| e.to_string()) }
    });
    let failed = Signal::derive(move || people.get().and_then(Result::err));
    let found = move || {
        let needle = fold(query.get().trim());
        if needle.chars().count() < 2 {
            return Vec::new();
        }
        let taken = linked.get();
        let mut found: Vec<Person> = people
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.is_purged() && !taken.iter().any(|t| t.id == p.id))
            .filter(|p| {
                fold(&format!(
                    "{} {} {}",
                    p.last_name, p.first_name, p.details.allocataire
                ))
                .contains(&needle)
            })
            .collect();
        found.sort_by_key(|p| (fold(&p.last_name), fold(&p.first_name)));
        found
    };
    const SHOWN: usize = 8;
    let label = |p: &Person| format!("{} ({})", p.display_name(), format_date_fr(p.birth_date));
    let error = move || errors.with(|e| e.message_for("farm_people").map(str::to_owned));
    view! {
        <fieldset class="farmer-picker" class:invalid=move || error().is_some()>
            <legend>{fr::FARMERS_FOLLOWED}</legend>
            <ul class="linked" aria-live="polite">
                {move || linked.get().into_iter().map(|p| {
                    let id = p.id;
                    let name = label(&p);
                    view! {
                        <li>
                            <span>{name.clone()}</span>
                            <button type="button" class="link"
                                aria-label=fr::unlink_farmer(&name)
                                on:click=move |_| linked.update(|l| l.retain(|x| x.id != id))>
                                {fr::UNLINK}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ReadFailed error=failed />
            <label for="farm-people-search">{fr::FIND_FARMER}</label>
            <input id="farm-people-search" type="search" autocomplete="off"
                aria-describedby="farm-people-error"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="choices">
                {move || found().into_iter().take(SHOWN).map(|p| {
                    let name = label(&p);
                    view! {
                        <li>
                            <button type="button" class="secondary"
                                on:click=move |_| {
                                    let person = p.clone();
                                    linked.update(|l| l.push(person));
                                    query.set(String::new());
                                }>
                                {fr::link_farmer(&name)}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="muted" aria-live="polite">
                {move || {
                    let more = found().len().saturating_sub(SHOWN);
                    (more > 0).then(|| fr::more_results(more))
                }}
            </p>
            <p class="field-error" aria-live="polite" id="farm-people-error">{error}</p>
        </fieldset>
    }
}

/// The farms known, with their farmers: the names typed and the person files linked (a link to
/// the file when this device holds it).
#[component]
fn FarmList(farms: Signal<Vec<Farm>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let people = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move { store.people_as_shown().await.map_err(|e| e.to_string()) }
    });
    let failed = Signal::derive(move || people.get().and_then(Result::err));
    let rows = move || {
        let held = people.get().and_then(Result::ok).unwrap_or_default();
        let mut farms = farms.get();
        farms.sort_by_key(|f| fold(&f.name));
        farms
            .into_iter()
            .map(|farm| {
                let commune = communes::by_code(&farm.commune_code)
                    .map_or_else(|| farm.commune_code.clone(), |c| c.label());
                let linked = farm
                    .people
                    .iter()
                    .map(|id| {
                        let name = held.iter().find(|p| p.id == *id).map(Person::display_name);
                        match name {
                            Some(name) => view! {
                                <li><A href=format!("/personne/{id}")>{name}</A></li>
                            }
                            .into_any(),
                            None => view! { <li>{fr::FILE_NOT_HELD}</li> }.into_any(),
                        }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <tr>
                        <th scope="row">{farm.name.clone()}</th>
                        <td>{farm.siret.clone()}</td>
                        <td>{commune}</td>
                        <td>{farm.farmers.join(", ")}</td>
                        <td><ul class="plain">{linked}</ul></td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="farms-title">
            <h2 id="farms-title">{fr::FARMS}</h2>
            <ReadFailed error=failed />
            <details class="farms">
                <summary>{move || fr::show_farms(farms.with(Vec::len))}</summary>
                <div class="table-scroll">
                    <table>
                        {head(&[fr::FARM, fr::SIRET_SHORT, fr::COMMUNE, fr::FARMERS_TYPED, fr::FARMERS_FOLLOWED])}
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}
