//! `/personnes/nouvelle`: a référent enrols a new person, online or not. The rules of the
//! domain run before saving; the record and its outbox entry are stored together, then synced.

use jalon_domain::FieldError;
use jalon_domain::Invalid;
use jalon_domain::auth::Role;
use jalon_domain::followup::duplicate_reason;
use jalon_domain::people::{
    Enrolment, EnrolmentStatus, Person, PersonCreation, check_person_creation,
};
use jalon_domain::schemes::Scheme;
use jalon_domain::text::{format_date_fr, format_iso_date, parse_iso_date};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_navigate;
use time::Date;
use uuid::Uuid;

use crate::clock::today;
use crate::components::{CommuneSelect, TextField, TopBar};
use crate::forms::{BirthNameAndSex, DetailsFields, DetailsForm};
use crate::i18n::fr;
use crate::state::AppState;

#[component]
pub fn NewPersonPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = use_navigate();
    let last_name = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let commune_code = RwSignal::new(String::new());
    let rsa = RwSignal::new(true);
    let details = DetailsForm::new(&Default::default());
    // Possible duplicates found on this device; a second click saves anyway.
    let duplicates = RwSignal::new(Vec::<String>::new());
    let start_date = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let form_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        let user = session.user;
        let Some(scheme) = user.scheme.filter(|_| user.role == Role::Referent) else {
            form_error.set(Some(fr::ONLY_REFERENTS_CREATE.to_owned()));
            return;
        };
        let mut invalid = Invalid::default();
        let birth = parse_iso_date(&birth_date.get_untracked());
        if birth.is_none() {
            invalid.push(FieldError::new(
                "birth_date",
                "invalid_date",
                fr::INVALID_DATE,
            ));
        }
        let start = parse_iso_date(&start_date.get_untracked());
        if start.is_none() {
            invalid.push(FieldError::new(
                "start_date",
                "invalid_date",
                fr::INVALID_DATE,
            ));
        }
        let typed_details = details.read(&mut invalid);
        let person = Person {
            details: typed_details,
            id: Uuid::new_v4(),
            last_name: last_name.get_untracked(),
            first_name: first_name.get_untracked(),
            // Checked again below once the dates parse; Date::MIN never passes the rules.
            birth_date: birth.unwrap_or(Date::MIN),
            commune_code: commune_code.get_untracked(),
            rsa_beneficiary: rsa.get_untracked(),
        };
        let creation = PersonCreation {
            enrolment: Enrolment {
                id: Uuid::new_v4(),
                person_id: person.id,
                scheme,
                referent_id: user.id,
                start_date: start.unwrap_or(Date::MIN),
                status: EnrolmentStatus::Active,
                exit: None,
                fse_entry: None,
                fse_exit: None,
                fse_six_months: None,
                handovers: Vec::new(),
                orientation: None,
            },
            person,
        };
        let schemes = state
            .reference
            .get_untracked()
            .map(|r| r.schemes)
            .unwrap_or_else(Scheme::haute_vienne_defaults);
        let checked = check_person_creation(creation, &user, &schemes, today());
        let creation = match (checked, invalid.is_empty()) {
            (Ok(creation), true) => creation,
            (result, _) => {
                if let Err(rules) = result {
                    for error in rules.errors {
                        // A date that did not parse already has its message.
                        if invalid.message_for(&error.field).is_none() {
                            invalid.push(error);
                        }
                    }
                }
                errors.set(invalid);
                form_error.set(Some(fr::FORM_HAS_ERRORS.to_owned()));
                return;
            }
        };
        errors.set(Invalid::default());
        form_error.set(None);
        saving.set(true);
        let navigate = navigate.clone();
        let warned = !duplicates.get_untracked().is_empty();
        spawn_local(async move {
            let store = state.store();
            if !warned {
                let found: Vec<String> = store
                    .people_as_shown()
                    .await
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|other| {
                        duplicate_reason(&creation.person, other).map(|reason| {
                            format!(
                                "{}, {} ({})",
                                other.display_name(),
                                format_date_fr(other.birth_date),
                                reason.label_fr()
                            )
                        })
                    })
                    .collect();
                if !found.is_empty() {
                    duplicates.set(found);
                    saving.set(false);
                    return;
                }
            }
            let saved = store.create_person(&creation).await;
            saving.set(false);
            match saved {
                Ok(_) => {
                    state.data_changed();
                    state.request_sync();
                    navigate("/", Default::default());
                }
                Err(e) => form_error.set(Some(format!("{} : {e}", fr::SAVE_FAILED))),
            }
        });
    };

    let enrolment_message = move || errors.with(|e| e.message_for("enrolment").map(str::to_owned));

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="person-form">
                <h1>{fr::NEW_PERSON_TITLE}</h1>
                <form autocomplete="off" on:submit=submit.clone() novalidate>
                    <TextField id="last_name" label=fr::LAST_NAME value=last_name errors />
                    <BirthNameAndSex form=details errors />
                    <TextField id="first_name" label=fr::FIRST_NAME value=first_name errors />
                    <TextField id="birth_date" label=fr::BIRTH_DATE value=birth_date errors kind="date" />
                    <CommuneSelect value=commune_code errors />
                    <div class="field checkbox">
                        <input autocomplete="off"
                            id="rsa_beneficiary"
                            type="checkbox"
                            prop:checked=move || rsa.get()
                            on:change=move |ev| rsa.set(event_target_checked(&ev))
                        />
                        <label for="rsa_beneficiary">{fr::RSA_BENEFICIARY}</label>
                    </div>
                    <TextField id="start_date" label=fr::START_DATE value=start_date errors kind="date" />
                    <details class="more-fields">
                        <summary>{fr::MORE_FIELDS}</summary>
                        <DetailsFields form=details errors />
                    </details>
                    {move || {
                        let found = duplicates.get();
                        (!found.is_empty()).then(|| view! {
                            <div class="duplicate" role="alert">
                                <p>{fr::DUPLICATE_AT_CREATION}</p>
                                <ul>{found.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
                                <p>{fr::SAVE_ANYWAY_HINT}</p>
                            </div>
                        })
                    }}
                    {move || enrolment_message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    {move || form_error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <div class="actions">
                        <button type="submit" disabled=move || saving.get()>
                            {move || if duplicates.get().is_empty() { fr::SAVE } else { fr::SAVE_ANYWAY }}
                        </button>
                        <A href="/" attr:class="button secondary">
                            {fr::CANCEL}
                        </A>
                    </div>
                </form>
            </main>
        </Show>
    }
}
