//! `GET /api/supervision`: the dashboard of a period, computed by the same domain functions
//! the app runs on its replica, over the same records a first pull would bring.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use jalon_domain::auth::Role;
use jalon_domain::followup::Item;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::supervision::{Dashboard, Period, activity, dashboard, participations};
use jalon_domain::sync::Record;
use jalon_domain::text::parse_iso_date;
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::today;

#[derive(Deserialize)]
pub struct DashboardQuery {
    from: String,
    to: String,
}

#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Json<Dashboard>, ApiError> {
    let Query(query) = query?;
    if current.user.role == Role::Administrator {
        return Err(ApiError::Forbidden);
    }
    let date = |field: &str, value: &str| {
        parse_iso_date(value).ok_or_else(|| {
            ApiError::Validation(Invalid::single(FieldError::new(
                field,
                "invalid_date",
                "Date invalide (AAAA-MM-JJ attendu).",
            )))
        })
    };
    let today = today();
    let period = Period {
        from: date("from", &query.from)?,
        to: date("to", &query.to)?,
    }
    .check(today)
    .map_err(ApiError::Validation)?;
    let mut people: Vec<Person> = Vec::new();
    let mut enrolments: Vec<Enrolment> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    for record in state.db.scope_records(&current.user).await? {
        match record {
            Record::Person(p) => people.push(p),
            Record::Enrolment(e) => enrolments.push(e),
            Record::Item(i) => items.push(i),
            Record::Note(n) => notes.push(n),
            Record::Conflict(_) => {}
        }
    }
    let schemes = state.db.schemes().await?;
    let parts = participations(&current.user, &people, &enrolments);
    let facts = activity(&items, &notes);
    Ok(Json(dashboard(&parts, &facts, &schemes, period, today)))
}
