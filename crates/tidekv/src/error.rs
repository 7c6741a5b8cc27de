//! The one error type of the `tidekv` crate.

use std::fmt;
use std::path::PathBuf;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a tidekv call.
///
/// "Not found" is never an error: lookups return `Ok(None)`. Every variant prints a message a user can
/// act on, and carries the context needed to find the cause (which key kind, which file and offset).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key holds a value of another kind: a string operation on a list or the reverse (Redis
    /// `WRONGTYPE`). Nothing changed.
    #[error("wrong type: expected {expected}, found {found}")]
    WrongType {
        /// What the operation needed.
        expected: &'static str,
        /// What the key held.
        found: String,
    },
    /// A stored value could not be read as the requested Rust type ([`crate::Store::get_as`]):
    /// `"abc"` read as an `i64`, invalid UTF-8 read as a `String`, JSON of another shape.
    #[error("cannot decode the value as {expected}: found {found}")]
    Decode {
        /// The type asked for.
        expected: &'static str,
        /// What the value was.
        found: String,
    },
    /// An integer operation met a value that is not the decimal text of an `i64`, or an integer
    /// argument out of range (Redis: "value is not an integer or out of range").
    #[error("value is not an integer or out of range")]
    NotAnInteger,
    /// A float operation met a value that is not a finite decimal number (Redis: "value is not a
    /// valid float").
    #[error("value is not a valid float")]
    NotAFloat,
    /// An integer increment would leave the `i64` range; nothing changed (Redis: "increment or
    /// decrement would overflow").
    #[error("increment or decrement would overflow")]
    Overflow,
    /// A float increment would give NaN or an infinity; nothing changed (Redis: "increment would
    /// produce NaN or Infinity").
    #[error("increment would produce NaN or Infinity")]
    NotFinite,
    /// The operation needs a key that does not exist (Redis: "no such key"; RENAME, LSET).
    #[error("no such key")]
    NoSuchKey,
    /// A list index outside the list (Redis: "index out of range"; LSET).
    #[error("index out of range")]
    IndexOutOfRange,
    /// Source and destination are the same key (Redis: "source and destination objects are the
    /// same"; COPY, MOVE).
    #[error("source and destination objects are the same")]
    SameObject,
    /// A key or value (or a value an operation would build, by APPEND or SETRANGE) is over the
    /// configured limit; nothing changed.
    #[error("{what} of {len} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// `key` or `value`.
        what: &'static str,
        /// Its size, or the size the operation would give it.
        len: u64,
        /// The limit ([`crate::Config::max_key_size`], [`crate::Config::max_value_size`]).
        limit: u64,
    },
    /// An argument was rejected before anything was changed.
    #[error("invalid argument {what}: {why}")]
    InvalidArgument {
        /// Which argument (`key`, `value`, `ttl`, `keyspace`, ...).
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },
    /// Stored data failed a check (magic, version, length or checksum).
    #[error("corrupt data in {}: at offset {offset}: {reason}", .file.display())]
    Corruption {
        /// The file (or stream) the bad bytes came from.
        file: PathBuf,
        /// Byte offset of the first byte of the bad unit (chunk, block, record).
        offset: u64,
        /// What check failed.
        reason: String,
    },
    /// An operating-system I/O call failed.
    #[error("I/O error while {context}: {source}")]
    Io {
        /// What tidekv was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The store was closed; every call after [`crate::Store::close`] returns this.
    #[error("the store is closed")]
    Closed,
    /// The store was opened read-only ([`crate::Config::read_only`]); nothing changed.
    #[error("the store is open read-only: {what} would change it")]
    ReadOnly {
        /// The call that was refused (`insert`, `compact`, ...).
        what: &'static str,
    },
    /// Another handle or process holds the store's lock.
    #[error("{} is locked by another process or handle", .path.display())]
    Locked {
        /// The locked path.
        path: PathBuf,
    },
    /// The remote backend's server (Valkey or Redis) could not be reached, did not answer in
    /// time, or failed the call for a reason that is not about the request (a request error, such
    /// as a wrong type, has its own variant). The call may or may not have taken effect on the
    /// server when the connection broke after sending it.
    #[error("remote server: {context}: {cause}")]
    Remote {
        /// What tidekv was doing (`connecting to redis://127.0.0.1:6379`, `GET`, ...).
        context: String,
        /// What went wrong, as the client library or the server said it.
        cause: String,
    },
}

impl Error {
    /// An [`Error::InvalidArgument`] for `what`, explained by `why`.
    pub fn invalid(what: &'static str, why: impl fmt::Display) -> Self {
        Error::InvalidArgument {
            what,
            why: why.to_string(),
        }
    }

    /// An [`Error::Io`] that says what tidekv was doing when `source` happened.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            context: context.to_string(),
            source,
        }
    }

    /// An [`Error::WrongType`].
    pub fn wrong_type(expected: &'static str, found: impl fmt::Display) -> Self {
        Error::WrongType {
            expected,
            found: found.to_string(),
        }
    }

    /// An [`Error::Decode`].
    pub fn decode(expected: &'static str, found: impl fmt::Display) -> Self {
        Error::Decode {
            expected,
            found: found.to_string(),
        }
    }

    /// Whether this error is about the request (a wrong type, a bad number, a missing key, an
    /// argument out of range), not about the store: retrying the same call cannot succeed, and the
    /// store is fine. In a [`crate::Transaction`] such an error fails only its own operation,
    /// while any other (I/O, corruption, a closed store) fails the whole transaction.
    pub fn is_request_error(&self) -> bool {
        matches!(
            self,
            Error::WrongType { .. }
                | Error::Decode { .. }
                | Error::NotAnInteger
                | Error::NotAFloat
                | Error::Overflow
                | Error::NotFinite
                | Error::NoSuchKey
                | Error::IndexOutOfRange
                | Error::SameObject
                | Error::TooLarge { .. }
                | Error::InvalidArgument { .. }
        )
    }

    /// A copy of a store error (I/O, corruption, closed), to report it twice: an `io::Error`
    /// is not `Clone`, so the copy keeps its kind and message.
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Io { context, source } => Error::Io {
                context: context.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Error::Corruption {
                file,
                offset,
                reason,
            } => Error::Corruption {
                file: file.clone(),
                offset: *offset,
                reason: reason.clone(),
            },
            Error::Closed => Error::Closed,
            Error::Locked { path } => Error::Locked { path: path.clone() },
            Error::Remote { context, cause } => Error::Remote {
                context: context.clone(),
                cause: cause.clone(),
            },
            other => Error::invalid("transaction", other.to_string()),
        }
    }

    /// An [`Error::Remote`]: `cause` met while `context`.
    pub fn remote(context: impl fmt::Display, cause: impl fmt::Display) -> Self {
        Error::Remote {
            context: context.to_string(),
            cause: cause.to_string(),
        }
    }

    /// An [`Error::Corruption`] at `offset` of `file`.
    pub fn corruption(file: impl Into<PathBuf>, offset: u64, reason: impl fmt::Display) -> Self {
        Error::Corruption {
            file: file.into(),
            offset,
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_cause() {
        let e = Error::corruption("snap.tkv", 40960, "checksum mismatch");
        assert_eq!(
            e.to_string(),
            "corrupt data in snap.tkv: at offset 40960: checksum mismatch"
        );
        let e = Error::invalid("key", "70000 bytes is over the 65536-byte limit");
        assert_eq!(
            e.to_string(),
            "invalid argument key: 70000 bytes is over the 65536-byte limit"
        );
        let e = Error::wrong_type("a string value", "a list");
        assert_eq!(
            e.to_string(),
            "wrong type: expected a string value, found a list"
        );
    }
}
