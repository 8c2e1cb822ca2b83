//! The obstacles of a person's file: one item per theme, identified, being dealt with or lifted.

use jalon_domain::Invalid;
use jalon_domain::followup::{
    Item, ItemBody, Obstacle, ObstacleStatus, ObstacleTheme, obstacle_id,
};
use jalon_domain::people::Enrolment;
use jalon_domain::text::format_iso_date;
use leptos::prelude::*;
use uuid::Uuid;

use crate::clock::today;
use crate::forms::{InputField, SelectField, options, required_date};
use crate::i18n::fr;
use crate::state::AppState;

use super::follow_up::{Shown, pending_badge, save, waits};

#[component]
pub(super) fn Obstacles(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let rows = move || {
        let items = items.get();
        ObstacleTheme::ALL
            .iter()
            .map(|theme| {
                let id = obstacle_id(person_id, *theme);
                let found = items.iter().find(|(i, _)| i.id == id).cloned();
                (*theme, found)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section id="freins" class="obstacles" aria-label=fr::OBSTACLES>
            <h2>{fr::OBSTACLES}</h2>
            <ul class="items">
                <For
                    each=rows
                    key=|(theme, found)| (*theme, found.as_ref().map(|(i, _)| i.version))
                    children=move |(theme, found)| {
                        let pending = match &found {
                            Some((item, _)) => waits(items, item.id),
                            None => Signal::stored(false),
                        };
                        view! { <ObstacleRow person_id theme found pending enrolments /> }
                    }
                />
            </ul>
        </section>
    }
}

#[component]
fn ObstacleRow(
    person_id: Uuid,
    theme: ObstacleTheme,
    found: Option<(Item, bool)>,
    pending: Signal<bool>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let current = found.map(|(item, _)| item);
    let (status, date) = match current.as_ref().map(|i| &i.body) {
        Some(ItemBody::Obstacle(o)) => (o.status.as_str().to_owned(), format_iso_date(o.date)),
        _ => (String::new(), format_iso_date(today())),
    };
    let status = RwSignal::new(status);
    let date = RwSignal::new(date);
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let day = required_date("obstacle_date", &date.get_untracked(), &mut invalid);
        let Some(chosen) = ObstacleStatus::parse(&status.get_untracked()) else {
            return;
        };
        let Some(day) = day else {
            errors.set(invalid);
            return;
        };
        let item = Item {
            id: obstacle_id(person_id, theme),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Obstacle(Obstacle {
                theme,
                status: chosen,
                date: day,
            }),
        };
        errors.set(save(
            state,
            item,
            current.as_ref(),
            &enrolments.get_untracked(),
            move || saved.set(true),
        ));
    };
    let prefix = format!("obstacle-{}", theme.as_str());
    view! {
        <li class="item obstacle" data-theme=theme.as_str()>
            <form autocomplete="off" class="inline" on:submit=submit novalidate>
                <strong class="item-title">{theme.label_fr()}</strong>
                <SelectField
                    id=format!("{prefix}-status")
                    label=fr::STATUS
                    options=options(ObstacleStatus::ALL, ObstacleStatus::as_str, ObstacleStatus::label_fr)
                    value=status
                    errors
                    empty=fr::NO_OBSTACLE
                />
                <InputField id=format!("{prefix}-date") field="obstacle_date" label=fr::SINCE_DATE value=date errors kind="date" />
                <button type="submit" class="secondary" disabled=move || status.get().is_empty()>
                    {fr::SAVE}
                </button>
                {pending_badge(pending)}
                {move || saved.get().then(|| view! { <span role="status">{fr::SAVED}</span> })}
            </form>
        </li>
    }
}
