//! Replies, and how each is written in RESP2 and RESP3 (`HELLO 2` / `HELLO 3`).
//!
//! A command builds one [`Reply`] whatever the protocol; [`Reply::encode`] writes it the way
//! Redis 7 writes the same reply in the connection's protocol: RESP3's null, map and verbatim
//! string become RESP2's null bulk (or null array), flat array and bulk string.

use std::borrow::Cow;
use std::fmt::Write as _;

use bytes::{BufMut, Bytes, BytesMut};

/// The protocol a connection speaks (RESP2 until `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// One reply to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A status line, such as `OK` or `PONG` (`+OK`).
    Simple(Cow<'static, str>),
    /// An error line, code included (`-ERR …`, `-WRONGTYPE …`).
    Error(Cow<'static, str>),
    /// An integer (`:5`).
    Integer(i64),
    /// A binary-safe string (`$5\r\nhello`).
    Bulk(Bytes),
    /// No value where a string was expected: `$-1` in RESP2 (`GET` of a missing key).
    Null,
    /// No value where an array was expected: `*-1` in RESP2 (`BLPOP` timing out).
    NullArray,
    /// An array of replies.
    Array(Vec<Reply>),
    /// Field–value pairs: a map in RESP3, a flat array in RESP2 (`HELLO`, `CONFIG GET`).
    Map(Vec<(Reply, Reply)>),
    /// Unordered items: a set in RESP3, an array in RESP2 (`COMMAND INFO`'s flags).
    Set(Vec<Reply>),
    /// Text for humans, with a three-letter format (`txt`): a verbatim string in RESP3, a bulk
    /// string in RESP2 (`INFO`, `CLIENT INFO`).
    Verbatim(Bytes),
}

impl Reply {
    /// `+OK`.
    pub fn ok() -> Reply {
        Reply::Simple(Cow::Borrowed("OK"))
    }

    /// A bulk string of `bytes`.
    pub fn bulk(bytes: impl Into<Bytes>) -> Reply {
        Reply::Bulk(bytes.into())
    }

    /// Appends the reply to `out` in `protocol`.
    pub fn encode(&self, protocol: Protocol, out: &mut BytesMut) {
        let resp3 = protocol == Protocol::Resp3;
        match self {
            Reply::Simple(text) => line(out, b'+', text.as_bytes()),
            Reply::Error(text) => line(out, b'-', text.as_bytes()),
            Reply::Integer(n) => header(out, b':', *n),
            Reply::Bulk(bytes) => bulk(out, b'$', bytes),
            Reply::Null | Reply::NullArray if resp3 => out.put_slice(b"_\r\n"),
            Reply::Null => out.put_slice(b"$-1\r\n"),
            Reply::NullArray => out.put_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                header(out, b'*', len(items.len()));
                items.iter().for_each(|item| item.encode(protocol, out));
            }
            Reply::Set(items) => {
                header(out, if resp3 { b'~' } else { b'*' }, len(items.len()));
                items.iter().for_each(|item| item.encode(protocol, out));
            }
            Reply::Map(pairs) => {
                if resp3 {
                    header(out, b'%', len(pairs.len()));
                } else {
                    header(out, b'*', len(pairs.len()).saturating_mul(2));
                }
                for (field, value) in pairs {
                    field.encode(protocol, out);
                    value.encode(protocol, out);
                }
            }
            Reply::Verbatim(text) if resp3 => {
                header(out, b'=', len(text.len()).saturating_add(4));
                out.put_slice(b"txt:");
                out.put_slice(text);
                out.put_slice(b"\r\n");
            }
            Reply::Verbatim(text) => bulk(out, b'$', text),
        }
    }
}

fn len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `<kind><n>\r\n`.
fn header(out: &mut BytesMut, kind: u8, n: i64) {
    out.put_u8(kind);
    // Writing into a `BytesMut` cannot fail (it grows as needed).
    let _ = write!(out, "{n}");
    out.put_slice(b"\r\n");
}

/// `<kind><len>\r\n<bytes>\r\n`.
fn bulk(out: &mut BytesMut, kind: u8, bytes: &[u8]) {
    header(out, kind, len(bytes.len()));
    out.put_slice(bytes);
    out.put_slice(b"\r\n");
}

/// A status or error line. A CR or LF inside would end the line early and desynchronise the
/// client, so each becomes a space, as Redis does for errors.
fn line(out: &mut BytesMut, kind: u8, text: &[u8]) {
    out.put_u8(kind);
    out.extend(text.iter().map(|&b| match b {
        b'\r' | b'\n' => b' ',
        other => other,
    }));
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::resp::RequestParser;

    fn both(reply: &Reply) -> (String, String) {
        let encode = |protocol| {
            let mut out = BytesMut::new();
            reply.encode(protocol, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        (encode(Protocol::Resp2), encode(Protocol::Resp3))
    }

    #[test]
    fn scalars_are_written_as_redis_writes_them() {
        let same = |reply: Reply, wire: &str| assert_eq!(both(&reply), (wire.into(), wire.into()));
        same(Reply::ok(), "+OK\r\n");
        same(
            Reply::Error(
                "WRONGTYPE Operation against a key holding the wrong kind of value".into(),
            ),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        );
        same(Reply::Integer(-42), ":-42\r\n");
        same(Reply::bulk("a\r\nb"), "$4\r\na\r\nb\r\n");
        same(Reply::bulk(""), "$0\r\n\r\n");
    }

    #[test]
    fn nulls_maps_and_verbatim_text_differ_by_protocol() {
        assert_eq!(both(&Reply::Null), ("$-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(&Reply::NullArray), ("*-1\r\n".into(), "_\r\n".into()));
        let map = Reply::Map(vec![
            (Reply::bulk("server"), Reply::bulk("tidekv")),
            (Reply::bulk("proto"), Reply::Integer(3)),
        ]);
        assert_eq!(
            both(&map),
            (
                "*4\r\n$6\r\nserver\r\n$6\r\ntidekv\r\n$5\r\nproto\r\n:3\r\n".into(),
                "%2\r\n$6\r\nserver\r\n$6\r\ntidekv\r\n$5\r\nproto\r\n:3\r\n".into()
            )
        );
        assert_eq!(
            both(&Reply::Verbatim(Bytes::from("# Server\r\n"))),
            (
                "$10\r\n# Server\r\n\r\n".into(),
                "=14\r\ntxt:# Server\r\n\r\n".into()
            )
        );
        let set = Reply::Set(vec![Reply::Simple("fast".into())]);
        assert_eq!(
            both(&set),
            ("*1\r\n+fast\r\n".into(), "~1\r\n+fast\r\n".into())
        );
        let nested = Reply::Array(vec![Reply::bulk("k"), Reply::Null, Reply::Array(vec![])]);
        assert_eq!(
            both(&nested),
            (
                "*3\r\n$1\r\nk\r\n$-1\r\n*0\r\n".into(),
                "*3\r\n$1\r\nk\r\n_\r\n*0\r\n".into()
            )
        );
    }

    #[test]
    fn a_line_break_in_a_status_or_error_cannot_split_the_reply() {
        assert_eq!(
            both(&Reply::Error("ERR bad\r\nthing".into())).0,
            "-ERR bad  thing\r\n"
        );
        assert_eq!(both(&Reply::Simple("a\nb".into())).0, "+a b\r\n");
    }

    proptest! {
        /// An array of bulk strings is also a request: what the encoder writes, the parser reads.
        #[test]
        fn an_array_of_bulk_strings_reads_back_through_the_request_parser(
            args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..8),
        ) {
            let reply = Reply::Array(args.iter().map(|a| Reply::bulk(a.clone())).collect());
            let mut out = BytesMut::new();
            reply.encode(Protocol::Resp2, &mut out);
            let read = RequestParser::default().next_command(&mut out, true);
            let read: Option<Vec<Vec<u8>>> = read.ok().flatten().map(|c| c.iter().map(|a| a.to_vec()).collect());
            prop_assert_eq!(read, Some(args));
            prop_assert!(out.is_empty());
        }
    }
}
