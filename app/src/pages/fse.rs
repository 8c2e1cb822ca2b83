//! `/pilotage/fse`: the FSE participant file of a scheme and a period, for its supervisors.
//! The participations whose mandatory data is missing are listed first, each with a link to the
//! file to complete; then the file exports as CSV (built here from the replica, offline too) or
//! XLSX (built by the server with the same domain functions). Both are audited.

use jalon_domain::Invalid;
use jalon_domain::auth::Role;
use jalon_domain::fse::{Anomaly, anomalies, participants, table};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::supervision::{Period, Table};
use jalon_domain::text::{format_date_fr, format_iso_date};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

use crate::clock::today;
use crate::components::{ReadFailed, TextField, TopBar, download, fetch_workbook};
use crate::forms::{SelectField, required_date};
use crate::i18n::fr;
use crate::state::AppState;
use crate::store::StoreError;

/// Most anomalies listed on the page (the workbook's second sheet has them all).
const MAX_LISTED: usize = 200;

/// The file of the chosen scheme and period.
#[derive(Clone, PartialEq)]
struct File {
    scheme: SchemeCode,
    period: Period,
    table: Table,
    anomalies: Vec<Anomaly>,
}

#[component]
pub fn FsePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let day = today();
    let supervised = move || {
        state
            .session
            .get()
            .filter(|s| s.user.role == Role::Supervisor)
            .map(|s| s.user.supervised_schemes)
            .unwrap_or_default()
    };
    let scheme = RwSignal::new(
        state
            .session
            .get_untracked()
            .and_then(|s| s.user.supervised_schemes.first().copied())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    );
    let from = RwSignal::new(format_iso_date(
        time::Date::from_calendar_date(day.year(), time::Month::January, 1).unwrap_or(day),
    ));
    let to = RwSignal::new(format_iso_date(day));
    let errors = RwSignal::new(Invalid::default());
    let message = RwSignal::new(None::<String>);

    let replica = LocalResource::new(move || {
        state.data_version.track();
        let store = state.store();
        async move {
            let people = store.people().await?;
            let enrolments = store.enrolments().await?;
            Ok::<_, StoreError>((people, enrolments))
        }
    });
    let unread = Signal::derive(move || replica.get().and_then(|r| r.err()).map(|e| e.to_string()));
    // The period typed, checked as the server checks it; its errors show by the fields.
    let checked = Memo::new(move |_| {
        let mut invalid = Invalid::default();
        let from = required_date("from", &from.get(), &mut invalid);
        let to = required_date("to", &to.get(), &mut invalid);
        match (from, to) {
            (Some(from), Some(to)) => Period { from, to }.check(today()),
            _ => Err(invalid),
        }
    });
    Effect::new(move |_| errors.set(checked.get().err().unwrap_or_default()));
    let period = move || checked.get().ok();
    let file = Memo::new(move |_| {
        let (people, enrolments) = replica.get()?.ok()?;
        let scheme = SchemeCode::parse(&scheme.get())?;
        let period = period()?;
        let file = participants(&people, &enrolments, scheme, period, today());
        Some(File {
            scheme,
            period,
            table: table(&file, scheme, period),
            anomalies: anomalies(&file),
        })
    });
    let period_error = move || errors.with(|e| e.message_for("period").map(str::to_owned));

    let export_csv = move |_| {
        let Some(file) = file.get_untracked() else {
            return;
        };
        let name = format!(
            "jalon-fse-{}-{}-{}.csv",
            file.scheme.as_str(),
            file.period.from,
            file.period.to
        );
        match download(&name, "text/csv;charset=utf-8", &file.table.csv()) {
            Ok(()) => {
                let what = fr::fse_export_what(
                    file.scheme.short_name(),
                    &format_date_fr(file.period.from),
                    &format_date_fr(file.period.to),
                    file.table.rows.len(),
                    file.anomalies.len(),
                );
                leptos::task::spawn_local(async move {
                    let at = crate::clock::now_unix();
                    state.saved(state.store().record_export(&what, at).await);
                });
            }
            Err(e) => message.set(Some(e)),
        }
    };
    let exporting = RwSignal::new(false);
    let export_xlsx = move |_| {
        let Some(file) = file.get_untracked() else {
            return;
        };
        let (scheme, period) = (file.scheme.as_str(), file.period);
        let path = format!(
            "/fse.xlsx?from={}&to={}&scheme={scheme}",
            period.from, period.to
        );
        let name = format!("jalon-fse-{scheme}-{}-{}.xlsx", period.from, period.to);
        fetch_workbook(state, path, name, exporting, message);
    };

    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="fse-file">
                <p class="no-print"><A href="/pilotage">{fr::BACK_TO_SUPERVISION}</A></p>
                <h1>{fr::FSE_FILE}</h1>
                <ReadFailed error=unread />
                <Show when=move || !supervised().is_empty() fallback=|| view! { <p class="notice">{fr::FSE_FOR_SUPERVISORS}</p> }>
                    <p class="muted">{fr::FSE_HELP}</p>
                    <form autocomplete="off" class="period" on:submit=|ev| ev.prevent_default()>
                        <SelectField
                            id="fse-scheme".into()
                            label=fr::SCHEME
                            options=supervised().into_iter().map(|s| (s.as_str(), s.short_name())).collect()
                            value=scheme
                            errors
                        />
                        <TextField id="from" label=fr::FROM_DATE value=from errors kind="date" />
                        <TextField id="to" label=fr::TO_DATE value=to errors kind="date" />
                    </form>
                    {move || period_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <div class="actions no-print">
                        <button type="button" class="secondary" on:click=export_csv disabled=move || file.get().is_none()>{fr::EXPORT_FSE_CSV}</button>
                        <button type="button" class="secondary" on:click=export_xlsx disabled=move || exporting.get() || file.get().is_none()>{fr::EXPORT_FSE_XLSX}</button>
                    </div>
                    <p role="status">{move || message.get()}</p>
                    {move || file.get().map(|file| {
                        let count = file.table.rows.len();
                        let incomplete = file.anomalies.len();
                        view! {
                            <p class="count" role="status" data-testid="fse-count">{fr::fse_count(count, incomplete)}</p>
                            <section class="fse-anomalies" aria-labelledby="fse-anomalies" data-testid="fse-anomalies">
                                <h2 id="fse-anomalies">{format!("{} ({})", fr::FSE_ANOMALIES, fr::number(incomplete))}</h2>
                                {(incomplete == 0).then(|| view! { <p class="empty">{fr::FSE_NO_ANOMALY}</p> })}
                                <ul>
                                    {file.anomalies.iter().take(MAX_LISTED).map(|a| {
                                        let missing = a.missing.iter().map(|m| m.label_fr()).collect::<Vec<_>>().join(", ");
                                        let since = fr::entered_on(&format_date_fr(a.start));
                                        let name = (!a.name.is_empty()).then(|| a.name.clone());
                                        let person = a.person_id;
                                        view! {
                                            <li>
                                                {match name {
                                                    Some(name) => view! { <A href=format!("/personne/{person}")>{name}</A> }.into_any(),
                                                    None => view! { <span>{fr::PURGED_FILE}</span> }.into_any(),
                                                }}
                                                <span class="muted">{format!(" · {since} · {} {missing}", fr::MISSING)}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {(incomplete > MAX_LISTED).then(|| view! { <p class="more">{fr::and_more(incomplete - MAX_LISTED)}</p> })}
                            </section>
                        }
                    })}
                </Show>
            </main>
        </Show>
    }
}
