//! The appointments of a person's file: planned, moved, and reported (attended, excused,
//! no-show, cancelled) as the domain's state machine allows.

use jalon_domain::Invalid;
use jalon_domain::followup::{Appointment, AppointmentStatus, Item, ItemBody, Place};
use jalon_domain::people::Enrolment;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use uuid::Uuid;

use crate::clock::today;
use crate::forms::{InputField, SelectField, TextArea, options, required_date};
use crate::i18n::fr;
use crate::state::AppState;

use super::follow_up::{Shown, pending_badge, save, waits};

#[component]
pub(super) fn Appointments(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let appointments = move || {
        let mut found: Vec<(Item, Appointment, bool)> = items
            .get()
            .into_iter()
            .filter_map(|(i, p)| match &i.body {
                ItemBody::Appointment(a) => Some((i.clone(), a.clone(), p)),
                _ => None,
            })
            .collect();
        found.sort_by(|a, b| (b.1.date, &b.1.time).cmp(&(a.1.date, &a.1.time)));
        found
    };
    let date = RwSignal::new(format_iso_date(today()));
    let time = RwSignal::new("09:00".to_owned());
    let place = RwSignal::new(Place::Mdd.as_str().to_owned());
    let errors = RwSignal::new(Invalid::default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let day = required_date("appointment_date", &date.get_untracked(), &mut invalid);
        let (Some(day), Some(place)) = (day, Place::parse(&place.get_untracked())) else {
            errors.set(invalid);
            return;
        };
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Appointment(Appointment {
                date: day,
                time: time.get_untracked(),
                place,
                status: AppointmentStatus::Planned,
                report: String::new(),
            }),
        };
        errors.set(save(state, item, None, &enrolments.get_untracked(), || {}));
    };
    let item_error = move || errors.with(|e| e.message_for("item").map(str::to_owned));
    view! {
        <section id="rendez-vous" class="appointments" aria-label=fr::APPOINTMENTS>
            <h2>{fr::APPOINTMENTS}</h2>
            <details>
                <summary>{fr::PLAN_APPOINTMENT}</summary>
                <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                    <InputField id="appointment_date".into() field="appointment_date" label=fr::DATE value=date errors kind="date" />
                    <InputField id="appointment_time".into() field="appointment_time" label=fr::TIME value=time errors kind="time" />
                    <SelectField
                        id="appointment_place".into()
                        label=fr::PLACE
                        options=options(Place::ALL, Place::as_str, Place::label_fr)
                        value=place
                        errors
                    />
                    {move || item_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <button type="submit">{fr::PLAN}</button>
                </form>
            </details>
            <Show when=move || appointments().is_empty()>
                <p class="empty">{fr::NO_APPOINTMENT}</p>
            </Show>
            <ul class="items">
                <For
                    each=appointments
                    key=|(i, _, _)| (i.id, i.version)
                    children=move |(item, appointment, _)| {
                        let pending = waits(items, item.id);
                        view! { <AppointmentRow item appointment pending enrolments /> }
                    }
                />
            </ul>
        </section>
    }
}

#[component]
fn AppointmentRow(
    item: Item,
    appointment: Appointment,
    pending: Signal<bool>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(appointment.status.as_str().to_owned());
    let report = RwSignal::new(appointment.report.clone());
    let errors = RwSignal::new(Invalid::default());
    // The domain's state machine says what the form may offer.
    let editable = appointment.status.may_be_reported();
    let choices = appointment.status.choices();
    let title = format!(
        "{} {} · {}",
        format_date_fr(appointment.date),
        appointment.time,
        appointment.place.label_fr()
    );
    let id = item.id;
    let base = appointment.clone();
    let current = item.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(next) = AppointmentStatus::parse(&status.get_untracked()) else {
            return;
        };
        let next_state = Item {
            body: ItemBody::Appointment(Appointment {
                status: next,
                report: report.get_untracked(),
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
    let form_error = move || {
        errors.with(|e| {
            e.message_for("appointment_status")
                .or(e.message_for("item"))
                .map(str::to_owned)
        })
    };
    // A planned appointment may be moved to another day or time.
    let planned = appointment.status == AppointmentStatus::Planned;
    let new_date = RwSignal::new(format_iso_date(appointment.date));
    let new_time = RwSignal::new(appointment.time.clone());
    let move_errors = RwSignal::new(Invalid::default());
    let (moved_base, moved_current) = (appointment.clone(), item.clone());
    let reschedule = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let Some(day) = required_date("appointment_date", &new_date.get_untracked(), &mut invalid)
        else {
            move_errors.set(invalid);
            return;
        };
        let next_state = Item {
            body: ItemBody::Appointment(Appointment {
                date: day,
                time: new_time.get_untracked(),
                ..moved_base.clone()
            }),
            ..moved_current.clone()
        };
        move_errors.set(save(
            state,
            next_state,
            Some(&moved_current),
            &enrolments.get_untracked(),
            || {},
        ));
    };
    view! {
        <li class="item appointment" data-status=appointment.status.as_str()>
            <strong class="item-title">{title}</strong>
            <span class="tag">{appointment.status.label_fr()}</span>
            {pending_badge(pending)}
            {(!appointment.report.is_empty()).then(|| view! { <p class="report">{appointment.report.clone()}</p> })}
            {editable.then(|| view! {
                <details>
                    <summary>{fr::REPORT_APPOINTMENT}</summary>
                    <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                        <SelectField
                            id=format!("appointment-status-{id}")
                            label=fr::OUTCOME
                            options=options(&choices, AppointmentStatus::as_str, AppointmentStatus::label_fr)
                            value=status
                            errors
                        />
                        <TextArea id=format!("appointment-report-{id}") field="appointment_report" label=fr::REPORT value=report errors />
                        {move || form_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                        <button type="submit">{fr::SAVE}</button>
                    </form>
                </details>
            })}
            {planned.then(|| view! {
                <details>
                    <summary>{fr::RESCHEDULE}</summary>
                    <form autocomplete="off" class="item-form" on:submit=reschedule novalidate>
                        <InputField id=format!("appointment-date-{id}") field="appointment_date" label=fr::DATE value=new_date errors=move_errors kind="date" />
                        <InputField id=format!("appointment-time-{id}") field="appointment_time" label=fr::TIME value=new_time errors=move_errors kind="time" />
                        <button type="submit">{fr::MOVE_APPOINTMENT}</button>
                    </form>
                </details>
            })}
        </li>
    }
}
