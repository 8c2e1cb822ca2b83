//! Text helpers shared by the app and the server.

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
    fn folding_ignores_case_and_french_accents() {
        assert_eq!(fold("Hélène CŒUR-Ça"), "helene coeur-ca");
        assert_eq!(fold("Saint-Léonard-de-Noblat"), "saint-leonard-de-noblat");
        assert!(fold("Guérin").contains(&fold("GUER")));
    }
}
