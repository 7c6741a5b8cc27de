//! Inline commands — a line of words, as `nc` and telnet users type them — split into arguments
//! the way Redis splits them (its `sdssplitargs`), so a line means the same to both:
//!
//! - arguments are separated by runs of whitespace;
//! - `"…"` may hold the escapes `\n \r \t \b \a \\ \"` and `\xHH`; any other `\c` is `c`;
//! - `'…'` may hold `\'`; every other byte is itself;
//! - a quoted part may continue an unquoted one (`a"b c"` is `ab c`), but a closing quote must be
//!   followed by whitespace or the end of the line, and every quote must close;
//! - a NUL byte ends the line (Redis reads it as a C string).

use bytes::Bytes;

/// The line's arguments, or `None` if its quotes are unbalanced.
pub(crate) fn split_inline(line: &[u8]) -> Option<Vec<Bytes>> {
    let line = line
        .iter()
        .position(|&b| b == 0)
        .map_or(line, |nul| line.get(..nul).unwrap_or_default());
    let mut args = Vec::new();
    let mut rest = line;
    loop {
        rest = skip_whitespace(rest);
        if rest.is_empty() {
            return Some(args);
        }
        let (arg, after) = one_arg(rest)?;
        args.push(Bytes::from(arg));
        rest = after;
    }
}

fn skip_whitespace(mut bytes: &[u8]) -> &[u8] {
    while let Some((&b, rest)) = bytes.split_first() {
        if !b.is_ascii_whitespace() && b != 0x0b {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// One argument from the start of `bytes` (not whitespace), and what follows it.
fn one_arg(mut bytes: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut arg = Vec::new();
    while let Some((&b, rest)) = bytes.split_first() {
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => return Some((arg, rest)),
            b'"' => bytes = quoted(rest, &mut arg, b'"', double_quote_escape)?,
            b'\'' => bytes = quoted(rest, &mut arg, b'\'', single_quote_escape)?,
            _ => {
                arg.push(b);
                bytes = rest;
            }
        }
    }
    Some((arg, bytes))
}

/// Reads an escape at the start of the bytes given: the byte it means and what follows.
type Unescape = for<'a> fn(&'a [u8]) -> Option<(u8, &'a [u8])>;

/// Appends the inside of a quoted part (opening `quote` already taken) to `arg`, with the
/// escapes `unescape` reads; returns what follows the closing quote.
fn quoted<'a>(
    mut bytes: &'a [u8],
    arg: &mut Vec<u8>,
    quote: u8,
    unescape: Unescape,
) -> Option<&'a [u8]> {
    loop {
        if let Some((byte, rest)) = unescape(bytes) {
            arg.push(byte);
            bytes = rest;
            continue;
        }
        match bytes {
            [b, rest @ ..] if *b == quote => return closed(rest),
            [b, rest @ ..] => {
                arg.push(*b);
                bytes = rest;
            }
            [] => return None,
        }
    }
}

/// An escape at the start of a `"…"` part's remainder: the byte it means and what follows.
fn double_quote_escape(bytes: &[u8]) -> Option<(u8, &[u8])> {
    match bytes {
        [b'\\', b'x', hi, lo, rest @ ..] if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => {
            Some((hex(*hi) << 4 | hex(*lo), rest))
        }
        [b'\\', c, rest @ ..] => {
            let byte = match c {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'b' => 0x08,
                b'a' => 0x07,
                other => *other,
            };
            Some((byte, rest))
        }
        _ => None,
    }
}

/// Like [`double_quote_escape`] for `'…'`, where the only escape is `\'`.
fn single_quote_escape(bytes: &[u8]) -> Option<(u8, &[u8])> {
    match bytes {
        [b'\\', b'\'', rest @ ..] => Some((b'\'', rest)),
        _ => None,
    }
}

/// What follows a closing quote, which must be whitespace or nothing.
fn closed(rest: &[u8]) -> Option<&[u8]> {
    match rest.first() {
        None => Some(rest),
        Some(b) if b.is_ascii_whitespace() || *b == 0x0b => Some(rest),
        Some(_) => None,
    }
}

fn hex(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit.wrapping_sub(b'A').wrapping_add(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Option<Vec<String>> {
        split_inline(line.as_bytes()).map(|args| {
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
    }

    #[test]
    fn words_are_split_on_runs_of_whitespace() {
        assert_eq!(
            split("  SET\tkey   value \r"),
            Some(vec!["SET".into(), "key".into(), "value".into()])
        );
        assert_eq!(split(" \t "), Some(vec![]));
    }

    #[test]
    fn quotes_and_escapes_mean_what_they_mean_to_redis() {
        assert_eq!(
            split(r#"SET "a b\n\x41\q" 'it\'s "x"'"#),
            Some(vec!["SET".into(), "a b\nAq".into(), "it's \"x\"".into()])
        );
        assert_eq!(split(r#"a"b c"d"#), None, "a closing quote needs a space");
        assert_eq!(split(r#"a"b c" d"#), Some(vec!["ab c".into(), "d".into()]));
        assert_eq!(split(r#"ECHO "a"#), None);
        assert_eq!(split("ECHO 'a"), None);
        assert_eq!(
            split(r#"ECHO "a\""#),
            None,
            "an escaped quote does not close"
        );
        assert_eq!(split(r#""\xzz""#), Some(vec!["xzz".into()]));
    }

    #[test]
    fn a_nul_byte_ends_the_line() {
        assert_eq!(
            split_inline(b"GET a\0b c").map(|a| a.len()),
            Some(2),
            "GET a"
        );
    }
}
