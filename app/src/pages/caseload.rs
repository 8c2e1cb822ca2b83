//! `/`: the people on this device — a référent's caseload, a supervisor's active caseload.

use std::collections::HashMap;
use std::sync::Arc;

use jalon_domain::auth::Role;
use jalon_domain::communes;
use jalon_domain::people::EnrolmentStatus;
use jalon_domain::text::{fold, format_date_fr};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use uuid::Uuid;

use crate::components::TopBar;
use crate::i18n::fr;
use crate::state::AppState;
use crate::store::{Store, StoreError};

/// Most rows drawn at once; the search narrows the rest.
const MAX_ROWS: usize = 200;

/// One line of the list, computed from the store.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: Uuid,
    name: String,
    birth_date: String,
    commune: String,
    rsa: bool,
    /// Who follows the person (shown to supervisors) and in which scheme.
    followed_by: Option<String>,
    pending: bool,
    /// An open conflict waits for someone to choose a value.
    conflict: bool,
    rejection: Option<String>,
    /// Folded name and commune, for accent-insensitive search.
    search_key: String,
    sort_key: (String, String),
}

async fn load_rows(store: &Store, staff: HashMap<Uuid, String>) -> Result<Vec<Row>, StoreError> {
    let people = store.people_as_shown().await?;
    let conflicted: std::collections::HashSet<Uuid> = store
        .conflicts()
        .await?
        .into_iter()
        .filter(|c| c.is_open())
        .map(|c| c.person_id)
        .collect();
    let enrolments = store.enrolments().await?;
    let pending = store.pending_people().await?;
    let rejected = store.rejections().await?;
    let rejections: HashMap<Uuid, String> = rejected
        .iter()
        .map(|r| (r.person_id, r.message.clone()))
        .collect();
    // Refused creations are not in the caseload; they stay listed with their reason.
    let mut people = people;
    for rejection in &rejected {
        if let jalon_domain::sync::Mutation::CreatePerson(creation) = &rejection.mutation
            && !people.iter().any(|p| p.id == creation.person.id)
        {
            people.push(creation.person.clone());
        }
    }
    let active: HashMap<Uuid, _> = enrolments
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Active)
        .map(|e| (e.person_id, e))
        .collect();
    let mut rows: Vec<Row> = people
        .into_iter()
        .map(|p| {
            let commune = communes::by_code(&p.commune_code)
                .map_or_else(|| p.commune_code.clone(), |c| c.name.to_owned());
            let followed_by = active.get(&p.id).map(|e| {
                let who = staff.get(&e.referent_id).cloned().unwrap_or_default();
                format!("{} · {}", e.scheme.short_name(), who)
            });
            Row {
                id: p.id,
                name: p.display_name(),
                birth_date: format_date_fr(p.birth_date),
                search_key: fold(&format!("{} {} {commune}", p.last_name, p.first_name)),
                sort_key: (fold(&p.last_name), fold(&p.first_name)),
                commune,
                rsa: p.rsa_beneficiary,
                followed_by,
                pending: pending.contains(&p.id),
                conflict: conflicted.contains(&p.id),
                rejection: rejections.get(&p.id).cloned(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    Ok(rows)
}

#[component]
pub fn CaseloadPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let rows = LocalResource::new(move || {
        state.data_version.track();
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
        let store = state.store();
        async move { load_rows(&store, staff).await.map(Arc::new) }
    });
    let role = move || state.session.get().map(|s| s.user.role);

    let list = move || {
        let loaded = rows.get()?;
        Some(match loaded {
            Err(e) => view! { <p class="form-error" role="alert">{format!("{} : {e}", fr::SAVE_FAILED)}</p> }
                .into_any(),
            Ok(rows) => {
                let needle = fold(query.get().trim());
                let matching: Vec<&Row> = rows
                    .iter()
                    .filter(|r| needle.is_empty() || r.search_key.contains(&needle))
                    .collect();
                let total = matching.len();
                let shown: Vec<Row> = matching.into_iter().take(MAX_ROWS).cloned().collect();
                let show_followed_by = role() != Some(Role::Referent);
                view! {
                    <p class="count" role="status">{fr::people_count(total)}</p>
                    {(total == 0).then(|| view! { <p class="empty">{fr::EMPTY_CASELOAD}</p> })}
                    <ul class="people">
                        {shown
                            .into_iter()
                            .map(|row| view! { <PersonRow row show_followed_by /> })
                            .collect_view()}
                    </ul>
                    {(total > MAX_ROWS).then(|| view! { <p class="more">{fr::more_results(total - MAX_ROWS)}</p> })}
                }
                    .into_any()
            }
        })
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
                    <Show when=move || role() == Some(Role::Referent)>
                        <A href="/personnes/nouvelle" attr:class="button">
                            {fr::NEW_PERSON}
                        </A>
                    </Show>
                </div>
                <Show
                    when=move || role() != Some(Role::Administrator)
                    fallback=|| view! { <p class="empty">{fr::NO_CASELOAD}</p> }
                >
                    <div class="search">
                        <label for="search">{fr::SEARCH}</label>
                        <input
                            id="search"
                            type="search"
                            placeholder=fr::SEARCH_HINT
                            prop:value=move || query.get()
                            on:input=move |ev| query.set(event_target_value(&ev))
                        />
                    </div>
                    {list}
                </Show>
            </main>
        </Show>
    }
}

/// One person in the list, with their sync state.
#[component]
fn PersonRow(
    /// The line to draw.
    row: Row,
    /// Show the scheme and référent (for supervisors).
    show_followed_by: bool,
) -> impl IntoView {
    view! {
        <li class="person" data-person-id=row.id.to_string()>
            <A href=format!("/personne/{}", row.id) attr:class="name">
                {row.name}
            </A>
            <span class="birth">{row.birth_date}</span>
            <span class="commune">{row.commune}</span>
            {row.rsa.then(|| view! { <span class="tag rsa">{fr::RSA}</span> })}
            {show_followed_by.then(|| row.followed_by.map(|f| view! { <span class="followed-by">{f}</span> }))}
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
