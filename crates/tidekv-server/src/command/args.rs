//! Reading command arguments the way Redis reads them: integers as `string2ll` does (no sign
//! `+`, no leading zero, no spaces), floats as `strtold` does (no spaces, never NaN), keywords
//! in any case.

use std::time::Duration;

use bytes::Bytes;

use super::fail::Fail;

/// An empty argument, what [`arg`] gives past the end.
static EMPTY: Bytes = Bytes::new();

/// Argument `i` (0 is the command name). The table checks each command's arity before it runs,
/// so a command never asks past the end; if one did, it would get an empty argument, not a
/// panic.
pub(crate) fn arg(args: &[Bytes], i: usize) -> &Bytes {
    args.get(i).unwrap_or(&EMPTY)
}

/// The arguments from `i` on (empty past the end).
pub(crate) fn rest(args: &[Bytes], i: usize) -> &[Bytes] {
    args.get(i..).unwrap_or_default()
}

/// The argument as an `i64`, or `None` if it is not written the way Redis writes integers.
pub(crate) fn int(arg: &[u8]) -> Option<i64> {
    let (negative, digits) = match arg {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, arg),
    };
    match digits {
        [] => return None,
        [b'0'] if !negative => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

/// The argument as an `i64`, or Redis's "not an integer" error.
pub(crate) fn integer(arg: &[u8]) -> Result<i64, Fail> {
    int(arg).ok_or_else(Fail::not_integer)
}

/// The argument as a non-negative integer, or `error` when it is not one — negative or not a
/// number alike, as Redis's `getPositiveLongFromObjectOrReply` words it per command ("value is
/// out of range, must be positive", "COUNT can't be negative", ...).
pub(crate) fn count(arg: &[u8], error: &'static str) -> Result<usize, Fail> {
    int(arg)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| Fail::new(error))
}

/// The argument as an `int`, as Redis's `getIntFromObjectOrReply` reads it: not an integer, or
/// out of the `i32` range, each with its own words.
pub(crate) fn int32(arg: &[u8]) -> Result<i32, Fail> {
    let n = integer(arg)?;
    i32::try_from(n).map_err(|_| {
        Fail::new("ERR value is out of range, value must between -2147483648 and 2147483647")
    })
}

/// The argument as a float, as Redis's `string2ld` reads it: no surrounding spaces, never NaN.
pub(crate) fn float(arg: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(arg).ok()?;
    if text.is_empty() || text.trim() != text {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    (!value.is_nan()).then_some(value)
}

/// A blocking command's timeout in seconds (fractions allowed): `None` for 0, which waits for
/// ever. Redis's errors for a timeout that is not a number or is negative.
pub(crate) fn timeout(arg: &[u8]) -> Result<Option<Duration>, Fail> {
    let seconds = float(arg)
        .filter(|s| s.is_finite())
        .ok_or_else(|| Fail::new("ERR timeout is not a float or out of range"))?;
    // Redis keeps whole milliseconds, truncated: under a millisecond is 0, which waits for ever.
    let millis = (seconds * 1000.0).trunc();
    if millis < 0.0 {
        return Err(Fail::new("ERR timeout is negative"));
    }
    if millis == 0.0 {
        return Ok(None);
    }
    let now = crate::data::unix_ms(std::time::SystemTime::now()) as f64;
    if millis > i64::MAX as f64 - now {
        return Err(Fail::new("ERR timeout is out of range"));
    }
    // A timeout past what an Instant can hold waits for ever.
    if millis >= 1e15 {
        return Ok(None);
    }
    Ok(Some(Duration::from_millis(millis as u64)))
}

/// Whether `arg` is `keyword`, in any case.
pub(crate) fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// The argument as UTF-8 text, lossy (for messages).
pub(crate) fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// A cursor over the optional arguments of a command, for `[NX|XX] [GET] [EX s] ...` parsing.
pub(crate) struct Options<'a> {
    args: &'a [Bytes],
    at: usize,
}

impl<'a> Options<'a> {
    /// Options in `args`.
    pub(crate) fn new(args: &'a [Bytes]) -> Self {
        Options { args, at: 0 }
    }

    /// The next option word, or `None` at the end.
    pub(crate) fn next_word(&mut self) -> Option<&'a Bytes> {
        let arg = self.args.get(self.at)?;
        self.at += 1;
        Some(arg)
    }

    /// The value that must follow an option word, or a syntax error.
    pub(crate) fn value(&mut self) -> Result<&'a Bytes, Fail> {
        self.next_word().ok_or_else(Fail::syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_read_as_string2ll_reads_them() {
        assert_eq!(int(b"0"), Some(0));
        assert_eq!(int(b"-15"), Some(-15));
        assert_eq!(int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"1.0",
            b"9223372036854775808",
        ] {
            assert_eq!(int(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn floats_refuse_spaces_and_nan() {
        assert_eq!(float(b"1.5"), Some(1.5));
        assert_eq!(float(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(float(b"1e3"), Some(1000.0));
        assert_eq!(float(b" 1"), None);
        assert_eq!(float(b"nan"), None);
        assert_eq!(float(b""), None);
    }

    #[test]
    fn timeouts_are_seconds_with_fractions_and_zero_is_for_ever() {
        assert_eq!(timeout(b"0").ok(), Some(None));
        assert_eq!(
            timeout(b"0.25").ok(),
            Some(Some(Duration::from_millis(250)))
        );
        assert_eq!(
            timeout(b"-1").err().map(|f| f.0),
            Some("ERR timeout is negative".into())
        );
        assert_eq!(
            timeout(b"x").err().map(|f| f.0),
            Some("ERR timeout is not a float or out of range".into())
        );
    }
}
