//! `/compte`: the signed-in user's account — choosing a new password (required after a
//! temporary one), and signing out of every other device.

use jalon_domain::admin::accounts::{MIN_PASSWORD_CHARS, PasswordChange, check_password};
use jalon_domain::{FieldError, Invalid};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_navigate;

use crate::api::ApiFailure;
use crate::components::{SignOutButton, TextField, TopBar};
use crate::i18n::fr;
use crate::state::AppState;

#[component]
pub fn AccountPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = use_navigate();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let forced = move || state.session.get().is_some_and(|s| s.must_change_password);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        let mut invalid = match check_password(&new.get_untracked(), &session.user.username) {
            Ok(()) => Invalid::default(),
            Err(invalid) => Invalid {
                errors: invalid
                    .errors
                    .into_iter()
                    .map(|e| FieldError::new("new_password", &e.code, e.message))
                    .collect(),
            },
        };
        if new.get_untracked() != again.get_untracked() {
            invalid.push(FieldError::new(
                "new_password_again",
                "different",
                fr::PASSWORDS_DIFFER,
            ));
        }
        if !invalid.is_empty() {
            errors.set(invalid);
            return;
        }
        errors.set(Invalid::default());
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let change = PasswordChange {
                current: current.get_untracked(),
                new: new.get_untracked(),
            };
            let sent = state
                .api()
                .send_empty(
                    reqwest::Method::POST,
                    &session.token,
                    "/auth/password",
                    &change,
                )
                .await;
            busy.set(false);
            match sent {
                Ok(()) => {
                    // The replica opens with the new password from now on.
                    rewrap(state, &change.new).await;
                    let _ = state.store().password_changed().await;
                    let mut session = session.clone();
                    session.must_change_password = false;
                    state.session.set(Some(session));
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    message.set(Some(fr::PASSWORD_CHANGED.to_owned()));
                    state.request_sync();
                    navigate("/", Default::default());
                }
                Err(ApiFailure::Refused { fields, .. }) if !fields.is_empty() => {
                    errors.set(Invalid {
                        errors: fields
                            .into_iter()
                            .map(|e| match e.field.as_str() {
                                "current" => {
                                    FieldError::new("current_password", &e.code, e.message)
                                }
                                _ => FieldError::new("new_password", &e.code, e.message),
                            })
                            .collect(),
                    });
                }
                Err(ApiFailure::Network) => {
                    message.set(Some(fr::PASSWORD_NEEDS_NETWORK.to_owned()))
                }
                Err(failure) => message.set(Some(failure.message())),
            }
        });
    };

    let others = RwSignal::new(None::<String>);
    let sign_out_others = move |_| {
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let sent = state
                .api()
                .send_empty(
                    reqwest::Method::POST,
                    &session.token,
                    "/auth/logout-all",
                    &(),
                )
                .await;
            busy.set(false);
            others.set(Some(match sent {
                Ok(()) => fr::OTHER_DEVICES_SIGNED_OUT.to_owned(),
                Err(ApiFailure::Network) => fr::SIGN_OUT_NEEDS_NETWORK.to_owned(),
                Err(failure) => failure.message(),
            }));
        });
    };

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="account">
                <h1>{fr::MY_ACCOUNT}</h1>
                <p data-testid="signed-in-as">
                    {move || state.session.get().map(|s| fr::signed_in_as(&s.user.display_name, &s.user.username, s.user.role.label_fr()))}
                </p>
                {move || forced().then(|| view! { <p class="notice" role="alert">{fr::TEMPORARY_PASSWORD_NOTICE}</p> })}
                <form autocomplete="off" on:submit=submit.clone() novalidate class="narrow">
                    <h2>{fr::CHANGE_PASSWORD}</h2>
                    <p class="muted">{fr::password_rule(MIN_PASSWORD_CHARS)}</p>
                    <TextField id="current_password" label=fr::CURRENT_PASSWORD value=current errors kind="password" />
                    <TextField id="new_password" label=fr::NEW_PASSWORD value=new errors kind="password" />
                    <TextField id="new_password_again" label=fr::NEW_PASSWORD_AGAIN value=again errors kind="password" />
                    <p role="status">{move || message.get()}</p>
                    <button type="submit" disabled=move || busy.get()>{fr::SAVE_PASSWORD}</button>
                </form>
                <section class="narrow" aria-labelledby="install-app" data-testid="install">
                    <h2 id="install-app">{fr::INSTALL_TITLE}</h2>
                    {move || {
                        if crate::install::installed() {
                            view! { <p>{fr::INSTALLED}</p> }.into_any()
                        } else if state.installable.get() {
                            view! {
                                <p class="muted">{fr::INSTALL_HELP}</p>
                                <button
                                    type="button"
                                    on:click=move |_| {
                                        spawn_local(async move {
                                            crate::install::prompt().await;
                                            state.installable.set(crate::install::available());
                                        })
                                    }
                                >
                                    {fr::INSTALL}
                                </button>
                            }
                                .into_any()
                        } else {
                            view! {
                                <p class="muted">{fr::INSTALL_HELP}</p>
                                <p>{fr::INSTALL_GUIDE_IPAD}</p>
                                <p>{fr::INSTALL_GUIDE_OTHERS}</p>
                            }
                                .into_any()
                        }
                    }}
                </section>
                <section class="narrow" aria-labelledby="device-storage" data-testid="storage">
                    <h2 id="device-storage">{fr::STORAGE_TITLE}</h2>
                    {move || {
                        state
                            .storage
                            .get()
                            .map(|s| {
                                view! {
                                    <p>{if s.persisted { fr::STORAGE_PERSISTED } else { fr::STORAGE_NOT_PERSISTED }}</p>
                                    <p>{fr::storage_usage(s.usage, s.quota)}</p>
                                    <progress max="100" value=(s.share() * 100.0).round() aria-label=fr::STORAGE_TITLE></progress>
                                }
                            })
                    }}
                </section>
                <section class="narrow" aria-labelledby="other-devices">
                    <h2 id="other-devices">{fr::OTHER_DEVICES}</h2>
                    <p class="muted">{fr::OTHER_DEVICES_HELP}</p>
                    <p role="status">{move || others.get()}</p>
                    <button type="button" class="secondary" on:click=sign_out_others disabled=move || busy.get() || forced()>
                        {fr::SIGN_OUT_OTHER_DEVICES}
                    </button>
                </section>
                <section class="narrow" aria-labelledby="sign-out">
                    <h2 id="sign-out">{fr::SIGN_OUT_TITLE}</h2>
                    <p class="muted">{fr::SIGN_OUT_HELP}</p>
                    <SignOutButton />
                </section>
                <p class="muted"><A href="/accessibilite">{fr::ACCESSIBILITY_LINK}</A></p>
            </main>
        </Show>
    }
}

/// Wraps the replica key again under `password` (the escrow wrapping stays).
async fn rewrap(state: AppState, password: &str) {
    let store = state.store();
    let (Some(key), Ok(Some(record))) = (state.replica_key.get_value(), store.vault().await) else {
        return;
    };
    if let Ok(record) = record.rewrap(&key, password).await {
        let _ = store.set_vault(&record).await;
    }
}
