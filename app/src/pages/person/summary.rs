//! The summary a person's file opens on: the situation, the next appointment and the
//! enrolment in progress (the alerts show as badges just above), each part one tap away.

use std::collections::HashMap;

use jalon_domain::followup::Appointment;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person, age_on};
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use uuid::Uuid;

use crate::clock::today;
use crate::i18n::fr;

/// One line of the person's situation: age, commune, RSA, labour market.
fn situation(person: &Person) -> String {
    let mut parts = vec![fr::years_old(age_on(person.birth_date, today()))];
    if let Some(commune) = jalon_domain::communes::by_code(&person.commune_code) {
        parts.push(commune.name.to_owned());
    }
    parts.push(
        if person.rsa_beneficiary {
            fr::RSA_BENEFICIARY_SHORT
        } else {
            fr::NOT_RSA_BENEFICIARY
        }
        .to_owned(),
    );
    if let Some(situation) = person.details.labour_market {
        parts.push(situation.label_fr().to_owned());
    }
    parts.join(" · ")
}

#[component]
pub fn Summary(
    person: Person,
    next: Option<Appointment>,
    enrolments: Vec<Enrolment>,
    staff: HashMap<Uuid, String>,
) -> impl IntoView {
    let next = match next {
        Some(a) => view! {
            <a href="#rendez-vous">
                {format!("{} à {} · {}", format_date_fr(a.date), a.time, a.place.label_fr())}
            </a>
        }
        .into_any(),
        None => view! { <a href="#rendez-vous">{fr::NO_APPOINTMENT_PLANNED}</a> }.into_any(),
    };
    let active = enrolments
        .iter()
        .find(|e| e.status == EnrolmentStatus::Active)
        .map(|e| {
            let referent = staff.get(&e.referent_id).cloned().unwrap_or_default();
            fr::enrolment_in_progress(
                e.scheme.short_name(),
                &referent,
                &format_date_fr(jalon_domain::pathway::referent_since(e)),
            )
        })
        .unwrap_or_else(|| fr::NO_ENROLMENT_IN_PROGRESS.to_owned());
    view! {
        <section class="summary card" aria-labelledby="summary-title" data-testid="summary">
            <h2 id="summary-title">{fr::SUMMARY}</h2>
            <dl>
                <dt>{fr::SITUATION}</dt>
                <dd>{situation(&person)}</dd>
                <dt>{fr::NEXT_APPOINTMENT}</dt>
                <dd>{next}</dd>
                <dt>{fr::ENROLMENT_IN_PROGRESS}</dt>
                <dd>{active}</dd>
            </dl>
        </section>
    }
}
