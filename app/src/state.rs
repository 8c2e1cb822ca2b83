//! State shared by every screen, provided once as a context: the store, the API client, the
//! session and the sync status. Also drives sync: on start, on reconnection, every 30 seconds,
//! after a local change and on demand.

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use jalon_domain::sync::ReferenceData;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, ApiFailure};
use crate::i18n::fr;
use crate::store::{Store, StoredSession};
use crate::sync::{SyncError, sync_once};

/// How often a signed-in device syncs on its own.
const SYNC_PERIOD_MS: u32 = 30_000;

#[derive(Clone, Copy)]
pub struct AppState {
    pub store: StoredValue<Store, LocalStorage>,
    pub api: StoredValue<Api, LocalStorage>,
    pub session: RwSignal<Option<StoredSession>>,
    pub reference: RwSignal<Option<ReferenceData>>,
    /// What the browser says of the network.
    pub online: RwSignal<bool>,
    /// Mutations waiting in the outbox.
    pub pending: RwSignal<u32>,
    pub syncing: RwSignal<bool>,
    /// Time of the last successful sync (ms since the epoch).
    pub last_sync: RwSignal<Option<f64>>,
    pub last_error: RwSignal<Option<String>>,
    /// Bumped whenever the local data changes, so that lists reload.
    pub data_version: RwSignal<u64>,
    /// A sync was asked for while one was running: run again when it ends.
    rerun: StoredValue<bool>,
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

impl AppState {
    /// Loads what the store holds and starts the sync triggers (the first sync is requested
    /// once the app is mounted).
    pub async fn boot(store: Store) -> Result<AppState, crate::store::StoreError> {
        let session = store.session().await?;
        let reference = store.reference().await?;
        let pending = store.pending_count().await?;
        let last_sync = store.last_sync().await?;
        let state = AppState {
            store: StoredValue::new_local(store),
            api: StoredValue::new_local(Api::from_window()),
            session: RwSignal::new(session),
            reference: RwSignal::new(reference),
            online: RwSignal::new(browser_online()),
            pending: RwSignal::new(pending),
            syncing: RwSignal::new(false),
            last_sync: RwSignal::new(last_sync),
            last_error: RwSignal::new(None),
            data_version: RwSignal::new(0),
            rerun: StoredValue::new(false),
        };
        state.start_triggers();
        Ok(state)
    }

    fn start_triggers(self) {
        if let Some(window) = web_sys::window() {
            EventListener::new(&window, "online", move |_| {
                self.online.set(true);
                self.request_sync();
            })
            .forget();
            EventListener::new(&window, "offline", move |_| self.online.set(false)).forget();
        }
        Interval::new(SYNC_PERIOD_MS, move || self.request_sync()).forget();
    }

    pub fn store(self) -> Store {
        self.store.get_value()
    }

    pub fn api(self) -> Api {
        self.api.get_value()
    }

    /// Tells the screens that local data changed, and refreshes the outbox count.
    pub fn data_changed(self) {
        self.data_version.update(|v| *v += 1);
        spawn_local(async move {
            if let Ok(n) = self.store().pending_count().await {
                self.pending.set(n);
            }
        });
    }

    /// Starts a sync round now, or right after the one running.
    pub fn request_sync(self) {
        if self.session.get_untracked().is_none() {
            return;
        }
        if self.syncing.get_untracked() {
            self.rerun.set_value(true);
            return;
        }
        self.syncing.set(true);
        spawn_local(async move {
            loop {
                self.rerun.set_value(false);
                self.sync_round().await;
                if !self.rerun.get_value() {
                    break;
                }
            }
            self.syncing.set(false);
        });
    }

    async fn sync_round(self) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        let (store, api) = (self.store(), self.api());
        let result = sync_once(&store, &api, &session.token).await;
        match result {
            Ok(_) => {
                if let Ok(reference) = api.reference(&session.token).await
                    && store.set_reference(&reference).await.is_ok()
                {
                    self.reference.set(Some(reference));
                }
                let at = now_ms();
                let _ = store.set_last_sync(at).await;
                self.last_sync.set(Some(at));
                self.last_error.set(None);
                self.online.set(true);
            }
            Err(SyncError::Api(ApiFailure::Network)) => {
                self.online.set(browser_online());
                self.last_error.set(Some(fr::SERVER_UNREACHABLE.to_owned()));
            }
            Err(SyncError::Api(ApiFailure::Unauthenticated { .. })) => {
                self.last_error.set(Some(fr::SESSION_EXPIRED.to_owned()));
            }
            Err(SyncError::Api(failure)) => self.last_error.set(Some(failure.message())),
            Err(SyncError::Store(e)) => {
                self.last_error
                    .set(Some(format!("{} : {e}", fr::SAVE_FAILED)));
            }
        }
        self.data_changed();
    }
}
