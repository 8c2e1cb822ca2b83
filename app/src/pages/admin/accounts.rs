//! `/admin`: accounts — create one (its temporary password shown once), edit, deactivate or
//! reactivate, give a new temporary password, and see and revoke its devices.

use jalon_domain::admin::accounts::{Account, AccountForm, Device, DeviceState, TemporaryPassword};
use jalon_domain::auth::Role;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use leptos::task::spawn_local;
use reqwest::Method;
use uuid::Uuid;

use super::{AdminShell, failure_message, token};
use crate::api::ApiFailure;
use crate::clock::format_moment;
use crate::forms::{InputField, SelectField};
use crate::i18n::fr;
use crate::state::AppState;

const ROLES: [(&str, &str); 3] = [
    ("referent", "Référent"),
    ("supervisor", "Superviseur"),
    ("administrator", "Administrateur"),
];

fn schemes() -> Vec<(&'static str, &'static str)> {
    SchemeCode::ALL
        .iter()
        .map(|s| (s.as_str(), s.short_name()))
        .collect()
}

/// What the form of an account holds.
#[derive(Clone, Copy)]
struct FormState {
    username: RwSignal<String>,
    display_name: RwSignal<String>,
    role: RwSignal<String>,
    scheme: RwSignal<String>,
    supervised: RwSignal<Vec<SchemeCode>>,
    target: RwSignal<String>,
}

impl FormState {
    fn new(account: Option<&Account>) -> FormState {
        FormState {
            username: RwSignal::new(account.map(|a| a.username.clone()).unwrap_or_default()),
            display_name: RwSignal::new(
                account.map(|a| a.display_name.clone()).unwrap_or_default(),
            ),
            role: RwSignal::new(account.map_or("referent", |a| a.role.as_str()).to_owned()),
            scheme: RwSignal::new(
                account
                    .and_then(|a| a.scheme)
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            supervised: RwSignal::new(account.map(|a| a.supervised.clone()).unwrap_or_default()),
            target: RwSignal::new(
                account
                    .and_then(|a| a.portfolio_target)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
        }
    }

    /// The form as the API takes it, or the fields that cannot be read.
    fn read(&self) -> Result<AccountForm, Invalid> {
        let mut invalid = Invalid::default();
        let target = self.target.get_untracked();
        let portfolio_target = if target.trim().is_empty() {
            None
        } else {
            match target.trim().parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    invalid.push(FieldError::new(
                        "portfolio_target",
                        "invalid",
                        fr::NOT_A_NUMBER,
                    ));
                    None
                }
            }
        };
        invalid.clone().into_result()?;
        Ok(AccountForm {
            username: self.username.get_untracked(),
            display_name: self.display_name.get_untracked(),
            role: Role::parse(&self.role.get_untracked()).unwrap_or(Role::Referent),
            scheme: SchemeCode::parse(&self.scheme.get_untracked()),
            supervised: self.supervised.get_untracked(),
            portfolio_target,
        })
    }
}

/// The fields of an account form.
#[component]
fn AccountFields(form: FormState, errors: RwSignal<Invalid>, prefix: String) -> impl IntoView {
    let id = move |name: &str| format!("{prefix}-{name}");
    let role = form.role;
    view! {
        <InputField id=id("username") field="username" label=fr::LOGIN value=form.username errors />
        <InputField id=id("display_name") field="display_name" label=fr::DISPLAY_NAME value=form.display_name errors />
        <SelectField id=id("role") label=fr::ROLE options=ROLES.to_vec() value=form.role errors />
        <Show when=move || role.get() == "referent">
            <SelectField id=id("scheme") label=fr::SCHEME options=schemes() value=form.scheme errors />
            <InputField id=id("target") field="portfolio_target" label=fr::PORTFOLIO_TARGET value=form.target errors kind="number" />
        </Show>
        <Show when=move || role.get() == "supervisor">
            <fieldset class="field">
                <legend>{fr::SUPERVISED_SCHEMES}</legend>
                {SchemeCode::ALL.iter().map(|scheme| {
                    let scheme = *scheme;
                    let checked = move || form.supervised.get().contains(&scheme);
                    let toggle = move |_| form.supervised.update(|list| {
                        if list.contains(&scheme) {
                            list.retain(|s| *s != scheme);
                        } else {
                            list.push(scheme);
                        }
                    });
                    view! {
                        <label class="check">
                            <input autocomplete="off" type="checkbox" prop:checked=checked on:change=toggle />
                            {scheme.short_name()}
                        </label>
                    }
                }).collect_view()}
                <p class="field-error" aria-live="polite">{move || errors.with(|e| e.message_for("supervised").map(str::to_owned))}</p>
            </fieldset>
        </Show>
    }
}

/// An API failure on a form: field errors under their fields, the rest as the message.
fn show_failure(failure: ApiFailure, errors: RwSignal<Invalid>, message: RwSignal<Option<String>>) {
    match failure {
        ApiFailure::Refused { fields, .. } if !fields.is_empty() => {
            errors.set(Invalid { errors: fields });
            message.set(Some(fr::FORM_HAS_ERRORS.to_owned()));
        }
        other => message.set(Some(failure_message(&other))),
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    let accounts = LocalResource::new(move || {
        version.track();
        let api = state.api();
        let token = token(state);
        async move { api.get::<Vec<Account>>(&token, "/admin/accounts").await }
    });
    let created = RwSignal::new(None::<TemporaryPassword>);
    view! {
        <AdminShell current="/admin">
            <NewAccount created version />
            {move || created.get().map(|t| view! { <TemporaryPasswordBox temporary=t /> })}
            <section aria-label=fr::ADMIN_ACCOUNTS>
                <h2>{fr::ADMIN_ACCOUNTS}</h2>
                {move || accounts.get().map(|loaded| match loaded {
                    Err(failure) => view! { <p class="form-error" role="alert">{failure_message(&failure)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="accounts">
                            {list.into_iter().map(|account| view! { <AccountItem account version /> }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </section>
        </AdminShell>
    }
}

/// The temporary password of an account, shown once.
#[component]
fn TemporaryPasswordBox(temporary: TemporaryPassword) -> impl IntoView {
    view! {
        <div class="notice temporary" role="status">
            <p>{fr::temporary_password_for(&temporary.account.display_name, &temporary.account.username)}</p>
            <p><code class="password" data-testid="temporary-password">{temporary.password}</code></p>
            <p class="muted">{fr::TEMPORARY_PASSWORD_HELP}</p>
        </div>
    }
}

#[component]
fn NewAccount(
    created: RwSignal<Option<TemporaryPassword>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = FormState::new(None);
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match form.read() {
            Ok(body) => body,
            Err(invalid) => return errors.set(invalid),
        };
        errors.set(Invalid::default());
        message.set(None);
        spawn_local(async move {
            let answer = state
                .api()
                .send_json::<_, TemporaryPassword>(
                    Method::POST,
                    &token(state),
                    "/admin/accounts",
                    &body,
                )
                .await;
            match answer {
                Ok(temporary) => {
                    created.set(Some(temporary));
                    form.username.set(String::new());
                    form.display_name.set(String::new());
                    form.target.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(failure) => show_failure(failure, errors, message),
            }
        });
    };
    view! {
        <details class="card new-account">
            <summary>{fr::NEW_ACCOUNT}</summary>
            <form autocomplete="off" on:submit=submit novalidate>
                <AccountFields form errors prefix="new".into() />
                <p role="alert" class="form-error">{move || message.get()}</p>
                <button type="submit">{fr::CREATE_ACCOUNT}</button>
            </form>
        </details>
    }
}

/// One account with its actions and devices.
#[component]
fn AccountItem(account: Account, version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = account.id;
    let message = RwSignal::new(None::<String>);
    let temporary = RwSignal::new(None::<TemporaryPassword>);
    let editing = RwSignal::new(false);
    let action = move |path: String, confirm: Option<&'static str>, shows_password: bool| {
        if let Some(question) = confirm {
            let yes = web_sys::window()
                .and_then(|w| w.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !yes {
                return;
            }
        }
        spawn_local(async move {
            let api = state.api();
            let token = token(state);
            let answer = if shows_password {
                api.send_json::<_, TemporaryPassword>(Method::POST, &token, &path, &())
                    .await
                    .map(|t| temporary.set(Some(t)))
            } else {
                api.send_json::<_, Account>(Method::POST, &token, &path, &())
                    .await
                    .map(drop)
            };
            match answer {
                Ok(()) => {
                    message.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => message.set(Some(failure_message(&failure))),
            }
        });
    };
    let role = match (account.role, account.scheme) {
        (Role::Referent, Some(scheme)) => {
            format!("{} {}", account.role.label_fr(), scheme.short_name())
        }
        (Role::Supervisor, _) => format!(
            "{} ({})",
            account.role.label_fr(),
            account
                .supervised
                .iter()
                .map(|s| s.short_name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (role, _) => role.label_fr().to_owned(),
    };
    let state_label = if !account.active {
        fr::DEACTIVATED
    } else if account.must_change_password {
        fr::TEMPORARY
    } else {
        fr::ACTIVE_ACCOUNT
    };
    let active = account.active;
    // One's own password changes in « Mon compte ».
    let own = state
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.user.id == id));
    let devices = account.devices.clone();
    let followed = (account.role == Role::Referent)
        .then(|| fr::followed(account.followed, account.portfolio_target));
    let form = FormState::new(Some(&account));
    let errors = RwSignal::new(Invalid::default());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match form.read() {
            Ok(body) => body,
            Err(invalid) => return errors.set(invalid),
        };
        spawn_local(async move {
            let answer = state
                .api()
                .send_json::<_, Account>(
                    Method::PUT,
                    &token(state),
                    &format!("/admin/accounts/{id}"),
                    &body,
                )
                .await;
            match answer {
                Ok(_) => {
                    editing.set(false);
                    version.update(|v| *v += 1);
                }
                Err(failure) => show_failure(failure, errors, message),
            }
        });
    };
    view! {
        <li class="account card" data-login=account.username.clone()>
            <p>
                <strong>{account.display_name.clone()}</strong>
                " · " <code>{account.username.clone()}</code>
                " · " {role}
                " " <span class=if active { "badge" } else { "badge rejected" }>{state_label}</span>
            </p>
            <p class="muted">
                {followed.map(|f| format!("{f} · "))}
                {account.last_sign_in.map_or_else(|| fr::NEVER_SIGNED_IN.to_owned(), |at| fr::last_sign_in(&format_moment(at)))}
            </p>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| editing.update(|e| *e = !*e)>{fr::EDIT}</button>
                {(active && !own).then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| action(format!("/admin/accounts/{id}/password"), Some(fr::CONFIRM_RESET_PASSWORD), true)>
                        {fr::RESET_PASSWORD}
                    </button>
                })}
                {active.then(|| view! {
                    <button type="button" class="secondary danger" on:click=move |_| action(format!("/admin/accounts/{id}/deactivate"), Some(fr::CONFIRM_DEACTIVATE), false)>
                        {fr::DEACTIVATE}
                    </button>
                })}
                {(!active).then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| action(format!("/admin/accounts/{id}/reactivate"), None, false)>
                        {fr::REACTIVATE}
                    </button>
                })}
            </div>
            <p role="alert" class="form-error">{move || message.get()}</p>
            {move || temporary.get().map(|t| view! { <TemporaryPasswordBox temporary=t /> })}
            <Show when=move || editing.get()>
                <form autocomplete="off" class="edit-account" on:submit=save novalidate>
                    <AccountFields form errors prefix=format!("edit-{id}") />
                    <button type="submit">{fr::SAVE}</button>
                </form>
            </Show>
            {(!devices.is_empty()).then(|| view! { <DeviceList account=id devices=devices.clone() version message /> })}
        </li>
    }
}

/// The devices of an account, each revocable.
#[component]
fn DeviceList(
    account: Uuid,
    devices: Vec<Device>,
    version: RwSignal<u32>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <table class="devices">
            <caption>{fr::DEVICES}</caption>
            <thead>
                <tr><th>{fr::DEVICE}</th><th>{fr::FIRST_SEEN}</th><th>{fr::LAST_SEEN}</th><th>{fr::APP_VERSION}</th><th>{fr::WAITING}</th><th>{fr::STATE}</th><th></th></tr>
            </thead>
            <tbody>
                {devices.into_iter().map(|device| {
                    let id = device.id;
                    let revoke = move |_| {
                        let yes = web_sys::window()
                            .and_then(|w| w.confirm_with_message(fr::CONFIRM_REVOKE).ok())
                            .unwrap_or(false);
                        if !yes {
                            return;
                        }
                        spawn_local(async move {
                            let path = format!("/admin/accounts/{account}/devices/{id}/revoke");
                            match state.api().send_json::<_, Account>(Method::POST, &token(state), &path, &()).await {
                                Ok(_) => version.update(|v| *v += 1),
                                Err(failure) => message.set(Some(failure_message(&failure))),
                            }
                        });
                    };
                    let may_revoke = matches!(device.state, DeviceState::Active | DeviceState::Wipe);
                    view! {
                        <tr data-device=id.to_string()>
                            <td><code>{id.to_string()[..8].to_owned()}</code></td>
                            <td>{format_moment(device.first_seen)}</td>
                            <td>{format_moment(device.last_seen)}</td>
                            <td>{device.app_version.clone()}</td>
                            <td>{device.waiting}</td>
                            <td>{device.state.label_fr()}{device.state_changed_at.map(|at| format!(" ({})", format_moment(at)))}</td>
                            <td>{may_revoke.then(|| view! { <button type="button" class="secondary danger" on:click=revoke>{fr::REVOKE}</button> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
