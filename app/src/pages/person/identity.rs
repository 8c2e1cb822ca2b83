//! The identity part of a person's file: the fields, editable offline, merged field by field
//! by the server.

use jalon_domain::Invalid;
use jalon_domain::merge::diff;
use jalon_domain::people::{Person, check_person_update};
use jalon_domain::schemes::Scheme;
use jalon_domain::text::format_iso_date;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::clock::today;
use crate::components::{CommuneSelect, TextField};
use crate::forms::{BirthNameAndSex, CheckField, DetailsFields, DetailsForm, required_date};
use crate::i18n::fr;
use crate::state::AppState;

/// The identity fields, editable offline. Saving queues the changed fields, each with the
/// value it had when the form opened (the base the server merges against).
#[component]
pub(super) fn IdentityForm(
    /// The person as shown when the form opened: the base of the fields' merge.
    person: Person,
    /// The person as shown now (a sync may have changed them since the form opened).
    current: Signal<Option<Person>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let base = RwSignal::new(person.clone());
    let last_name = RwSignal::new(person.last_name.clone());
    let first_name = RwSignal::new(person.first_name.clone());
    let birth_date = RwSignal::new(format_iso_date(person.birth_date));
    let commune_code = RwSignal::new(person.commune_code.clone());
    let rsa = RwSignal::new(person.rsa_beneficiary);
    let details = DetailsForm::new(&person.details);
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);
    // Someone else's change (or a conflict's outcome) reached the device after the form opened:
    // the form never overwrites typing, but offers to reload the values.
    let changed_elsewhere = move || current.get().is_some_and(|now| now != base.get());
    let reload = move |_| {
        let Some(now) = current.get_untracked() else {
            return;
        };
        last_name.set(now.last_name.clone());
        first_name.set(now.first_name.clone());
        birth_date.set(format_iso_date(now.birth_date));
        commune_code.set(now.commune_code.clone());
        rsa.set(now.rsa_beneficiary);
        details.set(&now.details);
        errors.set(Invalid::default());
        message.set(None);
        base.set(now);
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = base.get_untracked();
        let mut invalid = Invalid::default();
        let birth = required_date("birth_date", &birth_date.get_untracked(), &mut invalid);
        let typed_details = details.read(&mut invalid);
        let Some(birth) = birth.filter(|_| invalid.is_empty()) else {
            errors.set(invalid);
            message.set(Some(fr::FORM_HAS_ERRORS.to_owned()));
            return;
        };
        let after = Person {
            last_name: last_name.get_untracked(),
            first_name: first_name.get_untracked(),
            birth_date: birth,
            commune_code: commune_code.get_untracked(),
            rsa_beneficiary: rsa.get_untracked(),
            details: typed_details,
            ..before.clone()
        };
        let schemes = state
            .reference
            .get_untracked()
            .map(|r| r.schemes)
            .unwrap_or_else(Scheme::haute_vienne_defaults);
        let store = state.store();
        spawn_local(async move {
            // The rules need the person's enrolments: unread, nothing is saved (the form keeps
            // what was typed).
            let enrolments = match store.enrolments_of(before.id).await {
                Ok(enrolments) => enrolments,
                Err(e) => {
                    message.set(Some(format!("{} : {e}", fr::READ_FAILED)));
                    return;
                }
            };
            let after = match check_person_update(after, &enrolments, &schemes, today()) {
                Ok(after) => after,
                Err(invalid) => {
                    errors.set(invalid);
                    message.set(Some(fr::FORM_HAS_ERRORS.to_owned()));
                    return;
                }
            };
            errors.set(Invalid::default());
            let edit = diff(&before, &after);
            if edit.changes.is_empty() {
                message.set(Some(fr::NO_CHANGES.to_owned()));
                return;
            }
            match store.edit_person(edit).await {
                Ok(_) => {
                    base.set(after);
                    message.set(Some(fr::CHANGES_SAVED.to_owned()));
                    state.data_changed();
                    state.request_sync();
                }
                Err(e) => message.set(Some(format!("{} : {e}", fr::SAVE_FAILED))),
            }
        });
    };

    view! {
        <section id="fiche" aria-label=fr::IDENTITY>
            <h2>{fr::IDENTITY}</h2>
            <Show when=changed_elsewhere>
                <div class="duplicate" role="status">
                    <p>{fr::CHANGED_ELSEWHERE}</p>
                    <button type="button" class="secondary" on:click=reload>
                        {fr::RELOAD_FILE}
                    </button>
                </div>
            </Show>
            <form autocomplete="off" class="person-form-fields" on:submit=submit novalidate>
                <TextField id="last_name" label=fr::LAST_NAME value=last_name errors />
                <BirthNameAndSex form=details errors />
                <TextField id="first_name" label=fr::FIRST_NAME value=first_name errors />
                <TextField id="birth_date" label=fr::BIRTH_DATE value=birth_date errors kind="date" />
                <CommuneSelect value=commune_code errors />
                <CheckField id="rsa_beneficiary" label=fr::RSA_BENEFICIARY value=rsa />
                <DetailsFields form=details errors />
                {move || message.get().map(|m| view! { <p class="form-message" role="status">{m}</p> })}
                <div class="actions">
                    <button type="submit">{fr::SAVE_CHANGES}</button>
                </div>
            </form>
        </section>
    }
}
