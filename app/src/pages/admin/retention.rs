//! `/admin/conservation`: the files whose last contact is older than the retention setting
//! (CNIL: 2 years) — listed first (nothing happens), then purged on confirmation: identity,
//! contact, notes and free texts go; the anonymous facts the figures need stay.

use jalon_domain::admin::retention::{Candidate, PurgeReport, PurgeRequest};
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use leptos::task::spawn_local;
use reqwest::Method;
use serde::Deserialize;
use uuid::Uuid;

use super::{AdminShell, failure_message, token};
use crate::i18n::fr;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize)]
struct Due {
    cutoff: time::Date,
    years: i64,
    candidates: Vec<Candidate>,
}

#[component]
pub fn RetentionPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let message = RwSignal::new(None::<String>);
    let due = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move {
            let due = api.get::<Due>(&token, "/admin/retention").await;
            if let Ok(due) = &due {
                chosen.set(due.candidates.iter().map(|c| c.person_id).collect());
            }
            due
        }
    });
    let purge = move |_| {
        let person_ids = chosen.get_untracked();
        let question = fr::confirm_purge(person_ids.len());
        let yes = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !yes {
            return;
        }
        spawn_local(async move {
            let body = PurgeRequest { person_ids };
            match state
                .api()
                .send_json::<_, PurgeReport>(
                    Method::POST,
                    &token(state),
                    "/admin/retention/purge",
                    &body,
                )
                .await
            {
                Ok(report) => {
                    message.set(Some(fr::purged(report.purged, report.skipped)));
                    version.update(|v| *v += 1);
                }
                Err(failure) => message.set(Some(failure_message(&failure))),
            }
        });
    };
    view! {
        <AdminShell current="/admin/conservation">
            <p role="status">{move || message.get()}</p>
            {move || due.get().map(|loaded| match loaded {
                Err(failure) => view! { <p class="form-error" role="alert">{failure_message(&failure)}</p> }.into_any(),
                Ok(due) => {
                    let count = due.candidates.len();
                    view! {
                        <p>{fr::retention_rule(due.years, &format_date_fr(due.cutoff), count)}</p>
                        {(count > 0).then(|| view! {
                            <table class="retention">
                                <thead><tr><th>{fr::SELECT}</th><th>{fr::PERSON_ID}</th><th>{fr::LAST_CONTACT}</th><th>{fr::SCHEMES}</th></tr></thead>
                                <tbody>
                                    {due.candidates.into_iter().map(|c| {
                                        let id = c.person_id;
                                        let checked = move || chosen.get().contains(&id);
                                        let toggle = move |_| chosen.update(|list| {
                                            if list.contains(&id) { list.retain(|x| *x != id) } else { list.push(id) }
                                        });
                                        view! {
                                            <tr>
                                                <td><input autocomplete="off" type="checkbox" aria-label=format!("{} {id}", fr::SELECT) prop:checked=checked on:change=toggle /></td>
                                                <td><code>{id.to_string()}</code></td>
                                                <td>{format_date_fr(c.last_contact)}</td>
                                                <td>{c.schemes.join(", ").to_uppercase()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <button type="button" class="danger" on:click=purge disabled=move || chosen.get().is_empty()>
                                {move || fr::purge_button(chosen.get().len())}
                            </button>
                        })}
                    }.into_any()
                }
            })}
        </AdminShell>
    }
}
