//! Numbers as Redis reads and writes them: the decimal text counters and floats are stored as.
//!
//! A leaf module: typed values (`value.rs`), the engines and the operations built on the
//! read-modify-write primitive all parse and print numbers here, so that `INCR`, `INCRBYFLOAT`
//! and `get_as::<i64>` agree on what a number is.

use crate::error::{Error, Result};

/// The text form of a float: shortest round-trip digits, exponent form for very large or small.
pub(crate) fn format_f64(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if v == v.trunc() && v.abs() < 1e17 {
        // Integral values print without ".0" so they read back as integers too (Redis does the same).
        format!("{v:.0}")
    } else {
        format!("{v:?}")
    }
}

/// Parses the canonical decimal form of a signed 128-bit-safe integer: an optional `-`, digits, no
/// leading zeros (except `0` itself), no spaces or `+`. This is the form Redis `INCR` accepts.
pub(crate) fn parse_integer(bytes: &[u8]) -> Option<i128> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.len() > 1 && digits.first() == Some(&b'0') {
        return None;
    }
    if negative && digits == b"0" {
        return None;
    }
    let mut n: i128 = 0;
    for d in digits {
        n = n * 10 + i128::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

/// Parses stored bytes as the `i64` an atomic counter holds (Redis `INCR`'s rule).
pub(crate) fn parse_counter(bytes: &[u8]) -> Result<i64> {
    parse_integer(bytes)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or(Error::NotAnInteger)
}

/// Parses stored bytes as the float `INCRBYFLOAT` accepts: decimal or exponent text, `inf`, no
/// surrounding spaces, not NaN.
pub(crate) fn parse_float(bytes: &[u8]) -> Result<f64> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.is_empty() && s.trim() == *s)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| !v.is_nan())
        .ok_or(Error::NotAFloat)
}

/// The text `INCRBYFLOAT` stores: plain decimal digits, never an exponent, no trailing zeros
/// (Redis prints its result the same way, so `GET` after either shows the same text).
pub(crate) fn format_float_plain(v: f64) -> String {
    // NOTE: `Display` for f64 prints the shortest digits that read back to the same bits,
    // without an exponent: `1e20` prints as `100000000000000000000`, `0.1` as `0.1`.
    let text = format!("{v}");
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_parsing_is_canonical() {
        assert_eq!(parse_integer(b"0"), Some(0));
        assert_eq!(parse_integer(b"-12"), Some(-12));
        for bad in [&b""[..], b"-", b"+1", b"01", b"-0", b" 1", b"1 ", b"1e3"] {
            assert_eq!(
                parse_integer(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_counter(b"-9223372036854775808").unwrap(), i64::MIN);
        assert!(matches!(
            parse_counter(b"9223372036854775808"),
            Err(Error::NotAnInteger)
        ));
    }

    #[test]
    fn floats_parse_as_incrbyfloat_reads_them() {
        assert_eq!(parse_float(b"10.5").unwrap(), 10.5);
        assert_eq!(parse_float(b"5.0e3").unwrap(), 5000.0);
        assert_eq!(parse_float(b"-3").unwrap(), -3.0);
        for bad in [&b""[..], b" 1", b"1 ", b"abc", b"nan", b"1.2.3"] {
            assert!(
                matches!(parse_float(bad), Err(Error::NotAFloat)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn floats_print_without_exponent() {
        assert_eq!(format_float_plain(10.6), "10.6");
        assert_eq!(format_float_plain(5000.0), "5000");
        assert_eq!(format_float_plain(1e20), "100000000000000000000");
        assert_eq!(format_float_plain(-0.0), "0");
        assert_eq!(format_float_plain(-2.5), "-2.5");
    }
}
