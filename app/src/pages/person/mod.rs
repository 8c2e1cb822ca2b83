//! `/personne/:id`: a person's file. It opens on a summary; each part is a module of its own
//! (identity, conflicts, enrolments, the follow-up parts, journal). The file reads only this
//! person's records (`Store::person_as_shown`, `…_of`: the store's `by_person` indexes).

use std::collections::HashMap;

use jalon_domain::auth::Role;
use jalon_domain::caseload::{Alert, alerts};
use jalon_domain::followup::{Appointment, Item, next_appointment};
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, in_caseload};
use jalon_domain::schemes::Scheme;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::clock::today;
use crate::components::TopBar;
use crate::i18n::fr;
use crate::refusals::Refusals;
use crate::state::AppState;
use crate::store::StoreError;

mod appointments;
mod conflicts;
mod contracts;
mod enrolments;
mod follow_up;
mod identity;
mod journal;
mod obstacles;
mod orders;
mod referrals;
mod steps;
mod summary;

use conflicts::ConflictCard;
use enrolments::{EnrolmentItem, NewEnrolmentForm};
use follow_up::FollowUp;
use identity::IdentityForm;
use journal::Journal;
use summary::Summary;

/// Reads `f` without subscribing the caller to what it reads.
pub(crate) fn untracked<T>(f: impl Fn() -> T) -> T {
    leptos::prelude::untrack(f)
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
            let Some(person) = store.person_as_shown(id).await? else {
                return Ok(None);
            };
            let pending = store.pending_people().await?.contains(&id);
            let mut conflicts: Vec<Conflict> = store
                .conflicts_of(id)
                .await?
                .into_iter()
                .filter(|c| c.is_open())
                .collect();
            conflicts.sort_by_key(|c| c.field);
            let enrolments = store.enrolments_of(id).await?;
            let items: Vec<Item> = store
                .items_of(id)
                .await?
                .into_iter()
                .map(|(i, _)| i)
                .collect();
            let notes: Vec<Note> = store
                .notes_of(id)
                .await?
                .into_iter()
                .filter(|(_, waiting)| !waiting)
                .map(|(n, _)| n)
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
            let at = crate::clock::now_unix();
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
    // The person a re-entry was just saved for: its confirmation outlives the form, which
    // goes as soon as the new enrolment shows.
    let enrolled = RwSignal::new(None::<Uuid>);
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
                                untracked(file).map(|f| view! { <NewEnrolmentForm person=f.person enrolments enrolled /> })
                            })
                        }}
                        {move || (enrolled.get().is_some() && enrolled.get() == person_id())
                            .then(|| view! { <p role="status">{fr::ENROLMENT_SAVED}</p> })}
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
