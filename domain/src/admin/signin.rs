//! Throttling of sign-ins (OWASP ASVS 2.2, NIST SP 800-63B §5.2.2): delays that grow with the
//! failures of one login from one source address, and of one source address across logins —
//! never a lockout an anonymous attacker can impose on a real user: a device that already
//! signed in to the account is never delayed.

/// Failures counted over this window, in seconds.
pub const WINDOW_SECONDS: i64 = 3600;
/// Failures of one login from one source before delays start.
pub const FREE_PAIR_FAILURES: i64 = 5;
/// Failures from one source (all logins together) before delays start, and an alert is raised.
pub const FREE_SOURCE_FAILURES: i64 = 20;
/// Failures of one login from one source on a device known to the account before delays
/// start: the real user is never stopped by an attacker elsewhere, and a stolen tablet still
/// cannot guess at the speed of the hash.
pub const FREE_KNOWN_DEVICE_FAILURES: i64 = 20;
/// The first delay, doubling after each further failure.
pub const FIRST_DELAY_SECONDS: i64 = 30;
/// The longest delay.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;

/// The recent failures that matter for one attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Of this login from this source, and the time of the last one.
    pub pair: i64,
    pub pair_last: Option<i64>,
    /// From this source, all logins, and the time of the last one.
    pub source: i64,
    pub source_last: Option<i64>,
}

fn delay(failures: i64, free: i64, step: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = ((failures - free) / step).min(10) as u32;
    (FIRST_DELAY_SECONDS << doublings).min(MAX_DELAY_SECONDS)
}

/// How many seconds the attempt must still wait (0: it may be verified now). A device known
/// to the account ignores the source's failures and waits only after many of its own.
pub fn wait(failures: &Failures, known_device: bool, now: i64) -> i64 {
    if known_device {
        let pair = failures.pair_last.map_or(0, |last| {
            last + delay(failures.pair, FREE_KNOWN_DEVICE_FAILURES, 1) - now
        });
        return pair.max(0);
    }
    let pair = failures.pair_last.map_or(0, |last| {
        last + delay(failures.pair, FREE_PAIR_FAILURES, 1) - now
    });
    let source = failures.source_last.map_or(0, |last| {
        last + delay(failures.source, FREE_SOURCE_FAILURES, 5) - now
    });
    pair.max(source).max(0)
}

/// Whether this failure makes the source cross the alert threshold (raised once).
pub fn is_burst(failures_before: &Failures) -> bool {
    failures_before.source + 1 == FREE_SOURCE_FAILURES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_five_failures_and_double_up_to_fifteen_minutes() {
        let now = 10_000;
        let pair = |n| Failures {
            pair: n,
            pair_last: Some(now),
            ..Failures::default()
        };
        assert_eq!(wait(&pair(4), false, now), 0);
        assert_eq!(wait(&pair(5), false, now), 30);
        assert_eq!(wait(&pair(6), false, now), 60);
        assert_eq!(wait(&pair(7), false, now + 20), 100);
        assert_eq!(wait(&pair(40), false, now), MAX_DELAY_SECONDS);
        assert_eq!(wait(&pair(5), false, now + 31), 0, "the delay runs out");
        assert_eq!(wait(&pair(19), true, now), 0, "a known device waits later");
        assert_eq!(wait(&pair(20), true, now), 30);
        assert_eq!(
            wait(&pair(40), true, now),
            MAX_DELAY_SECONDS,
            "but a stolen one waits"
        );
    }

    #[test]
    fn a_source_failing_across_logins_waits_too_and_raises_one_alert() {
        let now = 10_000;
        let source = |n| Failures {
            source: n,
            source_last: Some(now),
            ..Failures::default()
        };
        assert_eq!(wait(&source(19), false, now), 0);
        assert_eq!(wait(&source(20), false, now), 30);
        assert_eq!(wait(&source(25), false, now), 60);
        assert!(is_burst(&source(19)));
        assert!(!is_burst(&source(20)));
    }
}
