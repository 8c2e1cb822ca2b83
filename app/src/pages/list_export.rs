//! The list of people's exports: the rows its filters keep, as CSV written in the browser
//! (offline too) or as XLSX prepared by the server; both recorded in the audit log.

use jalon_domain::supervision::ListExport;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::ApiFailure;
use crate::clock::today;
use crate::components::{download, download_bytes};
use crate::i18n::fr;
use crate::list::Filters;
use crate::state::AppState;

/// What an export of the list holds, in words, for the audit log.
pub(super) fn describe_filters(filters: &Filters, referents: &[(Uuid, String)]) -> String {
    let mut parts = vec![
        match filters.active {
            Some(true) => "en cours",
            Some(false) => "sortis",
            None => "tous",
        }
        .to_owned(),
    ];
    let query = filters.query.trim();
    if !query.is_empty() {
        parts.push(format!(
            "recherche « {} »",
            query.chars().take(60).collect::<String>()
        ));
    }
    if let Some(scheme) = filters.scheme {
        parts.push(scheme.short_name().to_owned());
    }
    if let Some((_, name)) = referents
        .iter()
        .find(|(id, _)| Some(*id) == filters.referent)
    {
        parts.push(format!("référent {name}"));
    }
    if let Some(alert) = &filters.alert {
        parts.push(format!("alerte {alert}"));
    }
    parts.join(", ")
}

/// The list's exports, with the filters applied: CSV written in the browser (offline too),
/// XLSX prepared by the server. Both recorded in the audit log.
#[component]
pub(super) fn ExportList(
    exported: impl Fn() -> Option<ListExport> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let csv = move |_| {
        let Some(export) = exported() else {
            return;
        };
        let file = format!("jalon-personnes-{}.csv", today());
        let text = export.table("personnes", fr::PEOPLE).csv();
        match download(&file, "text/csv;charset=utf-8", &text) {
            Ok(()) => {
                message.set(None);
                let what = format!(
                    "Liste des personnes (CSV), {} ligne(s) : {}",
                    export.rows.len(),
                    export.what
                );
                leptos::task::spawn_local(async move {
                    let at = crate::clock::now_unix();
                    state.saved(state.store().record_export(&what, at).await);
                });
            }
            Err(e) => message.set(Some(e)),
        }
    };
    let xlsx = move |_| {
        let (Some(export), Some(session)) = (exported(), state.session.get_untracked()) else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let got = state
                .api()
                .post_bytes(&session.token, "/exports/people.xlsx", &export)
                .await;
            busy.set(false);
            message.set(match got {
                Ok(bytes) => download_bytes(
                    &format!("jalon-personnes-{}.xlsx", today()),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &bytes,
                )
                .err(),
                Err(ApiFailure::Network) => Some(fr::LIST_XLSX_NEEDS_NETWORK.to_owned()),
                Err(failure) => Some(failure.message()),
            });
        });
    };
    view! {
        <div class="exports no-print">
            <button type="button" class="secondary" on:click=csv>{fr::EXPORT_LIST_CSV}</button>
            <button type="button" class="secondary" on:click=xlsx disabled=move || busy.get()>
                {fr::EXPORT_LIST_XLSX}
            </button>
            {move || message.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        </div>
    }
}
