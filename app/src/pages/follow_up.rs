//! The follow-up parts of a person's file: duplicate warnings, obstacles, contracts,
//! appointments and steps. Every change is checked by the domain's rules, then queued in the
//! outbox with the local state; each part shows what still waits for the server.

use jalon_domain::Invalid;
use jalon_domain::followup::{
    Appointment, AppointmentStatus, Contract, DuplicateWarning, Item, ItemBody, ItemContext,
    Obstacle, ObstacleStatus, ObstacleTheme, Place, Step, StepKind, StepStatus, check_item,
    obstacle_id,
};
use jalon_domain::people::{Enrolment, EnrolmentStatus};
use jalon_domain::schemes::Scheme;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::forms::{
    InputField, SelectField, TextArea, merge_errors, optional_date, options, required_date,
};
use crate::i18n::fr;
use crate::pages::new_person::today;
use crate::state::AppState;

/// Checks `item` against the state this device shows (`current`), then queues it. Returns the
/// errors to show; `done` runs once it is stored.
pub(super) fn save(
    state: AppState,
    item: Item,
    current: Option<&Item>,
    enrolments: &[Enrolment],
    done: impl FnOnce() + 'static,
) -> Invalid {
    let Some(session) = state.session.get_untracked() else {
        return Invalid::default();
    };
    let item = Item {
        author_id: session.user.id,
        ..item
    };
    let schemes = state
        .reference
        .get_untracked()
        .map(|r| r.schemes)
        .unwrap_or_else(Scheme::haute_vienne_defaults);
    let shared = state.shared.get_untracked();
    let ctx = ItemContext {
        actor: &session.user,
        enrolments,
        schemes: &schemes,
        agreements: &shared.agreements,
        partner_agreements: &shared.partner_agreements,
        today: today(),
    };
    let item = match check_item(item, current, &ctx) {
        Ok(item) => item,
        Err(invalid) => return invalid,
    };
    // Shown at once; the file reads it back once written.
    let (id, version) = (item.id, item.version);
    state.just_saved.update(|shown| {
        shown.retain(|i| i.id != id);
        shown.push(item.clone());
    });
    spawn_local(async move {
        if state.saved(state.store().save_item(item).await) {
            done();
        } else {
            state
                .just_saved
                .update(|shown| shown.retain(|i| (i.id, i.version) != (id, version)));
        }
    });
    Invalid::default()
}

/// The items of one person as this device shows them, with whether each waits for the server.
pub type Shown = Vec<(Item, bool)>;

#[component]
pub fn FollowUp(person_id: Uuid, enrolments: Signal<Vec<Enrolment>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let items = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move {
            let mut items: Shown = store
                .items_as_shown()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|(i, _)| i.person_id == person_id)
                .collect();
            items.sort_by_key(|(i, _)| i.id);
            items
        }
    });
    // What was read back no longer needs showing from the click.
    Effect::new(move |_| {
        if let Some(read) = items.get() {
            state.just_saved.update(|shown| {
                shown.retain(|j| {
                    !read
                        .iter()
                        .any(|(i, _)| i.id == j.id && i.version >= j.version)
                })
            });
        }
    });
    let items = Signal::derive(move || {
        let mut shown = items.get().unwrap_or_default();
        state.just_saved.with(|saved| {
            for item in saved.iter().filter(|i| i.person_id == person_id) {
                shown.retain(|(i, _)| i.id != item.id);
                shown.push((item.clone(), true));
            }
        });
        shown.sort_by_key(|(i, _)| i.id);
        shown
    });
    view! {
        <Duplicates items />
        <Appointments person_id items enrolments />
        <Steps person_id items enrolments />
        <Contracts person_id items enrolments />
        <Obstacles person_id items enrolments />
        <crate::pages::orders::Orders person_id items enrolments />
        <crate::pages::referrals::Referrals person_id items enrolments />
    }
}

pub(super) fn pending_badge(pending: Signal<bool>) -> impl IntoView {
    move || {
        pending
            .get()
            .then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })
    }
}

/// Whether item `id` still waits for the server, read live: rows are keyed by item and
/// version only, so a sync that only confirms an item never redraws its row (and never closes
/// a form open in it, nor drops what is typed there).
pub(super) fn waits(items: Signal<Shown>, id: Uuid) -> Signal<bool> {
    Signal::derive(move || items.with(|all| all.iter().any(|(i, p)| i.id == id && *p)))
}

#[component]
fn Duplicates(items: Signal<Shown>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = move || {
        items
            .get()
            .into_iter()
            .filter_map(|(item, pending)| match &item.body {
                ItemBody::Duplicate(d) if !d.dismissed => Some((item.clone(), d.clone(), pending)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    view! {
        <For
            each=open
            key=|(item, _, _)| (item.id, item.version)
            children=move |(item, warning, _): (Item, DuplicateWarning, bool)| {
                let reason = warning.reason.label_fr();
                let (other_id, other_label) = (warning.other_person_id, warning.other_label.clone());
                let dismiss = move |_| {
                    let dismissed = Item {
                        body: ItemBody::Duplicate(DuplicateWarning {
                            dismissed: true,
                            ..warning.clone()
                        }),
                        ..item.clone()
                    };
                    save(state, dismissed, Some(&item), &[], || {});
                };
                view! {
                    <aside class="duplicate" role="alert">
                        <p>
                            {fr::POSSIBLE_DUPLICATE}
                            " "
                            {if other_id.is_nil() {
                                // A file outside this caseload: only its scheme is said.
                                view! { <span>{other_label}</span> }.into_any()
                            } else {
                                view! { <A href=format!("/personne/{other_id}")>{other_label}</A> }.into_any()
                            }}
                            {format!(" ({reason})")}
                        </p>
                        <button type="button" class="secondary" on:click=dismiss>
                            {fr::NOT_A_DUPLICATE}
                        </button>
                    </aside>
                }
            }
        />
    }
}

#[component]
fn Obstacles(
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

/// The active enrolment new plans belong to (the first, if ever there were several).
pub(super) fn active_enrolment(enrolments: &[Enrolment]) -> Option<Enrolment> {
    enrolments
        .iter()
        .find(|e| e.status == EnrolmentStatus::Active)
        .cloned()
}

#[component]
fn Contracts(
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

#[component]
fn Appointments(
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

#[component]
fn Steps(
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
