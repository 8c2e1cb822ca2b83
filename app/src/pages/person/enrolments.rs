//! The enrolments part of a person's file: each enrolment with its FSE snapshots, orientation
//! decision and successive référents; the forms to hand it over, record its orientation or
//! close it; and a supervisor's new enrolment of a person who left.

use std::collections::HashMap;

use jalon_domain::FieldError;
use jalon_domain::Invalid;
use jalon_domain::auth::Role;
use jalon_domain::fse::{SixMonthSituation, SixMonths, check_six_months, due_on, may_record};
use jalon_domain::orientation::{Orientation, OrientationKind, check_orientation, may_orient};
use jalon_domain::pathway::{
    Exit, ExitReason, check_new_enrolment, close_enrolment, may_close, referent_periods,
    referent_since,
};
use jalon_domain::people::{
    Enrolment, EnrolmentStatus, Person, check_referent_change, may_hand_over,
};
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::text::{format_date_fr, format_iso_date, parse_iso_date};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::untracked;
use crate::clock::today;
use crate::components::TextField;
use crate::forms::{SelectField, accepted, merge_errors, options, required_date};
use crate::i18n::fr;
use crate::state::AppState;

/// One enrolment; supervisors of its scheme may hand it over to another référent.
#[component]
pub fn EnrolmentItem(
    enrolment: Enrolment,
    staff: HashMap<Uuid, String>,
    /// The person is in the user's caseload: the forms show. (An item is rebuilt when its
    /// référent or status changes, which is when this can change.)
    writable: Memo<bool>,
) -> impl IntoView {
    let writable = writable.get_untracked();
    let state = expect_context::<AppState>();
    let who = staff
        .get(&enrolment.referent_id)
        .cloned()
        .unwrap_or_default();
    let active = enrolment.status == EnrolmentStatus::Active;
    let fse = fse_summary(&enrolment);
    let status = match enrolment.exit {
        Some(exit) => fr::closed_on(
            &format_date_fr(exit.date),
            exit.reason.label_fr(),
            exit.reason.outcome().label_fr(),
        ),
        None if active => fr::ACTIVE.to_owned(),
        None => fr::CLOSED.to_owned(),
    };
    let label = format!(
        "{} · {who} {} {} — {status}",
        enrolment.scheme.short_name(),
        fr::SINCE,
        format_date_fr(referent_since(&enrolment)),
    );
    let user = state.session.get_untracked().map(|s| s.user);
    // The domain's rules, as the server applies them.
    let may_hand_over = user.as_ref().is_some_and(|u| may_hand_over(u, &enrolment));
    let may_close = user.as_ref().is_some_and(|u| may_close(u, &enrolment));
    let colleagues: Vec<(Uuid, String)> = state
        .reference
        .get_untracked()
        .map(|r| r.staff)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| {
            s.active
                && s.role == Role::Referent
                && s.scheme == Some(enrolment.scheme)
                && s.id != enrolment.referent_id
        })
        .map(|s| (s.id, s.display_name))
        .collect();
    let choice = RwSignal::new(String::new());
    let effective = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let select_id = format!("referent-{}", enrolment.id);
    let for_closing = enrolment.clone();
    let history = referent_history(&enrolment, &staff);
    let may_orient = user.as_ref().is_some_and(|u| may_orient(u, &enrolment));
    // The six-month FSE situation: shown once recorded; its form from the day it is due.
    let six_months = enrolment
        .fse_six_months
        .map(|r| fr::six_months_line(&format_date_fr(r.date), r.situation.label_fr(), r.better));
    let six_months_due = due_on(&enrolment)
        .filter(|due| *due <= today() && enrolment.fse_six_months.is_none())
        .map(|due| fr::six_months_due(&format_date_fr(due)));
    let may_record = writable
        && due_on(&enrolment).is_some_and(|due| due <= today())
        && user.as_ref().is_some_and(|u| may_record(u, &enrolment));
    let for_recording = enrolment.clone();
    let for_orienting = enrolment.clone();
    let enrolment_shown = enrolment.clone();
    let hand_over = move |_| {
        let Ok(referent_id) = Uuid::parse_str(&choice.get_untracked()) else {
            return;
        };
        let Some(user) = state.session.get_untracked().map(|s| s.user) else {
            return;
        };
        let mut invalid = Invalid::default();
        let on = required_date("effective", &effective.get_untracked(), &mut invalid);
        let member = state
            .reference
            .get_untracked()
            .and_then(|r| r.staff.into_iter().find(|s| s.id == referent_id));
        if let Some(on) = on
            && let Err(rules) =
                check_referent_change(&user, &enrolment, member.as_ref(), Some(on), today())
        {
            merge_errors(&mut invalid, rules);
        }
        errors.set(invalid.clone());
        if !invalid.errors.is_empty() {
            return;
        }
        let enrolment = enrolment.clone();
        spawn_local(async move {
            if state.saved(
                state
                    .store()
                    .change_referent(&enrolment, referent_id, on)
                    .await,
            ) {
                saved.set(true);
            }
        });
    };
    view! {
        <li>
            <span>{label}</span>
            {fse.map(|text| view! { <p class="muted fse">{text}</p> })}
            {orientation_line(&enrolment_shown).map(|text| view! { <p class="orientation">{text}</p> })}
            {(may_orient && writable).then(|| view! { <OrientationForm enrolment=for_orienting /> })}
            {history.map(|periods| view! {
                <div class="referents">
                    <p class="muted">{fr::REFERENTS_HISTORY}</p>
                    <ol>{periods.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ol>
                </div>
            })}
            {(may_hand_over && writable).then(|| view! {
                <div class="hand-over">
                    <div class="field">
                        <label for=select_id.clone()>{fr::NEW_REFERENT}</label>
                        <select id=select_id on:change=move |ev| choice.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {colleagues.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <TextField id="effective" label=fr::EFFECTIVE_DATE value=effective errors kind="date" />
                    <button type="button" class="secondary" on:click=hand_over disabled=move || choice.get().is_empty()>
                        {fr::CHANGE_REFERENT}
                    </button>
                    {move || errors.with(|e| e.message_for("referent_id").map(str::to_owned)).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    {move || saved.get().then(|| view! { <p role="status">{fr::REFERENT_CHANGE_SAVED}</p> })}
                </div>
            })}
            {six_months.map(|text| view! { <p class="six-months">{text}</p> })}
            {six_months_due.map(|text| view! { <p class="six-months due">{text}</p> })}
            {may_record.then(|| view! { <SixMonthsForm enrolment=for_recording /> })}
            {(may_close && writable).then(|| view! { <CloseForm enrolment=for_closing /> })}
        </li>
    }
}

/// The orientation decision of an enrolment, in one line.
fn orientation_line(enrolment: &Enrolment) -> Option<String> {
    let o = enrolment.orientation.as_ref()?;
    Some(fr::orientation(
        o.kind.label_fr(),
        &format_date_fr(o.date),
        &o.decided_by,
    ))
}

/// Records (or corrects) the orientation decision of an active enrolment: its day, kind and
/// author, checked by the domain's rules here and again by the server.
#[component]
fn OrientationForm(enrolment: Enrolment) -> impl IntoView {
    let state = expect_context::<AppState>();
    let current = enrolment.orientation.clone();
    let date = RwSignal::new(
        current
            .as_ref()
            .map(|o| format_iso_date(o.date))
            .unwrap_or_default(),
    );
    let kind = RwSignal::new(
        current
            .as_ref()
            .map(|o| o.kind.as_str().to_owned())
            .unwrap_or_default(),
    );
    let decided_by = RwSignal::new(current.map(|o| o.decided_by).unwrap_or_default());
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let kinds = options(
        OrientationKind::ALL,
        OrientationKind::as_str,
        OrientationKind::label_fr,
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(user) = state.session.get_untracked().map(|s| s.user) else {
            return;
        };
        let mut invalid = Invalid::default();
        let on = required_date("orientation_date", &date.get_untracked(), &mut invalid);
        let chosen = OrientationKind::parse(&kind.get_untracked());
        if chosen.is_none() {
            invalid.push(FieldError::new(
                "orientation_kind",
                "required",
                fr::CHOOSE_ORIENTATION,
            ));
        }
        let Some(on) = on else {
            errors.set(invalid);
            return;
        };
        // The domain's rules run even when no kind is chosen yet, so that every reason shows
        // at once.
        let orientation = Orientation {
            date: on,
            kind: chosen.unwrap_or(OrientationKind::Professional),
            decided_by: decided_by.get_untracked(),
        };
        let checked = check_orientation(&user, &enrolment, orientation, today());
        let Some(orientation) = accepted(invalid, checked, errors) else {
            return;
        };
        let enrolment = enrolment.clone();
        spawn_local(async move {
            if state.saved(state.store().set_orientation(&enrolment, orientation).await) {
                saved.set(true);
            }
        });
    };
    view! {
        <details class="orientation-form">
            <summary>{fr::RECORD_ORIENTATION}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <TextField id="orientation_date" label=fr::ORIENTATION_DATE value=date errors kind="date" />
                <SelectField id="orientation_kind".into() label=fr::ORIENTATION_KIND options=kinds value=kind errors />
                <TextField id="decided_by" label=fr::DECIDED_BY value=decided_by errors />
                {move || errors.with(|e| e.message_for("orientation").map(str::to_owned)).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit">{fr::SAVE_ORIENTATION}</button>
                {move || saved.get().then(|| view! { <p role="status">{fr::ORIENTATION_SAVED}</p> })}
            </form>
        </details>
    }
}

/// Records (or corrects) the FSE situation six months after the exit: the day it was collected,
/// the situation and whether it is better than at entry; checked by the domain here and again
/// by the server. Open at once while the situation is missing.
#[component]
fn SixMonthsForm(enrolment: Enrolment) -> impl IntoView {
    let state = expect_context::<AppState>();
    let current = enrolment.fse_six_months;
    let open = current.is_none();
    let date = RwSignal::new(format_iso_date(current.map_or_else(today, |r| r.date)));
    let situation = RwSignal::new(
        current
            .map(|r| r.situation.as_str().to_owned())
            .unwrap_or_default(),
    );
    let better = RwSignal::new(match current.and_then(|r| r.better) {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => String::new(),
    });
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let situations = options(
        SixMonthSituation::ALL,
        SixMonthSituation::as_str,
        SixMonthSituation::label_fr,
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(user) = state.session.get_untracked().map(|s| s.user) else {
            return;
        };
        let mut invalid = Invalid::default();
        let on = required_date("six_months_date", &date.get_untracked(), &mut invalid);
        let chosen = SixMonthSituation::parse(&situation.get_untracked());
        if chosen.is_none() {
            invalid.push(FieldError::new(
                "six_months_situation",
                "required",
                fr::CHOOSE_SIX_MONTHS,
            ));
        }
        let Some(on) = on else {
            errors.set(invalid);
            return;
        };
        let result = SixMonths {
            date: on,
            situation: chosen.unwrap_or(SixMonthSituation::Unreachable),
            better: match better.get_untracked().as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        };
        let checked = check_six_months(&user, &enrolment, result, today());
        let Some(result) = accepted(invalid, checked, errors) else {
            return;
        };
        let enrolment = enrolment.clone();
        spawn_local(async move {
            if state.saved(state.store().record_six_months(&enrolment, result).await) {
                saved.set(true);
            }
        });
    };
    view! {
        <details class="six-months-form" open=open>
            <summary>{fr::SIX_MONTHS}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <TextField id="six_months_date" label=fr::SIX_MONTHS_DATE value=date errors kind="date" />
                <SelectField id="six_months_situation".into() label=fr::SIX_MONTHS_SITUATION options=situations value=situation errors />
                <SelectField id="better".into() label=fr::SIX_MONTHS_BETTER options=vec![("yes", fr::YES), ("no", fr::NO)] value=better errors />
                {move || errors.with(|e| e.message_for("six_months").map(str::to_owned)).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit">{fr::SAVE_SIX_MONTHS}</button>
                {move || saved.get().then(|| view! { <p role="status">{fr::SIX_MONTHS_SAVED}</p> })}
            </form>
        </details>
    }
}

/// The référents of an enrolment that changed hands, one line each with their dates; `None`
/// when it never did (its line already names the référent and the start).
fn referent_history(enrolment: &Enrolment, staff: &HashMap<Uuid, String>) -> Option<Vec<String>> {
    if enrolment.handovers.is_empty() {
        return None;
    }
    let periods = referent_periods(enrolment);
    let name = |id: &Uuid| {
        staff
            .get(id)
            .cloned()
            .unwrap_or_else(|| fr::UNKNOWN.to_owned())
    };
    Some(
        periods
            .iter()
            .enumerate()
            .map(|(i, (referent, from))| {
                // A référent's last day is the day before the next one took over (on the day of
                // a hand-over, the new one follows the person).
                let until = periods
                    .get(i + 1)
                    .map(|(_, next)| next.previous_day().unwrap_or(*next).max(*from));
                fr::referent_period(
                    &name(referent),
                    &format_date_fr(*from),
                    until.map(format_date_fr).as_deref(),
                )
            })
            .collect(),
    )
}

/// The FSE snapshots of an enrolment, in one line each.
fn fse_summary(enrolment: &Enrolment) -> Option<String> {
    let entry = enrolment.fse_entry.as_ref()?;
    let known = |label: Option<&'static str>| label.unwrap_or(fr::UNKNOWN);
    let mut text = fr::fse_entry(
        entry.age,
        known(entry.labour_market.map(|l| l.label_fr())),
        known(entry.education.map(|e| e.label_fr())),
    );
    if let Some(exit) = &enrolment.fse_exit {
        text.push_str(&format!(" — {}", fr::fse_exit(exit.situation.label_fr())));
    }
    Some(text)
}

/// A new enrolment of a person who left: scheme, référent and start date (supervisors).
#[component]
pub fn NewEnrolmentForm(
    person: Person,
    enrolments: impl Fn() -> Vec<Enrolment> + Copy + Send + Sync + 'static,
    /// Set to the person once the enrolment is saved (the file shows the confirmation).
    enrolled: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let user = state.session.get_untracked().map(|s| s.user);
    let schemes: Vec<(&'static str, &'static str)> = user
        .as_ref()
        .map(|u| {
            u.supervised_schemes
                .iter()
                .map(|s| (s.as_str(), s.short_name()))
                .collect()
        })
        .unwrap_or_default();
    let scheme = RwSignal::new(String::new());
    let referent = RwSignal::new(String::new());
    let start = RwSignal::new(format_iso_date(today()));
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let staff = move || state.reference.get().map(|r| r.staff).unwrap_or_default();
    let referents = move || {
        let chosen = SchemeCode::parse(&scheme.get());
        staff()
            .into_iter()
            .filter(|s| {
                s.active && s.role == Role::Referent && chosen.is_some() && s.scheme == chosen
            })
            .collect::<Vec<_>>()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(user) = state.session.get_untracked().map(|s| s.user) else {
            return;
        };
        let mut invalid = Invalid::default();
        let start_date = required_date("start_date", &start.get_untracked(), &mut invalid);
        let Some(chosen) = SchemeCode::parse(&scheme.get_untracked()) else {
            invalid.push(FieldError::new("scheme", "required", fr::CHOOSE_SCHEME));
            errors.set(invalid);
            return;
        };
        let referent_id = Uuid::parse_str(&referent.get_untracked()).unwrap_or(Uuid::nil());
        let Some(start_date) = start_date else {
            errors.set(invalid);
            return;
        };
        let enrolment = Enrolment {
            id: Uuid::new_v4(),
            person_id: person.id,
            scheme: chosen,
            referent_id,
            start_date,
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        };
        let member = staff().into_iter().find(|s| s.id == referent_id);
        let schemes = state
            .reference
            .get_untracked()
            .map(|r| r.schemes)
            .unwrap_or_else(Scheme::haute_vienne_defaults);
        let enrolment = match check_new_enrolment(
            enrolment,
            &person,
            &untracked(enrolments),
            member.as_ref(),
            &user,
            &schemes,
            today(),
        ) {
            Ok(enrolment) => enrolment,
            Err(rules) => {
                errors.set(rules);
                return;
            }
        };
        errors.set(Invalid::default());
        spawn_local(async move {
            if state.saved(state.store().enrol(&enrolment).await) {
                saved.set(true);
                enrolled.set(Some(enrolment.person_id));
            }
        });
    };
    let general = move || {
        errors.with(|e| {
            e.message_for("enrolment")
                .or(e.message_for("referent_id"))
                .map(str::to_owned)
        })
    };
    view! {
        <details class="new-enrolment">
            <summary>{fr::NEW_ENROLMENT}</summary>
            <form autocomplete="off" class="item-form" on:submit=submit novalidate>
                <SelectField id="scheme".into() label=fr::SCHEME options=schemes value=scheme errors />
                <div class="field">
                    <label for="new_referent">{fr::REFERENT}</label>
                    <select id="new_referent" prop:value=move || referent.get() on:change=move |ev| referent.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || referents().into_iter().map(|r| view! { <option value=r.id.to_string()>{r.display_name}</option> }).collect_view()}
                    </select>
                </div>
                <TextField id="start_date" label=fr::START_DATE value=start errors kind="date" />
                {move || general().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <button type="submit" disabled=move || saved.get()>{fr::ENROL}</button>
            </form>
        </details>
    }
}

/// Records the exit of an enrolment: its date and reason (the outcome follows).
#[component]
fn CloseForm(enrolment: Enrolment) -> impl IntoView {
    let state = expect_context::<AppState>();
    let date = RwSignal::new(format_iso_date(today()));
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(Invalid::default());
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        let mut invalid = Invalid::default();
        let exit_date = parse_iso_date(&date.get_untracked());
        if exit_date.is_none() {
            invalid.push(FieldError::new(
                "exit_date",
                "invalid_date",
                fr::INVALID_DATE,
            ));
        }
        let exit_reason = ExitReason::parse(&reason.get_untracked());
        if exit_reason.is_none() {
            invalid.push(FieldError::new(
                "exit_reason",
                "required",
                fr::REASON_REQUIRED,
            ));
        }
        let (Some(exit_date), Some(exit_reason)) = (exit_date, exit_reason) else {
            errors.set(invalid);
            return;
        };
        let exit = Exit {
            date: exit_date,
            reason: exit_reason,
        };
        if let Err(invalid) = close_enrolment(&enrolment, &session.user, exit, today()) {
            errors.set(invalid);
            return;
        }
        errors.set(Invalid::default());
        let enrolment = enrolment.clone();
        spawn_local(async move {
            if state.saved(state.store().close_enrolment(&enrolment, exit).await) {
                saved.set(true);
            }
        });
    };
    let reason_error = move || errors.with(|e| e.message_for("exit_reason").map(str::to_owned));
    let enrolment_error = move || errors.with(|e| e.message_for("enrolment").map(str::to_owned));
    view! {
        // An explicit action: the form opens only when asked for.
        <details class="exit">
        <summary>{fr::RECORD_EXIT}</summary>
        <form autocomplete="off" class="close-enrolment" on:submit=submit novalidate>
            <h3>{fr::CLOSE_ENROLMENT}</h3>
            <TextField id="exit_date" label=fr::EXIT_DATE value=date errors kind="date" />
            <div class="field">
                <label for="exit_reason">{fr::EXIT_REASON}</label>
                <select id="exit_reason" aria-describedby="exit_reason-error" on:change=move |ev| reason.set(event_target_value(&ev))>
                    <option value="">{fr::CHOOSE_REASON}</option>
                    {ExitReason::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str()>{r.label_fr()}</option> })
                        .collect_view()}
                </select>
                <p class="field-error" aria-live="polite" id="exit_reason-error">{reason_error}</p>
            </div>
            {move || enrolment_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <button type="submit" class="secondary" disabled=move || saved.get()>
                {fr::CLOSE_ENROLMENT}
            </button>
            {move || saved.get().then(|| view! { <p role="status">{fr::CLOSING_SAVED}</p> })}
        </form>
        </details>
    }
}
