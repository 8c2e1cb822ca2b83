//! Changes the server refused for good: whose file they were about, why, and everything that
//! was typed, readable and copyable until the user dismisses them — refused work is never lost
//! to its author.

use std::collections::{HashMap, HashSet};

use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::sync::Mutation;
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::i18n::fr;
use crate::state::AppState;
use crate::store::Rejection;

fn date(d: time::Date) -> String {
    format_date_fr(d)
}

fn optional_date(d: Option<time::Date>) -> String {
    d.map(date).unwrap_or_else(|| "—".to_owned())
}

/// What a follow-up item held, line by line.
fn describe_item(item: &Item) -> Vec<(String, String)> {
    match &item.body {
        ItemBody::Appointment(a) => {
            let mut lines = vec![
                (
                    fr::APPOINTMENT.to_owned(),
                    format!(
                        "{} {} {}, {}",
                        date(a.date),
                        fr::AT,
                        a.time,
                        a.place.label_fr()
                    ),
                ),
                (fr::STATUS.to_owned(), a.status.label_fr().to_owned()),
            ];
            if !a.report.is_empty() {
                lines.push((fr::REPORT.to_owned(), a.report.clone()));
            }
            lines
        }
        ItemBody::Step(s) => vec![
            (fr::STEP.to_owned(), s.kind.label_fr().to_owned()),
            (fr::PROVIDER.to_owned(), s.provider.clone()),
            (
                fr::PLANNED.to_owned(),
                format!(
                    "{} → {}",
                    optional_date(s.planned_start),
                    optional_date(s.planned_end)
                ),
            ),
            (
                fr::DONE.to_owned(),
                format!(
                    "{} → {}",
                    optional_date(s.actual_start),
                    optional_date(s.actual_end)
                ),
            ),
            (fr::STATUS.to_owned(), s.status.label_fr().to_owned()),
        ],
        ItemBody::Contract(c) => vec![
            (
                fr::CONTRACT.to_owned(),
                format!("{} → {}", date(c.start), date(c.end)),
            ),
            (fr::SIGNED_ON.to_owned(), date(c.signed_on)),
            (fr::WEEKLY_HOURS.to_owned(), c.weekly_hours.to_string()),
            (fr::OBJECTIVES.to_owned(), c.objectives.clone()),
        ],
        ItemBody::Obstacle(o) => vec![(
            fr::OBSTACLE.to_owned(),
            format!(
                "{} — {} ({})",
                o.theme.label_fr(),
                o.status.label_fr(),
                date(o.date)
            ),
        )],
        ItemBody::Duplicate(d) => vec![(fr::ALERT_DUPLICATE.to_owned(), d.other_label.clone())],
        ItemBody::Order(o) => vec![
            (
                fr::ORDERS.to_owned(),
                fr::order_line(
                    &o.label,
                    o.quantity,
                    &jalon_domain::money::euros(o.amount_cents),
                ),
            ),
            (fr::ORDER_DATE.to_owned(), date(o.ordered_on)),
            (fr::STATUS.to_owned(), o.status.label_fr().to_owned()),
        ],
        ItemBody::Referral(r) => vec![
            (
                fr::REFERRALS.to_owned(),
                fr::referral_line(r.partner.label_fr(), r.partner.product_fr()),
            ),
            (fr::REFERRAL_DATE.to_owned(), date(r.referred_on)),
            (fr::STATUS.to_owned(), r.outcome.label_fr().to_owned()),
        ],
    }
}

/// What a refused change held, as (label, value) lines in French.
pub fn describe(mutation: &Mutation, staff: &HashMap<Uuid, String>) -> Vec<(String, String)> {
    match mutation {
        Mutation::CreatePerson(c) => vec![
            (fr::NEW_FILE.to_owned(), c.person.display_name()),
            (fr::BIRTH_DATE.to_owned(), date(c.person.birth_date)),
            (
                fr::COMMUNE.to_owned(),
                jalon_domain::communes::by_code(&c.person.commune_code)
                    .map_or_else(|| c.person.commune_code.clone(), |c| c.name.to_owned()),
            ),
        ],
        Mutation::EditPerson(edit) => edit
            .changes
            .iter()
            .map(|change| {
                (
                    change.field.label_fr().to_owned(),
                    change.field.display_value_fr(&change.value),
                )
            })
            .collect(),
        Mutation::ChangeReferent { referent_id, .. } => vec![(
            fr::NEW_REFERENT.to_owned(),
            staff.get(referent_id).cloned().unwrap_or_default(),
        )],
        Mutation::SetOrientation { orientation: o, .. } => vec![(
            fr::RECORD_ORIENTATION.to_owned(),
            fr::orientation(o.kind.label_fr(), &date(o.date), &o.decided_by),
        )],
        Mutation::Enrol(e) => vec![(
            fr::NEW_ENROLMENT.to_owned(),
            format!(
                "{} · {} {} {}",
                e.scheme.short_name(),
                staff.get(&e.referent_id).cloned().unwrap_or_default(),
                fr::SINCE,
                date(e.start_date)
            ),
        )],
        Mutation::RecordSixMonths { result, .. } => vec![(
            fr::SIX_MONTHS.to_owned(),
            fr::six_months_line(
                &date(result.date),
                result.situation.label_fr(),
                result.better,
            ),
        )],
        Mutation::CloseEnrolment { exit, .. } => vec![(
            fr::EXIT.to_owned(),
            format!("{} — {}", date(exit.date), exit.reason.label_fr()),
        )],
        Mutation::DeletePerson { .. } => vec![(fr::DELETE_PERSON.to_owned(), String::new())],
        Mutation::AddNote(note) => vec![(
            format!("{} {}", fr::NOTE_OF, date(note.date)),
            note.text.clone(),
        )],
        Mutation::SaveItem(item) => describe_item(item),
        Mutation::ResolveConflict { value, .. } => {
            vec![(fr::CHOSEN_VALUE.to_owned(), value.display_fr())]
        }
    }
}

/// The text put on the clipboard: the person, the reason and what was typed.
fn as_text(rejection: &Rejection, lines: &[(String, String)]) -> String {
    let mut text = format!("{}\n{}\n", rejection.person_label, rejection.message);
    for (label, value) in lines {
        if value.is_empty() {
            text.push_str(&format!("{label}\n"));
        } else {
            text.push_str(&format!("{label} : {value}\n"));
        }
    }
    text
}

/// The refused changes, each with its person, reason, content, a copy button and a dismiss
/// button. `on_device`: the people still on this device (their name links to their file).
#[component]
pub fn Refusals(
    /// The refusals to show, oldest first.
    rejections: Vec<Rejection>,
    /// The people this device still holds.
    on_device: HashSet<Uuid>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let staff: HashMap<Uuid, String> = state
        .reference
        .get_untracked()
        .map(|r| {
            r.staff
                .into_iter()
                .map(|s| (s.id, s.display_name))
                .collect()
        })
        .unwrap_or_default();
    let mut rejections = rejections;
    rejections.sort_by_key(|r| r.seq);
    view! {
        <ul class="refusals">
            {rejections
                .into_iter()
                .map(|rejection| {
                    let lines = describe(&rejection.mutation, &staff);
                    let text = as_text(&rejection, &lines);
                    let copied = RwSignal::new(None::<String>);
                    let seq = rejection.seq;
                    let copy = move |_| {
                        let text = text.clone();
                        spawn_local(async move {
                            let done = match web_sys::window() {
                                Some(w) => wasm_bindgen_futures::JsFuture::from(
                                    w.navigator().clipboard().write_text(&text),
                                )
                                .await
                                .is_ok(),
                                None => false,
                            };
                            copied.set(Some(if done { fr::COPIED } else { fr::COPY_FAILED }.to_owned()));
                        });
                    };
                    let dismiss = move |_| {
                        spawn_local(async move {
                            match state.store().dismiss_rejection(seq).await {
                                Ok(()) => state.data_changed(),
                                Err(e) => copied.set(Some(format!("{} : {e}", fr::SAVE_FAILED))),
                            }
                        });
                    };
                    let name = if rejection.person_label.is_empty() {
                        fr::UNKNOWN_PERSON.to_owned()
                    } else {
                        rejection.person_label.clone()
                    };
                    let person = if on_device.contains(&rejection.person_id) {
                        view! { <A href=format!("/personne/{}", rejection.person_id)>{name}</A> }
                            .into_any()
                    } else {
                        view! { <strong>{name}</strong> }.into_any()
                    };
                    view! {
                        <li class="refusal" data-seq=seq.to_string()>
                            <p>
                                <span class="badge rejected">{fr::REJECTED}</span>" "
                                {person}
                            </p>
                            <p class="reason">{rejection.message.clone()}</p>
                            <p class="muted">{fr::WHAT_WAS_TYPED}</p>
                            <dl class="typed">
                                {lines
                                    .into_iter()
                                    .map(|(label, value)| view! {
                                        <dt>{label}</dt>
                                        <dd>{value}</dd>
                                    })
                                    .collect_view()}
                            </dl>
                            <div class="actions">
                                <button type="button" class="secondary" on:click=copy>
                                    {fr::COPY_TEXT}
                                </button>
                                <button type="button" class="secondary" on:click=dismiss>
                                    {fr::DISMISS}
                                </button>
                                {move || copied.get().map(|m| view! { <span role="status">{m}</span> })}
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
