//! The Département's activity since January 2015: the people followed before today's caseload,
//! month by month, so that the supervisors' figures of past years are those the seed document
//! reports (DOMAIN.md §1).
//!
//! Each month and for each scheme, people enter until the month's file active (any day of the
//! month) reaches the year's figure; each pathway lasts what such pathways last (PLIE about 20
//! months, never beyond 36) and ends with an exit, 45 % of them positive. The people who left
//! more than two years (the default retention) and a month ago are stored as a purge leaves a
//! file — an anonymous person and their enrolment — with no follow-up: in the demo's story
//! those pathways predate Jalon and came in by the import. They still count in the years they
//! were followed. The others keep their names, contract, a step and appointments.

use jalon_domain::admin::retention::{anonymized_person, cutoff};
use jalon_domain::communes::Commune;
use jalon_domain::followup::{
    Appointment, AppointmentStatus, Contract, Item, ItemBody, Place, Step, StepKind, StepStatus,
    add_months,
};
use jalon_domain::pathway::{Exit, ExitReason, fse_entry, fse_exit};
use jalon_domain::people::{Enrolment, EnrolmentStatus};
use jalon_domain::schemes::SchemeCode;
use sqlx::SqliteConnection;
use time::{Date, Duration, Month};
use uuid::Uuid;

use super::{OBJECTIVES, PROVIDERS, REPORTS, Rng, demo_person, slot};
use crate::db;

/// The first month of the history.
pub const FIRST_YEAR: i32 = 2015;

/// For each year, the Département's file active mensuelle (the yearly average of the monthly
/// figures) and its RSA subset: the seed's figures for 2016, 2017, 2019 and 2020 (RSA
/// estimated for 2020), the years between and after on a smooth line down to today's caseload.
pub const YEARLY_FILE_ACTIVE: &[(i32, u32, u32)] = &[
    (2015, 1_100, 810),
    (2016, 1_150, 850),
    (2017, 1_250, 950),
    (2018, 1_290, 955),
    (2019, 1_320, 960),
    (2020, 1_400, 1_020),
    (2021, 1_370, 1_005),
    (2022, 1_330, 985),
    (2023, 1_300, 970),
    (2024, 1_280, 960),
    (2025, 1_260, 955),
];

/// How today's RSA caseload is shared between the schemes (the demo's référents × their
/// caseloads): the same shares in every past year. The people not on RSA are all the PLIE's.
const RSA_SHARES: [(SchemeCode, u32); 3] = [
    (SchemeCode::Arpe, 250),
    (SchemeCode::Plie, 320),
    (SchemeCode::Global, 380),
];

/// One group of people the history fills: a scheme, and whether they are on RSA.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Cell {
    scheme: SchemeCode,
    rsa: bool,
}

const CELLS: [Cell; 4] = [
    Cell {
        scheme: SchemeCode::Arpe,
        rsa: true,
    },
    Cell {
        scheme: SchemeCode::Plie,
        rsa: true,
    },
    Cell {
        scheme: SchemeCode::Plie,
        rsa: false,
    },
    Cell {
        scheme: SchemeCode::Global,
        rsa: true,
    },
];

impl Cell {
    /// The cell's monthly file active in `year` (none after the last year of the table: today's
    /// caseload fills those months).
    fn target(self, year: i32) -> u32 {
        let Some(&(_, total, rsa)) = YEARLY_FILE_ACTIVE.iter().find(|(y, _, _)| *y == year) else {
            return 0;
        };
        if !self.rsa {
            return total - rsa;
        }
        let all: u32 = RSA_SHARES.iter().map(|(_, share)| share).sum();
        let share = RSA_SHARES
            .iter()
            .find(|(scheme, _)| *scheme == self.scheme)
            .map_or(0, |(_, share)| *share);
        (rsa * share + all / 2) / all
    }

    /// A pathway's length in days: the PLIE's about 20 months and never beyond 36, the others'
    /// about two years.
    fn duration(self, rng: &mut Rng) -> i64 {
        let days = match self.scheme {
            SchemeCode::Plie => 110 + rng.below(485) + rng.below(485),
            _ => 120 + rng.below(600) + rng.below(600),
        };
        days as i64
    }
}

/// Exit reasons weighted so that about 45 % of exits are positive (long job, qualifying
/// training, business creation).
const EXIT_REASONS: &[(ExitReason, u64)] = &[
    (ExitReason::LongJob, 6),
    (ExitReason::TemporaryJob, 3),
    (ExitReason::QualifyingTraining, 2),
    (ExitReason::BusinessCreation, 2),
    (ExitReason::MovedAway, 2),
    (ExitReason::Health, 2),
    (ExitReason::Reoriented, 2),
    (ExitReason::Abandoned, 2),
    (ExitReason::Other, 1),
];

fn exit_reason(rng: &mut Rng) -> ExitReason {
    let total: u64 = EXIT_REASONS.iter().map(|(_, w)| w).sum();
    let mut draw = rng.below(total);
    for (reason, weight) in EXIT_REASONS {
        if draw < *weight {
            return *reason;
        }
        draw -= weight;
    }
    ExitReason::Other
}

/// A past pathway: its cell, start and exit.
struct Pathway {
    cell: Cell,
    start: Date,
    exit: Date,
}

/// Active on at least one day from `from` to `to` (the default rule of every scheme).
fn active_between(start: Date, exit: Option<Date>, from: Date, to: Date) -> bool {
    start <= to && exit.is_none_or(|e| e >= from)
}

fn month_bounds(year: i32, month: Month) -> (Date, Date) {
    let first = Date::from_calendar_date(year, month, 1).expect("a valid month");
    let last = add_months(first, 1) - Duration::days(1);
    (first, last)
}

/// The past pathways that, with today's caseload (`current`: each enrolment with whether its
/// person is on RSA), give each month since January 2015 its year's file active.
fn plan(rng: &mut Rng, current: &[(Enrolment, bool)], today: Date) -> Vec<Pathway> {
    let mut pathways: Vec<Pathway> = Vec::new();
    let history_start = Date::from_calendar_date(FIRST_YEAR, Month::January, 1).expect("a date");
    // The people already in a pathway on 1 January 2015, as many as the year's figure, each
    // somewhere in their pathway.
    for cell in CELLS {
        for _ in 0..cell.target(FIRST_YEAR) {
            let days = cell.duration(rng);
            let start = history_start - Duration::days(rng.below(days as u64) as i64);
            pathways.push(Pathway {
                cell,
                start,
                exit: start + Duration::days(days),
            });
        }
    }
    let (mut year, mut month) = (FIRST_YEAR, Month::January);
    while (year, month as u8) <= (today.year(), today.month() as u8) {
        let (from, to) = month_bounds(year, month);
        for cell in CELLS {
            let now_followed = current
                .iter()
                .filter(|(e, rsa)| e.scheme == cell.scheme && *rsa == cell.rsa)
                .filter(|(e, _)| active_between(e.start_date, e.exit.map(|x| x.date), from, to))
                .count();
            let before = pathways
                .iter()
                .filter(|p| p.cell == cell && active_between(p.start, Some(p.exit), from, to))
                .count();
            let missing = (cell.target(year) as usize).saturating_sub(now_followed + before);
            for _ in 0..missing {
                let start = from + Duration::days(rng.below(u64::from(to.day())) as i64);
                // Whoever enters in the last three months is in today's caseload.
                let room = (today - start).whole_days() - 1;
                if room < 90 {
                    break;
                }
                let mut days = cell.duration(rng);
                if days > room {
                    // Every past pathway has ended before today.
                    days = 60 + rng.below((room - 60) as u64) as i64;
                }
                pathways.push(Pathway {
                    cell,
                    start,
                    exit: start + Duration::days(days),
                });
            }
        }
        (year, month) = if month == Month::December {
            (year + 1, Month::January)
        } else {
            (year, month.next())
        };
    }
    pathways
}

/// The follow-up a past pathway keeps: the contract signed in its first weeks (for most), the
/// first appointment, and for a file not purged yet the appointments of its last months.
fn past_follow_up(rng: &mut Rng, enrolment: &Enrolment, exit: Date) -> Vec<Item> {
    let start = enrolment.start_date;
    let mut bodies = Vec::new();
    if rng.below(10) != 0 {
        let signed_on = start + Duration::days(rng.below(25) as i64);
        bodies.push(ItemBody::Contract(Contract {
            enrolment_id: enrolment.id,
            signed_on,
            start: signed_on,
            end: add_months(signed_on, 12),
            objectives: rng.pick(OBJECTIVES).to_string(),
            weekly_hours: *rng.pick(&[15, 15, 15, 10, 8]),
        }));
    }
    // Most pathways went through a step (a training, an immersion…), done or given up
    // before the exit.
    if rng.below(5) < 3 {
        let span = (exit - start).whole_days().max(1) as u64;
        let begun = start + Duration::days(rng.below(span / 2 + 1) as i64);
        bodies.push(ItemBody::Step(Step {
            kind: *rng.pick(StepKind::ALL),
            provider: rng.pick(PROVIDERS).to_string(),
            planned_start: Some(begun),
            planned_end: Some(begun + Duration::days(90)),
            actual_start: Some(begun),
            actual_end: Some((begun + Duration::days(30 + rng.below(90) as i64)).min(exit)),
            status: if rng.below(4) == 0 {
                StepStatus::Abandoned
            } else {
                StepStatus::Done
            },
        }));
    }
    let appointment = |rng: &mut Rng, date: Date| {
        let status = match rng.below(10) {
            0 => AppointmentStatus::NoShow,
            1 => AppointmentStatus::Excused,
            _ => AppointmentStatus::Attended,
        };
        ItemBody::Appointment(Appointment {
            date,
            time: slot(rng),
            place: *rng.pick(Place::ALL),
            status,
            report: if status == AppointmentStatus::Attended {
                rng.pick(REPORTS).to_string()
            } else {
                String::new()
            },
        })
    };
    let first = (start + Duration::days(3 + rng.below(35) as i64)).min(exit);
    bodies.push(appointment(rng, first));
    let mut back = rng.below(20) as i64;
    while back < 300 && exit - Duration::days(back) > first {
        bodies.push(appointment(rng, exit - Duration::days(back)));
        back += 60 + rng.below(30) as i64;
    }
    bodies
        .into_iter()
        .map(|body| Item {
            id: rng.uuid(),
            person_id: enrolment.person_id,
            version: 1,
            author_id: enrolment.referent_id,
            body,
        })
        .collect()
}

/// Seeds the people followed since 2015 who have left before today. `referents` are each
/// scheme's référents (who followed them), `pools` each scheme's communes. Returns their
/// enrolments, each with whether the person was on RSA.
pub(super) async fn seed(
    tx: &mut SqliteConnection,
    today: Date,
    now: i64,
    current: &[(Enrolment, bool)],
    referents: &[(SchemeCode, Vec<Uuid>)],
    pools: &[(SchemeCode, Vec<&Commune>)],
) -> Result<Vec<(Enrolment, bool)>, sqlx::Error> {
    let mut rng = Rng(0x4849_5354_4F52_5921);
    let purge_before = cutoff(today, 2) - Duration::days(30);
    let mut past = Vec::new();
    for pathway in plan(&mut rng, current, today) {
        let scheme = pathway.cell.scheme;
        let pool = &pools
            .iter()
            .find(|(s, _)| *s == scheme)
            .expect("a pool per scheme")
            .1;
        let of_scheme = &referents
            .iter()
            .find(|(s, _)| *s == scheme)
            .expect("référents per scheme")
            .1;
        let referent_id = *rng.pick(of_scheme);
        let person = demo_person(&mut rng, scheme, pathway.cell.rsa, pool, pathway.start);
        let exit = Exit {
            date: pathway.exit,
            reason: exit_reason(&mut rng),
        };
        let mut enrolment = Enrolment {
            id: rng.uuid(),
            person_id: person.id,
            scheme,
            referent_id,
            start_date: pathway.start,
            status: EnrolmentStatus::Closed,
            exit: Some(exit),
            fse_entry: Some(fse_entry(&person, pathway.start)),
            fse_exit: Some(fse_exit(&person, &exit)),
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        };
        enrolment.fse_six_months = super::six_months(&enrolment, today);
        let purged = exit.date < purge_before;
        // A file purged long ago keeps only its participation (see the module's comment).
        let items = if purged {
            Vec::new()
        } else {
            past_follow_up(&mut rng, &enrolment, exit.date)
        };
        let stored = if purged {
            anonymized_person(&person)
        } else {
            person
        };
        let rev = db::next_revs(tx, 2 + items.len() as i64).await?;
        db::insert_person(tx, &stored, rev, referent_id, now).await?;
        db::insert_enrolment(tx, &enrolment, rev + 1, now).await?;
        for (i, item) in items.iter().enumerate() {
            db::save_item(tx, item, rev + 2 + i as i64, now).await?;
        }
        if purged {
            db::retention::mark_purged(tx, stored.id, now).await?;
        }
        past.push((enrolment, pathway.cell.rsa));
    }
    Ok(past)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cells_share_each_years_figures() {
        for &(year, total, rsa) in YEARLY_FILE_ACTIVE {
            let all: u32 = CELLS.iter().map(|c| c.target(year)).sum();
            let on_rsa: u32 = CELLS.iter().filter(|c| c.rsa).map(|c| c.target(year)).sum();
            assert!(all.abs_diff(total) <= 1, "{year}: {all} for {total}");
            assert!(on_rsa.abs_diff(rsa) <= 1, "{year}: {on_rsa} for {rsa}");
        }
        assert_eq!(CELLS[0].target(2030), 0);
    }

    #[test]
    fn plie_pathways_last_about_20_months_and_never_beyond_36() {
        let mut rng = Rng(7);
        let plie = CELLS[1];
        let days: Vec<i64> = (0..10_000).map(|_| plie.duration(&mut rng)).collect();
        let mean_months = days.iter().sum::<i64>() as f64 / days.len() as f64 / 30.44;
        assert!((19.0..=21.0).contains(&mean_months), "{mean_months}");
        assert!(days.iter().all(|d| *d <= 36 * 30));
    }

    #[test]
    fn about_45_percent_of_exits_are_positive() {
        let mut rng = Rng(11);
        let positive = (0..10_000)
            .filter(|_| {
                exit_reason(&mut rng).outcome() == jalon_domain::pathway::ExitOutcome::Positive
            })
            .count();
        assert!((4_300..=4_700).contains(&positive), "{positive}");
    }
}
