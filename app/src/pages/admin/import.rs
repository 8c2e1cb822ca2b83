//! `/admin/import`: the import of an existing caseload for go-live. A dry run reports each line
//! (created, refused and why, already imported); the import itself creates exactly the good
//! lines, and importing the same file again creates nothing.

use jalon_domain::admin::import::{ImportReport, LineStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::{AdminShell, failure_message, token};
use crate::i18n::fr;
use crate::state::AppState;

/// The bytes of the file chosen in the input `id`.
async fn chosen_file(id: &str) -> Result<Vec<u8>, String> {
    let input: web_sys::HtmlInputElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .ok_or_else(|| fr::CHOOSE_FILE.to_owned())?
        .unchecked_into();
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| fr::CHOOSE_FILE.to_owned())?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| fr::FILE_UNREADABLE.to_owned())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let report = RwSignal::new(None::<ImportReport>);
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move |dry_run: bool| {
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            let outcome = match chosen_file("import-file").await {
                Err(e) => Err(e),
                Ok(bytes) => state
                    .api()
                    .post_file::<ImportReport>(
                        &token(state),
                        &format!("/admin/import?dry_run={dry_run}"),
                        bytes,
                    )
                    .await
                    .map_err(|f| failure_message(&f)),
            };
            busy.set(false);
            match outcome {
                Ok(r) => report.set(Some(r)),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    let may_import = move || {
        report
            .get()
            .is_some_and(|r| r.dry_run && r.errors.is_empty() && r.created > 0)
    };
    view! {
        <AdminShell current="/admin/import">
            <p>{fr::IMPORT_HELP}</p>
            <div class="field">
                <label for="import-file">{fr::IMPORT_FILE}</label>
                <input autocomplete="off" id="import-file" type="file" accept=".csv,text/csv" on:change=move |_| report.set(None) />
            </div>
            <p class="actions">
                <button type="button" class="secondary" on:click=move |_| run(true) disabled=move || busy.get()>{fr::DRY_RUN}</button>
                <button type="button" on:click=move |_| run(false) disabled=move || busy.get() || !may_import()>{fr::RUN_IMPORT}</button>
            </p>
            <p role="alert" class="form-error">{move || message.get()}</p>
            {move || report.get().map(|r| view! {
                <section aria-label=fr::IMPORT_REPORT>
                    <h2>{if r.dry_run { fr::DRY_RUN_REPORT } else { fr::IMPORT_REPORT }}</h2>
                    {r.errors.iter().map(|e| view! { <p class="form-error" role="alert">{e.clone()}</p> }).collect_view()}
                    <p role="status">{fr::import_summary(r.dry_run, r.created, r.refused, r.already_imported)}</p>
                    <table class="import">
                        <thead><tr><th>{fr::LINE}</th><th>{fr::PERSON}</th><th>{fr::STATUS}</th><th>{fr::DETAIL}</th></tr></thead>
                        <tbody>
                            {r.lines.into_iter().map(|l| {
                                let status = match (l.status, r.dry_run) {
                                    (LineStatus::Create, true) => fr::WILL_CREATE,
                                    (LineStatus::Create, false) => fr::CREATED,
                                    (LineStatus::Refused, _) => fr::LINE_REFUSED,
                                    (LineStatus::AlreadyImported, _) => fr::ALREADY_IMPORTED,
                                };
                                view! {
                                    <tr class=format!("line-{:?}", l.status).to_lowercase()>
                                        <td>{l.line}</td>
                                        <td>{l.label}</td>
                                        <td>{status}</td>
                                        <td>{l.messages.join(" ")}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            })}
        </AdminShell>
    }
}
