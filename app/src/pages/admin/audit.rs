//! `/admin/journal`: the audit log, searched by person, user, period and action, exported as
//! CSV (the export is audited too).

use jalon_domain::admin::accounts::Account;
use jalon_domain::admin::audit::{AuditEvent, action_label_fr};
use jalon_domain::text::parse_iso_date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use super::{AdminShell, failure_message, token};
use crate::clock::format_moment;
use crate::components::{DateTimeInput, download, hint};
use crate::i18n::fr;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize)]
struct Page {
    events: Vec<AuditEvent>,
    total: i64,
}

/// The actions one may filter on.
const ACTIONS: [&str; 16] = [
    "person.view",
    "person.create",
    "person.edit",
    "person.delete",
    "person.access_report",
    "person.purge",
    "person.import",
    "auth.login",
    "auth.login_failed",
    "auth.password_changed",
    "account.create",
    "account.deactivate",
    "device.revoke",
    "device.wiped",
    "scheme.edit",
    "audit.export",
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let person = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let accounts = LocalResource::new(move || {
        let api = state.api();
        let token = token(state);
        async move {
            api.get::<Vec<Account>>(&token, "/admin/accounts")
                .await
                .unwrap_or_default()
        }
    });
    let query = move || {
        let mut parts = Vec::new();
        for (name, value) in [
            ("person", person.get()),
            ("user", user.get()),
            ("from", from.get()),
            ("to", to.get()),
            ("action", action.get()),
        ] {
            let value = value.trim().to_owned();
            if !value.is_empty() {
                parts.push(format!("{name}={value}"));
            }
        }
        parts.join("&")
    };
    let page = LocalResource::new(move || {
        let path = format!("/admin/audit?{}&offset={}", query(), offset.get());
        let api = state.api();
        let token = token(state);
        async move { api.get::<Page>(&token, &path).await }
    });
    let export_error = RwSignal::new(None::<String>);
    let export = move |_| {
        let path = format!("/admin/audit.csv?{}", query());
        spawn_local(async move {
            match state.api().get_text(&token(state), &path).await {
                Ok(mut csv) => {
                    // The browser's decoding drops the byte-order mark that spreadsheets need.
                    if !csv.starts_with('\u{feff}') {
                        csv.insert(0, '\u{feff}');
                    }
                    if let Err(e) = download("journal-audit.csv", "text/csv;charset=utf-8", &csv) {
                        export_error.set(Some(e));
                    }
                }
                Err(failure) => export_error.set(Some(failure_message(&failure))),
            }
        });
    };
    // A day filters once it is a whole date (or emptied), not at each keystroke.
    let date_field = move |id: &'static str, label: &'static str, value: RwSignal<String>| {
        let typed = RwSignal::new(value.get_untracked());
        Effect::new(move |_| {
            let day = typed.get();
            if (day.is_empty() || parse_iso_date(&day).is_some()) && day != value.get_untracked() {
                offset.set(0);
                value.set(day);
            }
        });
        view! {
            <div class="field">
                <label for=id>{label}{hint("date")}</label>
                <DateTimeInput id=id.to_owned() kind="date" value=typed />
            </div>
        }
    };
    view! {
        <AdminShell current="/admin/journal">
            <div class="filters">
                <div class="field">
                    <label for="audit-person">{fr::PERSON_ID}</label>
                    <input autocomplete="off" id="audit-person" type="text" prop:value=move || person.get() on:change=move |ev| { offset.set(0); person.set(event_target_value(&ev)); } />
                </div>
                <div class="field">
                    <label for="audit-user">{fr::USER}</label>
                    <select id="audit-user" on:change=move |ev| { offset.set(0); user.set(event_target_value(&ev)); }>
                        <option value="">{fr::ALL}</option>
                        {move || accounts.get().map(|list| list.into_iter().map(|a| view! {
                            <option value=a.id.to_string()>{format!("{} ({})", a.display_name, a.username)}</option>
                        }).collect_view())}
                    </select>
                </div>
                {date_field("audit-from", fr::SINCE_DAY, from)}
                {date_field("audit-to", fr::TO, to)}
                <div class="field">
                    <label for="audit-action">{fr::ACTION}</label>
                    <select id="audit-action" on:change=move |ev| { offset.set(0); action.set(event_target_value(&ev)); }>
                        <option value="">{fr::ALL}</option>
                        {ACTIONS.iter().map(|a| view! { <option value=*a>{action_label_fr(a)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="actions">
                <button type="button" class="secondary" on:click=export>{fr::EXPORT_CSV}</button>
                {move || export_error.get().map(|e| view! { <span role="alert">{e}</span> })}
            </p>
            {move || page.get().map(|loaded| match loaded {
                Err(failure) => view! { <p class="form-error" role="alert">{failure_message(&failure)}</p> }.into_any(),
                Ok(page) => {
                    let shown = page.events.len() as i64;
                    let at = offset.get_untracked();
                    view! {
                        <p role="status">{fr::events_count(page.total)}</p>
                        <table class="audit">
                            <thead><tr><th>{fr::DATE}</th><th>{fr::USER}</th><th>{fr::ACTION}</th><th>{fr::PERSON_ID}</th><th>{fr::DEVICE}</th><th>{fr::DETAIL}</th></tr></thead>
                            <tbody>
                                {page.events.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{format_moment(e.at)}</td>
                                        <td>{e.user_name}</td>
                                        <td>{action_label_fr(&e.action)}</td>
                                        <td><code>{e.person_id.map(|p| p.to_string()).unwrap_or_default()}</code></td>
                                        <td><code>{e.device_id.map(|d| d.to_string()[..8].to_owned()).unwrap_or_default()}</code></td>
                                        <td>{e.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="actions">
                            {(at > 0).then(|| view! { <button type="button" class="secondary" on:click=move |_| offset.update(|o| *o = (*o - 200).max(0))>{fr::NEWER}</button> })}
                            {(at + shown < page.total).then(|| view! { <button type="button" class="secondary" on:click=move |_| offset.update(|o| *o += 200)>{fr::OLDER}</button> })}
                        </p>
                    }.into_any()
                }
            })}
        </AdminShell>
    }
}
