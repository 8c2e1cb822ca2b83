//! The referrals of a person's file to the financing partners of business creation (ADIE,
//! Initiative Haute-Vienne, Limousin Actif): a référent refers the person, offline like the
//! rest of the file, within the places of the partner's agreement of the year; the referral
//! waits until the server has counted the places. The partner's answer is recorded once:
//! granted (amount, business created and when), refused, or the referral withdrawn.

use jalon_domain::Invalid;
use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::money::partners::{
    Partner, PartnerAgreement, Referral, ReferralOutcome, agreement_on,
};
use jalon_domain::money::{euros, parse_euros};
use jalon_domain::people::Enrolment;
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use uuid::Uuid;

use super::follow_up::{Shown, active_enrolment, pending_badge, save, waits};
use crate::clock::today;
use crate::forms::{InputField, SelectField, optional_date, options, required_date};
use crate::i18n::fr;
use crate::state::AppState;

#[component]
pub fn Referrals(
    person_id: Uuid,
    items: Signal<Shown>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let agreements = Signal::derive(move || state.shared.with(|s| s.partner_agreements.clone()));
    let referrals = move || {
        let mut found: Vec<(Item, Referral)> = items
            .get()
            .into_iter()
            .filter_map(|(i, _)| match &i.body {
                ItemBody::Referral(r) => Some((i.clone(), r.clone())),
                _ => None,
            })
            .collect();
        found.sort_by_key(|(i, r)| (std::cmp::Reverse(r.referred_on), i.id));
        found
    };
    let referent = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == jalon_domain::auth::Role::Referent)
    };
    view! {
        <section id="partenaires" class="referrals" aria-label=fr::REFERRALS>
            <h2>{fr::REFERRALS}</h2>
            <Show when=move || referrals().is_empty()>
                <p class="empty">{fr::NO_REFERRAL}</p>
            </Show>
            <ul class="items">
                <For
                    each=referrals
                    key=|(i, _)| (i.id, i.version)
                    children=move |(item, referral)| {
                        let pending = waits(items, item.id);
                        let answer = (referral.outcome == ReferralOutcome::Pending
                            || (referral.outcome == ReferralOutcome::Granted
                                && referral.business_created_on.is_none()))
                        .then(|| view! { <Answer item=item.clone() referral=referral.clone() enrolments /> });
                        view! {
                            <li class="item referral">
                                <strong>{fr::referral_line(referral.partner.label_fr(), referral.partner.product_fr())}</strong>
                                <span>{fr::referred_on(&format_date_fr(referral.referred_on), &referral.project)}</span>
                                <span class="badge">{referral.outcome.label_fr()}</span>
                                {referral.amount_cents.map(|c| view! { <span>{euros(c)}</span> })}
                                {referral.business_created_on.map(|d| view! {
                                    <span>{fr::business_created(&format_date_fr(d))}</span>
                                })}
                                {pending_badge(pending)}
                                {answer}
                            </li>
                        }
                    }
                />
            </ul>
            <Show when=move || referent() && active_enrolment(&enrolments.get()).is_some()>
                <NewReferral person_id agreements enrolments />
            </Show>
        </section>
    }
}

/// The partner's answer to a referral (or the business's creation after a grant).
#[component]
fn Answer(item: Item, referral: Referral, enrolments: Signal<Vec<Enrolment>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = item.id;
    let outcome = RwSignal::new(if referral.outcome == ReferralOutcome::Granted {
        "granted".to_owned()
    } else {
        String::new()
    });
    let amount = RwSignal::new(
        referral
            .amount_cents
            .map(|c| euros(c).trim_end_matches("\u{a0}€").to_owned())
            .unwrap_or_default(),
    );
    let created = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let item = StoredValue::new(item);
    let referral = StoredValue::new(referral);
    let granted = move || outcome.get() == "granted";
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let Some(chosen) = ReferralOutcome::parse(&outcome.get_untracked()) else {
            invalid.push(jalon_domain::FieldError::new(
                "referral_outcome",
                "required",
                fr::CHOOSE_ANSWER,
            ));
            errors.set(invalid);
            return;
        };
        let granted = chosen == ReferralOutcome::Granted;
        let amount_text = amount.get_untracked();
        let amount_cents = if granted && !amount_text.trim().is_empty() {
            let cents = parse_euros(&amount_text);
            if cents.is_none() {
                invalid.push(jalon_domain::FieldError::new(
                    "referral_amount",
                    "not_an_amount",
                    fr::NOT_AN_AMOUNT,
                ));
            }
            cents
        } else {
            None
        };
        let business = if granted {
            optional_date("referral_business", &created.get_untracked(), &mut invalid)
        } else {
            None
        };
        if !invalid.is_empty() {
            errors.set(invalid);
            return;
        }
        let current = item.get_value();
        let next = Item {
            body: ItemBody::Referral(Referral {
                outcome: chosen,
                amount_cents,
                business_created_on: business,
                ..referral.get_value()
            }),
            ..current.clone()
        };
        errors.set(save(
            state,
            next,
            Some(&current),
            &enrolments.get_untracked(),
            || {},
        ));
    };
    let message =
        move |field: &'static str| move || errors.with(|e| e.message_for(field).map(str::to_owned));
    let answers = options(
        &[
            ReferralOutcome::Granted,
            ReferralOutcome::Refused,
            ReferralOutcome::Withdrawn,
        ],
        ReferralOutcome::as_str,
        ReferralOutcome::label_fr,
    );
    view! {
        <details class="actions">
            <summary>{fr::RECORD_ANSWER}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id=format!("referral_outcome-{id}") label=fr::ANSWER options=answers value=outcome errors />
                <Show when=granted>
                    <InputField id=format!("referral_amount-{id}") field="referral_amount" label=fr::AMOUNT_GRANTED value=amount errors />
                    <InputField id=format!("referral_business-{id}") field="referral_business" label=fr::BUSINESS_CREATED_ON value=created errors kind="date" />
                </Show>
                {move || message("referral_outcome")().or(message("referral")()).or(message("item")())
                    .map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit">{fr::SAVE_ANSWER}</button>
            </form>
        </details>
    }
}

#[component]
fn NewReferral(
    person_id: Uuid,
    agreements: Signal<Vec<PartnerAgreement>>,
    enrolments: Signal<Vec<Enrolment>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let partner = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let date = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    // The places the partner's agreement of the referral's year has left, as last known.
    let places = move || {
        let partner = Partner::parse(&partner.get())?;
        let on = jalon_domain::text::parse_iso_date(&date.get())?;
        Some(
            agreements.with(|all| agreement_on(all, partner, on).cloned()).map_or_else(
                || view! { <p class="warning" role="status">{fr::no_partner_agreement(partner.label_fr(), on.year())}</p> }.into_any(),
                |a| {
                    let left = a.left();
                    view! {
                        <p class="hint" aria-live="polite">{fr::places_left(left, a.places, a.year)}</p>
                        {(left == 0).then(|| view! { <p class="warning" role="status">{fr::PLACES_FULL}</p> })}
                    }
                    .into_any()
                },
            ),
        )
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut invalid = Invalid::default();
        let on = required_date("referral_date", &date.get_untracked(), &mut invalid);
        let chosen = Partner::parse(&partner.get_untracked());
        if chosen.is_none() {
            invalid.push(jalon_domain::FieldError::new(
                "referral_partner",
                "required",
                fr::CHOOSE_PARTNER,
            ));
        }
        let (Some(on), Some(chosen)) = (on, chosen) else {
            errors.set(invalid);
            return;
        };
        let item = Item {
            id: Uuid::new_v4(),
            person_id,
            version: 1,
            author_id: Uuid::nil(),
            body: ItemBody::Referral(Referral {
                partner: chosen,
                referred_on: on,
                project: project.get_untracked(),
                outcome: ReferralOutcome::Pending,
                amount_cents: None,
                business_created_on: None,
            }),
        };
        let result = save(state, item, None, &enrolments.get_untracked(), move || {
            project.set(String::new());
            partner.set(String::new());
        });
        errors.set(result);
    };
    let message =
        move |field: &'static str| move || errors.with(|e| e.message_for(field).map(str::to_owned));
    let partners = options(Partner::ALL, Partner::as_str, Partner::label_fr);
    view! {
        <details>
            <summary>{fr::NEW_REFERRAL}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id="referral_partner".into() label=fr::PARTNER options=partners value=partner errors />
                <InputField id="referral_project".into() field="referral_project" label=fr::PROJECT value=project errors />
                <InputField id="referral_date".into() field="referral_date" label=fr::REFERRAL_DATE value=date errors kind="date" />
                {places}
                <p class="hint">{fr::REFERRAL_WAITS}</p>
                {move || message("referral")().or(message("item")()).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit">{fr::SAVE_REFERRAL}</button>
            </form>
        </details>
    }
}
