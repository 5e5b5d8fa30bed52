//! Money in minor units of its currency, with the currency's real ISO 4217 exponent: JPY has
//! none (1 yen), KWD has three (1/1000 dinar), most have two. Shopify sends amounts as decimal
//! strings; they are stored as integers in the currency's minor unit and formatted back with
//! the same exponent, so no amount is ever scaled by a wrong power of ten.

use anyhow::{Context, Result, bail};
use iso_currency::Currency;
use std::cell::RefCell;
use std::collections::HashMap;

/// Exponents looked up so far, and the last code asked for with its exponent.
#[derive(Default)]
struct Known {
    last: Option<([u8; 3], u32)>,
    all: HashMap<String, u32>,
}

/// The number of decimals of `code` (ISO 4217), e.g. 0 for JPY, 2 for USD, 3 for KWD.
pub fn exponent(code: &str) -> Result<u32> {
    thread_local! {
        // Looking a code up in the ISO table is slow next to parsing an amount, and a shop
        // uses few currencies: remember each one's exponent, the last one asked first.
        static KNOWN: RefCell<Known> = RefCell::new(Known::default());
    }
    let key: Option<[u8; 3]> = code.as_bytes().try_into().ok();
    let known = KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        match (k.last, key) {
            (Some((last, exponent)), Some(key)) if last == key => Some(exponent),
            _ => {
                let exponent = k.all.get(code).copied()?;
                k.last = key.map(|key| (key, exponent));
                Some(exponent)
            }
        }
    });
    if let Some(known) = known {
        return Ok(known);
    }
    let currency = Currency::from_code(code)
        .with_context(|| format!("`{code}` is not an ISO 4217 currency code"))?;
    // Currencies without minor units in ISO 4217 (funds, precious metals) count in whole units.
    let exponent = currency.exponent().map_or(0, u32::from);
    KNOWN.with(|k| k.borrow_mut().all.insert(code.to_owned(), exponent));
    Ok(exponent)
}

/// `"12.34"` in USD → 1234; `"1200.0"` in JPY → 1200; `"1.234"` in KWD → 1234. Digits past the
/// currency's exponent must be zeros: an amount that does not fit is an error, never rounded.
pub fn parse_minor(amount: &str, currency: &str) -> Result<i64> {
    let exponent = exponent(currency)?;
    let bad = || format!("bad {currency} amount `{amount}`");
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        bail!(bad());
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        bail!(bad());
    }
    let exponent = exponent as usize;
    let (kept, rest) = fraction.split_at(fraction.len().min(exponent));
    if rest.bytes().any(|b| b != b'0') {
        bail!("{currency} amount `{amount}` has more than {exponent} decimals");
    }
    let mut minor: i64 = whole.parse().with_context(bad)?;
    for i in 0..exponent {
        let digit = kept.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(digit))
            .with_context(bad)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// 1234 USD → `12.34`; 1200 JPY → `1200`; 1234 KWD → `1.234`.
pub fn format(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(exponent("USD").unwrap(), 2);
        assert_eq!(exponent("EUR").unwrap(), 2);
        assert_eq!(exponent("JPY").unwrap(), 0);
        assert_eq!(exponent("KRW").unwrap(), 0);
        assert_eq!(exponent("KWD").unwrap(), 3);
        assert_eq!(exponent("BHD").unwrap(), 3);
        assert!(exponent("XYZ").is_err());
    }

    #[test]
    fn two_decimals() {
        assert_eq!(parse_minor("12.34", "USD").unwrap(), 1234);
        assert_eq!(parse_minor("12.3", "USD").unwrap(), 1230);
        assert_eq!(parse_minor("12", "USD").unwrap(), 1200);
        assert_eq!(parse_minor("-0.5", "USD").unwrap(), -50);
        assert_eq!(parse_minor("1200.0", "EUR").unwrap(), 120000);
        assert_eq!(format(1234, 2), "12.34");
        assert_eq!(format(-5, 2), "-0.05");
    }

    #[test]
    fn yen_has_no_minor_unit() {
        assert_eq!(parse_minor("1200.0", "JPY").unwrap(), 1200);
        assert_eq!(parse_minor("1200", "JPY").unwrap(), 1200);
        assert!(
            parse_minor("1200.5", "JPY").is_err(),
            "half a yen is no amount"
        );
        assert_eq!(format(1200, 0), "1200");
    }

    #[test]
    fn dinar_has_three_decimals() {
        assert_eq!(parse_minor("1.234", "KWD").unwrap(), 1234);
        assert_eq!(parse_minor("1.2", "KWD").unwrap(), 1200);
        assert_eq!(parse_minor("0.005", "KWD").unwrap(), 5);
        assert!(parse_minor("1.2345", "KWD").is_err());
        assert_eq!(format(1234, 3), "1.234");
        assert_eq!(format(5, 3), "0.005");
    }

    #[test]
    fn malformed_amounts_are_errors() {
        for bad in [
            "1x.00",
            "1.0x",
            "",
            ".5",
            "--1",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(parse_minor(bad, "USD").is_err(), "{bad}");
        }
    }
}
