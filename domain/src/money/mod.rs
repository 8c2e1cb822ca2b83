//! The money of the schemes: framework agreements with their periods and price lists
//! (`agreements`), the purchase orders placed against them (`orders`), the farm funds with
//! their envelopes, farms and grants (`funds`) and the financing partners of business
//! creation with their yearly places and the referrals of people (`partners`), and the
//! co-financing of each scheme's year — costs and the financers' split (`cofinancing`).
//! Amounts are whole
//! cents; the rules are here, the server's writing transaction enforces the caps with them.

pub mod agreements;
pub mod cofinancing;
pub mod funds;
pub mod orders;
pub mod partners;

/// `93 415,64 €`: whole cents as a French reader reads an amount.
/// The namespace of the replica ids of the money records keyed by what they are about (a
/// partner's year, a fund's year, a scheme's year) rather than by an id of their own (UUID v5).
const RECORD_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6a61_6c6f_6e2d_6d6f_6e65_792d_7265_6331);

/// The replica id of the money record named `key` (`partner:adie:2026`…).
pub(crate) fn record_id(key: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&RECORD_NAMESPACE, key.as_bytes())
}

pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!(
        "{sign}{},{:02}\u{a0}€",
        crate::text::group_digits(&(cents / 100).to_string()),
        cents % 100
    )
}

/// An amount typed in French or English style (`1 200`, `93415,64`, `12.5`, `1 200,00 €`)
/// as whole cents; `None` when it is not an amount or has more than two decimals.
pub fn parse_euros(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (whole, fraction) = match cleaned.split_once([',', '.']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || whole.len() > 12
    {
        return None;
    }
    let fraction = format!("{fraction:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_write_in_french() {
        assert_eq!(euros(9_341_564), "93\u{202f}415,64\u{a0}€");
        assert_eq!(euros(5), "0,05\u{a0}€");
        assert_eq!(euros(-120_000), "-1\u{202f}200,00\u{a0}€");
        assert_eq!(parse_euros("93 415,64"), Some(9_341_564));
        assert_eq!(parse_euros("1\u{202f}200,00 €"), Some(120_000));
        assert_eq!(parse_euros("12.5"), Some(1_250));
        assert_eq!(parse_euros("350"), Some(35_000));
        for bad in ["", "abc", "1,234", "-5", ",5", "1 2 3,4x"] {
            assert_eq!(parse_euros(bad), None, "{bad}");
        }
    }
}
