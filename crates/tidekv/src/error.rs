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
    /// The key holds a value of another kind, or a value that cannot be read as the requested type
    /// (a list read as a string, `"abc"` read as an `i64`, invalid UTF-8 read as a `String`).
    #[error("wrong type: expected {expected}, found {found}")]
    WrongType {
        /// What the operation needed.
        expected: &'static str,
        /// What the key held.
        found: String,
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
    /// Another handle or process holds the store's lock.
    #[error("{} is locked by another process or handle", .path.display())]
    Locked {
        /// The locked path.
        path: PathBuf,
    },
    /// The remote server answered with an error or could not be reached.
    #[error("remote error: {0}")]
    Remote(String),
    /// An operation did not complete within its deadline.
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
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
