//! `/connexion`: sign-in. The first sign-in on a device must be online; after it the app opens
//! offline with the session kept in IndexedDB.

use jalon_domain::auth::LoginRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_navigate;

use crate::api::ApiFailure;
use crate::i18n::fr;
use crate::state::AppState;
use crate::store::StoredSession;
use crate::vault::{self, ReplicaKey, VaultRecord};

#[component]
pub fn LoginPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let outcome = sign_in(state, username.get_untracked(), password.get_untracked()).await;
            busy.set(false);
            match outcome {
                Ok(()) => {
                    password.set(String::new());
                    navigate("/", Default::default());
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };

    view! {
        <Show when=move || state.session.get().is_none() fallback=|| view! { <Redirect path="/" /> }>
            <main class="login">
                <h1>{fr::APP_NAME}</h1>
                {move || state.wipe_notice.get().map(|notice| view! { <p class="notice" role="alert">{notice}</p> })}
                <form on:submit=submit.clone() novalidate>
                    <h2>{fr::SIGN_IN_TITLE}</h2>
                    <label for="username">{fr::USERNAME}</label>
                    <input
                        id="username"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                    <label for="password">{fr::PASSWORD}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { fr::SIGNING_IN } else { fr::SIGN_IN }}
                    </button>
                </form>
                <p class="muted"><A href="/accessibilite">{fr::ACCESSIBILITY_LINK}</A></p>
            </main>
        </Show>
    }
}

/// Signs in online, keeps the session on the device and starts the first sync. The replica
/// key is the one the device already holds for this user (opened with the server's escrow key
/// of the device, or else the password) or a new one; it is wrapped again by `password`.
pub(crate) async fn sign_in(
    state: AppState,
    username: String,
    password: String,
) -> Result<(), String> {
    let (store, api) = (state.store(), state.api());
    let text = |e: crate::store::StoreError| e.to_string();
    let mut device_id = store.device_id().await.map_err(text)?;
    let mut attempt = api
        .login(&LoginRequest {
            username: username.clone(),
            password: password.clone(),
            device_id,
        })
        .await;
    // This device's id is bound to the previous user's account: if nothing of theirs waits,
    // the device takes a new id (their data is wiped when this session starts).
    if matches!(&attempt, Err(ApiFailure::Refused { code, .. }) if code == "device_bound") {
        if store.outbox_entries().await.map_err(text)? > 0 {
            return Err(fr::OTHER_USER_PENDING.to_owned());
        }
        device_id = store.new_device_id().await.map_err(text)?;
        attempt = api
            .login(&LoginRequest {
                username,
                password: password.clone(),
                device_id,
            })
            .await;
    }
    let response = attempt.map_err(|failure| match failure {
        ApiFailure::Network => fr::FIRST_SIGN_IN_ONLINE.to_owned(),
        other => other.message(),
    })?;
    let session = StoredSession {
        token: response.token,
        user: response.user,
        must_change_password: response.must_change_password,
    };
    let device_key = vault::device_key(&response.device_key)
        .unwrap_or_else(|| vault::Key::from_bytes(&vault::random_array()));
    let earlier = store
        .vault()
        .await
        .map_err(text)?
        .filter(|v| v.owner == session.user.id);
    let opened = match &earlier {
        Some(earlier) => match earlier.open_with_device_key(&device_key) {
            Ok(key) => Some(key),
            Err(_) => earlier.open_with_password(&password).await.ok(),
        },
        None => None,
    };
    let fresh = opened.is_none();
    let key = opened.unwrap_or_else(ReplicaKey::generate);
    let record = VaultRecord::new(
        session.user.id,
        &session.user.username,
        &password,
        &device_key,
        &key,
    )
    .await
    .map_err(|e| text(e.into()))?;
    if !store
        .start_session(&session, key.key.clone(), &record, fresh)
        .await
        .map_err(text)?
    {
        api.logout(&session.token).await;
        return Err(fr::OTHER_USER_PENDING.to_owned());
    }
    if let Ok(reference) = api.reference(&session.token).await {
        let _ = store.set_reference(&reference).await;
    }
    state.wipe_notice.set(None);
    state.unlocked(key).await.map_err(text)
}
