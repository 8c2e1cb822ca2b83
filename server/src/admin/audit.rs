//! The audit log, searched by person, user, period and action, and exported as CSV.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use jalon_domain::admin::audit::{AuditEvent, AuditQuery, action_label_fr};
use serde::{Deserialize, Serialize};

use super::record;
use crate::AppState;
use crate::auth::Admin;
use crate::db;
use crate::error::ApiError;

/// Events per page of the search.
const PAGE: i64 = 200;
/// Most events in one export.
const MAX_EXPORT: i64 = 100_000;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(flatten)]
    pub query: AuditQuery,
    #[serde(default)]
    pub offset: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub events: Vec<AuditEvent>,
    pub total: i64,
    pub offset: i64,
}

fn check(query: &AuditQuery) -> Result<(), ApiError> {
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to < from
    {
        return Err(ApiError::BadRequest {
            code: "invalid_period",
            message: "La fin de la période précède son début.".into(),
        });
    }
    Ok(())
}

#[utoipa::path(
    get, path = "/api/admin/audit", tag = "admin",
    params(
        ("person" = Option<uuid::Uuid>, Query, description = "Events about this person"),
        ("user" = Option<uuid::Uuid>, Query, description = "Events by this account"),
        ("from" = Option<time::Date>, Query, description = "From this day"),
        ("to" = Option<time::Date>, Query, description = "To this day"),
        ("action" = Option<String>, Query, description = "This action only, e.g. `person.view`"),
        ("offset" = Option<i64>, Query, description = "Events to skip (pages of 200)"),
    ),
    responses((status = 200, description = "A page of the audit log, newest first", body = Page)),
)]
pub async fn search(
    State(state): State<AppState>,
    Admin(_): Admin,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let Query(SearchQuery { query, offset }) = query?;
    check(&query)?;
    let offset = offset.max(0);
    let mut tx = state.db.begin_read().await?;
    let (events, total) = db::audit::search(&mut tx, &query, PAGE, offset).await?;
    tx.rollback().await?;
    Ok(Json(Page {
        events,
        total,
        offset,
    }))
}

/// A field of a `;`-separated CSV line.
pub(crate) fn csv_field(value: &str) -> String {
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Unix seconds as an ISO date and time (UTC).
fn iso(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The events matching the query as CSV (UTF-8 with BOM, `;`, ISO dates): what French
/// spreadsheets open directly. The export itself is audited.
#[utoipa::path(
    get, path = "/api/admin/audit.csv", tag = "admin",
    params(
        ("person" = Option<uuid::Uuid>, Query, description = "Events about this person"),
        ("user" = Option<uuid::Uuid>, Query, description = "Events by this account"),
        ("from" = Option<time::Date>, Query, description = "From this day"),
        ("to" = Option<time::Date>, Query, description = "To this day"),
        ("action" = Option<String>, Query, description = "This action only"),
    ),
    responses((status = 200, description = "The events as CSV (the export is itself audited)", content_type = "text/csv", body = String)),
)]
pub async fn export(
    State(state): State<AppState>,
    Admin(admin): Admin,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(query) = query?;
    check(&query)?;
    let mut tx = state.db.begin_write().await?;
    let (events, _) = db::audit::search(&mut tx, &query, MAX_EXPORT, 0).await?;
    record(&mut tx, &admin, "audit.export", &events.len().to_string()).await?;
    tx.commit().await?;
    let mut csv = String::from(
        "\u{feff}date;utilisateur;id_utilisateur;appareil;action;libelle;id_personne;detail\r\n",
    );
    for e in &events {
        let fields = [
            iso(e.at),
            e.user_name.clone(),
            e.user_id.map(|u| u.to_string()).unwrap_or_default(),
            e.device_id.map(|d| d.to_string()).unwrap_or_default(),
            e.action.clone(),
            action_label_fr(&e.action).to_owned(),
            e.person_id.map(|p| p.to_string()).unwrap_or_default(),
            e.detail.clone(),
        ];
        csv.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(";"),
        );
        csv.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"journal-audit.csv\"",
            ),
        ],
        csv,
    ))
}
