//! Pieces shared by the screens: the top bar with the sync status.

use jalon_domain::Invalid;
use jalon_domain::communes;
use jalon_domain::text::{
    format_date_fr, format_iso_date, parse_iso_date, parse_typed_date, parse_typed_time,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::clock::format_time;
use crate::i18n::fr;
use crate::state::AppState;

/// A read of the device's storage that failed: said in so many words, never shown as an
/// empty list (which a user would take for "nothing recorded").
#[component]
pub fn ReadFailed(error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <p class="form-error" role="alert">{format!("{} : {e}", fr::READ_FAILED)}</p> }
        })
    }
}

/// Online or not, changes waiting, last sync, last error, and "Synchroniser maintenant".
#[component]
pub fn SyncStatus() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section class="sync" aria-label="Synchronisation">
            <span
                class=move || { if state.online.get() { "net online" } else { "net offline" } }
                data-testid="network"
            >
                {move || if state.online.get() { fr::ONLINE } else { fr::OFFLINE }}
            </span>
            <span
                class=move || { if state.pending.get() > 0 { "pending waiting" } else { "pending" } }
                data-testid="pending"
            >
                {move || fr::pending(state.pending.get(), state.unconfirmed.get())}
            </span>
            <span
                class="last-sync"
                data-testid="last-sync"
                data-synced-at=move || state.last_sync.get().map(|ms| ms.to_string())
            >
                // Only the time shows in the bar; the words are for screen readers.
                // A first sync counts once the list shows what it brought.
                {move || match state.last_sync.get().filter(|_| state.first_sync.get().is_none()) {
                    Some(ms) => view! {
                        <span class="visually-hidden">{format!("{} : ", fr::LAST_SYNC)}</span>
                        <span title=fr::LAST_SYNC>{format_time(ms)}</span>
                    }
                    .into_any(),
                    // Before the first sync the bar stays short; the button says it is running.
                    None => view! { <span class="visually-hidden">{fr::NEVER_SYNCED}</span> }.into_any(),
                }}
            </span>
            <button
                type="button"
                class="secondary sync-now"
                on:click=move |_| state.request_sync()
                disabled=move || state.syncing.get()
            >
                // Short on screen; the rest of the name is for screen readers, after the
                // visible words (RGAA: the accessible name contains the visible text).
                {move || if state.syncing.get() { fr::SYNC_RUNNING } else { fr::SYNC }}
                <span class="visually-hidden">
                    {move || if state.syncing.get() { fr::SYNC_RUNNING_MORE } else { fr::SYNC_MORE }}
                </span>
            </button>
        </section>
        // Beside the section, so that in the top bar it takes a line of its own under the
        // others instead of pushing them onto three more.
        {move || {
            state
                .last_error
                .get()
                .map(|e| view! { <p class="sync-error" role="alert">{e}</p> })
        }}
    }
}

/// « Se déconnecter »: sends what waits (asking first when something does), then erases the
/// caseload from this device. In « Mon compte », not in the bar: it is rare and erases data.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = use_navigate();
    let leaving = RwSignal::new(false);
    let sign_out = move |_| {
        let pending = state.pending.get_untracked();
        if pending > 0 {
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(fr::SIGN_OUT_PENDING).ok())
                .unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        leaving.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let signed_out = state.sign_out().await;
            leaving.set(false);
            match signed_out {
                Ok(()) => navigate("/connexion", Default::default()),
                Err(e) => state
                    .last_error
                    .set(Some(format!("{} : {e}", fr::SAVE_FAILED))),
            }
        });
    };
    view! {
        <button type="button" class="secondary danger" on:click=sign_out disabled=move || leaving.get()>
            {move || if leaving.get() { fr::SIGNING_OUT } else { fr::SIGN_OUT }}
        </button>
    }
}

/// The bar at the top of every signed-in screen: one line from 1024 px.
#[component]
pub fn TopBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let is_admin = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == jalon_domain::auth::Role::Administrator)
    };

    view! {
        <header class="topbar">
            <a class="brand" href="/">
                {fr::APP_NAME}
            </a>
            <span class="who">
                {move || {
                    state
                        .session
                        .get()
                        .map(|s| view! {
                            <span title=format!("{} ({}) · {}", s.user.display_name, s.user.username, s.user.role.label_fr())>
                                {s.user.display_name.clone()}
                            </span>
                            <span class="visually-hidden">{format!(" · {}", s.user.role.label_fr())}</span>
                        })
                }}
            </span>
            <SyncStatus />
            <nav class="account-links" aria-label=fr::MY_ACCOUNT>
                {move || is_admin().then(|| view! { <a href="/admin">{fr::ADMINISTRATION}</a> })}
                {move || (!is_admin()).then(|| view! { <a href="/pilotage">{fr::SUPERVISION}</a> })}
                <a href="/compte">{fr::MY_ACCOUNT}</a>
            </nav>
            <button type="button" class="secondary" on:click=move |_| state.lock()>
                {fr::LOCK}
            </button>
        </header>
        {move || {
            state
                .storage
                .get()
                .filter(|s| s.almost_full())
                .map(|s| {
                    view! {
                        <p class="notice storage-warning" role="alert">
                            {fr::storage_almost_full(s.share())}
                        </p>
                    }
                })
        }}
    }
}

/// Shown instead of every screen while the replica key is not in memory (after a reload, a
/// lock or inactivity): the password opens the replica, offline too. A password changed
/// elsewhere is accepted online (the sign-in reopens the replica with the device's escrow key).
#[component]
pub fn UnlockScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = use_navigate();
    let login = LocalResource::new(move || async move {
        state
            .store()
            .vault()
            .await
            .ok()
            .flatten()
            .map(|v| v.login)
            .unwrap_or_default()
    });
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = password.get_untracked();
        if typed.is_empty() {
            error.set(Some(fr::UNLOCK_EMPTY.to_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let outcome = unlock(state, typed).await;
            busy.set(false);
            match outcome {
                Ok(()) => password.set(String::new()),
                Err(message) => error.set(Some(message)),
            }
        });
    };
    let switch_user = move |_| {
        state.vault_locked.set(false);
        navigate("/connexion", Default::default());
    };
    view! {
        <main class="login">
            <h1>{fr::APP_NAME}</h1>
            <form on:submit=submit novalidate>
                <h2>{fr::UNLOCK_TITLE}</h2>
                <p>{move || login.get().map(|login| fr::unlock_intro(&login))}</p>
                <label for="unlock-password">{fr::PASSWORD}</label>
                <input
                    id="unlock-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="unlock-error"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
                <p class="form-error" id="unlock-error" role="alert">
                    {move || error.get()}
                </p>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { fr::UNLOCKING } else { fr::UNLOCK }}
                </button>
                <button type="button" class="secondary" on:click=switch_user>
                    {fr::SWITCH_USER}
                </button>
            </form>
        </main>
    }
}

/// Opens the replica with `password`; when it does not open it and the server is reachable,
/// signs in (the password may have changed on another device).
async fn unlock(state: AppState, password: String) -> Result<(), String> {
    let store = state.store();
    let Some(record) = store.vault().await.map_err(|e| e.to_string())? else {
        state.vault_locked.set(false);
        return Ok(());
    };
    match record.open_with_password(&password).await {
        Ok(key) => state.unlocked(key).await.map_err(|e| e.to_string()),
        Err(crate::vault::VaultError::Unreadable) => {
            match crate::pages::login::sign_in(state, record.login.clone(), password).await {
                Ok(()) => Ok(()),
                Err(message) if message == fr::FIRST_SIGN_IN_ONLINE => {
                    Err(fr::UNLOCK_WRONG_PASSWORD_OFFLINE.to_owned())
                }
                Err(message) => Err(message),
            }
        }
        Err(e) => Err(crate::store::StoreError::from(e).to_string()),
    }
}

/// Shown instead of every screen while the device's data is locked (no contact with the
/// server for too long).
#[component]
pub fn LockScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let days = move || state.reference.get().map_or(14, |r| r.device_lock_days);
    view! {
        <TopBar />
        <main class="locked">
            <h1>{fr::LOCKED_TITLE}</h1>
            <p class="notice" role="alert">{move || fr::locked(days())}</p>
        </main>
    }
}

/// « Nouvelle version disponible — Mettre à jour », on every screen once the service worker
/// holds a new version; the version in use stays until the user chooses.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let updating = RwSignal::new(false);
    let update = move |_| {
        updating.set(true);
        spawn_local(async move {
            crate::update::apply().await;
            updating.set(false);
        });
    };
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <Show when=move || state.replaced.get()>
            <div class="update-banner replaced" role="alert" data-testid="replaced">
                <span><strong>{fr::REPLACED_BY_NEW_VERSION}</strong>" — "{fr::REPLACED_DETAIL}</span>
                <button type="button" on:click=reload>{fr::RELOAD}</button>
            </div>
        </Show>
        <Show when=move || state.update_available.get() && !state.replaced.get()>
            <div class="update-banner" role="status" data-testid="update">
                <span><strong>{fr::NEW_VERSION}</strong>" — "{fr::UPDATE_KEEPS_CHANGES}</span>
                <button type="button" on:click=update disabled=move || updating.get()>{fr::UPDATE_NOW}</button>
            </div>
        </Show>
    }
}

/// The format a date or time field is typed in, shown beside its label.
pub fn format_hint(kind: &str) -> Option<&'static str> {
    match kind {
        "date" => Some(fr::DATE_FORMAT),
        "time" => Some(fr::TIME_FORMAT),
        _ => None,
    }
}

/// The format beside a field's label, for dates and times.
pub fn hint(kind: &str) -> Option<impl IntoView + use<>> {
    format_hint(kind).map(|h| view! { <span class="hint">{format!(" ({h})")}</span> })
}

/// The input of a field: a `DateTimeInput` for dates and times, a plain input otherwise.
#[component]
pub fn FieldInput(
    id: String,
    /// The API field, as the input's `name`.
    name: &'static str,
    kind: &'static str,
    value: RwSignal<String>,
    invalid: Signal<bool>,
    /// The id of the field's error message.
    described_by: String,
) -> impl IntoView {
    if format_hint(kind).is_some() {
        view! { <DateTimeInput id name kind value invalid described_by /> }.into_any()
    } else {
        view! {
            <input autocomplete="off"
                id=id
                name=name
                type=kind
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || invalid.get().to_string()
                aria-describedby=described_by
            />
        }
        .into_any()
    }
}

/// A date (`kind = "date"`) or time (`"time"`) input typed and shown the French way —
/// `14/03/2026`, `09:30` — whatever the browser's language (a native date or time input
/// follows the browser's: `03/14/2026`, `09:30 AM` in English). `value` holds what the forms
/// read: the ISO date or `HH:MM` once what is typed parses, what is typed otherwise (the form
/// then calls it invalid). What is typed stays as typed until the field is left, then shows
/// in the French form; a value set from outside (a reset, a prefill) shows at once.
#[component]
pub fn DateTimeInput(
    id: String,
    kind: &'static str,
    value: RwSignal<String>,
    /// The API field, as the input's `name`.
    #[prop(optional)]
    name: Option<&'static str>,
    #[prop(optional, into)] invalid: Option<Signal<bool>>,
    #[prop(optional)] described_by: Option<String>,
    /// For an input without a `<label>`.
    #[prop(optional)]
    aria_label: Option<&'static str>,
) -> impl IntoView {
    let shown = move |stored: &str| match kind {
        "date" => parse_iso_date(stored).map_or_else(|| stored.to_owned(), format_date_fr),
        _ => stored.to_owned(),
    };
    let stored = move |typed: &str| {
        match kind {
            "date" => parse_typed_date(typed).map(format_iso_date),
            _ => parse_typed_time(typed),
        }
        .unwrap_or_else(|| typed.trim().to_owned())
    };
    let typed = RwSignal::new(value.with_untracked(|v| shown(v)));
    // A value set from outside shows; one that comes from typing leaves the text alone.
    Effect::new(move |_| {
        let current = value.get();
        if typed.with_untracked(|t| stored(t)) != current {
            typed.set(shown(&current));
        }
    });
    view! {
        <input autocomplete="off"
            id=id
            name=name
            type="text"
            inputmode="numeric"
            placeholder=format_hint(kind)
            aria-label=aria_label
            prop:value=move || typed.get()
            on:input=move |ev| {
                let text = event_target_value(&ev);
                value.set(stored(&text));
                typed.set(text);
            }
            on:change=move |_| typed.set(shown(&value.get_untracked()))
            aria-invalid=move || invalid.map(|i| i.get().to_string())
            aria-describedby=described_by
        />
    }
}

/// A text field with its label and its error message.
#[component]
pub fn TextField(
    /// Id of the input, also the API field name its errors refer to.
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Invalid>,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let message = move || errors.with(|e| e.message_for(id).map(str::to_owned));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id>{label}{hint(kind)}</label>
            <FieldInput id=id.to_owned() name=id kind value
                invalid=Signal::derive(move || message().is_some())
                described_by=error_id.clone() />
            <p class="field-error" aria-live="polite" id=error_id>
                {message}
            </p>
        </div>
    }
}

/// The commune picker: the 195 communes of Haute-Vienne with their postal code.
#[component]
pub fn CommuneSelect(value: RwSignal<String>, errors: RwSignal<Invalid>) -> impl IntoView {
    let message = move || errors.with(|e| e.message_for("commune_code").map(str::to_owned));
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for="commune_code">{fr::COMMUNE}</label>
            <select
                id="commune_code"
                name="commune_code"
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || message().is_some().to_string()
                aria-describedby="commune_code-error"
            >
                <option value="">{fr::CHOOSE_COMMUNE}</option>
                {communes::all()
                    .iter()
                    .map(|c| view! { <option value=c.code>{c.label()}</option> })
                    .collect_view()}
            </select>
            <p class="field-error" aria-live="polite" id="commune_code-error">
                {message}
            </p>
        </div>
    }
}

/// Makes the browser download `text` as a file named `filename`.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    download_parts(filename, mime, &parts)
}

/// Fetches the workbook at `path` of the API (built by the server: online only) and makes the
/// browser download it as `filename`; `busy` is set while it comes, `message` says why not.
pub fn fetch_workbook(
    state: AppState,
    path: String,
    filename: String,
    busy: RwSignal<bool>,
    message: RwSignal<Option<String>>,
) {
    let Some(session) = state.session.get_untracked() else {
        return;
    };
    busy.set(true);
    spawn_local(async move {
        let got = state.api().get_bytes(&session.token, &path).await;
        busy.set(false);
        message.set(match got {
            Ok(bytes) => download_bytes(
                &filename,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &bytes,
            )
            .err(),
            Err(crate::api::ApiFailure::Network) => Some(fr::XLSX_NEEDS_NETWORK.to_owned()),
            Err(failure) => Some(failure.message()),
        });
    });
}

/// Makes the browser download `bytes` as a file named `filename`.
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    download_parts(filename, mime, &parts)
}

fn download_parts(filename: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options)
        .map_err(|_| fr::DOWNLOAD_FAILED.to_owned())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| fr::DOWNLOAD_FAILED.to_owned())?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fr::DOWNLOAD_FAILED.to_owned())?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fr::DOWNLOAD_FAILED.to_owned())?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
