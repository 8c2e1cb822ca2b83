//! `/personne/:id`: a person's file — identity (editable offline), enrolments, and the
//! conflicts on their record with both values and a one-click resolution.

use std::collections::HashMap;

use jalon_domain::Invalid;
use jalon_domain::auth::Role;
use jalon_domain::caseload::{Alert, alerts};
use jalon_domain::followup::{Appointment, Item, next_appointment};
use jalon_domain::merge::{Conflict, FieldValue, diff};
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, check_person_update, in_caseload};
use jalon_domain::schemes::Scheme;
use jalon_domain::text::format_iso_date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::components::{CommuneSelect, TextField, TopBar, format_moment};
use crate::forms::{BirthNameAndSex, CheckField, DetailsFields, DetailsForm, required_date};
use crate::i18n::fr;
use crate::pages::enrolments::{EnrolmentItem, NewEnrolmentForm};
use crate::pages::follow_up::FollowUp;
use crate::pages::journal::Journal;
use crate::pages::new_person::today;
use crate::pages::summary::Summary;
use crate::refusals::Refusals;
use crate::state::AppState;
use crate::store::StoreError;

/// Reads `f` without subscribing the caller to what it reads.
pub(crate) fn untracked<T>(f: impl Fn() -> T) -> T {
    leptos::prelude::untrack(f)
}

/// How a value is shown: communes by name.
fn show(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(code) if code.len() == 5 && code.starts_with("87") => {
            jalon_domain::communes::by_code(code)
                .map_or_else(|| code.clone(), |c| c.name.to_owned())
        }
        other => other.display_fr(),
    }
}

#[derive(Clone, PartialEq)]
struct FileData {
    person: Person,
    pending: bool,
    conflicts: Vec<Conflict>,
    enrolments: Vec<Enrolment>,
    alerts: Vec<Alert>,
    next: Option<Appointment>,
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let params = use_params_map();
    let person_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    };
    let staff = move || -> HashMap<Uuid, String> {
        state
            .reference
            .get()
            .map(|r| {
                r.staff
                    .into_iter()
                    .map(|s| (s.id, s.display_name))
                    .collect()
            })
            .unwrap_or_default()
    };

    // Reloads whenever local data changes (a sync, a save).
    let data = LocalResource::new(move || {
        state.data_version.track();
        let (id, store) = (person_id(), state.store());
        let schemes = state
            .reference
            .get()
            .map(|r| r.schemes)
            .unwrap_or_else(Scheme::haute_vienne_defaults);
        // A storage error shows as such, never as a person not found.
        async move {
            let Some(id) = id else { return Ok(None) };
            let Some(person) = store
                .people_as_shown()
                .await?
                .into_iter()
                .find(|p| p.id == id)
            else {
                return Ok(None);
            };
            let pending = store.pending_people().await?.contains(&id);
            let mut conflicts: Vec<Conflict> = store
                .conflicts()
                .await?
                .into_iter()
                .filter(|c| c.person_id == id && c.is_open())
                .collect();
            conflicts.sort_by_key(|c| c.field);
            let enrolments: Vec<Enrolment> = store
                .enrolments()
                .await?
                .into_iter()
                .filter(|e| e.person_id == id)
                .collect();
            let items: Vec<Item> = store
                .items_as_shown()
                .await?
                .into_iter()
                .map(|(i, _)| i)
                .filter(|i| i.person_id == id)
                .collect();
            let notes: Vec<Note> = store
                .notes()
                .await?
                .into_iter()
                .filter(|n| n.person_id == id)
                .collect();
            let alerts = alerts(
                &person,
                &enrolments.iter().collect::<Vec<_>>(),
                &items.iter().collect::<Vec<_>>(),
                &notes.iter().collect::<Vec<_>>(),
                &schemes,
                today(),
            );
            let next = next_appointment(&items, today()).cloned();
            Ok::<_, StoreError>(Some(FileData {
                person,
                pending,
                conflicts,
                enrolments,
                alerts,
                next,
            }))
        }
    });

    // Every opening of a file is recorded for the audit log, offline too.
    Effect::new(move |_| {
        if let Some(id) = person_id() {
            let store = state.store();
            let at = (js_sys::Date::now() / 1000.0) as i64;
            spawn_local(async move {
                let _ = store.record_consultation(id, at).await;
            });
        }
    });

    // This person's refused changes, whether or not the person is still on the device.
    let refusals = LocalResource::new(move || {
        state.data_version.track();
        let (id, store) = (person_id(), state.store());
        async move {
            let id = id?;
            let all = store.rejections().await.ok()?;
            Some(
                all.into_iter()
                    .filter(|r| r.person_id == id)
                    .collect::<Vec<_>>(),
            )
        }
    });

    // Parts that hold no state of their own are redrawn on every reload; the conflicts and the
    // enrolments are keyed, so that a background sync never resets a choice being made.
    let file = move || data.get().and_then(Result::ok).flatten();
    // Forms only for a person of the user's caseload (one handed over or closed elsewhere stays
    // on the device until the next sync, read-only).
    let writable = Memo::new(move |_| {
        let user = state.session.get().map(|s| s.user);
        file()
            .zip(user)
            .is_some_and(|(f, u)| in_caseload(&u, &f.enrolments, today()))
    });
    let header = move || {
        data.get().map(|loaded| match loaded {
            Err(e) => view! { <p class="form-error" role="alert">{format!("{} : {e}", fr::READ_FAILED)}</p> }
                .into_any(),
            Ok(None) => view! { <p class="empty">{fr::PERSON_NOT_FOUND}</p> }.into_any(),
            Ok(Some(file)) => view! {
                <div class="title-row">
                    <h1>{file.person.display_name()}</h1>
                    {file.pending.then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })}
                </div>
                <p class="alerts">
                    {file.alerts.iter().map(|a| view! { <span class="badge alert" data-alert=a.code()>{a.label_fr()}</span> }).collect_view()}
                </p>
                {(!writable.get_untracked()).then(|| view! { <p class="notice" role="status">{fr::NOT_IN_CASELOAD}</p> })}
                <Summary person=file.person next=file.next enrolments=file.enrolments staff=untracked(staff) />
            }
            .into_any(),
        })
    };
    let refused = move || {
        let list = refusals.get().flatten().filter(|l| !l.is_empty())?;
        let on_device = file().map(|f| f.person.id).into_iter().collect();
        Some(view! {
            <section class="refused" aria-label=fr::REFUSED_CHANGES>
                <h2>{fr::REFUSED_CHANGES}</h2>
                <Refusals rejections=list on_device />
            </section>
        })
    };
    let conflicts = move || file().map(|f| f.conflicts).unwrap_or_default();
    let enrolments = move || file().map(|f| f.enrolments).unwrap_or_default();

    // The form is built once per person, from the values shown when it opened: a sync in the
    // background never overwrites what is being typed.
    // It waits for the person to reach the device (a link opened during the first sync), then
    // keeps that first state for as long as the page shows this person.
    let first_seen = RwSignal::new(None::<Person>);
    Effect::new(move |_| {
        let id = person_id();
        if let Some(f) = file().filter(|f| Some(f.person.id) == id)
            && first_seen.with_untracked(|p| p.as_ref().map(|p| p.id) != id)
        {
            first_seen.set(Some(f.person));
        }
    });
    let form_base = Memo::new(move |_| {
        let id = person_id();
        first_seen.get().filter(|p| Some(p.id) == id)
    });

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="person-file">
                <p><A href="/">{fr::BACK_TO_LIST}</A></p>
                {header}
                {move || {
                    let supervisor = state.session.get().is_some_and(|s| s.user.role == Role::Supervisor);
                    (supervisor && file().is_some()).then(|| {
                        person_id().map(|id| view! {
                            <p><A href=format!("/personne/{id}/dossier")>{fr::ACCESS_REPORT_LINK}</A></p>
                        })
                    })
                }}
                {refused}
                <Show when=move || writable.get()>
                    <nav class="sections" aria-label=fr::SECTIONS>
                        <a href="#rendez-vous">{fr::APPOINTMENTS}</a>
                        <a href="#etapes">{fr::STEPS}</a>
                        <a href="#contrats">{fr::CONTRACTS}</a>
                        <a href="#freins">{fr::OBSTACLES}</a>
                        <a href="#commandes">{fr::ORDERS}</a>
                        <a href="#partenaires">{fr::REFERRALS}</a>
                        <a href="#journal">{fr::JOURNAL}</a>
                        <a href="#fiche">{fr::IDENTITY}</a>
                    </nav>
                </Show>
                <Show when=move || !conflicts().is_empty()>
                    <section class="conflicts" aria-label=fr::CONFLICTS>
                        <h2>{fr::CONFLICTS}</h2>
                        <For
                            each=conflicts
                            key=|c| c.id
                            children=move |c: Conflict| view! { <ConflictCard conflict=c staff=staff() /> }
                        />
                    </section>
                </Show>
                <Show when=move || file().is_some()>
                    <section aria-label=fr::ENROLMENTS>
                        <h2>{fr::ENROLMENTS}</h2>
                        <ul class="enrolments">
                            <For
                                each=enrolments
                                key=|e| (e.id, e.referent_id, e.status, e.orientation.clone(), e.fse_six_months)
                                children=move |e: Enrolment| view! { <EnrolmentItem enrolment=e staff=staff() writable /> }
                            />
                        </ul>
                        // A supervisor enrols a person who left (a re-entry); built once per
                        // person so that a sync does not reset the choices.
                        {move || {
                            let may = writable.get() && state.session.get().is_some_and(|s| s.user.role == Role::Supervisor);
                            let none_active = !enrolments().iter().any(|e| e.status == EnrolmentStatus::Active);
                            (may && none_active).then(|| {
                                untracked(file).map(|f| view! { <NewEnrolmentForm person=f.person enrolments /> })
                            })
                        }}
                    </section>
                </Show>
                <Show when=move || writable.get()>
                    {move || person_id().map(|id| view! { <FollowUp person_id=id enrolments=Signal::derive(enrolments) /> })}
                    // Built once per person: a background sync never clears a note being written.
                    {move || person_id().map(|id| view! { <Journal person_id=id staff=untracked(staff) /> })}
                    {move || form_base.get().map(|person| {
                        let current = Signal::derive(move || file().map(|f| f.person));
                        view! { <IdentityForm person current /> }
                    })}
                    {move || person_id().map(|id| view! { <DeleteButton person_id=id /> })}
                </Show>
            </main>
        </Show>
    }
}

/// Deletes a file created by mistake, after confirmation (the server refuses if the file
/// changed meanwhile: an edit is never lost to a deletion).
#[component]
fn DeleteButton(person_id: Uuid) -> impl IntoView {
    let state = expect_context::<AppState>();
    let navigate = leptos_router::hooks::use_navigate();
    let delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(fr::CONFIRM_DELETE).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            if state.saved(state.store().delete_person(person_id).await) {
                navigate("/", Default::default());
            }
        });
    };
    view! {
        <p class="danger-zone">
            <button type="button" class="secondary" on:click=delete>
                {fr::DELETE_PERSON}
            </button>
        </p>
    }
}

/// One open conflict: both values, who typed them and when, and a button to keep each.
#[component]
fn ConflictCard(conflict: Conflict, staff: HashMap<Uuid, String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let done = RwSignal::new(false);
    let field = conflict.field.label_fr();
    let candidates = conflict.candidates.clone();
    view! {
        <article class="conflict" data-field=conflict.field.as_str()>
            <h3>{fr::conflict_on(field)}</h3>
            <p>{format!("{} : {}", fr::CURRENT_VALUE, show(&conflict.result))}</p>
            <ul>
                {candidates
                    .into_iter()
                    .map(|candidate| {
                        let author = staff.get(&candidate.author_id).cloned().unwrap_or_default();
                        let shown = show(&candidate.value);
                        let keep_label = fr::keep(&shown);
                        let conflict = conflict.clone();
                        let keep = move |_| {
                            let (conflict, value) = (conflict.clone(), candidate.value.clone());
                            spawn_local(async move {
                                if state.saved(state.store().resolve_conflict(&conflict, value).await) {
                                    done.set(true);
                                }
                            });
                        };
                        view! {
                            <li>
                                <span>{fr::entered_by(&shown, &author, &format_moment(candidate.at))}</span>
                                <button type="button" class="secondary" on:click=keep disabled=move || done.get()>
                                    {keep_label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {move || done.get().then(|| view! { <p role="status">{fr::CONFLICT_CHOICE_SAVED}</p> })}
        </article>
    }
}

/// The identity fields, editable offline. Saving queues the changed fields, each with the
/// value it had when the form opened (the base the server merges against).
#[component]
fn IdentityForm(
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
            let enrolments = store.enrolments().await.unwrap_or_default();
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
