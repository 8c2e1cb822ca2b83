//! The conflicts on a person's record: both values, who typed them and when, and a
//! one-click choice queued like any change.

use std::collections::HashMap;

use jalon_domain::merge::{Conflict, FieldValue};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::clock::format_moment;
use crate::i18n::fr;
use crate::state::AppState;

/// How a value is shown: communes by name.
pub(super) fn show(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(code) if code.len() == 5 && code.starts_with("87") => {
            jalon_domain::communes::by_code(code)
                .map_or_else(|| code.clone(), |c| c.name.to_owned())
        }
        other => other.display_fr(),
    }
}

/// One open conflict: both values, who typed them and when, and a button to keep each.
#[component]
pub(super) fn ConflictCard(conflict: Conflict, staff: HashMap<Uuid, String>) -> impl IntoView {
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
