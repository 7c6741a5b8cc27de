//! Error replies: what a command answers instead of its result, with Redis 7's exact text, and
//! how each [`tidekv::Error`] becomes one.

use std::borrow::Cow;

use crate::resp::Reply;

/// An error reply a command gives instead of its result; the text starts with its code (`ERR`,
/// `WRONGTYPE`, `EXECABORT`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail(pub(crate) Cow<'static, str>);

/// What a command answers: a reply, or an error reply.
pub(crate) type CmdResult = Result<Reply, Fail>;

impl Fail {
    /// An error reply with this text (code included).
    pub(crate) fn new(text: impl Into<Cow<'static, str>>) -> Fail {
        Fail(text.into())
    }

    /// `ERR syntax error`.
    pub(crate) fn syntax() -> Fail {
        Fail::new("ERR syntax error")
    }

    /// `ERR value is not an integer or out of range`.
    pub(crate) fn not_integer() -> Fail {
        Fail::new("ERR value is not an integer or out of range")
    }

    /// `ERR value is not a valid float`.
    pub(crate) fn not_float() -> Fail {
        Fail::new("ERR value is not a valid float")
    }

    /// The wrong-arity error, naming the command as Redis does (`client|setname` for a
    /// subcommand).
    pub(crate) fn arity(name: &str) -> Fail {
        Fail::new(format!(
            "ERR wrong number of arguments for '{name}' command"
        ))
    }

    /// The reply this error is.
    pub(crate) fn into_reply(self) -> Reply {
        Reply::Error(self.0)
    }
}

impl From<tidekv::Error> for Fail {
    fn from(e: tidekv::Error) -> Fail {
        use tidekv::Error as E;
        let text: Cow<'static, str> = match &e {
            E::WrongType { .. } => {
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            }
            E::NotAnInteger => "ERR value is not an integer or out of range".into(),
            E::NotAFloat => "ERR value is not a valid float".into(),
            E::Overflow => "ERR increment or decrement would overflow".into(),
            E::NotFinite => "ERR increment would produce NaN or Infinity".into(),
            E::NoSuchKey => "ERR no such key".into(),
            E::IndexOutOfRange => "ERR index out of range".into(),
            E::SameObject => "ERR source and destination objects are the same".into(),
            // Redis's text for APPEND / SETRANGE past its limit (512 MiB on both).
            E::TooLarge { what: "value", .. } => {
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)".into()
            }
            E::Closed => "ERR the store is closed (the server is shutting down)".into(),
            // Redis's prefix for a write refused by a read-only replica.
            E::ReadOnly { .. } => format!("READONLY {e}").into(),
            _ => format!("ERR {e}").into(),
        };
        Fail(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_redis_replies() {
        let text = |e: tidekv::Error| Fail::from(e).0.into_owned();
        assert_eq!(
            text(tidekv::Error::wrong_type("list", "string")),
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(
            text(tidekv::Error::Overflow),
            "ERR increment or decrement would overflow"
        );
        let too_large = tidekv::Error::TooLarge {
            what: "value",
            len: 600,
            limit: 512,
        };
        assert_eq!(
            text(too_large),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        );
        assert_eq!(
            Fail::arity("client|setname").0,
            "ERR wrong number of arguments for 'client|setname' command"
        );
    }
}
