//! `/admin/…`: the administrator's screens (desktop, online): accounts and devices, schemes,
//! audit log, retention, import, right of access. Every one reads and writes through the
//! server; administrators hold no caseload on their device.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod import;
pub mod retention;
pub mod schemes;

use jalon_domain::auth::Role;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

use crate::api::ApiFailure;
use crate::components::TopBar;
use crate::i18n::fr;
use crate::state::AppState;

/// The tabs of the administration.
const TABS: [(&str, &str); 6] = [
    ("/admin", fr::ADMIN_ACCOUNTS),
    ("/admin/dispositifs", fr::ADMIN_SCHEMES),
    ("/admin/journal", fr::ADMIN_AUDIT),
    ("/admin/conservation", fr::ADMIN_RETENTION),
    ("/admin/import", fr::ADMIN_IMPORT),
    ("/admin/acces", fr::ADMIN_ACCESS),
];

/// The frame of every administration screen: the top bar, the tabs, and the screen itself
/// for administrators only.
#[component]
pub fn AdminShell(
    /// The tab shown (its path).
    current: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let is_admin = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == Role::Administrator)
    };
    let children = StoredValue::new(children);
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="admin">
                <h1>{fr::ADMINISTRATION}</h1>
                <nav class="tabs" aria-label=fr::ADMINISTRATION>
                    {TABS.iter().map(|(path, label)| {
                        let here = *path == current;
                        view! {
                            <A href=*path attr:class=if here { "tab current" } else { "tab" } attr:aria-current=here.then_some("page")>
                                {*label}
                            </A>
                        }
                    }).collect_view()}
                </nav>
                <Show when=is_admin fallback=|| view! { <p class="notice" role="alert">{fr::ADMIN_ONLY}</p> }>
                    {children.with_value(|c| c())}
                </Show>
            </main>
        </Show>
    }
}

/// The token of the session (admin screens are reached only signed in).
pub fn token(state: AppState) -> String {
    state
        .session
        .get_untracked()
        .map(|s| s.token)
        .unwrap_or_default()
}

/// A failure as the administrator reads it (offline: the screens need the server).
pub fn failure_message(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Network => fr::ADMIN_NEEDS_NETWORK.to_owned(),
        other => other.message(),
    }
}
