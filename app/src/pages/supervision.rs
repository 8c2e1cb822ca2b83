//! `/pilotage`: the figures of a period — monthly file active and its RSA subset, entries,
//! exits by reason, portfolios — computed here from the replica (offline too) by the domain's
//! functions, the ones the server runs for `GET /api/supervision`. Every chart has its table,
//! and every table a CSV export.

use std::collections::HashMap;

use jalon_domain::auth::Role;
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::supervision::{
    Cell, Dashboard, FIRST_YEAR, Figures, Period, PeriodKind, Table, activity, dashboard, month_fr,
    participations, shown_figures, tables,
};
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use time::Date;
use uuid::Uuid;

use crate::clock::today;
use crate::components::{ReadFailed, TopBar, download, fetch_workbook};
use crate::i18n::fr;
use crate::state::AppState;
use crate::store::StoreError;

#[derive(PartialEq)]
struct Loaded {
    /// The period's dashboard and the one of its trend (see `Period::trend`).
    board: Result<(Dashboard, Dashboard), String>,
    names: HashMap<Uuid, String>,
}

#[component]
pub fn SupervisionPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let day = today();
    let kind = RwSignal::new("month".to_owned());
    let year = RwSignal::new(day.year().to_string());
    let month = RwSignal::new(u8::from(day.month()).to_string());
    let quarter = RwSignal::new(((u8::from(day.month()) - 1) / 3 + 1).to_string());
    let scheme = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);

    // The replica, read again whenever the local data changes.
    let replica = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move {
            let people = store.people().await?;
            let enrolments = store.enrolments().await?;
            let items = store.items().await?;
            let notes = store.notes().await?;
            Ok::<_, StoreError>((people, enrolments, activity(&items, &notes)))
        }
    });
    let unread = Signal::derive(move || replica.get().and_then(|r| r.err()).map(|e| e.to_string()));
    let period = move || {
        let kind = match kind.get().as_str() {
            "quarter" => PeriodKind::Quarter,
            "year" => PeriodKind::Year,
            _ => PeriodKind::Month,
        };
        let index = match kind {
            PeriodKind::Quarter => quarter.get(),
            _ => month.get(),
        };
        let year: i32 = year.get().parse().unwrap_or(FIRST_YEAR);
        Period::of(kind, year, index.parse().unwrap_or(0))
            .and_then(|p| p.check(today()))
            .map_err(|invalid| invalid.to_string())
    };
    let loaded = Memo::new(move |_| {
        let (people, enrolments, facts) = replica.get()?.ok()?;
        let session = state.session.get()?;
        let reference = state.reference.get();
        let (schemes, names) = match reference {
            Some(r) => (
                r.schemes,
                r.staff
                    .into_iter()
                    .map(|s| (s.id, s.display_name))
                    .collect(),
            ),
            None => (Scheme::haute_vienne_defaults(), HashMap::new()),
        };
        let parts = participations(&session.user, &people, &enrolments);
        let board = period().map(|p| {
            let board = dashboard(&parts, &facts, &schemes, p, today());
            let trend = if p.trend() == p {
                board.clone()
            } else {
                dashboard(&parts, &facts, &schemes, p.trend(), today())
            };
            (board, trend)
        });
        Some(std::sync::Arc::new(Loaded { board, names }))
    });
    let shown = move || SchemeCode::parse(&scheme.get());
    let tables = Memo::new(move |_| {
        let loaded = loaded.get()?;
        let (board, trend) = loaded.board.as_ref().ok()?;
        let names = &loaded.names;
        Some(tables(board, trend, shown(), |id| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| fr::UNKNOWN_REFERENT.to_owned())
        }))
    });
    let chart_figures = Memo::new(move |_| {
        let loaded = loaded.get()?;
        let (_, trend) = loaded.board.as_ref().ok()?;
        Some(
            shown_figures(trend, shown())
                .into_iter()
                .cloned()
                .collect::<Vec<Figures>>(),
        )
    });
    let schemes_present = move || {
        loaded
            .get()
            .and_then(|l| {
                l.board.as_ref().ok().map(|(b, _)| {
                    b.schemes
                        .iter()
                        .filter_map(|f| f.scheme)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let error = move || loaded.get().and_then(|l| l.board.as_ref().err().cloned());
    let allowed = move || {
        state
            .session
            .get()
            .is_some_and(|s| s.user.role != Role::Administrator)
    };
    let this_year = day.year();
    // The workbook comes from the server (same figures, same functions): online only.
    let exporting = RwSignal::new(false);
    let export_xlsx = move |_| {
        let Some(board) = loaded
            .get_untracked()
            .and_then(|l| l.board.as_ref().ok().map(|(b, _)| b.period))
        else {
            return;
        };
        let scheme = scheme.get_untracked();
        let path = format!(
            "/supervision.xlsx?from={}&to={}&scheme={scheme}",
            board.from, board.to
        );
        let file = format!("jalon-pilotage-{}-{}.xlsx", board.from, board.to);
        fetch_workbook(state, path, file, exporting, message);
    };
    // The period and schemes of the figures, as the audit log records an export.
    let describe = move || {
        let period = loaded
            .get()
            .and_then(|l| l.board.as_ref().ok().map(|(b, _)| b.period))
            .map(|p| format!("du {} au {}", format_date_fr(p.from), format_date_fr(p.to)))
            .unwrap_or_default();
        let schemes = shown().map_or(fr::ALL_SCHEMES, |s| s.short_name());
        format!("{period}, {schemes}")
    };

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="supervision">
                <p class="no-print"><A href="/">{fr::BACK_TO_LIST}</A></p>
                <h1>{fr::SUPERVISION}</h1>
                <ReadFailed error=unread />
                <Show when=allowed fallback=|| view! { <p class="notice">{fr::SUPERVISION_NOT_FOR_ADMIN}</p> }>
                    <p class="muted">{fr::SUPERVISION_HELP}</p>
                    <Show when=move || state.session.get().is_some_and(|s| s.user.role == Role::Supervisor)>
                        <p class="no-print"><A href="/pilotage/fse">{fr::FSE_FILE}</A></p>
                    </Show>
                    <Show when=move || state.session.get().is_some_and(|s| s.user.role == Role::Supervisor)>
                        <AgreementAlerts />
                    </Show>
                    <form autocomplete="off" class="period no-print" on:submit=|ev| ev.prevent_default()>
                        <div class="field">
                            <label for="period-kind">{fr::PERIOD}</label>
                            <select id="period-kind" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                                <option value="month">{fr::MONTH}</option>
                                <option value="quarter">{fr::QUARTER}</option>
                                <option value="year">{fr::YEAR}</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="period-year">{fr::YEAR}</label>
                            <select id="period-year" prop:value=move || year.get() on:change=move |ev| year.set(event_target_value(&ev))>
                                {(FIRST_YEAR..=this_year).rev().map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
                            </select>
                        </div>
                        <Show when=move || kind.get() == "month">
                            <div class="field">
                                <label for="period-month">{fr::MONTH}</label>
                                <select id="period-month" prop:value=move || month.get() on:change=move |ev| month.set(event_target_value(&ev))>
                                    {(1..=12u8).map(|m| {
                                        let name = month_fr(Date::from_calendar_date(2000, time::Month::try_from(m).unwrap_or(time::Month::January), 1).unwrap_or(Date::MIN));
                                        let name = name.trim_end_matches(" 2000").to_owned();
                                        view! { <option value=m.to_string()>{name}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        </Show>
                        <Show when=move || kind.get() == "quarter">
                            <div class="field">
                                <label for="period-quarter">{fr::QUARTER}</label>
                                <select id="period-quarter" prop:value=move || quarter.get() on:change=move |ev| quarter.set(event_target_value(&ev))>
                                    {(1..=4u8).map(|q| view! { <option value=q.to_string()>{fr::quarter(q)}</option> }).collect_view()}
                                </select>
                            </div>
                        </Show>
                        <div class="field">
                            <label for="period-scheme">{fr::SCHEME}</label>
                            <select id="period-scheme" prop:value=move || scheme.get() on:change=move |ev| scheme.set(event_target_value(&ev))>
                                <option value="">{fr::ALL_SCHEMES}</option>
                                {move || schemes_present().into_iter().map(|s| view! { <option value=s.as_str()>{s.short_name()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="button" class="secondary" on:click=move |_| {
                            if let Some(window) = web_sys::window() {
                                let _ = window.print();
                            }
                        }>{fr::PRINT}</button>
                        <button type="button" class="secondary" on:click=export_xlsx disabled=move || exporting.get()>
                            {fr::EXPORT_XLSX}
                        </button>
                    </form>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <p role="status">{move || message.get()}</p>
                    {move || chart_figures.get().map(|figures| view! { <FileActiveChart figures /> })}
                    {move || {
                        let scope = describe();
                        tables.get().map(|tables| tables.into_iter().map(|table| {
                            let what = format!("Pilotage — {}, {scope}", table.title);
                            view! { <DataTable table what message /> }
                        }).collect_view())
                    }}
                </Show>
            </main>
        </Show>
    }
}

/// A table of the dashboard with its CSV export (recorded for the audit log; `what` says
/// which table, period and schemes).
#[component]
pub(super) fn DataTable(
    table: Table,
    what: String,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let csv = table.csv();
    let file = format!("jalon-{}.csv", table.id);
    let heading = format!("table-{}", table.id);
    let (labelled_by, test_id) = (heading.clone(), heading.clone());
    view! {
        <section class="figures" aria-labelledby=labelled_by data-testid=test_id>
            <div class="title-row">
                <h2 id=heading>{table.title.clone()}</h2>
                <button type="button" class="secondary no-print" on:click=move |_| {
                    match download(&file, "text/csv;charset=utf-8", &csv) {
                        Ok(()) => {
                            let what = what.clone();
                            leptos::task::spawn_local(async move {
                                let at = crate::clock::now_unix();
                                // The export is in the audit log once the server has it.
                                state.saved(state.store().record_export(&what, at).await);
                            });
                        }
                        Err(e) => message.set(Some(e)),
                    }
                }>{fr::EXPORT_CSV}</button>
            </div>
            <div class="table-scroll">
                <table>
                    <thead>
                        <tr>{table.headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {table.rows.iter().map(|row| view! {
                            <tr>
                                {row.iter().enumerate().map(|(i, cell)| {
                                    let text = cell.display();
                                    let class = matches!(cell, Cell::Text(_)).then_some("text");
                                    if i == 0 {
                                        view! { <th scope="row">{text}</th> }.into_any()
                                    } else {
                                        view! { <td class=class>{text}</td> }.into_any()
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Lines of the monthly file active, one per scheme and the total. Decorative for assistive
/// technologies: the table "File active mensuelle" holds the same figures.
#[component]
fn FileActiveChart(figures: Vec<Figures>) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 240.0;
    const PAD: f64 = 40.0;
    let months = figures.first().map_or(0, |f| f.months.len());
    let max = figures
        .iter()
        .flat_map(|f| f.months.iter().map(|m| m.active))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = move |i: usize| {
        if months <= 1 {
            W / 2.0
        } else {
            PAD + (W - 2.0 * PAD) * i as f64 / (months - 1) as f64
        }
    };
    let y = move |v: u32| H - PAD / 2.0 - (H - PAD) * f64::from(v) / f64::from(max);
    let lines = figures
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let points: Vec<String> = f
                .months
                .iter()
                .enumerate()
                .map(|(i, m)| format!("{:.1},{:.1}", x(i), y(m.active)))
                .collect();
            let class = format!("line line-{}", f.scheme.map_or("total", |s| s.as_str()));
            let label = f.scheme.map_or("Total", |s| s.short_name());
            let (lx, ly) = (W - PAD + 4.0, 14.0 + 16.0 * n as f64);
            view! {
                <g>
                    <polyline class=class.clone() points=points.join(" ") />
                    {(months == 1).then(|| view! { <circle class=class.clone() cx=format!("{:.1}", x(0)) cy=format!("{:.1}", y(f.months[0].active)) r="4" /> })}
                    <text class=format!("legend {class}") x=format!("{lx:.0}") y=format!("{ly:.0}")>{label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" aria-hidden="true">
            <svg viewBox=format!("0 0 {} {H}", W + 150.0) role="presentation" focusable="false">
                <line class="axis" x1=PAD y1=H - PAD / 2.0 x2=W - PAD y2=H - PAD / 2.0 />
                <text class="tick" x="2" y=format!("{:.0}", y(max) + 4.0)>{fr::number(max as usize)}</text>
                <text class="tick" x="2" y=format!("{:.0}", y(0) + 4.0)>"0"</text>
                {lines}
            </svg>
        </figure>
    }
}

/// The periods in force whose orders reach 80 % or 100 % of their maximum, as last synced
/// (offline too), with the way to the agreements' screen.
#[component]
fn AgreementAlerts() -> impl IntoView {
    use jalon_domain::money::agreements::alert;
    use jalon_domain::money::euros;
    let state = expect_context::<AppState>();
    let alerts = move || {
        let agreements = state.shared.with(|s| s.agreements.clone());
        agreements
            .into_iter()
            .filter_map(|a| {
                let period = a.period_on(today())?;
                let level = alert(period.ordered_cents, period.terms.max_cents)?;
                Some((a.provider.clone(), period.clone(), level))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="agreement-alerts no-print" aria-labelledby="agreement-alerts">
            <h2 id="agreement-alerts">{fr::AGREEMENT_ALERTS}</h2>
            <Show when=move || alerts().is_empty()>
                <p class="muted">{fr::NO_AGREEMENT_ALERT}</p>
            </Show>
            <ul>
                {move || alerts().into_iter().map(|(provider, period, level)| view! {
                    <li>
                        <span class="badge alert">{level.label_fr()}</span>" "
                        {fr::agreement_alert(&provider, &euros(period.ordered_cents), &euros(period.terms.max_cents))}
                    </li>
                }).collect_view()}
            </ul>
            <p><A href="/marches">{fr::SEE_AGREEMENTS}</A></p>
            <p><A href="/fonds">{fr::SEE_FUNDS}</A></p>
            <p><A href="/partenaires">{fr::SEE_PARTNERS}</A></p>
            <p><A href="/cofinancement">{fr::SEE_COFINANCING}</A></p>
        </section>
    }
}
