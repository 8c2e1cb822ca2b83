//! `/admin/dispositifs`: each scheme's territory and settings, changed from a date. Nobody is
//! moved: people a change leaves outside the territory are counted here and flagged on the
//! devices of their référents and supervisors, who decide.

use jalon_domain::communes;
use jalon_domain::schemes::{
    FileActiveRule, Scheme, SchemeChange, SchemeCode, SchemeSettings, Territory,
};
use jalon_domain::text::{fold, format_date_fr, format_iso_date, parse_iso_date};
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos::task::spawn_local;
use reqwest::Method;
use serde::Deserialize;

use super::{AdminShell, failure_message, token};
use crate::api::ApiFailure;
use crate::clock::today;
use crate::forms::{InputField, SelectField};
use crate::i18n::fr;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize)]
struct SchemeState {
    #[serde(flatten)]
    scheme: Scheme,
    outside_territory: i64,
    followed: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct Version {
    scheme: String,
    #[serde(flatten)]
    change: SchemeChange,
    changed_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct Schemes {
    schemes: Vec<SchemeState>,
    versions: Vec<Version>,
}

const KINDS: [(&str, &str); 4] = [
    ("everywhere", "Tout le département"),
    ("inside_epci", "Les communes de ces EPCI"),
    ("outside_epci", "Tout sauf les communes de ces EPCI"),
    ("communes", "Ces communes"),
];

/// The list of a territory, one entry per line (communes by name).
fn list_of(territory: &Territory) -> String {
    match territory {
        Territory::Everywhere => String::new(),
        Territory::InsideEpci { epci } | Territory::OutsideEpci { epci } => epci.join("\n"),
        Territory::Communes { codes } => codes
            .iter()
            .map(|c| communes::by_code(c).map_or_else(|| c.clone(), |c| c.label()))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn kind_of(territory: &Territory) -> &'static str {
    match territory {
        Territory::Everywhere => "everywhere",
        Territory::InsideEpci { .. } => "inside_epci",
        Territory::OutsideEpci { .. } => "outside_epci",
        Territory::Communes { .. } => "communes",
    }
}

/// A commune typed as its INSEE code, its name or "Name (postal code)"; unknown ones are kept as
/// typed for the server to refuse by name.
fn commune_code(entry: &str) -> String {
    let name = entry.split(" (").next().unwrap_or(entry).trim();
    communes::by_code(name)
        .or_else(|| communes::all().iter().find(|c| fold(c.name) == fold(name)))
        .map_or_else(|| entry.trim().to_owned(), |c| c.code.to_owned())
}

fn territory(kind: &str, list: &str) -> Territory {
    let entries: Vec<String> = list
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    match kind {
        "inside_epci" => Territory::InsideEpci { epci: entries },
        "outside_epci" => Territory::OutsideEpci { epci: entries },
        "communes" => Territory::Communes {
            codes: entries.iter().map(|e| commune_code(e)).collect(),
        },
        _ => Territory::Everywhere,
    }
}

#[component]
pub fn SchemesPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    // What the last save said, by scheme: kept here, the cards are drawn again after a save.
    let saved = RwSignal::new(None::<(SchemeCode, String)>);
    let loaded = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move { api.get::<Schemes>(&token, "/admin/schemes").await }
    });
    view! {
        <AdminShell current="/admin/dispositifs">
            {move || loaded.get().map(|loaded| match loaded {
                Err(failure) => view! { <p class="form-error" role="alert">{failure_message(&failure)}</p> }.into_any(),
                Ok(all) => view! {
                    {all.schemes.into_iter().map(|s| view! { <SchemeCard state=s version saved /> }).collect_view()}
                    <section aria-label=fr::SCHEME_HISTORY>
                        <h2>{fr::SCHEME_HISTORY}</h2>
                        <table>
                            <thead><tr><th>{fr::SCHEME}</th><th>{fr::EFFECTIVE_FROM}</th><th>{fr::TERRITORY}</th><th>{fr::RECORDED}</th></tr></thead>
                            <tbody>
                                {all.versions.into_iter().map(|v| view! {
                                    <tr>
                                        <td>{v.scheme.to_uppercase()}</td>
                                        <td>{format_date_fr(v.change.effective_from)}</td>
                                        <td>{KINDS.iter().find(|(k, _)| *k == kind_of(&v.change.territory)).map(|(_, l)| *l)}</td>
                                        <td>{crate::clock::format_moment(v.changed_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any(),
            })}
        </AdminShell>
    }
}

/// One scheme and the form that changes it.
#[component]
fn SchemeCard(
    state: SchemeState,
    version: RwSignal<u32>,
    saved: RwSignal<Option<(SchemeCode, String)>>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let scheme = state.scheme.clone();
    let code = scheme.code;
    let prefix = code.as_str();
    let kind = RwSignal::new(kind_of(&scheme.territory).to_owned());
    let list = RwSignal::new(list_of(&scheme.territory));
    let rule = RwSignal::new(
        match scheme.settings.file_active_rule {
            FileActiveRule::AnyDay => "any_day",
            FileActiveRule::LastDay => "last_day",
        }
        .to_owned(),
    );
    let target = RwSignal::new(
        scheme
            .settings
            .portfolio_target
            .map(|t| t.to_string())
            .unwrap_or_default(),
    );
    let limit = RwSignal::new(
        scheme
            .settings
            .pathway_limit_months
            .map(|m| m.to_string())
            .unwrap_or_default(),
    );
    let from = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let number = |value: String, field: &str, invalid: &mut Invalid| -> Option<i64> {
            let value = value.trim().to_owned();
            if value.is_empty() {
                return None;
            }
            value.parse().ok().or_else(|| {
                invalid.push(FieldError::new(field, "invalid", fr::NOT_A_NUMBER));
                None
            })
        };
        let portfolio_target = number(target.get_untracked(), "portfolio_target", &mut invalid);
        let pathway_limit_months =
            number(limit.get_untracked(), "pathway_limit_months", &mut invalid).map(|m| m as i32);
        let effective_from = parse_iso_date(&from.get_untracked());
        if effective_from.is_none() {
            invalid.push(FieldError::new(
                "effective_from",
                "invalid",
                fr::INVALID_DATE,
            ));
        }
        let (Some(effective_from), true) = (effective_from, invalid.is_empty()) else {
            return errors.set(invalid);
        };
        let change = SchemeChange {
            territory: territory(&kind.get_untracked(), &list.get_untracked()),
            settings: SchemeSettings {
                file_active_rule: if rule.get_untracked() == "last_day" {
                    FileActiveRule::LastDay
                } else {
                    FileActiveRule::AnyDay
                },
                portfolio_target,
                pathway_limit_months,
            },
            effective_from,
        };
        errors.set(Invalid::default());
        spawn_local(async move {
            let path = format!("/admin/schemes/{}", code.as_str());
            match app
                .api()
                .send_json::<_, serde_json::Value>(Method::PUT, &token(app), &path, &change)
                .await
            {
                Ok(answer) => {
                    saved.set(Some((
                        code,
                        fr::scheme_saved(
                            &format_date_fr(effective_from),
                            answer["outside_territory"].as_i64().unwrap_or(0),
                        ),
                    )));
                    version.update(|v| *v += 1);
                }
                Err(ApiFailure::Refused {
                    fields,
                    message: text,
                    ..
                }) if !fields.is_empty() => {
                    errors.set(Invalid { errors: fields });
                    message.set(Some(text));
                }
                Err(failure) => message.set(Some(failure_message(&failure))),
            }
        });
    };
    view! {
        <article class="card scheme" data-scheme=prefix>
            <h2>{scheme.name.clone()}</h2>
            <p class="muted">{fr::scheme_counts(state.followed, state.outside_territory)}</p>
            <p role="status">{move || saved.get().filter(|(c, _)| *c == code).map(|(_, m)| m)}</p>
            <form autocomplete="off" on:submit=submit novalidate>
                <SelectField id=format!("{prefix}-kind") label=fr::TERRITORY options=KINDS.to_vec() value=kind errors />
                <Show when=move || kind.get() != "everywhere">
                    <div class="field">
                        <label for=format!("{prefix}-list")>{move || if kind.get() == "communes" { fr::TERRITORY_COMMUNES } else { fr::TERRITORY_EPCI }}</label>
                        <textarea autocomplete="off" id=format!("{prefix}-list") rows="5" prop:value=move || list.get() on:input=move |ev| list.set(event_target_value(&ev))
                            aria-describedby=format!("{prefix}-list-hint {prefix}-list-error")></textarea>
                        <p class="muted" id=format!("{prefix}-list-hint")>{fr::EPCI_HINT}</p>
                        <p class="field-error" aria-live="polite" id=format!("{prefix}-list-error")>{move || errors.with(|e| e.message_for("territory").map(str::to_owned))}</p>
                    </div>
                </Show>
                <SelectField id=format!("{prefix}-rule") label=fr::FILE_ACTIVE_RULE
                    options=vec![("any_day", fr::ANY_DAY), ("last_day", fr::LAST_DAY)] value=rule errors />
                <InputField id=format!("{prefix}-target") field="portfolio_target" label=fr::PORTFOLIO_TARGET value=target errors kind="number" />
                <InputField id=format!("{prefix}-limit") field="pathway_limit_months" label=fr::PATHWAY_LIMIT value=limit errors kind="number" />
                <InputField id=format!("{prefix}-from") field="effective_from" label=fr::EFFECTIVE_FROM value=from errors kind="date" />
                <p role="status">{move || message.get()}</p>
                <button type="submit">{fr::SAVE_SCHEME}</button>
            </form>
        </article>
    }
}
