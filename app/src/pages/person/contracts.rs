//! The contracts of engagement of a person's file: signature, period, objectives and weekly hours.

use jalon_domain::Invalid;
use jalon_domain::followup::{Contract, Item, ItemBody};
use jalon_domain::people::Enrolment;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use uuid::Uuid;

use crate::clock::today;
use crate::forms::{InputField, TextArea, merge_errors, required_date};
use crate::i18n::fr;
use crate::state::AppState;

use super::follow_up::{Shown, active_enrolment, pending_badge, save};

#[component]
pub(super) fn Contracts(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let contracts = move || {
        let mut found: Vec<(Contract, bool)> = items
            .get()
            .into_iter()
            .filter_map(|(i, p)| match i.body {
                ItemBody::Contract(c) => Some((c, p)),
                _ => None,
            })
            .collect();
        found.sort_by_key(|(c, _)| std::cmp::Reverse(c.start));
        found
    };
    let signed_on = RwSignal::new(format_iso_date(today()));
    let start = RwSignal::new(format_iso_date(today()));
    let end = RwSignal::new(String::new());
    let objectives = RwSignal::new(String::new());
    let hours = RwSignal::new("15".to_owned());
    let errors = RwSignal::new(Invalid::default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let all = enrolments.get_untracked();
        let Some(enrolment) = active_enrolment(&all) else {
            return;
        };
        let mut invalid = Invalid::default();
        let signed = required_date(
            "contract_signed_on",
            &signed_on.get_untracked(),
            &mut invalid,
        );
        let from = required_date("contract_start", &start.get_untracked(), &mut invalid);
        let to = required_date("contract_end", &end.get_untracked(), &mut invalid);
        let weekly = hours.get_untracked().trim().parse::<i64>();
        if weekly.is_err() {
            invalid.push(jalon_domain::FieldError::new(
                "contract_weekly_hours",
                "not_a_number",
                fr::NOT_A_NUMBER,
            ));
        }
        let (Some(signed), Some(from), Some(to), Ok(weekly)) = (signed, from, to, weekly) else {
            errors.set(invalid);
            return;
        };
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Contract(Contract {
                enrolment_id: enrolment.id,
                signed_on: signed,
                start: from,
                end: to,
                objectives: objectives.get_untracked(),
                weekly_hours: weekly,
            }),
        };
        let mut result = save(state, item, None, &all, move || {
            objectives.set(String::new());
            end.set(String::new());
        });
        merge_errors(&mut invalid, std::mem::take(&mut result));
        errors.set(invalid);
    };
    let item_error = move || {
        errors.with(|e| {
            e.message_for("item")
                .or(e.message_for("contract"))
                .map(str::to_owned)
        })
    };
    view! {
        <section id="contrats" class="contracts" aria-label=fr::CONTRACTS>
            <h2>{fr::CONTRACTS}</h2>
            <Show when=move || contracts().is_empty()>
                <p class="empty">{fr::NO_CONTRACT}</p>
            </Show>
            <ul class="items">
                {move || contracts()
                    .into_iter()
                    .map(|(c, pending)| view! {
                        <li class="item contract">
                            <strong>{fr::contract_dates(&format_date_fr(c.start), &format_date_fr(c.end))}</strong>
                            <span>{fr::signed_on(&format_date_fr(c.signed_on), c.weekly_hours)}</span>
                            <p>{c.objectives}</p>
                            {pending_badge(Signal::stored(pending))}
                        </li>
                    })
                    .collect_view()}
            </ul>
            <Show when=move || active_enrolment(&enrolments.get()).is_some()>
                <details>
                    <summary>{fr::NEW_CONTRACT}</summary>
                    <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                        <InputField id="contract_signed_on".into() field="contract_signed_on" label=fr::SIGNED_ON value=signed_on errors kind="date" />
                        <InputField id="contract_start".into() field="contract_start" label=fr::CONTRACT_START value=start errors kind="date" />
                        <InputField id="contract_end".into() field="contract_end" label=fr::CONTRACT_END value=end errors kind="date" />
                        <TextArea id="contract_objectives".into() field="contract_objectives" label=fr::OBJECTIVES value=objectives errors />
                        <InputField id="contract_weekly_hours".into() field="contract_weekly_hours" label=fr::WEEKLY_HOURS value=hours errors kind="number" />
                        {move || item_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                        <button type="submit">{fr::SAVE_CONTRACT}</button>
                    </form>
                </details>
            </Show>
        </section>
    }
}
