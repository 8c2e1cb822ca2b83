//! The device's clock: today, now, and moments written the French way (dd/mm/yyyy, 24 h) in
//! the device's time zone, whatever the browser's language. The dates of the domain are
//! formatted by `jalon_domain::text`; this module only reads the clock and formats instants.

use time::Date;

/// Today in the device's time zone.
pub fn today() -> Date {
    let now = js_sys::Date::new_0();
    let month = time::Month::try_from(now.get_month() as u8 + 1).unwrap_or(time::Month::January);
    Date::from_calendar_date(now.get_full_year() as i32, month, now.get_date() as u8)
        .unwrap_or(Date::MIN)
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Now, in seconds since the Unix epoch (what the audit log and the server record).
pub fn now_unix() -> i64 {
    (now_ms() / 1000.0) as i64
}

/// `14:32` (today) or `26/11 14:32`, in the device's time zone.
pub fn format_time(ms: f64) -> String {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let today = js_sys::Date::new_0();
    let time = format!("{:02}:{:02}", at.get_hours(), at.get_minutes());
    if at.to_date_string() == today.to_date_string() {
        time
    } else {
        format!("{:02}/{:02} {time}", at.get_date(), at.get_month() + 1)
    }
}

/// `26/11/2026 à 14:32` from Unix seconds, in the device's time zone.
pub fn format_moment(unix_seconds: i64) -> String {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        unix_seconds as f64 * 1000.0,
    ));
    format!(
        "{:02}/{:02}/{} à {:02}:{:02}",
        at.get_date(),
        at.get_month() + 1,
        at.get_full_year(),
        at.get_hours(),
        at.get_minutes()
    )
}
