//! `/`: the home screen — what needs attention today (appointments, alerts, changes not
//! synced or refused) above the list of people on this device, with search, filters and
//! sorting.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jalon_domain::auth::{Role, SessionUser, StaffMember};
use jalon_domain::caseload::Alert;
use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::fse::due;
use jalon_domain::people::plan_bulk_hand_over;
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::supervision::{Figures, Period, PeriodKind, dashboard, participations};
use jalon_domain::sync::Mutation;
use jalon_domain::sync::ReferenceData;
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use uuid::Uuid;

use crate::clock::today;
use crate::components::TopBar;
use crate::i18n::fr;
use crate::list::{self, AgendaEntry, Filters, Holdings, Row, Sort, agenda_entries, rows, select};
use crate::pages::list_export::{ExportList, describe_filters};
use crate::refusals::Refusals;
use crate::state::AppState;
use crate::store::{Rejection, Store, StoreError};

/// Most rows drawn at once; the search narrows the rest.
const MAX_ROWS: usize = 100;
/// Most people listed under each alert of the home screen.
const MAX_PER_ALERT: usize = 8;

struct Loaded {
    /// The `data_version` this was loaded at.
    version: u64,
    rows: Vec<Row>,
    today: Vec<AgendaEntry>,
    rejections: Vec<Rejection>,
    /// The people this device holds.
    on_device: HashSet<Uuid>,
    /// The référents whose people this device holds, by name (the supervisor's filter).
    referents: Vec<(Uuid, String)>,
    /// For a supervisor: this month's and last month's file active, by scheme then in total.
    this_month: Option<Vec<Figures>>,
    /// The six-month FSE situations the user should collect: person, name, what and since when.
    six_months: Vec<(Uuid, String, String)>,
}

async fn load(
    store: &Store,
    reference: Option<ReferenceData>,
    viewer: Option<SessionUser>,
    version: u64,
) -> Result<Loaded, StoreError> {
    let supervisor = viewer.as_ref().filter(|u| u.role == Role::Supervisor);
    let members = reference
        .as_ref()
        .map(|r| r.staff.clone())
        .unwrap_or_default();
    let (staff, schemes): (HashMap<Uuid, String>, Vec<Scheme>) = match reference {
        Some(r) => (
            r.staff
                .into_iter()
                .map(|s| (s.id, s.display_name))
                .collect(),
            r.schemes,
        ),
        None => (HashMap::new(), Scheme::haute_vienne_defaults()),
    };
    let mut people = store.people_as_shown().await?;
    let conflicted: HashSet<Uuid> = store
        .conflicts()
        .await?
        .into_iter()
        .filter(|c| c.is_open())
        .map(|c| c.person_id)
        .collect();
    let enrolments = store.enrolments().await?;
    let shown_items = store.items_as_shown().await?;
    let items: Vec<Item> = shown_items.iter().map(|(i, _)| i.clone()).collect();
    let notes = store.notes().await?;
    let pending = store.pending_people().await?;
    let rejections = store.rejections().await?;
    let by_person: HashMap<Uuid, String> = rejections
        .iter()
        .map(|r| (r.person_id, r.message.clone()))
        .collect();
    let on_device: HashSet<Uuid> = people.iter().map(|p| p.id).collect();
    // Refused creations are not in the caseload; they stay listed with their reason.
    for rejection in &rejections {
        if let Mutation::CreatePerson(creation) = &rejection.mutation
            && !people.iter().any(|p| p.id == creation.person.id)
        {
            people.push(creation.person.clone());
        }
    }
    let day = today();
    let holdings = Holdings {
        people: &people,
        enrolments: &enrolments,
        items: &items,
        notes: &notes,
        pending: &pending,
        conflicted: &conflicted,
        rejections: &by_person,
        staff: &staff,
        schemes: &schemes,
        search_referents: supervisor.is_some(),
    };
    let rows = rows(&holdings, day);
    let mut referents: Vec<(Uuid, String)> = rows
        .iter()
        .filter_map(|r| r.referent_id)
        .collect::<HashSet<Uuid>>()
        .into_iter()
        .map(|id| (id, staff.get(&id).cloned().unwrap_or_default()))
        .collect();
    referents.sort_by(|a, b| a.1.cmp(&b.1));
    // The supervisor's summary: the month so far and the one before, from the replica.
    let this_month = supervisor.and_then(|user| {
        let month = Period::of(PeriodKind::Month, day.year(), u8::from(day.month())).ok()?;
        let two = Period {
            from: month.trend().months().get(10).map_or(month.from, |m| m.0),
            to: month.to,
        };
        let parts = participations(user, &people, &enrolments);
        let board = dashboard(&parts, &[], &schemes, two, day);
        Some(board.schemes.into_iter().chain([board.total]).collect())
    });
    // A purged file has no name to call: the FSE page lists its gap.
    let names: HashMap<Uuid, String> = people
        .iter()
        .filter(|p| !p.is_purged())
        .map(|p| (p.id, p.display_name()))
        .collect();
    let six_months = viewer
        .as_ref()
        .map(|user| due(user, &enrolments, &members, day))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            let name = names.get(&d.person_id)?.clone();
            // A référent's people are all of their scheme; a supervisor's may be of several.
            let scheme = supervisor.map(|_| format!("{} · ", d.scheme.short_name()));
            let text = format!(
                "{}{} · {}",
                scheme.unwrap_or_default(),
                fr::left_on(&format_date_fr(d.exit)),
                fr::to_collect_since(&format_date_fr(d.due_on))
            );
            Some((d.person_id, name, text))
        })
        .collect();
    Ok(Loaded {
        version,
        six_months,
        rows,
        today: agenda_entries(&people, &shown_items, day, day),
        rejections,
        on_device,
        referents,
        this_month,
    })
}

/// While a first sync fills the replica: how far it is, instead of a list still empty.
#[component]
fn FirstSync(progress: RwSignal<Option<(usize, usize)>>) -> impl IntoView {
    let progress = move || progress.get().unwrap_or_default();
    view! {
        <section class="first-sync" data-testid="first-sync" aria-labelledby="first-sync-title">
            <h2 id="first-sync-title">{fr::FIRST_SYNC}</h2>
            <p>{fr::FIRST_SYNC_HELP}</p>
            // Indeterminate until the server has said how many changes come.
            <progress
                max=move || progress().1.max(1)
                value=move || (progress().1 > 0).then(|| progress().0)
                aria-labelledby="first-sync-title"
            ></progress>
            <p class="count" aria-live="polite">
                {move || match progress() {
                    (_, 0) => fr::FIRST_SYNC_STARTING.to_owned(),
                    (stored, total) => fr::first_sync_progress(stored, total),
                }}
            </p>
        </section>
    }
}

#[component]
pub fn CaseloadPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let scheme = RwSignal::new(String::new());
    let status = RwSignal::new("active".to_owned());
    let alert = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort::Name.as_str().to_owned());
    let referent = RwSignal::new(String::new());
    let loaded = LocalResource::new(move || {
        let version = state.data_version.get();
        let reference = state.reference.get();
        let viewer = state.session.get().map(|s| s.user);
        let store = state.store();
        async move { load(&store, reference, viewer, version).await.map(Arc::new) }
    });
    let role = move || state.session.get().map(|s| s.user.role);
    // A first sync's progress shows until the list has read what it stored (then complete).
    let filling = RwSignal::new(None::<(usize, usize)>);
    Effect::new(move |_| {
        if let Some(progress) = state.first_sync.get() {
            filling.set(Some(progress));
            return;
        }
        let read = loaded.get().is_some_and(|l| {
            l.as_ref()
                .map_or(true, |l| l.version == state.data_version.get())
        });
        match filling.get_untracked() {
            Some(_) if read => filling.set(None),
            Some((_, total)) if total > 0 => filling.set(Some((total, total))),
            _ => {}
        }
    });

    let filters = move || Filters {
        query: query.get(),
        scheme: SchemeCode::parse(&scheme.get()),
        referent: Uuid::parse_str(&referent.get()).ok(),
        active: match status.get().as_str() {
            "active" => Some(true),
            "closed" => Some(false),
            _ => None,
        },
        alert: Some(alert.get()).filter(|a| !a.is_empty()),
        sort: Sort::parse(&sort.get()),
    };
    // What the filters keep: recomputed on each keystroke, cheap (see `list::select`).
    let selection = Memo::new(move |_| {
        let Some(Ok(loaded)) = loaded.get() else {
            return (Vec::new(), 0, 0, Vec::new());
        };
        let filters = filters();
        let matching = select(&loaded.rows, &filters);
        let total = matching.len();
        let ids: Vec<Uuid> = matching.iter().filter(|r| r.active).map(|r| r.id).collect();
        let shown: Vec<Row> = matching.into_iter().take(MAX_ROWS).cloned().collect();
        (shown, total, loaded.version, ids)
    });
    // Every row the filters keep (not only those drawn), read when an export is asked for.
    let exported = move || {
        let loaded = loaded.get_untracked()?.ok()?;
        let filters = untrack(filters);
        let kept = select(&loaded.rows, &filters);
        let what = describe_filters(&filters, &loaded.referents);
        Some(list::export(&kept, what))
    };
    let show_followed_by = move || role() != Some(Role::Referent);
    // A supervisor chooses people in the list to hand them over together.
    let chosen = RwSignal::new(HashSet::<Uuid>::new());
    let choosing = move || (role() == Some(Role::Supervisor)).then_some(chosen);
    // Rows are keyed by their content: narrowing a search removes rows without redrawing
    // those that stay, and a sync redraws only the rows it changed — the others keep their
    // element, so a keyboard user's focus in the list survives a background sync.
    // Whether the list could be read: the list below is built once and then follows
    // `selection`, instead of being built again with each load.
    let readable = Memo::new(move |_| {
        loaded
            .get()
            .map(|l| l.map(|_| ()).map_err(|e| e.to_string()))
    });
    let list = move || {
        let readable = readable.get()?;
        Some(match readable {
            Err(e) => view! { <p class="form-error" role="alert">{format!("{} : {e}", fr::READ_FAILED)}</p> }
                .into_any(),
            Ok(_) => view! {
                {move || {
                    let total = selection.with(|s| s.1);
                    view! {
                        <p class="count" role="status">{fr::people_count(total)}</p>
                        {(total == 0).then(|| view! { <p class="empty">{fr::EMPTY_CASELOAD}</p> })}
                    }
                }}
                <ExportList exported />
                <ul class="people">
                    <For
                        each=move || selection.get().0
                        key=|row| row.clone()
                        children=move |row| view! { <PersonRow row show_followed_by=show_followed_by() chosen=choosing() /> }
                    />
                </ul>
                {move || {
                    let total = selection.with(|s| s.1);
                    (total > MAX_ROWS).then(|| view! { <p class="more">{fr::more_results(total - MAX_ROWS)}</p> })
                }}
            }
            .into_any(),
        })
    };
    let home = move || {
        let loaded = loaded.get()?.ok()?;
        Some(view! { <Home loaded /> })
    };

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="caseload">
                <div class="title-row">
                    <h1>
                        {move || match role() {
                            Some(Role::Referent) => fr::MY_CASELOAD,
                            _ => fr::ACTIVE_CASELOAD,
                        }}
                    </h1>
                    <div class="actions">
                        <A href="/agenda" attr:class="button secondary">
                            {fr::AGENDA}
                        </A>
                        <Show when=move || role() == Some(Role::Referent)>
                            <A href="/personnes/nouvelle" attr:class="button">
                                {fr::NEW_PERSON}
                            </A>
                        </Show>
                    </div>
                </div>
                <Show
                    when=move || role() != Some(Role::Administrator)
                    fallback=|| view! { <Redirect path="/admin" /> }
                >
                <Show when=move || filling.get().is_none() fallback=move || view! { <FirstSync progress=filling /> }>
                    {home}
                    <section class="list" aria-label=fr::PEOPLE>
                        <h2>{fr::PEOPLE}</h2>
                        <div class="filters">
                            <div class="search">
                                <label for="search">{fr::SEARCH}</label>
                                <input autocomplete="off"
                                    id="search"
                                    type="search"
                                    placeholder=fr::SEARCH_HINT
                                    prop:value=move || query.get()
                                    on:input=move |ev| query.set(event_target_value(&ev))
                                />
                            </div>
                            <FilterSelect id="filter-scheme" label=fr::SCHEME value=scheme
                                options=SchemeCode::ALL.iter().map(|s| (s.as_str(), s.short_name())).collect() />
                            <Show when=move || role() == Some(Role::Supervisor)>
                                <div class="field">
                                    <label for="filter-referent">{fr::REFERENT}</label>
                                    <select id="filter-referent" prop:value=move || referent.get() on:change=move |ev| referent.set(event_target_value(&ev))>
                                        <option value="">{fr::ALL}</option>
                                        {move || {
                                            let referents = loaded.get().and_then(|l| l.ok()).map(|l| l.referents.clone()).unwrap_or_default();
                                            referents.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()
                                        }}
                                    </select>
                                </div>
                            </Show>
                            <FilterSelect id="filter-status" label=fr::STATUS value=status
                                options=vec![("active", fr::IN_PROGRESS), ("closed", fr::EXITED)] />
                            <FilterSelect id="filter-alert" label=fr::ALERTS value=alert
                                options=vec![
                                    ("any", fr::ANY_ALERT),
                                    ("no_contact", fr::ALERT_NO_CONTACT),
                                    ("contract_missing", fr::ALERT_CONTRACT_MISSING),
                                    ("contract_ending", fr::ALERT_CONTRACT_ENDING),
                                    ("pathway_near_limit", fr::ALERT_PLIE_NEAR),
                                    ("pathway_limit", fr::ALERT_PLIE_LIMIT),
                                    ("duplicate", fr::ALERT_DUPLICATE),
                                    ("pending", fr::ALERT_PENDING),
                                ] />
                            <div class="field">
                                <label for="sort">{fr::SORT_BY}</label>
                                <select id="sort" prop:value=move || sort.get() on:change=move |ev| sort.set(event_target_value(&ev))>
                                    {Sort::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label_fr()}</option> }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <Show when=move || role() == Some(Role::Supervisor)>
                            <HandOver chosen matching=Signal::derive(move || selection.with(|s| s.3.clone())) />
                        </Show>
                        {list}
                    </section>
                </Show>
                </Show>
            </main>
        </Show>
    }
}

/// A filter of the list; its empty choice means "all".
#[component]
fn FilterSelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">{fr::ALL}</option>
                {options.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// An alert of the home screen: its code prefix, title and people (id, name, details).
type AlertGroup = (&'static str, &'static str, Vec<(Uuid, String, String)>);

/// What needs attention: today's appointments, people by alert, changes waiting or refused.
#[component]
fn Home(loaded: Arc<Loaded>) -> impl IntoView {
    let groups: Vec<AlertGroup> = [
        ("no_contact", fr::ALERT_NO_CONTACT),
        ("contract", fr::ALERT_CONTRACTS),
        ("pathway", fr::ALERT_PLIE_NEAR),
        ("duplicate", fr::ALERT_DUPLICATE),
    ]
    .into_iter()
    .map(|(group, title)| {
        let people: Vec<(Uuid, String, String)> = loaded
            .rows
            .iter()
            .filter_map(|r| {
                let matching: Vec<&Alert> = r
                    .alerts
                    .iter()
                    .filter(|a| a.code().starts_with(group))
                    .collect();
                (!matching.is_empty()).then(|| {
                    let text = matching
                        .iter()
                        .map(|a| a.label_fr())
                        .collect::<Vec<_>>()
                        .join(" · ");
                    (r.id, r.name.clone(), text)
                })
            })
            .collect();
        (group, title, people)
    })
    .collect();
    let waiting: Vec<&Row> = loaded.rows.iter().filter(|r| r.pending).collect();
    let waiting: Vec<(Uuid, String)> = waiting.iter().map(|r| (r.id, r.name.clone())).collect();
    let refused = loaded.rejections.clone();
    let on_device = loaded.on_device.clone();
    let six_months = loaded.six_months.clone();
    let today = loaded.today.clone();
    // A supervisor's home opens on the month's figures; the day's appointments of every
    // référent are in the agenda.
    let summary = loaded.this_month.clone().map(|figures| {
        view! {
            <article class="card month-summary" data-testid="month-summary">
                <h2>{fr::THIS_MONTH}</h2>
                <ul>
                    {figures.into_iter().map(|f| {
                        let label = f.scheme.map_or(fr::TOTAL, |s| s.short_name());
                        let now = f.months.last().copied();
                        let before = f.months.len().checked_sub(2).and_then(|i| f.months.get(i)).copied();
                        let text = now.map(|m| fr::file_active_line(m.active as usize, m.rsa as usize, before.map(|b| i64::from(m.active) - i64::from(b.active)))).unwrap_or_default();
                        view! { <li><strong>{label}</strong>" "<span>{text}</span></li> }
                    }).collect_view()}
                </ul>
                <p><A href="/pilotage">{fr::SEE_SUPERVISION}</A></p>
            </article>
        }
    });
    let show_today = summary.is_none();
    view! {
        <section class="home" aria-label=fr::TODAY>
            {summary}
            <article class="card today" hidden=!show_today>
                <h2>{fr::TODAY_APPOINTMENTS}</h2>
                {today.is_empty().then(|| view! { <p class="empty">{fr::NO_APPOINTMENT_TODAY}</p> })}
                <ul>
                    {today.into_iter().map(|entry| {
                        let (time, place, status) = match &entry.item.body {
                            ItemBody::Appointment(a) => (a.time.clone(), a.place.label_fr(), a.status.label_fr()),
                            _ => (String::new(), "", ""),
                        };
                        view! {
                            <li>
                                <strong>{time}</strong>" "
                                <A href=format!("/personne/{}", entry.item.person_id)>{entry.person}</A>
                                <span class="muted">{format!(" · {place} · {status}")}</span>
                                {entry.pending.then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </article>
            {groups.into_iter().map(|(group, title, people)| {
                let count = people.len();
                view! {
                    <article class="card alert-group" data-alert=group>
                        <h2>{format!("{title} ({})", fr::number(count))}</h2>
                        {(count == 0).then(|| view! { <p class="empty">{fr::NOTHING_TO_REPORT}</p> })}
                        <ul>
                            {people.into_iter().take(MAX_PER_ALERT).map(|(id, name, text)| view! {
                                <li><A href=format!("/personne/{id}")>{name}</A><span class="muted">{format!(" · {text}")}</span></li>
                            }).collect_view()}
                        </ul>
                        {(count > MAX_PER_ALERT).then(|| view! { <p class="more">{fr::and_more(count - MAX_PER_ALERT)}</p> })}
                    </article>
                }
            }).collect_view()}
            {(!six_months.is_empty()).then(|| {
                let count = six_months.len();
                view! {
                    <article class="card six-months" data-testid="six-months">
                        <h2>{format!("{} ({})", fr::SIX_MONTHS_TO_COLLECT, fr::number(count))}</h2>
                        <p class="muted">{fr::SIX_MONTHS_HINT}</p>
                        <ul>
                            {six_months.into_iter().take(MAX_PER_ALERT).map(|(id, name, text)| view! {
                                <li><A href=format!("/personne/{id}")>{name}</A><span class="muted">{format!(" · {text}")}</span></li>
                            }).collect_view()}
                        </ul>
                        {(count > MAX_PER_ALERT).then(|| view! { <p class="more">{fr::and_more(count - MAX_PER_ALERT)}</p> })}
                    </article>
                }
            })}
            <article class="card sync-state">
                <h2>{fr::NOT_SYNCED_OR_REFUSED}</h2>
                {(waiting.is_empty() && refused.is_empty()).then(|| view! { <p class="empty">{fr::ALL_SYNCED}</p> })}
                <ul>
                    {waiting.into_iter().map(|(id, name)| view! {
                        <li><A href=format!("/personne/{id}")>{name}</A>" "<span class="badge pending">{fr::NOT_SYNCED}</span></li>
                    }).collect_view()}
                </ul>
                {(!refused.is_empty()).then(|| view! { <Refusals rejections=refused on_device /> })}
            </article>
        </section>
    }
}

/// One person in the list, with their alerts and sync state.
#[component]
fn PersonRow(
    /// The line to draw.
    row: Row,
    /// Show the scheme and référent (for supervisors).
    show_followed_by: bool,
    /// The people chosen for a hand-over, when the viewer may hand people over.
    chosen: Option<RwSignal<HashSet<Uuid>>>,
) -> impl IntoView {
    let id = row.id;
    let choose_label = fr::choose(&row.name);
    let checkbox = chosen.filter(|_| row.active).map(|chosen| {
        view! {
            <input autocomplete="off"
                type="checkbox"
                class="choose"
                aria-label=choose_label
                prop:checked=move || chosen.with(|c| c.contains(&id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    chosen.update(|c| {
                        if on {
                            c.insert(id);
                        } else {
                            c.remove(&id);
                        }
                    });
                }
            />
        }
    });
    view! {
        <li class="person" data-person-id=row.id.to_string()>
            {checkbox}
            <A href=format!("/personne/{}", row.id) attr:class="name">
                {row.name}
            </A>
            <span class="birth">{row.birth_date}</span>
            <span class="commune">{row.commune}</span>
            {row.rsa.then(|| view! { <span class="tag rsa">{fr::RSA}</span> })}
            {(!row.active).then(|| view! { <span class="tag">{fr::EXITED}</span> })}
            {show_followed_by.then(|| row.followed_by.map(|f| view! { <span class="followed-by">{f}</span> }))}
            {row.alerts.iter().map(|a| view! { <span class="badge alert" data-alert=a.code()>{a.label_fr()}</span> }).collect_view()}
            {row.pending.then(|| view! { <span class="badge pending">{fr::NOT_SYNCED}</span> })}
            {row.conflict.then(|| view! { <span class="badge rejected">{fr::CONFLICT}</span> })}
            {row
                .rejection
                .map(|message| {
                    view! {
                        <span class="badge rejected" title=message.clone()>
                            {format!("{} : {message}", fr::REJECTED)}
                        </span>
                    }
                })}
        </li>
    }
}

/// The supervisor's bulk hand-over: the people chosen in the list go to one référent of their
/// scheme, offline like every change (one outbox entry each, written together), checked by the
/// domain's rules here and again by the server.
#[component]
fn HandOver(chosen: RwSignal<HashSet<Uuid>>, matching: Signal<Vec<Uuid>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let target = RwSignal::new(String::new());
    let effective = RwSignal::new(jalon_domain::text::format_iso_date(today()));
    let errors = RwSignal::new(jalon_domain::Invalid::default());
    let message = RwSignal::new(None::<(bool, String)>);
    let referents = move || {
        let supervised = state
            .session
            .get()
            .map(|s| s.user.supervised_schemes)
            .unwrap_or_default();
        let mut staff: Vec<StaffMember> = state
            .reference
            .get()
            .map(|r| r.staff)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| {
                s.active
                    && s.role == Role::Referent
                    && s.scheme.is_some_and(|c| supervised.contains(&c))
            })
            .collect();
        staff.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        staff
    };
    let hand_over = move |_| {
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        let people: Vec<Uuid> = chosen.get_untracked().into_iter().collect();
        let to = Uuid::parse_str(&target.get_untracked()).ok();
        let member = to.and_then(|id| {
            state
                .reference
                .get_untracked()
                .and_then(|r| r.staff.into_iter().find(|s| s.id == id))
        });
        let mut invalid = jalon_domain::Invalid::default();
        let on = crate::forms::required_date("effective", &effective.get_untracked(), &mut invalid);
        errors.set(invalid);
        let Some(on) = on else {
            message.set(None);
            return;
        };
        let store = state.store();
        leptos::task::spawn_local(async move {
            let enrolments = match store.enrolments().await {
                Ok(enrolments) => enrolments,
                Err(e) => {
                    message.set(Some((false, format!("{} : {e}", fr::READ_FAILED))));
                    return;
                }
            };
            let planned = match plan_bulk_hand_over(
                &session.user,
                &people,
                &enrolments,
                member.as_ref(),
                Some(on),
                today(),
            ) {
                Ok(planned) => planned,
                Err(invalid) => {
                    message.set(Some((false, invalid.to_string())));
                    return;
                }
            };
            let Some(member) = member else { return };
            if planned.is_empty() {
                message.set(Some((true, fr::ALREADY_FOLLOWED.to_owned())));
                return;
            }
            match store.change_referents(&planned, member.id, Some(on)).await {
                Ok(()) => {
                    message.set(Some((
                        true,
                        fr::handed_over(planned.len(), &member.display_name),
                    )));
                    chosen.set(HashSet::new());
                    state.data_changed();
                    state.request_sync();
                }
                Err(e) => message.set(Some((false, format!("{} : {e}", fr::SAVE_FAILED)))),
            }
        });
    };
    view! {
        <details class="hand-over-bulk">
            <summary>{fr::BULK_HAND_OVER}</summary>
            <p class="muted">{fr::BULK_HAND_OVER_HELP}</p>
            <p role="status">{move || fr::chosen_count(chosen.with(HashSet::len))}</p>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| chosen.set(matching.get().into_iter().collect())>
                    {move || fr::choose_all(matching.with(Vec::len))}
                </button>
                <button type="button" class="secondary" on:click=move |_| chosen.set(HashSet::new())>{fr::CHOOSE_NONE}</button>
            </div>
            <div class="field">
                <label for="hand-over-to">{fr::NEW_REFERENT}</label>
                <select id="hand-over-to" prop:value=move || target.get() on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || referents().into_iter().map(|s| {
                        let label = format!("{} · {}", s.display_name, s.scheme.map_or("", |c| c.short_name()));
                        view! { <option value=s.id.to_string()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <crate::components::TextField id="effective" label=fr::EFFECTIVE_DATE value=effective errors kind="date" />
            <button type="button" on:click=hand_over>{fr::HAND_OVER_CHOSEN}</button>
            {move || message.get().map(|(ok, text)| view! {
                <p class=if ok { "notice" } else { "form-error" } role=if ok { "status" } else { "alert" }>{text}</p>
            })}
        </details>
    }
}
