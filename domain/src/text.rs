//! Text helpers shared by the app and the server.

/// `1 250`: digits grouped by three with a narrow no-break space, as French writes numbers.
pub fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// Lower-cases `s` and strips French diacritics, for accent- and case-insensitive search.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'ÿ' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            other => out.push(other),
        }
    }
    out
}

/// Whether `c` never belongs in typed text: control characters, bidirectional embeddings,
/// overrides and isolates (which can make a name read backwards), zero-width characters and
/// the byte-order mark.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The refusal of a text holding hidden characters; line breaks and tabs are allowed in
/// `multiline` texts (notes, reports, objectives).
pub fn hidden_characters(
    field: &str,
    label: &str,
    value: &str,
    multiline: bool,
) -> Option<crate::FieldError> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    value.chars().any(|c| is_hidden(c) && !allowed(c)).then(|| {
        crate::FieldError::new(
            field,
            "invalid_characters",
            format!("{label} contient des caractères invisibles ou de contrôle : retirez-les."),
        )
    })
}

/// The earliest date of an event of a pathway.
pub const EARLIEST_EVENT: time::Date = time::macros::date!(1900 - 01 - 01);
/// How far ahead an event may be planned, in days (two years).
pub const LATEST_EVENT_DAYS: i64 = 731;

/// The refusal of an event date outside sensible bounds: from 1900 to two years ahead.
pub fn implausible_date(
    field: &str,
    label: &str,
    date: time::Date,
    today: time::Date,
) -> Option<crate::FieldError> {
    (date < EARLIEST_EVENT || date > today + time::Duration::days(LATEST_EVENT_DAYS)).then(|| {
        crate::FieldError::new(
            field,
            "implausible",
            format!("{label} doit se situer entre 1900 et deux ans d'ici."),
        )
    })
}

/// Parses `YYYY-MM-DD`, the value of an `<input type="date">`.
pub fn parse_iso_date(s: &str) -> Option<time::Date> {
    let mut parts = s.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// `14/03/1988`: the French way of writing a date.
pub fn format_date_fr(date: time::Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        date.month() as u8,
        date.year()
    )
}

/// A date as a user types it in France: `14/03/1988`, `4/3/1988`, `14.03.1988`, `14-03-1988`,
/// `14 03 1988`, `14031988`, or the ISO `1988-03-14`. The year has four digits (`14/03/88`
/// could be 1888, 1988 or 2088). `None` when it is not a date of the calendar.
pub fn parse_typed_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    let parts: Vec<&str> = s
        .split(['/', '.', '-', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let (day, month, year) = match parts.as_slice() {
        [digits] if digits.len() == 8 => (&digits[..2], &digits[2..4], &digits[4..]),
        [year, month, day] if year.len() == 4 && s.contains('-') => (*day, *month, *year),
        [day, month, year] if day.len() <= 2 && month.len() <= 2 && year.len() == 4 => {
            (*day, *month, *year)
        }
        _ => return None,
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(day) && all_digits(month) && all_digits(year)) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// A time of day as a user types it in France, 24-hour: `09:30`, `9:30`, `9h30`, `9h`, `0930`,
/// as `HH:MM`. `None` when it is not a time of day.
pub fn parse_typed_time(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    let (hours, minutes) = if let Some((h, m)) = s.split_once([':', 'h']) {
        (h.trim(), if m.trim().is_empty() { "00" } else { m.trim() })
    } else if s.len() == 4 {
        s.split_at(2)
    } else {
        return None;
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    if !(all_digits(hours) && all_digits(minutes)) {
        return None;
    }
    let (h, m) = (hours.parse::<u8>().ok()?, minutes.parse::<u8>().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// `1988-03-14`: the value an `<input type="date">` takes.
pub fn format_iso_date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn iso_dates_parse_and_format_both_ways() {
        assert_eq!(parse_iso_date("1988-03-14"), Some(date!(1988 - 03 - 14)));
        assert_eq!(parse_iso_date("1988-02-30"), None);
        assert_eq!(parse_iso_date(""), None);
        assert_eq!(parse_iso_date("14/03/1988"), None);
        assert_eq!(format_iso_date(date!(1988 - 03 - 04)), "1988-03-04");
        assert_eq!(format_date_fr(date!(1988 - 03 - 04)), "04/03/1988");
    }

    #[test]
    fn dates_are_read_as_typed_in_france() {
        for typed in [
            "14/03/1988",
            "14/3/1988",
            " 14.03.1988 ",
            "14-03-1988",
            "14 03 1988",
            "14031988",
            "1988-03-14",
        ] {
            assert_eq!(
                parse_typed_date(typed),
                Some(date!(1988 - 03 - 14)),
                "{typed}"
            );
        }
        assert_eq!(parse_typed_date("4/3/1988"), Some(date!(1988 - 03 - 04)));
        // Day first, never the American month first.
        assert_eq!(parse_typed_date("03/04/2026"), Some(date!(2026 - 04 - 03)));
        for wrong in [
            "",
            "14/03/88",
            "31/02/2026",
            "14/13/2026",
            "1403198",
            "14/03",
            "aa/bb/cccc",
            "14/03/1988/1",
            "+1/03/1988",
            "1988/03/14",
        ] {
            assert_eq!(parse_typed_date(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn times_are_read_on_24_hours() {
        for (typed, time) in [
            ("09:30", "09:30"),
            ("9:30", "09:30"),
            ("9h30", "09:30"),
            ("9H30", "09:30"),
            ("14h", "14:00"),
            ("0930", "09:30"),
            ("23:59", "23:59"),
            ("0:05", "00:05"),
        ] {
            assert_eq!(parse_typed_time(typed).as_deref(), Some(time), "{typed}");
        }
        for wrong in [
            "", "24:00", "9:60", "930", "9:3", "2:30 PM", "h30", "123:00", "9:+3",
        ] {
            assert_eq!(parse_typed_time(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn folding_ignores_case_and_french_accents() {
        assert_eq!(fold("Hélène CŒUR-Ça"), "helene coeur-ca");
        assert_eq!(fold("Saint-Léonard-de-Noblat"), "saint-leonard-de-noblat");
        assert!(fold("Guérin").contains(&fold("GUER")));
    }

    #[test]
    fn hidden_characters_are_refused_but_line_breaks_in_long_texts() {
        use super::{hidden_characters, implausible_date};
        assert!(hidden_characters("n", "Le nom", "Léa Roux", false).is_none());
        for bad in [
            "Ro\u{202E}ux",
            "Ro\u{200B}ux",
            "Ro\0ux",
            "\u{FEFF}Roux",
            "Ro\u{2066}ux",
        ] {
            assert!(
                hidden_characters("n", "Le nom", bad, false).is_some(),
                "{bad:?}"
            );
        }
        assert!(hidden_characters("t", "La note", "ligne 1\nligne 2", true).is_none());
        assert!(hidden_characters("t", "La note", "ligne 1\nligne 2", false).is_some());
        assert!(hidden_characters("t", "La note", "nul\0", true).is_some());
        let today = time::macros::date!(2026 - 12 - 01);
        assert!(implausible_date("d", "La date", today, today).is_none());
        assert!(
            implausible_date("d", "La date", time::macros::date!(1899 - 12 - 31), today).is_some()
        );
        assert!(
            implausible_date("d", "La date", time::macros::date!(2028 - 12 - 03), today).is_some()
        );
    }
}
