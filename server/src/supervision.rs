//! `GET /api/supervision`: the dashboard of a period, computed by the same domain functions
//! the app runs on its replica, over the same records a first pull would bring; and its
//! tables as an XLSX workbook.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jalon_domain::auth::Role;
use jalon_domain::followup::Item;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::supervision::{
    Cell, Dashboard, ListExport, Period, Table, activity, dashboard, participations, tables,
};
use jalon_domain::sync::Record;
use jalon_domain::text::{format_date_fr, parse_iso_date};
use jalon_domain::{FieldError, Invalid};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CurrentUser, now_unix};
use crate::db;
use crate::error::ApiError;
use crate::routes::{ApiJson, today};

#[derive(Deserialize)]
pub struct DashboardQuery {
    from: String,
    to: String,
    /// `arpe`, `plie`, `global`; every scheme when absent (XLSX export only).
    #[serde(default)]
    scheme: Option<String>,
}

/// The period `from`–`to` (ISO dates) as the dashboard and the exports accept it.
pub(crate) fn period(from: &str, to: &str) -> Result<Period, ApiError> {
    let date = |field: &str, value: &str| {
        parse_iso_date(value).ok_or_else(|| {
            ApiError::Validation(Invalid::single(FieldError::new(
                field,
                "invalid_date",
                "Date invalide (AAAA-MM-JJ attendu).",
            )))
        })
    };
    Period {
        from: date("from", from)?,
        to: date("to", to)?,
    }
    .check(today())
    .map_err(ApiError::Validation)
}

/// The records of `current`'s scope, by kind: what their device holds after a first pull.
pub(crate) struct Holdings {
    pub people: Vec<Person>,
    pub enrolments: Vec<Enrolment>,
    pub items: Vec<Item>,
    pub notes: Vec<Note>,
}

pub(crate) async fn holdings(
    state: &AppState,
    current: &CurrentUser,
) -> Result<Holdings, ApiError> {
    let mut held = Holdings {
        people: Vec::new(),
        enrolments: Vec::new(),
        items: Vec::new(),
        notes: Vec::new(),
    };
    for record in state.db.scope_records(&current.user).await? {
        match record {
            Record::Person(p) => held.people.push(p),
            Record::Enrolment(e) => held.enrolments.push(e),
            Record::Item(i) => held.items.push(i),
            Record::Note(n) => held.notes.push(n),
            Record::Conflict(_)
            | Record::Agreement(_)
            | Record::PartnerAgreement(_)
            | Record::Envelope(_)
            | Record::CofinancingPlan(_) => {}
        }
    }
    Ok(held)
}

/// The dashboard of the query's period and the one of its trend, over `user`'s records.
async fn compute(
    state: &AppState,
    current: &CurrentUser,
    query: &DashboardQuery,
) -> Result<(Dashboard, Dashboard), ApiError> {
    if current.user.role == Role::Administrator {
        return Err(ApiError::Forbidden);
    }
    let today = today();
    let period = period(&query.from, &query.to)?;
    let held = holdings(state, current).await?;
    let schemes = state.db.schemes().await?;
    let parts = participations(&current.user, &held.people, &held.enrolments);
    let facts = activity(&held.items, &held.notes);
    let board = dashboard(&parts, &facts, &schemes, period, today);
    let trend = if period.trend() == period {
        board.clone()
    } else {
        dashboard(&parts, &facts, &schemes, period.trend(), today)
    };
    Ok((board, trend))
}

/// `GET /api/supervision?from=…&to=…`: the dashboard of a period.
#[utoipa::path(
    get, path = "/api/supervision", tag = "supervision",
    params(
        ("from" = time::Date, Query, description = "First day of the period"),
        ("to" = time::Date, Query, description = "Last day of the period"),
        ("scheme" = Option<String>, Query, description = "`arpe`, `plie` or `global`; every scheme allowed when absent"),
    ),
    responses((status = 200, description = "The figures of the period and its trend", body = jalon_domain::supervision::Dashboard)),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Json<Dashboard>, ApiError> {
    let Query(query) = query?;
    let (board, _) = compute(&state, &current, &query).await?;
    Ok(Json(board))
}

/// `GET /api/supervision.xlsx?from=…&to=…&scheme=…`: the dashboard's tables as a workbook,
/// one sheet per table, numbers as numbers. Audited.
#[utoipa::path(
    get, path = "/api/supervision.xlsx", tag = "supervision",
    params(
        ("from" = time::Date, Query, description = "First day of the period"),
        ("to" = time::Date, Query, description = "Last day of the period"),
        ("scheme" = Option<String>, Query, description = "`arpe`, `plie` or `global`; every scheme allowed when absent"),
    ),
    responses((status = 200, description = "The figures as a spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::openapi::Binary)),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn xlsx(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let shown = match query.scheme.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(SchemeCode::parse(code).ok_or_else(|| {
            ApiError::Validation(Invalid::single(FieldError::new(
                "scheme",
                "unknown_scheme",
                "Dispositif inconnu.",
            )))
        })?),
    };
    let (board, trend) = compute(&state, &current, &query).await?;
    let names: HashMap<Uuid, String> = state
        .db
        .staff()
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let tables = tables(&board, &trend, shown, |id| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "Référent inconnu".to_owned())
    });
    let bytes = workbook(&tables).map_err(|e| ApiError::internal(e.to_string()))?;
    let what = format!(
        "Pilotage (XLSX), du {} au {}, {}",
        format_date_fr(board.period.from),
        format_date_fr(board.period.to),
        shown.map_or("Tous les dispositifs", |s| s.short_name())
    );
    let file = format!(
        "jalon-pilotage-{}-{}.xlsx",
        board.period.from, board.period.to
    );
    audited_workbook(&state, &current, bytes, &what, &file).await
}

/// `POST /api/exports/people.xlsx`: the list of people as the user sees it with its filters,
/// sent by the app (which builds it from its replica, offline too), written as a workbook.
/// Audited with the number of lines and what the app says of the list.
#[utoipa::path(
    post, path = "/api/exports/people.xlsx", tag = "supervision",
    request_body = ListExport,
    responses(
        (status = 200, description = "The list as a spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::openapi::Binary),
        (status = 422, description = "A list outside its bounds", body = crate::openapi::ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn people_xlsx(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(export): ApiJson<ListExport>,
) -> Result<Response, ApiError> {
    if current.user.role == Role::Administrator {
        return Err(ApiError::Forbidden);
    }
    export.check().map_err(ApiError::Validation)?;
    let table = export.table("personnes", "Liste des personnes");
    let bytes = workbook(&[table]).map_err(|e| ApiError::internal(e.to_string()))?;
    let what = format!(
        "Liste des personnes (XLSX), {} ligne(s) : {}",
        export.rows.len(),
        export.what
    );
    let file = format!("jalon-personnes-{}.xlsx", today());
    audited_workbook(&state, &current, bytes, &what, &file).await
}

/// A workbook as a download, its export recorded in the audit log with who, from which
/// device, and `what`.
pub(crate) async fn audited_workbook(
    state: &AppState,
    current: &CurrentUser,
    bytes: Vec<u8>,
    what: &str,
    file: &str,
) -> Result<Response, ApiError> {
    let mut tx = state.db.begin_write().await?;
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: now_unix(),
            user_id: Some(current.user.id),
            device_id: Some(current.device_id),
            action: "export.xlsx",
            person_id: None,
            detail: what,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One sheet per table: a bold header row, numbers as numbers (one decimal for averages and
/// shares), text as text.
pub(crate) fn workbook(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    let tenths = Format::new().set_num_format("0.0");
    let money = Format::new().set_num_format("#,##0.00\\ \"€\"");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(table.id))?;
        for (col, header) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, header, &bold)?;
            sheet.set_column_width(col as u16, if col == 0 { 28 } else { 16 })?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(text) => sheet.write_string(r, col, text)?,
                    Cell::Count(n) => sheet.write_number(r, col, f64::from(*n))?,
                    Cell::Decimal(x) | Cell::Percent(Some(x)) => sheet.write_number_with_format(
                        r,
                        col,
                        (x * 10.0).round() / 10.0,
                        &tenths,
                    )?,
                    Cell::Percent(None) => sheet.write_string(r, col, "")?,
                    Cell::Euros(cents) => {
                        sheet.write_number_with_format(r, col, *cents as f64 / 100.0, &money)?
                    }
                };
            }
        }
    }
    book.save_to_buffer()
}

/// Sheet names (31 characters at most, no `/`).
fn sheet_name(id: &str) -> &'static str {
    match id {
        "synthese" => "Synthèse",
        "file-active" => "File active mensuelle",
        "sorties" => "Sorties par motif",
        "suivi" => "Délais et suivi",
        "portefeuilles" => "Portefeuilles",
        "couts" => "Coûts des dispositifs",
        "cofinancement" => "Répartition des financeurs",
        "personnes" => "Liste des personnes",
        "fse" => "Participants FSE",
        "fse-anomalies" => "Données manquantes",
        _ => "Tableau",
    }
}
