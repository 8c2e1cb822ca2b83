//! `/personne/:id/dossier`: the right of access — the complete file of a person as the server
//! holds it (every version, the history of changes and référents, who accessed it), fetched
//! online, printable (print to PDF from the browser) and downloadable as JSON. Its production
//! is audited by the server.

use jalon_domain::admin::access::AccessReport;
use jalon_domain::admin::audit::action_label_fr;
use jalon_domain::followup::ItemBody;
use jalon_domain::merge::PersonField;
use jalon_domain::text::format_date_fr;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::clock::format_moment;
use crate::components::{TopBar, download};
use crate::i18n::fr;
use crate::state::AppState;

fn item_line(body: &ItemBody) -> String {
    match body {
        ItemBody::Appointment(a) => {
            format!(
                "{} {} {} {} — {} — {}",
                fr::APPOINTMENT,
                format_date_fr(a.date),
                fr::AT,
                a.time,
                a.place.label_fr(),
                a.status.label_fr()
            ) + &if a.report.is_empty() {
                String::new()
            } else {
                format!(" — {}", a.report)
            }
        }
        ItemBody::Step(s) => format!(
            "{} : {} — {} {}",
            fr::STEP,
            s.kind.label_fr(),
            s.status.label_fr(),
            s.provider
        ),
        ItemBody::Contract(c) => format!(
            "{} : {} → {} — {}",
            fr::CONTRACT,
            format_date_fr(c.start),
            format_date_fr(c.end),
            c.objectives
        ),
        ItemBody::Obstacle(o) => format!(
            "{} : {} — {}",
            fr::OBSTACLE,
            o.theme.label_fr(),
            o.status.label_fr()
        ),
        ItemBody::Duplicate(d) => format!("{} : {}", fr::ALERT_DUPLICATE, d.other_label),
        ItemBody::Order(o) => format!(
            "{} : {} — {} — {}",
            fr::ORDERS,
            fr::order_line(
                &o.label,
                o.quantity,
                &jalon_domain::money::euros(o.amount_cents)
            ),
            format_date_fr(o.ordered_on),
            o.status.label_fr()
        ),
        ItemBody::Referral(r) => format!(
            "{} : {} — {} — {}",
            fr::REFERRALS,
            fr::referral_line(r.partner.label_fr(), r.partner.product_fr()),
            format_date_fr(r.referred_on),
            r.outcome.label_fr()
        ),
    }
}

#[component]
pub fn AccessReportPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let params = use_params_map();
    let person_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    };
    let report = LocalResource::new(move || {
        let (id, session, api) = (person_id(), state.session.get(), state.api());
        async move {
            let (Some(id), Some(session)) = (id, session) else {
                return Err(fr::PERSON_NOT_FOUND.to_owned());
            };
            api.get::<AccessReport>(&session.token, &format!("/people/{id}/access-report"))
                .await
                .map_err(|failure| failure.message())
        }
    });
    let body = move || {
        report.get().map(|loaded| match loaded {
            Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
            Ok(report) => view! { <Report report /> }.into_any(),
        })
    };
    view! {
        <Show when=move || state.session.get().is_some() fallback=|| view! { <Redirect path="/connexion" /> }>
            <TopBar />
            <main class="access-report">
                <p class="no-print">
                    {move || person_id().map(|id| view! { <A href=format!("/personne/{id}")>{fr::BACK_TO_FILE}</A> })}
                </p>
                <h1>{fr::ACCESS_REPORT_TITLE}</h1>
                <Suspense fallback=|| view! { <p>{fr::LOADING}</p> }>{body}</Suspense>
            </main>
        </Show>
    }
}

/// The report itself.
#[component]
fn Report(report: AccessReport) -> impl IntoView {
    let json = serde_json::to_string_pretty(&report).unwrap_or_default();
    let filename = format!("dossier-{}.json", report.person.id);
    let error = RwSignal::new(None::<String>);
    let save = move |_| {
        if let Err(e) = download(&filename, "application/json", &json) {
            error.set(Some(e));
        }
    };
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let person = report.person.clone();
    let identity: Vec<(String, String)> = PersonField::ALL
        .iter()
        .map(|f| (f.label_fr().to_owned(), f.display_value_fr(&f.get(&person))))
        .collect();
    view! {
        <p class="muted">{fr::generated(&format_moment(report.generated_at), &report.generated_by)}</p>
        <div class="actions no-print">
            <button type="button" on:click=print>{fr::PRINT}</button>
            <button type="button" class="secondary" on:click=save>{fr::DOWNLOAD_JSON}</button>
            {move || error.get().map(|e| view! { <span role="alert">{e}</span> })}
        </div>
        <section aria-label=fr::IDENTITY>
            <h2>{person.display_name()}</h2>
            <dl class="typed">
                {identity.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
        </section>
        <section aria-label=fr::ENROLMENTS>
            <h2>{fr::ENROLMENTS}</h2>
            <ul>
                {report.enrolments.iter().map(|e| {
                    let exit = e.enrolment.exit.map(|x| format!(" — {} {} ({})", fr::EXIT, format_date_fr(x.date), x.reason.label_fr())).unwrap_or_default();
                    view! {
                        <li>
                            {format!("{} · {} {} {}{exit}", e.enrolment.scheme.short_name(), e.referent, fr::SINCE, format_date_fr(e.enrolment.start_date))}
                            <ul>
                                {e.referents.iter().map(|r| view! { <li>{fr::referent_change(&format_date_fr(r.on), &r.from, &r.to)}</li> }).collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section aria-label=fr::FOLLOW_UP>
            <h2>{fr::FOLLOW_UP}</h2>
            <ul>
                {report.items.iter().map(|record| view! {
                    <li>
                        {item_line(&record.item.body)}
                        <ul class="versions">
                            {record.versions.iter().map(|v| view! {
                                <li class="muted">{format!("v{} · {} · {} — {}", v.version, v.author, format_moment(v.at), item_line(&v.body))}</li>
                            }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section aria-label=fr::JOURNAL>
            <h2>{fr::JOURNAL}</h2>
            <ul>
                {report.notes.iter().map(|n| view! {
                    <li>
                        <strong>{fr::note_by(&format_date_fr(n.note.date), &n.author)}</strong>
                        {n.note.replaces.map(|_| view! { <span class="tag">{fr::REVISED}</span> })}
                        <p class="note-text">{n.note.text.clone()}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section aria-label=fr::CHANGE_HISTORY>
            <h2>{fr::CHANGE_HISTORY}</h2>
            <table>
                <thead><tr><th>{fr::DATE}</th><th>{fr::FIELD}</th><th>{fr::BEFORE}</th><th>{fr::AFTER}</th><th>{fr::BY}</th></tr></thead>
                <tbody>
                    {report.changes.iter().map(|c| view! {
                        <tr>
                            <td>{format_moment(c.at)}</td>
                            <td>{c.field.label_fr()}</td>
                            <td>{c.field.display_value_fr(&c.old)}</td>
                            <td>{c.field.display_value_fr(&c.new)}{(!c.kept).then_some(fr::NOT_KEPT)}</td>
                            <td>{c.author.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section aria-label=fr::ACCESSES>
            <h2>{fr::ACCESSES}</h2>
            <table>
                <thead><tr><th>{fr::DATE}</th><th>{fr::WHO}</th><th>{fr::WHAT}</th></tr></thead>
                <tbody>
                    {report.accesses.iter().map(|e| view! {
                        <tr>
                            <td>{format_moment(e.at)}</td>
                            <td>{e.user_name.clone()}</td>
                            <td>{action_label_fr(&e.action)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
