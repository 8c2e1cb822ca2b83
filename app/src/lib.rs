//! Jalon's single-page app: Leptos rendered in the browser, an offline-first replica of the
//! caseload in IndexedDB, and a sync engine that talks to the server when the network allows.

pub mod api;
pub mod clock;
mod components;
mod forms;
pub mod i18n;
mod install;
pub mod list;
mod pages;
mod refusals;
pub mod state;
pub mod storage;
pub mod store;
pub mod sync;
mod tabs;
mod update;
pub mod vault;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::i18n::fr;
use crate::state::AppState;
use crate::store::Store;

/// Name of the IndexedDB database.
pub const DB_NAME: &str = "jalon";

/// Opens the local store, then mounts the app. Called once by `main`.
pub fn start() {
    console_error_panic_hook::set_once();
    // Leptos sets up its executor when mounting; the store opens before that.
    wasm_bindgen_futures::spawn_local(async {
        // While a tab of an older version keeps the database from being upgraded, a notice
        // says so (it goes once the app mounts). The browser also says "blocked" while the
        // tabs of this version close their connections: the notice waits a second for that.
        let notice = blocked::Notice::default();
        let opened = Store::open_or_wait(DB_NAME, notice.shower()).await;
        notice.hide();
        let booted = match opened {
            Ok(store) => AppState::boot(store).await,
            Err(e) => Err(e),
        };
        match booted {
            Ok(state) => {
                leptos::mount::mount_to_body(move || {
                    provide_context(state);
                    view! { <App /> }
                });
                state.request_sync();
            }
            Err(e) => leptos::mount::mount_to_body(move || {
                view! { <p class="form-error" role="alert">{format!("{} ({e})", fr::STORAGE_ERROR)}</p> }
            }),
        }
    });
}

/// The notice shown before the app mounts while a tab of an older version keeps the database
/// from being upgraded.
mod blocked {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;

    use crate::i18n::fr;

    #[derive(Clone, Default)]
    pub struct Notice {
        opened: Rc<Cell<bool>>,
        shown: Rc<RefCell<Option<Box<dyn std::any::Any>>>>,
    }

    impl Notice {
        /// What the opening calls each time the browser says it waits.
        pub fn shower(&self) -> impl Fn() + 'static {
            let notice = self.clone();
            move || {
                let notice = notice.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                    if notice.opened.get() || notice.shown.borrow().is_some() {
                        return;
                    }
                    let shown = leptos::mount::mount_to(leptos::tachys::dom::body(), || {
                        view! { <p class="update-banner" role="alert">{fr::UPGRADE_BLOCKED}</p> }
                    });
                    *notice.shown.borrow_mut() = Some(Box::new(shown));
                });
            }
        }

        pub fn hide(&self) {
            self.opened.set(true);
            self.shown.borrow_mut().take();
        }
    }
}

#[component]
fn App() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Router>
            <Gate />
            <components::UpdateBanner />
            <Show when=move || !state.vault_locked.get() fallback=components::UnlockScreen>
            <Show when=move || !state.locked() fallback=components::LockScreen>
                <Routes fallback=|| view! { <p>"Page introuvable."</p> }>
                    <Route path=path!("/") view=pages::caseload::CaseloadPage />
                    <Route path=path!("/agenda") view=pages::agenda::AgendaPage />
                    <Route path=path!("/pilotage") view=pages::supervision::SupervisionPage />
                    <Route path=path!("/pilotage/fse") view=pages::fse::FsePage />
                    <Route path=path!("/marches") view=pages::agreements::AgreementsPage />
                    <Route path=path!("/fonds") view=pages::funds::FundsPage />
                    <Route path=path!("/partenaires") view=pages::partners::PartnersPage />
                    <Route path=path!("/cofinancement") view=pages::cofinancing::CofinancingPage />
                    <Route path=path!("/connexion") view=pages::login::LoginPage />
                    <Route path=path!("/accessibilite") view=pages::accessibility::AccessibilityPage />
                    <Route path=path!("/compte") view=pages::account::AccountPage />
                    <Route path=path!("/personnes/nouvelle") view=pages::new_person::NewPersonPage />
                    <Route path=path!("/personne/:id") view=pages::person::PersonPage />
                    <Route path=path!("/personne/:id/dossier") view=pages::access_report::AccessReportPage />
                    <Route path=path!("/admin") view=pages::admin::accounts::AccountsPage />
                    <Route path=path!("/admin/dispositifs") view=pages::admin::schemes::SchemesPage />
                    <Route path=path!("/admin/journal") view=pages::admin::audit::AuditPage />
                    <Route path=path!("/admin/conservation") view=pages::admin::retention::RetentionPage />
                    <Route path=path!("/admin/import") view=pages::admin::import::ImportPage />
                    <Route path=path!("/admin/acces") view=pages::admin::access::AccessPage />
                </Routes>
            </Show>
            </Show>
        </Router>
    }
}

/// Sends a user with a temporary password to `/compte` until they choose their own.
#[component]
fn Gate() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = leptos_router::hooks::use_navigate();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let must_change = state.session.get().is_some_and(|s| s.must_change_password);
        if must_change && location.pathname.get() != "/compte" {
            navigate("/compte", Default::default());
        }
    });
}
