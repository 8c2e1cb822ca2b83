//! The follow-up parts of a person's file — duplicate warnings (here), obstacles, contracts,
//! appointments, steps, orders and referrals (their own modules) — and what they share: every
//! change is checked by the domain's rules, then queued in the outbox with the local state
//! ([`save`]); each part shows what still waits for the server ([`pending_badge`]).

use jalon_domain::Invalid;
use jalon_domain::followup::{DuplicateWarning, Item, ItemBody, ItemContext, check_item};
use jalon_domain::people::{Enrolment, EnrolmentStatus};
use jalon_domain::schemes::Scheme;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::clock::today;
use crate::components::ReadFailed;
use crate::i18n::fr;
use crate::state::AppState;
use crate::store::StoreError;

use super::appointments::Appointments;
use super::contracts::Contracts;
use super::obstacles::Obstacles;
use super::steps::Steps;

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
            let mut items: Shown = store.items_of(person_id).await?;
            items.sort_by_key(|(i, _)| i.id);
            Ok::<_, StoreError>(items)
        }
    });
    let failed = Signal::derive(move || items.get().and_then(|r| r.err()).map(|e| e.to_string()));
    // What was read back no longer needs showing from the click.
    Effect::new(move |_| {
        if let Some(Ok(read)) = items.get() {
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
        let mut shown = items.get().and_then(Result::ok).unwrap_or_default();
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
        <ReadFailed error=failed />
        <Duplicates items />
        <Appointments person_id items enrolments />
        <Steps person_id items enrolments />
        <Contracts person_id items enrolments />
        <Obstacles person_id items enrolments />
        <super::orders::Orders person_id items enrolments />
        <super::referrals::Referrals person_id items enrolments />
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

/// The active enrolment new plans belong to (the first, if ever there were several).
pub(super) fn active_enrolment(enrolments: &[Enrolment]) -> Option<Enrolment> {
    enrolments
        .iter()
        .find(|e| e.status == EnrolmentStatus::Active)
        .cloned()
}
