//! The figures a supervisor steers the schemes with (DOMAIN.md §4): the monthly file active and
//! its RSA subset, entries, exits by reason and outcome, and the portfolio of each référent.
//!
//! They are computed from [`Participation`]s — an enrolment seen without anything that
//! identifies the person (scheme, référent, dates, RSA at entry, exit) — by the same functions
//! in the browser (from the replica, offline) and on the server (`GET /api/supervision`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Date, Month};
use uuid::Uuid;

use crate::auth::{Role, SessionUser};
use crate::caseload::NO_CONTACT_DAYS;
use crate::followup::{AppointmentStatus, Item, ItemBody};
use crate::notes::Note;
use crate::pathway::{Exit, ExitOutcome, ExitReason};
use crate::people::{Enrolment, Person};
use crate::schemes::{FileActiveRule, Scheme, SchemeCode};
use crate::{FieldError, Invalid};

/// One enrolment as the figures see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    pub enrolment_id: Uuid,
    /// Counts a person once when they have several enrolments.
    pub person_id: Uuid,
    pub scheme: SchemeCode,
    pub referent_id: Uuid,
    pub start: Date,
    /// The day of the orientation decision, or the start when none is recorded: the delays
    /// count from it.
    pub oriented_on: Date,
    pub exit: Option<Exit>,
    /// On RSA when the enrolment started (the person's current situation if the server has
    /// not taken the entry data yet).
    pub rsa: bool,
}

impl Participation {
    /// Active on `day`: started, and not left before (the day of the exit still counts).
    pub fn active_on(&self, day: Date) -> bool {
        self.start <= day && self.exit.is_none_or(|e| e.date >= day)
    }

    /// Active on at least one day from `from` to `to`, both included.
    pub fn active_between(&self, from: Date, to: Date) -> bool {
        self.start <= to && self.exit.is_none_or(|e| e.date >= from)
    }
}

/// The participations of `people`'s enrolments that `viewer` steers: a supervisor's schemes,
/// a référent's own portfolio (the enrolments they follow), nothing for an administrator.
pub fn participations(
    viewer: &SessionUser,
    people: &[Person],
    enrolments: &[Enrolment],
) -> Vec<Participation> {
    let rsa: HashMap<Uuid, bool> = people.iter().map(|p| (p.id, p.rsa_beneficiary)).collect();
    enrolments
        .iter()
        .filter(|e| match viewer.role {
            Role::Supervisor => viewer.supervised_schemes.contains(&e.scheme),
            Role::Referent => e.referent_id == viewer.id,
            Role::Administrator => false,
        })
        .filter_map(|e| {
            let person_rsa = *rsa.get(&e.person_id)?;
            Some(Participation {
                enrolment_id: e.id,
                person_id: e.person_id,
                scheme: e.scheme,
                referent_id: e.referent_id,
                start: e.start_date,
                oriented_on: crate::orientation::oriented_on(e),
                exit: e.exit,
                rsa: e
                    .fse_entry
                    .as_ref()
                    .map_or(person_rsa, |f| f.rsa_beneficiary),
            })
        })
        .collect()
}

/// A dated fact of the follow-up that the figures use: no text, no place, no name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Appointment {
        person_id: Uuid,
        date: Date,
        status: AppointmentStatus,
    },
    /// A contract signed for an enrolment.
    Contract { enrolment_id: Uuid, signed_on: Date },
    /// A journal note (a contact, as for the home screen's alerts).
    Note { person_id: Uuid, date: Date },
}

/// The activity of follow-up items and journal notes.
pub fn activity(items: &[Item], notes: &[Note]) -> Vec<Activity> {
    let mut out: Vec<Activity> = items
        .iter()
        .filter_map(|item| match &item.body {
            ItemBody::Appointment(a) => Some(Activity::Appointment {
                person_id: item.person_id,
                date: a.date,
                status: a.status,
            }),
            ItemBody::Contract(c) => Some(Activity::Contract {
                enrolment_id: c.enrolment_id,
                signed_on: c.signed_on,
            }),
            _ => None,
        })
        .collect();
    out.extend(notes.iter().map(|n| Activity::Note {
        person_id: n.person_id,
        date: n.date,
    }));
    out
}

/// Days from the start of an enrolment (the orientation) to a first event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delay {
    /// Enrolments of the period whose event happened.
    pub reached: u32,
    /// Of them, the median number of days.
    pub median_days: Option<u32>,
    /// Enrolments of the period that reached it within one month.
    pub within_a_month: u32,
    /// Enrolments of the period that had their month: reached, or started more than a month
    /// before the day of the figures. The share within a month is counted on them.
    pub due: u32,
}

impl Delay {
    /// In percent of the enrolments that had their month, `None` when none had.
    pub fn share_within_a_month(&self) -> Option<f64> {
        (self.due > 0).then(|| f64::from(self.within_a_month) * 100.0 / f64::from(self.due))
    }
}

/// Contact with the people: appointments kept or missed, and people left without contact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    /// Appointments of the period whose outcome is known (attended, excused or missed).
    pub appointments: u32,
    /// Of them, missed without excuse.
    pub no_shows: u32,
    /// People followed on the day of the figures whose last contact (attended appointment or
    /// note; the start of the enrolment without any) is [`NO_CONTACT_DAYS`] old or more — the
    /// home screen's alert.
    pub without_contact: u32,
}

impl FollowUp {
    pub fn no_show_rate(&self) -> Option<f64> {
        (self.appointments > 0)
            .then(|| f64::from(self.no_shows) * 100.0 / f64::from(self.appointments))
    }
}

/// Dates from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// How a period is chosen on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

/// The earliest year the dashboard offers.
pub const FIRST_YEAR: i32 = 2015;

impl Period {
    /// The month, the quarter (`index` 1–4) or the year (`index` ignored) holding `year`'s
    /// month or quarter `index`.
    pub fn of(kind: PeriodKind, year: i32, index: u8) -> Result<Period, Invalid> {
        let bad = |message: &str| Invalid::single(FieldError::new("period", "invalid", message));
        let month = |m: u8| Month::try_from(m).map_err(|_| bad("Ce mois n'existe pas."));
        let (first, last) = match kind {
            PeriodKind::Month => (month(index)?, month(index)?),
            PeriodKind::Quarter if (1..=4).contains(&index) => {
                (month(index * 3 - 2)?, month(index * 3)?)
            }
            PeriodKind::Quarter => return Err(bad("Un trimestre va de 1 à 4.")),
            PeriodKind::Year => (Month::January, Month::December),
        };
        let from = Date::from_calendar_date(year, first, 1)
            .map_err(|_| bad("Cette année n'est pas valable."))?;
        Ok(Period {
            from,
            to: last_day(year, last).ok_or_else(|| bad("Cette année n'est pas valable."))?,
        })
    }

    /// Refuses a period that ends before it starts, starts after `today` or before
    /// [`FIRST_YEAR`].
    pub fn check(self, today: Date) -> Result<Period, Invalid> {
        let refuse = |code: &str, message: &str| {
            Err(Invalid::single(FieldError::new("period", code, message)))
        };
        if self.to < self.from {
            return refuse(
                "ends_before_start",
                "La période se termine avant de commencer.",
            );
        }
        if self.from > today {
            return refuse(
                "future",
                "La période commence dans le futur : aucun chiffre encore.",
            );
        }
        if self.from.year() < FIRST_YEAR {
            return refuse("too_early", "Les chiffres commencent en janvier 2015.");
        }
        if self.to.year() - self.from.year() > 20 {
            return refuse("too_long", "Choisissez une période de vingt ans au plus.");
        }
        Ok(self)
    }

    /// The months the monthly table and chart show: the period's, or for a single month the
    /// twelve months ending with it (from January 2015 at the earliest), to show a trend.
    pub fn trend(self) -> Period {
        if self.months().len() > 1 {
            return self;
        }
        let (mut year, mut month) = (self.from.year(), self.from.month());
        for _ in 0..11 {
            if month == Month::January {
                year -= 1;
            }
            month = month.previous();
        }
        let from = Date::from_calendar_date(year, month, 1).unwrap_or(self.from);
        let earliest = Date::from_calendar_date(FIRST_YEAR, Month::January, 1).unwrap_or(from);
        Period {
            from: from.max(earliest),
            to: self.to,
        }
    }

    /// The months the period touches, each as its first and last day.
    pub fn months(self) -> Vec<(Date, Date)> {
        let mut months = Vec::new();
        let (mut year, mut month) = (self.from.year(), self.from.month());
        while let Ok(first) = Date::from_calendar_date(year, month, 1) {
            if first > self.to {
                break;
            }
            if let Some(last) = last_day(year, month) {
                months.push((first, last));
            }
            if month == Month::December {
                year += 1;
            }
            month = month.next();
        }
        months
    }
}

/// The same day one month later (the last day of the next month when it is shorter).
fn add_month(date: Date) -> Date {
    let (year, month) = match date.month() {
        Month::December => (date.year() + 1, Month::January),
        m => (date.year(), m.next()),
    };
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// The median of sorted values (the lower of the two middle ones for an even count: whole
/// days).
fn median(sorted: &[u32]) -> Option<u32> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}

fn last_day(year: i32, month: Month) -> Option<Date> {
    Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()
}

/// The file active of one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthFigure {
    /// The first day of the month.
    pub month: Date,
    pub active: u32,
    pub rsa: u32,
}

/// The figures of one scheme (or of all of them together) over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// `None` for the total of the schemes shown.
    pub scheme: Option<SchemeCode>,
    pub months: Vec<MonthFigure>,
    /// Enrolments that started in the period.
    pub entries: u32,
    /// Enrolments that ended in the period, by reason (every reason, in [`ExitReason::ALL`]
    /// order).
    pub exits_by_reason: Vec<(ExitReason, u32)>,
    /// Orientation (the start of the enrolment) to the first attended appointment, for the
    /// enrolments that started in the period.
    pub first_appointment: Delay,
    /// Orientation to the first signed contract of the enrolment.
    pub first_contract: Delay,
    pub follow_up: FollowUp,
}

impl Figures {
    pub fn exits(&self) -> u32 {
        self.exits_by_reason.iter().map(|(_, n)| n).sum()
    }

    pub fn exits_with(&self, outcome: ExitOutcome) -> u32 {
        self.exits_by_reason
            .iter()
            .filter(|(r, _)| r.outcome() == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    /// Positive exits in percent of exits, `None` without exits.
    pub fn positive_share(&self) -> Option<f64> {
        let exits = self.exits();
        (exits > 0)
            .then(|| f64::from(self.exits_with(ExitOutcome::Positive)) * 100.0 / f64::from(exits))
    }

    /// The mean of the monthly file active over the period (the yearly figure of the seed).
    pub fn average_active(&self) -> f64 {
        mean(self.months.iter().map(|m| m.active))
    }

    pub fn average_rsa(&self) -> f64 {
        mean(self.months.iter().map(|m| m.rsa))
    }
}

fn mean(values: impl ExactSizeIterator<Item = u32>) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    f64::from(values.sum::<u32>()) / n as f64
}

/// The people a référent follows on a day, against the scheme's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioLine {
    pub referent_id: Uuid,
    pub scheme: SchemeCode,
    pub people: u32,
    pub target: Option<i64>,
}

/// Everything the dashboard shows for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub period: Period,
    /// One per scheme that has participations, in scheme order.
    pub schemes: Vec<Figures>,
    /// All the schemes together: a person in two schemes counts once.
    pub total: Figures,
    /// On the last day of the period (today for the running one), by scheme then référent.
    pub portfolios: Vec<PortfolioLine>,
    /// The day the portfolios are counted on.
    pub portfolio_day: Date,
}

/// The dashboard of `participations` over `period` (checked), each scheme counted by its own
/// file-active rule.
pub fn dashboard(
    participations: &[Participation],
    activity: &[Activity],
    schemes: &[Scheme],
    period: Period,
    today: Date,
) -> Dashboard {
    let day = period.to.min(today);
    let in_period = |d: Date| d >= period.from && d <= period.to;
    // Per person: attended appointments and notes (contacts), appointments with an outcome;
    // per enrolment: contract signatures.
    let mut contacts: HashMap<Uuid, Vec<Date>> = HashMap::new();
    let mut outcomes: HashMap<Uuid, Vec<(Date, bool)>> = HashMap::new();
    let mut signatures: HashMap<Uuid, Vec<Date>> = HashMap::new();
    let mut contacts_by_appointment: HashMap<Uuid, Vec<Date>> = HashMap::new();
    for fact in activity {
        match *fact {
            Activity::Appointment {
                person_id,
                date,
                status,
            } => {
                if status == AppointmentStatus::Attended {
                    contacts.entry(person_id).or_default().push(date);
                    contacts_by_appointment
                        .entry(person_id)
                        .or_default()
                        .push(date);
                }
                if matches!(
                    status,
                    AppointmentStatus::Attended
                        | AppointmentStatus::Excused
                        | AppointmentStatus::NoShow
                ) {
                    outcomes
                        .entry(person_id)
                        .or_default()
                        .push((date, status == AppointmentStatus::NoShow));
                }
            }
            Activity::Contract {
                enrolment_id,
                signed_on,
            } => signatures.entry(enrolment_id).or_default().push(signed_on),
            Activity::Note { person_id, date } => contacts.entry(person_id).or_default().push(date),
        }
    }
    let delay = |started: &[&Participation], first: &dyn Fn(&Participation) -> Option<Date>| {
        let mut days: Vec<u32> = Vec::new();
        let mut delay = Delay::default();
        for p in started {
            let month_later = add_month(p.oriented_on);
            match first(p).filter(|&d| d <= day) {
                Some(reached) => {
                    days.push((reached - p.oriented_on).whole_days().max(0) as u32);
                    delay.reached += 1;
                    delay.due += 1;
                    if reached <= month_later {
                        delay.within_a_month += 1;
                    }
                }
                None if month_later < day => delay.due += 1,
                None => {}
            }
        }
        days.sort_unstable();
        delay.median_days = median(&days);
        delay
    };
    let first_after = |dates: Option<&Vec<Date>>, start: Date| {
        dates.and_then(|ds| ds.iter().copied().filter(|&d| d >= start).min())
    };
    let follow_up = |parts: &[&Participation]| {
        let mut follow_up = FollowUp::default();
        let mut by_person: HashMap<Uuid, Vec<&Participation>> = HashMap::new();
        for p in parts {
            by_person.entry(p.person_id).or_default().push(p);
        }
        for (person, mine) in &by_person {
            for &(date, missed) in outcomes.get(person).map_or(&[][..], |v| v.as_slice()) {
                if in_period(date) && mine.iter().any(|p| p.active_on(date)) {
                    follow_up.appointments += 1;
                    follow_up.no_shows += u32::from(missed);
                }
            }
            let Some(since) = mine
                .iter()
                .filter(|p| p.active_on(day))
                .map(|p| p.start)
                .min()
            else {
                continue;
            };
            // The home screen's rule (`caseload::alerts`), so that both count the same people.
            let last = contacts
                .get(person)
                .and_then(|ds| ds.iter().copied().filter(|&d| d <= day).max())
                .unwrap_or(since);
            if (day - last).whole_days() >= NO_CONTACT_DAYS {
                follow_up.without_contact += 1;
            }
        }
        follow_up
    };
    let rule = |code: SchemeCode| {
        schemes
            .iter()
            .find(|s| s.code == code)
            .map(|s| s.settings.file_active_rule)
            .unwrap_or_default()
    };
    let months = period.months();
    let counts = |of: &dyn Fn(&Participation) -> bool, scheme: Option<SchemeCode>| {
        let mine: Vec<&Participation> = participations.iter().filter(|p| of(p)).collect();
        let started: Vec<&Participation> = mine
            .iter()
            .copied()
            .filter(|p| in_period(p.start))
            .collect();
        Figures {
            scheme,
            first_appointment: delay(&started, &|p| {
                first_after(contacts_by_appointment.get(&p.person_id), p.oriented_on)
            }),
            first_contract: delay(&started, &|p| {
                first_after(signatures.get(&p.enrolment_id), p.oriented_on)
            }),
            follow_up: follow_up(&mine),
            months: months
                .iter()
                .map(|&(first, last)| {
                    let mut people: HashMap<Uuid, bool> = HashMap::new();
                    for p in participations.iter().filter(|p| of(p)) {
                        let counted = match rule(p.scheme) {
                            FileActiveRule::AnyDay => p.active_between(first, last),
                            FileActiveRule::LastDay => p.active_on(last),
                        };
                        if counted {
                            *people.entry(p.person_id).or_default() |= p.rsa;
                        }
                    }
                    MonthFigure {
                        month: first,
                        active: people.len() as u32,
                        rsa: people.values().filter(|&&rsa| rsa).count() as u32,
                    }
                })
                .collect(),
            entries: participations
                .iter()
                .filter(|p| of(p) && p.start >= period.from && p.start <= period.to)
                .count() as u32,
            exits_by_reason: ExitReason::ALL
                .into_iter()
                .map(|reason| {
                    let n = participations
                        .iter()
                        .filter(|p| of(p))
                        .filter(|p| {
                            p.exit.is_some_and(|e| {
                                e.reason == reason && e.date >= period.from && e.date <= period.to
                            })
                        })
                        .count();
                    (reason, n as u32)
                })
                .collect(),
        }
    };
    let present: Vec<SchemeCode> = SchemeCode::ALL
        .into_iter()
        .filter(|&code| participations.iter().any(|p| p.scheme == code))
        .collect();
    let order = |code: SchemeCode| SchemeCode::ALL.iter().position(|&c| c == code).unwrap_or(0);
    let mut portfolios: BTreeMap<(usize, Uuid), (SchemeCode, HashSet<Uuid>)> = BTreeMap::new();
    for p in participations.iter().filter(|p| p.active_on(day)) {
        portfolios
            .entry((order(p.scheme), p.referent_id))
            .or_insert_with(|| (p.scheme, HashSet::new()))
            .1
            .insert(p.person_id);
    }
    Dashboard {
        period,
        schemes: present
            .iter()
            .map(|&code| counts(&|p: &Participation| p.scheme == code, Some(code)))
            .collect(),
        total: counts(&|_: &Participation| true, None),
        portfolios: portfolios
            .into_iter()
            .map(|((_, referent_id), (scheme, people))| PortfolioLine {
                referent_id,
                scheme,
                people: people.len() as u32,
                target: schemes
                    .iter()
                    .find(|s| s.code == scheme)
                    .and_then(|s| s.settings.portfolio_target),
            })
            .collect(),
        portfolio_day: day,
    }
}

/// A value of a table, formatted one way on screen and another in a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u32),
    /// One decimal (averages).
    Decimal(f64),
    /// A share in percent, `None` when there is nothing to divide.
    Percent(Option<f64>),
    /// An amount in whole cents.
    Euros(i64),
}

impl Cell {
    /// As a French reader reads it: `1 250`, `1 187,5`, `45,2 %`, `—`.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => crate::text::group_digits(&n.to_string()),
            Cell::Decimal(x) => decimal(*x, true),
            Cell::Percent(Some(x)) => format!("{}\u{a0}%", decimal(*x, true)),
            Cell::Percent(None) => "—".to_owned(),
            Cell::Euros(cents) => crate::money::euros(*cents),
        }
    }

    /// As a French spreadsheet reads it: no digit grouping, a decimal comma.
    pub fn csv(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Decimal(x) | Cell::Percent(Some(x)) => decimal(*x, false),
            Cell::Percent(None) => String::new(),
            Cell::Euros(cents) => {
                let sign = if *cents < 0 { "-" } else { "" };
                let cents = cents.unsigned_abs();
                format!("{sign}{},{:02}", cents / 100, cents % 100)
            }
        }
    }
}

fn decimal(x: f64, grouped: bool) -> String {
    let tenths = (x * 10.0).round() as i64;
    let whole = (tenths / 10).to_string();
    let whole = if grouped {
        crate::text::group_digits(&whole)
    } else {
        whole
    };
    format!("{whole},{}", (tenths % 10).abs())
}

/// A table of the dashboard: what the page shows and what its CSV export holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Stable name, for the file and the tests (`synthese`, `file-active`, …).
    pub id: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// UTF-8 with a byte-order mark, `;` between values, CRLF: what French spreadsheets open
    /// directly.
    pub fn csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(";")
                + "\r\n"
        };
        out.push_str(&line(self.headers.clone()));
        for row in &self.rows {
            out.push_str(&line(row.iter().map(Cell::csv).collect()));
        }
        out
    }
}

fn csv_field(value: &str) -> String {
    // A leading = + - @ would run as a formula in a spreadsheet.
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `mars 2026`.
pub fn month_fr(first_day: Date) -> String {
    format!(
        "{} {}",
        MONTHS_FR[usize::from(u8::from(first_day.month())) - 1],
        first_day.year()
    )
}

fn scheme_label(scheme: Option<SchemeCode>) -> String {
    scheme.map_or_else(|| "Total".to_owned(), |s| s.short_name().to_owned())
}

/// The figures of `shown` (one scheme), or of every scheme and the total.
pub fn shown_figures(board: &Dashboard, shown: Option<SchemeCode>) -> Vec<&Figures> {
    match shown {
        Some(code) => board
            .schemes
            .iter()
            .filter(|f| f.scheme == Some(code))
            .collect(),
        None => board.schemes.iter().chain([&board.total]).collect(),
    }
}

/// The tables of a dashboard, for `shown` (one scheme, or every scheme and the total); the
/// monthly table comes from `trend` (the dashboard of [`Period::trend`]); `name` gives a
/// référent's name.
pub fn tables(
    board: &Dashboard,
    trend: &Dashboard,
    shown: Option<SchemeCode>,
    name: impl Fn(Uuid) -> String,
) -> Vec<Table> {
    let figures = shown_figures(board, shown);
    let summary = Table {
        id: "synthese",
        title: "Synthèse de la période".to_owned(),
        headers: [
            "Dispositif",
            "File active mensuelle (moyenne)",
            "dont RSA",
            "Entrées",
            "Sorties",
            "Sorties positives",
            "Part de sorties positives",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: figures
            .iter()
            .map(|f| {
                vec![
                    Cell::Text(scheme_label(f.scheme)),
                    Cell::Decimal(f.average_active()),
                    Cell::Decimal(f.average_rsa()),
                    Cell::Count(f.entries),
                    Cell::Count(f.exits()),
                    Cell::Count(f.exits_with(ExitOutcome::Positive)),
                    Cell::Percent(f.positive_share()),
                ]
            })
            .collect(),
    };
    let trend_figures = shown_figures(trend, shown);
    let mut headers = vec!["Mois".to_owned()];
    for f in &trend_figures {
        headers.push(format!("{} — file active", scheme_label(f.scheme)));
        headers.push(format!("{} — dont RSA", scheme_label(f.scheme)));
    }
    let monthly = Table {
        id: "file-active",
        title: if trend.period == board.period {
            "File active mensuelle".to_owned()
        } else {
            format!(
                "File active mensuelle, de {} à {}",
                month_fr(trend.period.from),
                month_fr(trend.period.to)
            )
        },
        headers,
        rows: trend
            .total
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut row = vec![Cell::Text(month_fr(m.month))];
                for f in &trend_figures {
                    row.push(Cell::Count(f.months[i].active));
                    row.push(Cell::Count(f.months[i].rsa));
                }
                row
            })
            .collect(),
    };
    let mut headers = vec!["Motif de sortie".to_owned(), "Nature".to_owned()];
    headers.extend(figures.iter().map(|f| scheme_label(f.scheme)));
    let exits = Table {
        id: "sorties",
        title: "Sorties par motif".to_owned(),
        headers,
        rows: ExitReason::ALL
            .iter()
            .enumerate()
            .map(|(i, reason)| {
                let mut row = vec![
                    Cell::Text(reason.label_fr().to_owned()),
                    Cell::Text(reason.outcome().label_fr().to_owned()),
                ];
                row.extend(figures.iter().map(|f| Cell::Count(f.exits_by_reason[i].1)));
                row
            })
            .collect(),
    };
    let portfolios = Table {
        id: "portefeuilles",
        title: format!(
            "Portefeuilles au {}",
            crate::text::format_date_fr(board.portfolio_day)
        ),
        headers: [
            "Référent",
            "Dispositif",
            "Personnes suivies",
            "Objectif",
            "Écart",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: board
            .portfolios
            .iter()
            .filter(|p| shown.is_none_or(|s| s == p.scheme))
            .map(|p| {
                vec![
                    Cell::Text(name(p.referent_id)),
                    Cell::Text(p.scheme.short_name().to_owned()),
                    Cell::Count(p.people),
                    p.target
                        .map_or(Cell::Text("—".into()), |t| Cell::Text(t.to_string())),
                    p.target.map_or(Cell::Text("—".into()), |t| {
                        Cell::Text(match i64::from(p.people) - t {
                            0 => "0".to_owned(),
                            gap => format!("{gap:+}"),
                        })
                    }),
                ]
            })
            .collect(),
    };
    let days = |d: &Delay| d.median_days.map_or(Cell::Text("—".into()), Cell::Count);
    let follow = Table {
        id: "suivi",
        title: "Délais et suivi".to_owned(),
        headers: [
            "Dispositif",
            "Orientation → 1er rendez-vous honoré (médiane, jours)",
            "1er rendez-vous dans le mois",
            "Orientation → contrat signé (médiane, jours)",
            "Contrat dans le mois",
            "Rendez-vous échus",
            "Taux d'absence sans excuse",
            "Sans contact depuis 60 jours ou plus",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: figures
            .iter()
            .map(|f| {
                vec![
                    Cell::Text(scheme_label(f.scheme)),
                    days(&f.first_appointment),
                    Cell::Percent(f.first_appointment.share_within_a_month()),
                    days(&f.first_contract),
                    Cell::Percent(f.first_contract.share_within_a_month()),
                    Cell::Count(f.follow_up.appointments),
                    Cell::Percent(f.follow_up.no_show_rate()),
                    Cell::Count(f.follow_up.without_contact),
                ]
            })
            .collect(),
    };
    vec![summary, monthly, exits, follow, portfolios]
}

/// The most rows a list export holds (the Département's files since 2015 fit well within).
pub const EXPORT_MAX_ROWS: usize = 20_000;
/// The most columns of a list export, and the longest text of one cell.
pub const EXPORT_MAX_COLUMNS: usize = 20;
pub const EXPORT_MAX_CELL_CHARS: usize = 300;

/// A list as the user sees it with its filters (the list of people), to be written as a
/// workbook by the server: a title row, then one row of text per line. `what` says which list
/// and filters, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListExport {
    pub what: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl ListExport {
    /// The list as a table of text (`id` names its file and sheet).
    pub fn table(&self, id: &'static str, title: &str) -> Table {
        Table {
            id,
            title: title.to_owned(),
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .map(|row| row.iter().cloned().map(Cell::Text).collect())
                .collect(),
        }
    }

    /// A list export within its bounds: at least one column and at most
    /// [`EXPORT_MAX_COLUMNS`], every row as wide as the headers, at most [`EXPORT_MAX_ROWS`]
    /// rows, no cell longer than [`EXPORT_MAX_CELL_CHARS`], and no hidden character.
    pub fn check(&self) -> Result<(), Invalid> {
        let error = |field: &str, code: &str, message: String| {
            Err(Invalid::single(FieldError::new(field, code, message)))
        };
        if self.headers.is_empty() || self.headers.len() > EXPORT_MAX_COLUMNS {
            return error(
                "headers",
                "invalid_columns",
                format!("Une liste exportée a de 1 à {EXPORT_MAX_COLUMNS} colonnes."),
            );
        }
        if self.rows.len() > EXPORT_MAX_ROWS {
            return error(
                "rows",
                "too_many_rows",
                format!(
                    "Une liste exportée a au plus {} lignes : filtrez-la.",
                    crate::text::group_digits(&EXPORT_MAX_ROWS.to_string())
                ),
            );
        }
        if let Some(n) = self.rows.iter().position(|r| r.len() != self.headers.len()) {
            return error(
                "rows",
                "ragged_row",
                format!(
                    "La ligne {} n'a pas autant de valeurs que de colonnes.",
                    n + 1
                ),
            );
        }
        let cells = std::iter::once(&self.what)
            .chain(&self.headers)
            .chain(self.rows.iter().flatten());
        for cell in cells {
            if cell.chars().count() > EXPORT_MAX_CELL_CHARS {
                return error(
                    "rows",
                    "too_long",
                    format!("Une valeur dépasse {EXPORT_MAX_CELL_CHARS} caractères."),
                );
            }
            if let Some(field) = crate::text::hidden_characters("rows", "Une valeur", cell, false) {
                return Err(Invalid::single(field));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_list_export_is_checked_before_it_is_written() {
        let export = |headers: &[&str], rows: &[&[&str]]| ListExport {
            what: "Liste des personnes".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
        };
        let good = export(&["Nom", "Commune"], &[&["DURAND Léa", "Limoges"]]);
        assert_eq!(good.check(), Ok(()));
        let table = good.table("personnes", "Personnes");
        assert_eq!(
            table.rows,
            vec![vec![
                Cell::Text("DURAND Léa".into()),
                Cell::Text("Limoges".into())
            ]]
        );
        assert_eq!(table.csv(), "\u{feff}Nom;Commune\r\nDURAND Léa;Limoges\r\n");
        let code = |e: ListExport| e.check().unwrap_err().errors[0].code.clone();
        assert_eq!(code(export(&[], &[])), "invalid_columns");
        assert_eq!(
            code(export(&["Nom", "Commune"], &[&["DURAND Léa"]])),
            "ragged_row"
        );
        let long = "x".repeat(EXPORT_MAX_CELL_CHARS + 1);
        assert_eq!(code(export(&["Nom"], &[&[long.as_str()]])), "too_long");
        assert_eq!(
            code(export(&["Nom"], &[&["a\u{202e}b"]])),
            "invalid_characters"
        );
        let mut many = export(&["Nom"], &[]);
        many.rows = vec![vec!["a".into()]; EXPORT_MAX_ROWS + 1];
        assert_eq!(code(many), "too_many_rows");
    }

    use time::macros::date;

    use super::*;
    use crate::schemes::{SchemeSettings, Territory};

    fn part(
        person: u128,
        scheme: SchemeCode,
        start: Date,
        exit: Option<(Date, ExitReason)>,
    ) -> Participation {
        Participation {
            enrolment_id: Uuid::from_u128(1000 + person),
            person_id: Uuid::from_u128(person),
            scheme,
            referent_id: Uuid::from_u128(100 + person % 2),
            start,
            oriented_on: start,
            exit: exit.map(|(date, reason)| Exit { date, reason }),
            rsa: person.is_multiple_of(2),
        }
    }

    fn scheme(code: SchemeCode, rule: FileActiveRule) -> Scheme {
        Scheme {
            code,
            name: code.as_str().into(),
            territory: Territory::Everywhere,
            settings: SchemeSettings {
                file_active_rule: rule,
                portfolio_target: Some(60),
                pathway_limit_months: None,
            },
        }
    }

    const TODAY: Date = date!(2026 - 12 - 01);

    fn march() -> Period {
        Period::of(PeriodKind::Month, 2026, 3).unwrap()
    }

    #[test]
    fn a_person_active_one_day_of_the_month_counts_and_two_enrolments_count_once() {
        let parts = [
            // Left on 1 March: active one day of March.
            part(
                1,
                SchemeCode::Plie,
                date!(2025 - 06 - 01),
                Some((date!(2026 - 03 - 01), ExitReason::LongJob)),
            ),
            // Started on 31 March.
            part(3, SchemeCode::Plie, date!(2026 - 03 - 31), None),
            // Two enrolments of person 2 in March, in two schemes.
            part(
                2,
                SchemeCode::Plie,
                date!(2026 - 01 - 10),
                Some((date!(2026 - 03 - 05), ExitReason::Reoriented)),
            ),
            part(2, SchemeCode::Arpe, date!(2026 - 03 - 06), None),
            // Left in February, started in April: not in March.
            part(
                5,
                SchemeCode::Plie,
                date!(2025 - 01 - 01),
                Some((date!(2026 - 02 - 28), ExitReason::Abandoned)),
            ),
            part(7, SchemeCode::Plie, date!(2026 - 04 - 01), None),
        ];
        let schemes = [
            scheme(SchemeCode::Plie, FileActiveRule::AnyDay),
            scheme(SchemeCode::Arpe, FileActiveRule::AnyDay),
        ];
        let board = dashboard(&parts, &[], &schemes, march(), TODAY);
        let plie = board
            .schemes
            .iter()
            .find(|f| f.scheme == Some(SchemeCode::Plie))
            .unwrap();
        assert_eq!((plie.months[0].active, plie.months[0].rsa), (3, 1));
        assert_eq!(
            board.total.months[0].active, 3,
            "person 2 counts once in the total"
        );
        assert_eq!(board.total.months[0].rsa, 1);
        assert_eq!(board.total.entries, 2);
        assert_eq!(board.total.exits(), 2);
        assert_eq!(board.total.exits_with(ExitOutcome::Positive), 1);
        assert_eq!(board.total.positive_share(), Some(50.0));
    }

    #[test]
    fn the_last_day_rule_counts_only_who_is_followed_at_the_end_of_the_month() {
        let parts = [
            part(
                1,
                SchemeCode::Plie,
                date!(2025 - 06 - 01),
                Some((date!(2026 - 03 - 01), ExitReason::LongJob)),
            ),
            part(3, SchemeCode::Plie, date!(2026 - 03 - 31), None),
            part(
                4,
                SchemeCode::Plie,
                date!(2026 - 02 - 01),
                Some((date!(2026 - 03 - 31), ExitReason::Other)),
            ),
        ];
        let any = dashboard(
            &parts,
            &[],
            &[scheme(SchemeCode::Plie, FileActiveRule::AnyDay)],
            march(),
            TODAY,
        );
        let last = dashboard(
            &parts,
            &[],
            &[scheme(SchemeCode::Plie, FileActiveRule::LastDay)],
            march(),
            TODAY,
        );
        assert_eq!(any.total.months[0].active, 3);
        assert_eq!(
            last.total.months[0].active, 2,
            "an exit on the first day leaves the month"
        );
    }

    #[test]
    fn a_year_has_twelve_months_and_its_average_is_the_mean_of_them() {
        let parts = [
            part(1, SchemeCode::Plie, date!(2016 - 01 - 01), None),
            part(
                2,
                SchemeCode::Plie,
                date!(2016 - 07 - 01),
                Some((date!(2016 - 12 - 31), ExitReason::LongJob)),
            ),
        ];
        let year = Period::of(PeriodKind::Year, 2016, 0).unwrap();
        let board = dashboard(&parts, &[], &[], year, TODAY);
        assert_eq!(board.total.months.len(), 12);
        assert_eq!(board.total.average_active(), 1.5);
        assert_eq!(board.total.average_rsa(), 0.5);
        assert_eq!(board.portfolio_day, date!(2016 - 12 - 31));
        assert_eq!(board.portfolios.iter().map(|p| p.people).sum::<u32>(), 2);
        let trend = Period::of(PeriodKind::Month, 2016, 3).unwrap().trend();
        assert_eq!(
            (trend.from, trend.to),
            (date!(2015 - 04 - 01), date!(2016 - 03 - 31))
        );
        let first = Period::of(PeriodKind::Month, 2015, 2).unwrap().trend();
        assert_eq!(
            first.from,
            date!(2015 - 01 - 01),
            "never before the first data"
        );
        assert_eq!(year.trend(), year);
        let quarter = Period::of(PeriodKind::Quarter, 2016, 3).unwrap();
        assert_eq!(
            (quarter.from, quarter.to),
            (date!(2016 - 07 - 01), date!(2016 - 09 - 30))
        );
    }

    #[test]
    fn portfolios_count_each_referents_people_on_the_last_day_against_the_target() {
        let parts = [
            part(1, SchemeCode::Plie, date!(2026 - 01 - 01), None),
            part(3, SchemeCode::Plie, date!(2026 - 01 - 01), None),
            part(
                2,
                SchemeCode::Plie,
                date!(2026 - 01 - 01),
                Some((date!(2026 - 03 - 15), ExitReason::Other)),
            ),
        ];
        let board = dashboard(
            &parts,
            &[],
            &[scheme(SchemeCode::Plie, FileActiveRule::AnyDay)],
            march(),
            TODAY,
        );
        assert_eq!(board.portfolios.len(), 1, "person 2 left before the 31st");
        assert_eq!(board.portfolios[0].people, 2);
        assert_eq!(board.portfolios[0].target, Some(60));
    }

    #[test]
    fn bad_periods_are_refused_in_french() {
        let backwards = Period {
            from: date!(2026 - 03 - 01),
            to: date!(2026 - 02 - 01),
        };
        assert_eq!(
            backwards.check(TODAY).unwrap_err().errors[0].code,
            "ends_before_start"
        );
        let future = Period::of(PeriodKind::Month, 2027, 1).unwrap();
        assert_eq!(future.check(TODAY).unwrap_err().errors[0].code, "future");
        let early = Period::of(PeriodKind::Year, 2010, 0).unwrap();
        assert_eq!(early.check(TODAY).unwrap_err().errors[0].code, "too_early");
        assert!(Period::of(PeriodKind::Quarter, 2026, 5).is_err());
        assert!(Period::of(PeriodKind::Month, 2026, 13).is_err());
        assert!(march().check(TODAY).is_ok());
    }

    #[test]
    fn tables_read_in_french_and_export_to_spreadsheet_csv() {
        let parts = [
            part(
                1,
                SchemeCode::Plie,
                date!(2025 - 06 - 01),
                Some((date!(2026 - 03 - 01), ExitReason::LongJob)),
            ),
            part(2, SchemeCode::Plie, date!(2026 - 03 - 02), None),
        ];
        let board = dashboard(
            &parts,
            &[],
            &[scheme(SchemeCode::Plie, FileActiveRule::AnyDay)],
            march(),
            TODAY,
        );
        let tables = tables(&board, &board, None, |_| "Nom; \"Prénom\"".to_owned());
        assert_eq!(
            tables.iter().map(|t| t.id).collect::<Vec<_>>(),
            [
                "synthese",
                "file-active",
                "sorties",
                "suivi",
                "portefeuilles"
            ]
        );
        let summary = &tables[0];
        assert_eq!(summary.rows.len(), 2, "PLIE and the total");
        assert_eq!(summary.rows[1][1].display(), "2,0");
        assert_eq!(summary.rows[1][6].display(), "100,0\u{a0}%");
        assert_eq!(tables[1].rows[0][0].display(), "mars 2026");
        let csv = tables[4].csv();
        assert!(
            csv.starts_with("\u{feff}Référent;Dispositif;Personnes suivies;Objectif;Écart\r\n")
        );
        assert!(
            csv.contains("\"Nom; \"\"Prénom\"\"\";PLIE;1;60;-59\r\n"),
            "{csv}"
        );
        assert_eq!(Cell::Count(1250).display(), "1\u{202f}250");
        assert_eq!(Cell::Decimal(1187.46).csv(), "1187,5");
        assert_eq!(csv_field("=HYPERLINK()"), "'=HYPERLINK()");
    }

    #[test]
    fn delays_no_shows_and_people_without_contact() {
        let appointment =
            |person: u128, date: Date, status: AppointmentStatus| Activity::Appointment {
                person_id: Uuid::from_u128(person),
                date,
                status,
            };
        let parts = [
            // Oriented on 2 March: first appointment kept on the 10th, contract on 20 April.
            part(1, SchemeCode::Plie, date!(2026 - 03 - 02), None),
            // Oriented on 5 March: an appointment missed, then kept on 30 March.
            part(2, SchemeCode::Plie, date!(2026 - 03 - 05), None),
            // Oriented on 20 March, nothing yet on the 31st: not due (its month runs).
            part(3, SchemeCode::Plie, date!(2026 - 03 - 20), None),
            // Followed since 2025, last note in December: without contact.
            part(5, SchemeCode::Plie, date!(2025 - 01 - 06), None),
        ];
        let activity = [
            appointment(1, date!(2026 - 03 - 10), AppointmentStatus::Attended),
            Activity::Contract {
                enrolment_id: Uuid::from_u128(1001),
                signed_on: date!(2026 - 04 - 20),
            },
            appointment(2, date!(2026 - 03 - 12), AppointmentStatus::NoShow),
            appointment(2, date!(2026 - 03 - 30), AppointmentStatus::Attended),
            appointment(3, date!(2026 - 04 - 02), AppointmentStatus::Planned),
            Activity::Note {
                person_id: Uuid::from_u128(5),
                date: date!(2025 - 12 - 20),
            },
        ];
        let schemes = [scheme(SchemeCode::Plie, FileActiveRule::AnyDay)];
        let board = dashboard(&parts, &activity, &schemes, march(), TODAY);
        let total = &board.total;
        assert_eq!(total.first_appointment.reached, 2);
        assert_eq!(
            total.first_appointment.median_days,
            Some(8),
            "8 and 25 days: the lower middle"
        );
        assert_eq!(total.first_appointment.within_a_month, 2);
        assert_eq!(total.first_appointment.due, 2, "person 3 still has time");
        assert_eq!(
            total.first_contract.reached, 0,
            "signed after the day of the figures"
        );
        assert_eq!(
            total.first_contract.due, 0,
            "on 31 March everyone's month still runs"
        );
        assert_eq!(total.first_contract.share_within_a_month(), None);
        assert_eq!(
            (total.follow_up.appointments, total.follow_up.no_shows),
            (3, 1)
        );
        assert_eq!(
            total.follow_up.without_contact, 1,
            "person 5, last seen 20 December"
        );
        // Over March and April, person 1's contract came in 49 days.
        let spring = Period {
            from: date!(2026 - 03 - 01),
            to: date!(2026 - 04 - 30),
        };
        let board = dashboard(&parts, &activity, &schemes, spring, TODAY);
        assert_eq!(board.total.first_contract.median_days, Some(49));
        assert_eq!(board.total.first_contract.within_a_month, 0);
        assert_eq!(
            board.total.first_contract.due, 3,
            "by 30 April every month is over"
        );
        let table = &tables(&board, &board, None, |_| String::new())[3];
        assert_eq!(table.id, "suivi");
        assert_eq!(table.rows[1][6].display(), "33,3\u{a0}%");

        // An orientation decided on 20 February, before the enrolment's start: person 1 waited
        // 18 days for the first appointment, not 8.
        let mut oriented = parts.to_vec();
        oriented[0].oriented_on = date!(2026 - 02 - 20);
        let board = dashboard(&oriented, &activity, &schemes, march(), TODAY);
        assert_eq!(
            board.total.first_appointment.median_days,
            Some(18),
            "18 and 25 days"
        );
    }
}
