//! `/admin/acces`: the right of access, for the data protection officer — find the file of the
//! person who asks from their exact identity, then open its complete report. Both are audited.

use jalon_domain::admin::access::{LookupResult, PersonLookup};
use jalon_domain::text::parse_iso_date;
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use reqwest::Method;

use super::{AdminShell, failure_message, token};
use crate::components::TextField;
use crate::i18n::fr;
use crate::state::AppState;

#[component]
pub fn AccessPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let last = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let birth = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let found = RwSignal::new(None::<LookupResult>);
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(birth_date) = parse_iso_date(&birth.get_untracked()) else {
            errors.set(Invalid {
                errors: vec![FieldError::new("lookup_birth", "invalid", fr::INVALID_DATE)],
            });
            return;
        };
        errors.set(Invalid::default());
        let body = PersonLookup {
            last_name: last.get_untracked(),
            first_name: first.get_untracked(),
            birth_date,
        };
        spawn_local(async move {
            match state
                .api()
                .send_json::<_, LookupResult>(
                    Method::POST,
                    &token(state),
                    "/admin/people/lookup",
                    &body,
                )
                .await
            {
                Ok(result) => {
                    message.set(None);
                    found.set(Some(result));
                }
                Err(failure) => message.set(Some(failure_message(&failure))),
            }
        });
    };
    view! {
        <AdminShell current="/admin/acces">
            <p>{fr::ACCESS_HELP}</p>
            <form autocomplete="off" on:submit=submit novalidate class="narrow">
                <TextField id="lookup_last" label=fr::LAST_NAME value=last errors />
                <TextField id="lookup_first" label=fr::FIRST_NAME value=first errors />
                <TextField id="lookup_birth" label=fr::BIRTH_DATE value=birth errors kind="date" />
                <button type="submit">{fr::FIND_FILE}</button>
            </form>
            <p role="alert" class="form-error">{move || message.get()}</p>
            {move || found.get().map(|r| if r.person_ids.is_empty() {
                view! { <p role="status">{fr::NO_FILE_FOUND}</p> }.into_any()
            } else {
                view! {
                    <ul role="status">
                        {r.person_ids.into_iter().map(|id| view! {
                            <li><A href=format!("/personne/{id}/dossier")>{fr::file_of(&id.to_string())}</A></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </AdminShell>
    }
}
