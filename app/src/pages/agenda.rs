//! `/agenda`: the appointments of the people on this device, by day or by week.

use std::collections::{HashMap, HashSet};

use jalon_domain::auth::Role;
use jalon_domain::caseload::week_start;
use jalon_domain::followup::ItemBody;
use jalon_domain::people::EnrolmentStatus;
use jalon_domain::text::{format_date_fr, format_iso_date, parse_iso_date};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use time::{Date, Duration};
use uuid::Uuid;

use crate::clock::today;
use crate::components::{DateTimeInput, ReadFailed, TopBar};
use crate::i18n::fr;
use crate::list::{AgendaEntry, agenda_entries};
use crate::state::AppState;
use crate::store::StoreError;

/// `lundi 23/11/2026`.
fn day_title(date: Date) -> String {
    let name = match date.weekday() {
        time::Weekday::Monday => "lundi",
        time::Weekday::Tuesday => "mardi",
        time::Weekday::Wednesday => "mercredi",
        time::Weekday::Thursday => "jeudi",
        time::Weekday::Friday => "vendredi",
        time::Weekday::Saturday => "samedi",
        time::Weekday::Sunday => "dimanche",
    };
    format!("{name} {}", format_date_fr(date))
}

#[component]
pub fn AgendaPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let week = RwSignal::new(false);
    let day = RwSignal::new(today());
    // The day typed in the French form; the agenda moves once it is a whole date.
    let typed_day = RwSignal::new(format_iso_date(day.get_untracked()));
    Effect::new(move |_| {
        let shown = format_iso_date(day.get());
        if typed_day.get_untracked() != shown {
            typed_day.set(shown);
        }
    });
    Effect::new(move |_| {
        if let Some(d) = parse_iso_date(&typed_day.get())
            && d != day.get_untracked()
        {
            day.set(d);
        }
    });
    let range = move || {
        let d = day.get();
        if week.get() {
            let monday = week_start(d);
            (monday, monday + Duration::days(6))
        } else {
            (d, d)
        }
    };
    // A supervisor sees every référent's appointments, and may keep one référent's.
    let referent = RwSignal::new(String::new());
    let supervisor = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role == Role::Supervisor)
    };
    let loaded = LocalResource::new(move || {
        state.data_version.track();
        let (from, to) = range();
        let store = state.store();
        let staff: HashMap<Uuid, String> = state
            .reference
            .get()
            .map(|r| {
                r.staff
                    .into_iter()
                    .map(|s| (s.id, s.display_name))
                    .collect()
            })
            .unwrap_or_default();
        async move {
            let people = store.people_as_shown().await?;
            let items = store.items_as_shown().await?;
            let enrolments = store.enrolments().await?;
            let referent_of: HashMap<Uuid, Uuid> = enrolments
                .iter()
                .filter(|e| e.status == EnrolmentStatus::Active)
                .map(|e| (e.person_id, e.referent_id))
                .collect();
            let mut referents: Vec<(Uuid, String)> = referent_of
                .values()
                .collect::<HashSet<_>>()
                .into_iter()
                .map(|id| (*id, staff.get(id).cloned().unwrap_or_default()))
                .collect();
            referents.sort_by(|a, b| a.1.cmp(&b.1));
            Ok::<_, StoreError>((
                agenda_entries(&people, &items, from, to),
                referent_of,
                referents,
            ))
        }
    });
    let failed = Signal::derive(move || loaded.get().and_then(|r| r.err()).map(|e| e.to_string()));
    let loaded = Signal::derive(move || loaded.get().and_then(Result::ok));
    let entries = move || {
        let (all, referent_of, _) = loaded.get()?;
        let Ok(chosen) = Uuid::parse_str(&referent.get()) else {
            return Some(all);
        };
        Some(
            all.into_iter()
                .filter(|e| referent_of.get(&e.item.person_id) == Some(&chosen))
                .collect(),
        )
    };
    let step = move |forward: bool| {
        let days = if week.get_untracked() { 7 } else { 1 };
        day.update(|d| *d += Duration::days(if forward { days } else { -days }));
    };
    let days = move || {
        let (from, to) = range();
        let all: Vec<AgendaEntry> = entries().unwrap_or_default();
        let mut out: Vec<(Date, Vec<AgendaEntry>)> = Vec::new();
        let mut d = from;
        while d <= to {
            let of_day: Vec<AgendaEntry> = all
                .iter()
                .filter(|e| matches!(&e.item.body, ItemBody::Appointment(a) if a.date == d))
                .cloned()
                .collect();
            out.push((d, of_day));
            d += Duration::days(1);
        }
        out
    };
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="agenda">
                <p><A href="/">{fr::BACK_TO_LIST}</A></p>
                <div class="title-row">
                    <h1>{fr::AGENDA}</h1>
                    <div class="actions" role="group" aria-label=fr::PERIOD>
                        <button type="button" class:secondary=move || week.get() aria-pressed=move || (!week.get()).to_string() on:click=move |_| week.set(false)>
                            {fr::DAY}
                        </button>
                        <button type="button" class:secondary=move || !week.get() aria-pressed=move || week.get().to_string() on:click=move |_| week.set(true)>
                            {fr::WEEK}
                        </button>
                    </div>
                </div>
                <ReadFailed error=failed />
                <Show when=supervisor>
                    <div class="field agenda-referent">
                        <label for="agenda-referent">{fr::REFERENT}</label>
                        <select id="agenda-referent" prop:value=move || referent.get() on:change=move |ev| referent.set(event_target_value(&ev))>
                            <option value="">{fr::ALL}</option>
                            {move || loaded.get().map(|(_, _, referents)| referents.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view())}
                        </select>
                    </div>
                </Show>
                <div class="agenda-nav">
                    <button type="button" class="secondary" on:click=move |_| step(false) aria-label=fr::PREVIOUS>"‹"</button>
                    <DateTimeInput id="agenda-day".to_owned() kind="date" value=typed_day aria_label=fr::DATE />
                    <button type="button" class="secondary" on:click=move |_| day.set(today())>{fr::TODAY}</button>
                    <button type="button" class="secondary" on:click=move |_| step(true) aria-label=fr::NEXT>"›"</button>
                </div>
                {move || days().into_iter().map(|(date, entries)| view! {
                    <section class="agenda-day" aria-label=day_title(date)>
                        <h2>{day_title(date)}</h2>
                        {entries.is_empty().then(|| view! { <p class="empty">{fr::NO_APPOINTMENT}</p> })}
                        <ul class="items">
                            {entries.into_iter().map(|entry| {
                                let ItemBody::Appointment(a) = &entry.item.body else { return ().into_any() };
                                view! {
                                    <li class="item appointment" data-status=a.status.as_str()>
                                        <strong>{a.time.clone()}</strong>" "
                                        <A href=format!("/personne/{}", entry.item.person_id)>{entry.person.clone()}</A>
                                        <span class="muted">{format!(" · {} · {}", a.place.label_fr(), a.status.label_fr())}</span>
                                        {entry.pending.then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })}
                                    </li>
                                }.into_any()
                            }).collect_view()}
                        </ul>
                    </section>
                }).collect_view()}
            </main>
        </Show>
    }
}
