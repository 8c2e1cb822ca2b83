//! State shared by every screen, provided once as a context: the store, the API client, the
//! session and the sync status. Also drives sync: on start, on reconnection, every 30 seconds,
//! after a local change and on demand.

use gloo_events::EventListener;
use gloo_timers::callback::{Interval, Timeout};
use jalon_domain::admin::audit::{Consultation, Consultations, ExportRecord, MAX_CONSULTATIONS};
use jalon_domain::sync::client::SyncReport;
use jalon_domain::sync::{ReferenceData, SharedRecords};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, ApiFailure};
use crate::clock::now_ms;
use crate::i18n::fr;
use crate::storage::{self, StorageStatus};
use crate::store::{Store, StoreError, StoredSession};
use crate::sync::{SyncError, sync_once};
use crate::tabs;
use crate::vault::ReplicaKey;

/// How often the inactivity lock looks at the clock.
const LOCK_CHECK_MS: u32 = 15_000;
/// Inactivity before the app locks when the reference data does not say.
const DEFAULT_LOCK_MINUTES: i64 = 15;

/// How often a signed-in device syncs on its own.
const SYNC_PERIOD_MS: u32 = 30_000;
/// First wait after a failed sync; it doubles after each failure, up to `MAX_BACKOFF_MS`.
const FIRST_BACKOFF_MS: f64 = 5_000.0;
const MAX_BACKOFF_MS: f64 = 300_000.0;

#[derive(Clone, Copy)]
pub struct AppState {
    pub store: StoredValue<Store, LocalStorage>,
    pub api: StoredValue<Api, LocalStorage>,
    pub session: RwSignal<Option<StoredSession>>,
    pub reference: RwSignal<Option<ReferenceData>>,
    /// The records of the replica that are not a person's (agreements, partners' places…).
    pub shared: RwSignal<SharedRecords>,
    /// What the browser says of the network.
    pub online: RwSignal<bool>,
    /// Changes waiting for the server.
    pub pending: RwSignal<u32>,
    /// Changes the server acknowledged that the replica does not show from the server yet
    /// (they are shown from the outbox until the next pull brings them).
    pub unconfirmed: RwSignal<u32>,
    pub syncing: RwSignal<bool>,
    /// Time of the last successful sync (ms since the epoch).
    pub last_sync: RwSignal<Option<f64>>,
    /// While a first sync fills the replica: how many of its changes are stored, of how many.
    pub first_sync: RwSignal<Option<(usize, usize)>>,
    pub last_error: RwSignal<Option<String>>,
    /// Bumped whenever the local data changes, so that lists reload.
    pub data_version: RwSignal<u64>,
    /// What the last wipe of this device said (account deactivated, device revoked), shown on
    /// the sign-in page.
    pub wipe_notice: RwSignal<Option<String>>,
    /// A session is kept on the device but its replica key is not in memory: the unlock
    /// screen shows instead of every page.
    pub vault_locked: RwSignal<bool>,
    /// The browser offers to install the app.
    pub installable: RwSignal<bool>,
    /// A new version of the app is ready; the user chooses when to use it.
    pub update_available: RwSignal<bool>,
    /// A newer version of the app, in another tab, took the local database over: this tab
    /// can no longer read or write and must reload.
    pub replaced: RwSignal<bool>,
    /// Whether the browser keeps the data for good, and how full its storage is.
    pub storage: RwSignal<Option<StorageStatus>>,
    /// Follow-up items checked and being written: a person's file shows them from the click,
    /// before the write and the reload that reads them back (dropped then, or on a failed
    /// write).
    pub just_saved: RwSignal<Vec<jalon_domain::followup::Item>>,
    /// The replica key while unlocked, to wrap it again when the password changes.
    pub replica_key: StoredValue<Option<ReplicaKey>, LocalStorage>,
    /// Last time the user touched the app (ms since the epoch), for the inactivity lock.
    last_activity: StoredValue<f64>,
    /// A sync was asked for while one was running: run again when it ends.
    rerun: StoredValue<bool>,
    /// Failed rounds in a row, and the earliest time the periodic trigger may try again.
    failures: StoredValue<u32>,
    retry_at: StoredValue<f64>,
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

impl AppState {
    /// Opens the app on what the store holds: locked when a session is kept (the replica is
    /// sealed until the password is typed), signed out otherwise. Starts the sync triggers and
    /// the inactivity lock.
    pub async fn boot(store: Store) -> Result<AppState, StoreError> {
        let vault_locked = store.vault().await?.is_some() && store.has_session().await?;
        let last_sync = store.last_sync().await?;
        let wipe_notice = store.take_wipe_notice().await?;
        let state = AppState {
            store: StoredValue::new_local(store),
            api: StoredValue::new_local(Api::from_window()),
            session: RwSignal::new(None),
            reference: RwSignal::new(None),
            shared: RwSignal::new(SharedRecords::default()),
            online: RwSignal::new(browser_online()),
            pending: RwSignal::new(0),
            unconfirmed: RwSignal::new(0),
            syncing: RwSignal::new(false),
            last_sync: RwSignal::new(last_sync),
            first_sync: RwSignal::new(None),
            last_error: RwSignal::new(None),
            data_version: RwSignal::new(0),
            wipe_notice: RwSignal::new(wipe_notice),
            vault_locked: RwSignal::new(vault_locked),
            last_activity: StoredValue::new(now_ms()),
            replica_key: StoredValue::new_local(None),
            storage: RwSignal::new(None),
            just_saved: RwSignal::new(Vec::new()),
            installable: RwSignal::new(crate::install::available()),
            update_available: RwSignal::new(crate::update::available()),
            replaced: RwSignal::new(false),
            rerun: StoredValue::new(false),
            failures: StoredValue::new(0),
            retry_at: StoredValue::new(0.0),
        };
        state
            .store
            .with_value(|store| store.on_replaced(move || state.replaced.set(true)));
        state.start_triggers();
        Ok(state)
    }

    fn start_triggers(self) {
        if let Some(window) = web_sys::window() {
            EventListener::new(&window, "online", move |_| {
                self.online.set(true);
                self.retry_at.set_value(0.0);
                self.request_sync();
            })
            .forget();
            EventListener::new(&window, "offline", move |_| self.online.set(false)).forget();
            EventListener::new(&window, "jalon-installable", move |_| {
                self.installable.set(crate::install::available());
            })
            .forget();
            EventListener::new(&window, "jalon-update", move |_| {
                self.update_available.set(crate::update::available());
            })
            .forget();
        }
        // The periodic trigger waits out the backoff after failures; the others do not.
        Interval::new(SYNC_PERIOD_MS, move || {
            if now_ms() >= self.retry_at.get_value() {
                self.request_sync();
            }
        })
        .forget();
        // Another tab synced or saved: reload what the screens show.
        tabs::listen_for_changes(move || {
            self.refresh_from_store();
        });
        self.start_inactivity_lock();
    }

    /// Locks the app after the reference data's minutes without a touch or a key. Timers
    /// sleep with the tablet; the clock is compared when they wake and when the page shows.
    fn start_inactivity_lock(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        for event in ["pointerdown", "keydown"] {
            EventListener::new(&window, event, move |_| {
                self.last_activity.set_value(now_ms());
            })
            .forget();
        }
        let check = move || {
            if self.vault_locked.get_untracked() || self.session.get_untracked().is_none() {
                return;
            }
            let minutes = self
                .reference
                .get_untracked()
                .map_or(DEFAULT_LOCK_MINUTES, |r| r.inactivity_lock_minutes)
                .max(1);
            if now_ms() - self.last_activity.get_value() > minutes as f64 * 60_000.0 {
                self.lock();
            }
        };
        Interval::new(LOCK_CHECK_MS, check).forget();
        if let Some(document) = window.document() {
            EventListener::new(&document, "visibilitychange", move |_| check()).forget();
        }
    }

    /// Forgets the replica key and what was read with it: the unlock screen shows until the
    /// password is typed again.
    pub fn lock(self) {
        if self.session.get_untracked().is_none() {
            return;
        }
        self.vault_locked.set(true);
        self.forget_session();
    }

    /// Lets go of the key and of what was read with it (locked, or signed out).
    fn forget_session(self) {
        self.store().lock();
        self.replica_key.set_value(None);
        self.session.set(None);
        self.reference.set(None);
        self.shared.set(SharedRecords::default());
        self.pending.set(0);
        self.unconfirmed.set(0);
    }

    /// Unlocks the store with `key` (opened by the password or at sign-in), reads the session
    /// and what the screens show, and syncs.
    pub async fn unlocked(self, key: ReplicaKey) -> Result<(), StoreError> {
        let store = self.store();
        store.unlock(key.key.clone());
        self.replica_key.set_value(Some(key));
        let session = store.session().await?;
        let reference = store.reference().await?;
        let shared = store.shared().await?;
        let last_sync = store.last_sync().await?;
        self.last_activity.set_value(now_ms());
        self.reference.set(reference);
        self.shared.set(shared);
        self.last_sync.set(last_sync);
        self.session.set(session);
        self.vault_locked.set(false);
        self.data_changed();
        self.request_sync();
        self.measure_storage(true);
        Ok(())
    }

    /// Reads the storage's usage (after each sync); `ask`: first asks the browser to keep the
    /// data (after a sign-in or an unlock).
    fn measure_storage(self, ask: bool) {
        spawn_local(async move {
            let status = if ask {
                storage::persist_and_measure().await
            } else {
                storage::measure().await
            };
            if status.is_some() {
                self.storage.set(status);
            }
        });
    }

    /// Re-reads the sync status kept in the store and redraws the screens.
    fn refresh_from_store(self) {
        spawn_local(async move {
            let store = self.store();
            // Signed out in another tab: this one lets go of the key too.
            if self.session.get_untracked().is_some() && store.has_session().await == Ok(false) {
                self.forget_session();
                return;
            }
            if let Ok(at) = store.last_sync().await {
                self.last_sync.set(at);
            }
            if let Ok(Some(reference)) = store.reference().await {
                self.reference.set(Some(reference));
            }
            self.refresh_shared().await;
            self.data_version.update(|v| *v += 1);
            self.refresh_counts().await;
        });
    }

    pub fn store(self) -> Store {
        self.store.get_value()
    }

    pub fn api(self) -> Api {
        self.api.get_value()
    }

    /// Tells the screens (of this tab and the others) that local data changed, and refreshes
    /// the outbox count.
    pub fn data_changed(self) {
        tabs::announce_change();
        self.data_version.update(|v| *v += 1);
        spawn_local(async move {
            self.refresh_counts().await;
            self.refresh_shared().await;
        });
    }

    /// Re-reads the records that are not a person's (a pull may have brought new ones).
    async fn refresh_shared(self) {
        if let Ok(shared) = self.store().shared().await
            && self.shared.get_untracked() != shared
        {
            self.shared.set(shared);
        }
    }

    /// Re-reads how many changes wait or are acknowledged.
    async fn refresh_counts(self) {
        if let Ok((waiting, unconfirmed)) = self.store().outbox_counts().await {
            self.pending.set(waiting);
            self.unconfirmed.set(unconfirmed);
        }
    }

    /// Ends a change stored on this device: stored, the screens redraw and a sync starts;
    /// refused by the storage, the error shows in the top bar and the form keeps what was
    /// typed (the caller clears it only on `true`).
    pub fn saved<T>(self, result: Result<T, StoreError>) -> bool {
        match result {
            Ok(_) => {
                self.data_changed();
                self.request_sync();
                true
            }
            Err(e) => {
                self.last_error
                    .set(Some(format!("{} : {e}", fr::SAVE_FAILED)));
                false
            }
        }
    }

    /// Starts a sync round now, or right after the one running.
    pub fn request_sync(self) {
        if self.session.get_untracked().is_none() || self.replaced.get_untracked() {
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
                // One tab of the device syncs at a time; the others wait their turn.
                tabs::with_sync_lock(async move { self.sync_round().await }).await;
                if !self.rerun.get_value() {
                    break;
                }
            }
            self.syncing.set(false);
        });
    }

    /// Waits longer before the next periodic attempt: 5 s, 10 s, 20 s … up to 5 minutes.
    fn back_off(self) {
        let failures = self.failures.get_value().saturating_add(1);
        self.failures.set_value(failures);
        let delay = (FIRST_BACKOFF_MS * 2f64.powi(failures as i32 - 1)).min(MAX_BACKOFF_MS);
        self.retry_at.set_value(now_ms() + delay);
        Timeout::new(delay as u32, move || {
            // Unless a round succeeded or failed again meanwhile.
            if self.failures.get_value() == failures {
                self.request_sync();
            }
        })
        .forget();
    }

    /// Whether the device has not reached the server for longer than the reference data
    /// allows: its data is locked until it syncs.
    pub fn locked(self) -> bool {
        let days = self
            .reference
            .get()
            .map_or(14, |r| r.device_lock_days)
            .max(1);
        self.last_sync
            .get()
            .is_some_and(|at| now_ms() - at > days as f64 * 86_400_000.0)
    }

    /// Uploads the files opened on this device for the audit log; kept for the next round
    /// if the server cannot be reached.
    async fn upload_consultations(self, token: &str) {
        let store = self.store();
        let Ok(consultations) = store.consultations().await else {
            return;
        };
        if consultations.is_empty() {
            return;
        }
        for chunk in consultations.chunks(MAX_CONSULTATIONS) {
            let body = Consultations {
                consultations: chunk
                    .iter()
                    .filter(|c| c.export.is_none())
                    .map(|c| Consultation {
                        person_id: c.person_id,
                        at: c.at,
                    })
                    .collect(),
                exports: chunk
                    .iter()
                    .filter_map(|c| {
                        c.export.as_ref().map(|what| ExportRecord {
                            what: what.clone(),
                            at: c.at,
                        })
                    })
                    .collect(),
            };
            let sent = self
                .api()
                .send_empty(reqwest::Method::POST, token, "/sync/consultations", &body)
                .await;
            if sent.is_err() {
                return;
            }
            let ids: Vec<_> = chunk.iter().map(|c| c.id).collect();
            let _ = store.forget_consultations(&ids).await;
        }
    }

    /// The server says this device must hold nothing more: its account was deactivated
    /// (once its waiting changes are pushed) or the device was revoked (they are lost, and
    /// said so). Wipes it, tells the server, and signs out.
    async fn wipe(self, token: &str, revoked: bool) {
        let store = self.store();
        if !revoked && store.pending_count().await.unwrap_or(1) > 0 {
            // Deactivated: what waits is legitimate work, pushed first (next round).
            return;
        }
        let waiting = store.pending_count().await.unwrap_or(0);
        let notice = if revoked {
            fr::device_revoked(waiting)
        } else {
            fr::ACCOUNT_DEACTIVATED.to_owned()
        };
        if store.wipe(&notice).await.is_err() {
            self.last_error.set(Some(fr::WIPE_FAILED.to_owned()));
            return;
        }
        let _ = self
            .api()
            .send_empty(reqwest::Method::POST, token, "/device/wiped", &())
            .await;
        self.wipe_notice.set(Some(notice));
        self.reference.set(None);
        self.last_sync.set(None);
        self.session.set(None);
    }

    /// Signs out: pushes what can be pushed, ends the session on the server, then erases the
    /// caseload and locks. What has still not reached the server stays sealed for the next
    /// sign-in of the same user.
    pub async fn sign_out(self) -> Result<(), StoreError> {
        let Some(session) = self.session.get_untracked() else {
            return Ok(());
        };
        let store = self.store();
        if !session.must_change_password {
            let (store, api, token) = (store.clone(), self.api(), session.token.clone());
            tabs::with_sync_lock(async move {
                let _ = sync_once(&store, &api, &token, None).await;
            })
            .await;
        }
        let waiting = store.pending_count().await.unwrap_or(0);
        self.api().logout(&session.token).await;
        store.sign_out(&fr::signed_out(waiting)).await?;
        self.wipe_notice.set(store.take_wipe_notice().await?);
        self.last_sync.set(None);
        self.forget_session();
        tabs::announce_change();
        Ok(())
    }

    async fn sync_round(self) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        if session.must_change_password {
            return;
        }
        let (store, api) = (self.store(), self.api());
        // A deployment shows as « Nouvelle version disponible » within a sync period.
        crate::update::check();
        self.upload_consultations(&session.token).await;
        // An empty replica fills: its progress shows instead of a list still empty.
        let filling = store.cursor().await.is_ok_and(|c| c == 0)
            && store.replica_is_empty().await == Ok(true);
        if filling {
            self.first_sync.set(Some((0, 0)));
        }
        let progress = move |stored, total| self.first_sync.set(Some((stored, total)));
        let result = sync_once(&store, &api, &session.token, Some(&progress)).await;
        // A round that changed nothing leaves the screens as they are: redrawing them would
        // read the whole replica again (seconds on a supervisor's device) every period.
        let changed = filling || result.as_ref().map_or(true, SyncReport::changed_anything);
        let mut new_reference = None;
        match result {
            Ok(_) => {
                self.failures.set_value(0);
                self.retry_at.set_value(0.0);
                // Set only when it changed: every screen that shows names depends on it. Set
                // with the data's version below, in the same tick: the screens then read the
                // replica once, not once for each (seconds on a supervisor's device).
                if let Ok(reference) = api.reference(&session.token).await
                    && self.reference.get_untracked().as_ref() != Some(&reference)
                    && store.set_reference(&reference).await.is_ok()
                {
                    new_reference = Some(reference);
                }
                let at = now_ms();
                let _ = store.set_last_sync(at).await;
                self.last_sync.set(Some(at));
                self.last_error.set(None);
                self.measure_storage(false);
                self.online.set(true);
            }
            Err(SyncError::Api(ApiFailure::Network)) => {
                self.back_off();
                // The badge says whether Jalon reaches its server: a network the browser calls
                // up but that leads nowhere (a captive portal, a dead link upstream) is « Hors
                // ligne » too. The next sync that gets through says « En ligne » again.
                self.online.set(false);
                self.last_error.set(Some(fr::SERVER_UNREACHABLE.to_owned()));
            }
            Err(SyncError::Api(ApiFailure::Busy { retry_after })) => {
                // The server asks to come back a little later: as it says, not sooner.
                let delay = retry_after.clamp(1, 300) * 1000;
                self.retry_at.set_value(now_ms() + f64::from(delay));
                Timeout::new(delay, move || self.request_sync()).forget();
                self.last_error.set(Some(fr::SERVER_BUSY.to_owned()));
            }
            Err(SyncError::Api(failure)) if failure.is_temporary() => {
                self.back_off();
                self.last_error.set(Some(failure.message()));
            }
            Err(SyncError::Api(ApiFailure::Unauthenticated { .. })) => {
                self.last_error.set(Some(fr::SESSION_EXPIRED.to_owned()));
            }
            Err(SyncError::Api(ApiFailure::Refused { code, .. }))
                if code == "device_wipe" || code == "device_revoked" =>
            {
                self.wipe(&session.token, code == "device_revoked").await;
            }
            Err(SyncError::Api(ApiFailure::Refused { code, .. }))
                if code == "password_change_required" =>
            {
                let mut session = session.clone();
                session.must_change_password = true;
                self.session.set(Some(session));
            }
            Err(SyncError::Api(failure)) => self.last_error.set(Some(failure.message())),
            Err(SyncError::Store(e)) => {
                self.last_error
                    .set(Some(format!("{} : {e}", fr::SYNC_STORAGE_FAILED)));
            }
        }
        // The list keeps the progress shown until it has read what was stored (pages::caseload).
        self.first_sync.set(None);
        if let Some(reference) = new_reference {
            self.reference.set(Some(reference));
        }
        if changed {
            self.data_changed();
        }
    }
}
