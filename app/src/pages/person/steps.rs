//! The steps of a person's file: training, jobs, workshops… planned, begun and ended.

use jalon_domain::Invalid;
use jalon_domain::followup::{Item, ItemBody, Step, StepKind, StepStatus};
use jalon_domain::people::Enrolment;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use uuid::Uuid;

use crate::clock::today;
use crate::forms::{InputField, SelectField, optional_date, options};
use crate::i18n::fr;
use crate::state::AppState;

use super::follow_up::{Shown, pending_badge, save, waits};

#[component]
pub(super) fn Steps(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let steps = move || {
        let mut found: Vec<(Item, Step, bool)> = items
            .get()
            .into_iter()
            .filter_map(|(i, p)| match &i.body {
                ItemBody::Step(s) => Some((i.clone(), s.clone(), p)),
                _ => None,
            })
            .collect();
        found.sort_by_key(|(_, s, _)| std::cmp::Reverse(s.planned_start));
        found
    };
    let kind = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let planned_start = RwSignal::new(format_iso_date(today()));
    let planned_end = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let start = optional_date(
            "step_planned_start",
            &planned_start.get_untracked(),
            &mut invalid,
        );
        let end = optional_date(
            "step_planned_end",
            &planned_end.get_untracked(),
            &mut invalid,
        );
        let Some(kind) = StepKind::parse(&kind.get_untracked()) else {
            invalid.push(jalon_domain::FieldError::new(
                "step_kind",
                "required",
                fr::CHOOSE_KIND,
            ));
            errors.set(invalid);
            return;
        };
        if !invalid.is_empty() {
            errors.set(invalid);
            return;
        }
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Step(Step {
                kind,
                provider: provider.get_untracked(),
                planned_start: start,
                planned_end: end,
                actual_start: None,
                actual_end: None,
                status: StepStatus::Planned,
            }),
        };
        errors.set(save(
            state,
            item,
            None,
            &enrolments.get_untracked(),
            move || {
                provider.set(String::new());
            },
        ));
    };
    let item_error = move || errors.with(|e| e.message_for("item").map(str::to_owned));
    view! {
        <section id="etapes" class="steps" aria-label=fr::STEPS>
            <h2>{fr::STEPS}</h2>
            <details>
                <summary>{fr::NEW_STEP}</summary>
                <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                    <SelectField
                        id="step_kind".into()
                        label=fr::STEP_KIND
                        options=options(StepKind::ALL, StepKind::as_str, StepKind::label_fr)
                        value=kind
                        errors
                    />
                    <InputField id="step_provider".into() field="step_provider" label=fr::PROVIDER value=provider errors />
                    <InputField id="step_planned_start".into() field="step_planned_start" label=fr::PLANNED_START value=planned_start errors kind="date" />
                    <InputField id="step_planned_end".into() field="step_planned_end" label=fr::PLANNED_END value=planned_end errors kind="date" />
                    {move || item_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <button type="submit">{fr::ADD_STEP}</button>
                </form>
            </details>
            <Show when=move || steps().is_empty()>
                <p class="empty">{fr::NO_STEP}</p>
            </Show>
            <ul class="items">
                <For
                    each=steps
                    key=|(i, _, _)| (i.id, i.version)
                    children=move |(item, step, _)| {
                        let pending = waits(items, item.id);
                        view! { <StepRow item step pending enrolments /> }
                    }
                />
            </ul>
        </section>
    }
}

#[component]
fn StepRow(
    item: Item,
    step: Step,
    pending: Signal<bool>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(step.status.as_str().to_owned());
    let iso = |d: Option<time::Date>| d.map(format_iso_date).unwrap_or_default();
    let actual_start = RwSignal::new(iso(step.actual_start));
    let actual_end = RwSignal::new(iso(step.actual_end));
    let errors = RwSignal::new(Invalid::default());
    let dates = |from: Option<time::Date>, to: Option<time::Date>| match (from, to) {
        (Some(f), Some(t)) => format!("{} → {}", format_date_fr(f), format_date_fr(t)),
        (Some(f), None) => format!("{} {}", fr::FROM, format_date_fr(f)),
        _ => String::new(),
    };
    let title = format!(
        "{}{}",
        step.kind.label_fr(),
        if step.provider.is_empty() {
            String::new()
        } else {
            format!(" · {}", step.provider)
        }
    );
    let planned = dates(step.planned_start, step.planned_end);
    let actual = dates(step.actual_start, step.actual_end);
    let id = item.id;
    let current = item.clone();
    let base = step.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let from = optional_date(
            "step_actual_start",
            &actual_start.get_untracked(),
            &mut invalid,
        );
        let to = optional_date("step_actual_end", &actual_end.get_untracked(), &mut invalid);
        let Some(next) = StepStatus::parse(&status.get_untracked()) else {
            return;
        };
        if !invalid.is_empty() {
            errors.set(invalid);
            return;
        }
        let next_state = Item {
            body: ItemBody::Step(Step {
                status: next,
                actual_start: from,
                actual_end: to,
                ..base.clone()
            }),
            ..current.clone()
        };
        errors.set(save(
            state,
            next_state,
            Some(&current),
            &enrolments.get_untracked(),
            || {},
        ));
    };
    view! {
        <li class="item step" data-status=step.status.as_str()>
            <strong class="item-title">{title}</strong>
            <span class="tag">{step.status.label_fr()}</span>
            {pending_badge(pending)}
            {(!planned.is_empty()).then(|| view! { <p>{format!("{} : {planned}", fr::PLANNED)}</p> })}
            {(!actual.is_empty()).then(|| view! { <p>{format!("{} : {actual}", fr::ACTUAL)}</p> })}
            <details>
                <summary>{fr::UPDATE_STEP}</summary>
                <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                    <SelectField
                        id=format!("step-status-{id}")
                        label=fr::STATUS
                        options=options(StepStatus::ALL, StepStatus::as_str, StepStatus::label_fr)
                        value=status
                        errors
                    />
                    <InputField id=format!("step-start-{id}") field="step_actual_start" label=fr::ACTUAL_START value=actual_start errors kind="date" />
                    <InputField id=format!("step-end-{id}") field="step_actual_end" label=fr::ACTUAL_END value=actual_end errors kind="date" />
                    <button type="submit">{fr::SAVE}</button>
                </form>
            </details>
        </li>
    }
}
