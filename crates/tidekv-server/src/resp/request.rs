//! The request parser: bytes from a client in, one command (its arguments) at a time out.
//!
//! A request is either a RESP array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what client
//! libraries send) or an inline command (a line of words, see `inline.rs`). The parser keeps its
//! place between calls, so a request that arrives a byte at a time costs no re-parsing, and a
//! pipelined buffer yields its commands one by one.
//!
//! Memory: the parser never reserves space from a length the client announced. An argument is
//! split off the caller's buffer only once all of it has arrived, and the argument list grows as
//! arguments arrive (its first reservation is capped), so a client that announces a huge count or
//! a 512 MB string and sends nothing costs only what it sent. Each length is checked against
//! [`Limits`] first; an unauthenticated client gets Redis's smaller limits (CVE-2021-32675).
//!
//! After a [`ProtocolError`] the stream is out of sync: reply with the error and close the
//! connection, as Redis does.

use bytes::{Buf, Bytes, BytesMut};

use super::inline::split_inline;

/// The longest line: an inline command, or the digits of a count or length.
pub const MAX_LINE: usize = 64 * 1024;

/// Redis's limits for a client that has not authenticated yet (while a password is required).
const UNAUTHENTICATED_MAX_ARGS: u64 = 10;
const UNAUTHENTICATED_MAX_BULK: u64 = 16 * 1024;

/// The most arguments a fresh argument list reserves room for, whatever the announced count.
const FIRST_RESERVATION: usize = 1024;

/// How large a request may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest argument (Redis's `proto-max-bulk-len`, 512 MB by default).
    pub max_bulk_len: u64,
    /// The most arguments in one request (Redis allows up to `i32::MAX`).
    pub max_args: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_args: i32::MAX as u64,
        }
    }
}

/// A request that breaks the protocol; its text is Redis's reply for it, after `ERR `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// An inline command longer than [`MAX_LINE`].
    #[error("Protocol error: too big inline request")]
    InlineTooBig,
    /// An inline command whose quotes do not close (or a closing quote not followed by a space).
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// A `*` line longer than [`MAX_LINE`].
    #[error("Protocol error: too big mbulk count string")]
    CountLineTooBig,
    /// A `*` count that is not a number or over the limit.
    #[error("Protocol error: invalid multibulk length")]
    InvalidCount,
    /// A `$` line longer than [`MAX_LINE`].
    #[error("Protocol error: too big bulk count string")]
    LengthLineTooBig,
    /// An array element that is not a bulk string (its first byte).
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedBulk(char),
    /// A `$` length that is not a number, negative, or over the limit.
    #[error("Protocol error: invalid bulk length")]
    InvalidLength,
    /// A `*` count over 10 before AUTH, when a password is required.
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedCount,
    /// A `$` length over 16 KiB before AUTH, when a password is required.
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedLength,
}

/// See the module docs. One per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    limits: Limits,
    /// The arguments of the array request under way, and how many more it announced.
    args: Vec<Bytes>,
    remaining: u64,
    /// The length of the next argument, once its `$` line has been read.
    bulk_len: Option<usize>,
    /// How much of the incomplete line at the front of the buffer has been searched for its
    /// end already (see [`RequestParser::find_in_line`]).
    scanned: usize,
}

impl RequestParser {
    /// A parser that enforces `limits` (for authenticated clients).
    pub fn new(limits: Limits) -> Self {
        RequestParser {
            limits,
            ..RequestParser::default()
        }
    }

    /// The next whole command at the front of `buf`, removed from it; `Ok(None)` if more bytes
    /// are needed. An empty command (an empty line, `*0`, `*-1`) is skipped, as Redis does.
    /// `authenticated` is false while the client still owes a password.
    pub fn next_command(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        loop {
            if self.remaining == 0 {
                match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => {
                        if !self.start_array(buf, authenticated)? {
                            return Ok(None);
                        }
                        if self.remaining == 0 {
                            continue;
                        }
                    }
                    Some(_) => match self.inline(buf)? {
                        None => return Ok(None),
                        Some(args) if args.is_empty() => continue,
                        Some(args) => return Ok(Some(args)),
                    },
                }
            }
            if !self.next_arg(buf, authenticated)? {
                return Ok(None);
            }
            if self.remaining == 0 {
                return Ok(Some(std::mem::take(&mut self.args)));
            }
        }
    }

    /// Reads a `*count` line; `false` if it has not all arrived.
    fn start_array(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<bool, ProtocolError> {
        let Some(line) = self.take_line(buf, ProtocolError::CountLineTooBig)? else {
            return Ok(false);
        };
        let count =
            parse_count(line.get(1..).unwrap_or_default()).ok_or(ProtocolError::InvalidCount)?;
        if count > i64::try_from(self.limits.max_args).unwrap_or(i64::MAX) {
            return Err(ProtocolError::InvalidCount);
        }
        if !authenticated && count > UNAUTHENTICATED_MAX_ARGS as i64 {
            return Err(ProtocolError::UnauthenticatedCount);
        }
        // Zero or less is an empty command, skipped.
        self.remaining = u64::try_from(count).unwrap_or(0);
        let reserve =
            usize::try_from(self.remaining).map_or(FIRST_RESERVATION, |n| n.min(FIRST_RESERVATION));
        self.args = Vec::with_capacity(reserve);
        Ok(true)
    }

    /// Reads the next argument of the array under way; `false` if it has not all arrived.
    fn next_arg(&mut self, buf: &mut BytesMut, authenticated: bool) -> Result<bool, ProtocolError> {
        let len = match self.bulk_len {
            Some(len) => len,
            None => {
                match buf.first() {
                    None => return Ok(false),
                    Some(b'$') => {}
                    Some(&other) => return Err(ProtocolError::ExpectedBulk(char::from(other))),
                }
                let Some(line) = self.take_line(buf, ProtocolError::LengthLineTooBig)? else {
                    return Ok(false);
                };
                let len = parse_count(line.get(1..).unwrap_or_default())
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|&n| n <= self.limits.max_bulk_len)
                    .ok_or(ProtocolError::InvalidLength)?;
                if !authenticated && len > UNAUTHENTICATED_MAX_BULK {
                    return Err(ProtocolError::UnauthenticatedLength);
                }
                let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidLength)?;
                self.bulk_len = Some(len);
                len
            }
        };
        // The argument and its CRLF. Redis does not check that the last two bytes are CRLF; nor
        // does this, so that the same bytes mean the same command to both.
        let Some(whole) = len.checked_add(2).filter(|&whole| buf.len() >= whole) else {
            return Ok(false);
        };
        let mut arg = buf.split_to(whole);
        arg.truncate(len);
        self.args.push(arg.freeze());
        self.bulk_len = None;
        self.remaining -= 1;
        Ok(true)
    }
}

impl RequestParser {
    /// An inline command's arguments, the line taken off `buf`; `None` if its end has not
    /// arrived.
    fn inline(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let Some(end) = self.find_in_line(buf, b'\n') else {
            if buf.len() > MAX_LINE {
                return Err(ProtocolError::InlineTooBig);
            }
            return Ok(None);
        };
        self.scanned = 0;
        let line = buf.split_to(end + 1);
        split_inline(line.get(..end).unwrap_or_default())
            .map(Some)
            .ok_or(ProtocolError::UnbalancedQuotes)
    }

    /// A `*`/`$` line without its CRLF, taken off `buf`; `None` if its `\r\n` has not arrived.
    /// `too_big` is the error for a line longer than [`MAX_LINE`]. (Redis looks for the `\r`
    /// through all it has buffered, so a longer line that arrives whole fails there as an
    /// invalid length instead; both refuse it.)
    fn take_line(
        &mut self,
        buf: &mut BytesMut,
        too_big: ProtocolError,
    ) -> Result<Option<BytesMut>, ProtocolError> {
        let Some(cr) = self.find_in_line(buf, b'\r') else {
            if buf.len() > MAX_LINE {
                return Err(too_big);
            }
            return Ok(None);
        };
        if buf.len() < cr + 2 {
            return Ok(None);
        }
        self.scanned = 0;
        let line = buf.split_to(cr);
        buf.advance(2);
        Ok(Some(line))
    }

    /// Where `end` first occurs in the line at the front of `buf` (its first `MAX_LINE + 1`
    /// bytes), searching only the bytes earlier calls have not: a line that arrives a byte at a
    /// time is scanned once, not once per byte. Whoever takes the line resets `scanned`.
    fn find_in_line(&mut self, buf: &[u8], end: u8) -> Option<usize> {
        let window = buf.get(..buf.len().min(MAX_LINE + 1)).unwrap_or_default();
        let from = self.scanned.min(window.len());
        let found = window
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == end))
            .map(|at| from + at);
        self.scanned = found.unwrap_or(window.len());
        found
    }
}

/// A count or length as Redis's `string2ll` reads it: an optional `-`, digits, no leading zero
/// (but `0` itself), no sign on zero, fits an `i64`.
fn parse_count(digits: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(digits).ok()?;
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let plain = !unsigned.is_empty()
        && unsigned.bytes().all(|b| b.is_ascii_digit())
        && (unsigned == "0" || !unsigned.starts_with('0'))
        && text != "-0";
    plain.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
