//! A person's journal: dated notes by their author, newest first. Append-only: "Modifier"
//! writes a new version, and the earlier one stays on the server.

use std::collections::HashMap;

use jalon_domain::FieldError;
use jalon_domain::Invalid;
use jalon_domain::notes::{Note, check_note, current_versions};
use jalon_domain::text::{format_date_fr, format_iso_date, parse_iso_date};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::clock::today;
use crate::components::{ReadFailed, TextField};
use crate::i18n::fr;
use crate::state::AppState;

/// Checks and queues a note written by the signed-in user; returns the errors to show.
fn save(
    state: AppState,
    note: Note,
    previous: Option<Note>,
    done: impl FnOnce() + 'static,
) -> Invalid {
    let Some(session) = state.session.get_untracked() else {
        return Invalid::default();
    };
    let note = Note {
        author_id: session.user.id,
        ..note
    };
    let note = match check_note(note, previous.as_ref(), &session.user, today()) {
        Ok(note) => note,
        Err(invalid) => return invalid,
    };
    spawn_local(async move {
        if state.saved(state.store().add_note(note).await) {
            done();
        }
    });
    Invalid::default()
}

#[component]
pub fn Journal(person_id: Uuid, staff: HashMap<Uuid, String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notes = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move { store.notes_of(person_id).await }
    });
    let failed = Signal::derive(move || notes.get().and_then(|r| r.err()).map(|e| e.to_string()));
    let shown = move || -> Vec<(Note, bool, bool)> {
        let all = notes.get().and_then(Result::ok).unwrap_or_default();
        let versions: Vec<Note> = all.iter().map(|(n, _)| n.clone()).collect();
        current_versions(&versions)
            .into_iter()
            .map(|n| {
                let pending = all.iter().any(|(m, p)| m.id == n.id && *p);
                (n.clone(), pending, n.replaces.is_some())
            })
            .collect()
    };

    let text = RwSignal::new(String::new());
    let date = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(day) = parse_iso_date(&date.get_untracked()) else {
            let mut invalid = Invalid::default();
            invalid.push(FieldError::new(
                "note_date",
                "invalid_date",
                fr::INVALID_DATE,
            ));
            errors.set(invalid);
            return;
        };
        let note = Note {
            id: Uuid::new_v4(),
            person_id,
            author_id: Uuid::nil(),
            date: day,
            text: text.get_untracked(),
            replaces: None,
        };
        errors.set(save(state, note, None, move || text.set(String::new())));
    };
    let text_error = move || errors.with(|e| e.message_for("note_text").map(str::to_owned));

    view! {
        <section id="journal" class="journal" aria-label=fr::JOURNAL>
            <h2>{fr::JOURNAL}</h2>
            <ReadFailed error=failed />
            <form autocomplete="off" class="note-form" on:submit=add novalidate>
                <label for="note_text">{fr::NEW_NOTE}</label>
                <textarea autocomplete="off"
                    id="note_text"
                    rows="4"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    aria-describedby="note_text-error"
                ></textarea>
                <p class="field-error" aria-live="polite" id="note_text-error">{text_error}</p>
                <TextField id="note_date" label=fr::NOTE_DATE value=date errors kind="date" />
                <button type="submit">{fr::ADD_NOTE}</button>
            </form>
            <Show when=move || shown().is_empty()>
                <p class="empty">{fr::NO_NOTES}</p>
            </Show>
            <ul class="notes">
                <For
                    each=shown
                    key=|(n, pending, _)| (n.id, *pending)
                    children=move |(note, pending, revised)| {
                        view! { <NoteItem note pending revised staff=staff.clone() /> }
                    }
                />
            </ul>
        </section>
    }
}

/// One note; its author may write a new version of it.
#[component]
fn NoteItem(
    note: Note,
    pending: bool,
    revised: bool,
    staff: HashMap<Uuid, String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(note.text.clone());
    let errors = RwSignal::new(Invalid::default());
    let mine = state
        .session
        .get_untracked()
        .is_some_and(|s| s.user.id == note.author_id);
    let author = staff.get(&note.author_id).cloned().unwrap_or_default();
    let heading = fr::note_by(&format_date_fr(note.date), &author);
    let previous = note.clone();
    let save_version = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let version = Note {
            id: Uuid::new_v4(),
            text: draft.get_untracked(),
            replaces: Some(previous.id),
            ..previous.clone()
        };
        errors.set(save(state, version, Some(previous.clone()), move || {
            editing.set(false)
        }));
    };
    let edit_id = format!("note-{}", note.id);
    view! {
        <li class="note">
            <p class="note-meta">
                {heading}
                {revised.then(|| view! { <span class="tag">{fr::REVISED}</span> })}
                {pending.then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })}
            </p>
            <Show
                when=move || editing.get()
                fallback={
                    let text = note.text.clone();
                    move || view! { <p class="note-text">{text.clone()}</p> }
                }
            >
                <form autocomplete="off" on:submit=save_version.clone() novalidate>
                    <label for=edit_id.clone()>{fr::EDIT_NOTE}</label>
                    <textarea autocomplete="off"
                        id=edit_id.clone()
                        rows="4"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        aria-describedby=format!("{edit_id}-error")
                    ></textarea>
                    <p class="field-error" aria-live="polite" id=format!("{edit_id}-error")>{move || errors.with(|e| e.message_for("note_text").map(str::to_owned))}</p>
                    <button type="submit">{fr::SAVE_NEW_VERSION}</button>
                </form>
            </Show>
            <Show when=move || mine && !pending && !editing.get()>
                <button type="button" class="secondary" on:click=move |_| editing.set(true)>
                    {fr::EDIT_NOTE}
                </button>
            </Show>
        </li>
    }
}
