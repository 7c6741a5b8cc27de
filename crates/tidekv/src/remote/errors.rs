//! What a Valkey / Redis error means to tidekv: the request errors the other backends give for
//! the same call (wrong type, not an integer, overflow …), and `Error::Remote` for everything
//! about the server or the connection.
//!
//! The server's messages are matched as Redis 7 and Valkey 9 word them (the differential tests of
//! `tidekv serve` pin the same strings); a message this table does not know stays an
//! `Error::Remote` that quotes it, never a silent success.

use redis::{ErrorKind, RedisError};

use crate::engine::{list_is_not_a_string, string_is_not_a_list};
use crate::error::Error;

/// How the cause of an `Error::Remote` starts when a Cluster node answered that the slot lives
/// (or is moving) elsewhere: `MOVED`, `ASK`, `TRYAGAIN`.
pub(crate) const SLOT_MOVING: &str = "the slot is moving between nodes";

/// Whether `error` is a Cluster redirection mapped by [`from_redis`].
pub(crate) fn is_slot_moving(error: &Error) -> bool {
    matches!(error, Error::Remote { cause, .. } if cause.starts_with(SLOT_MOVING))
}

/// What kind of value the failing call worked on, to say which way a `WRONGTYPE` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A string command (GET, SET … GET, INCRBY, APPEND …): the key held a list.
    String,
    /// A list command (LPUSH, LPOP, LRANGE …): the key held a string.
    List,
}

/// `error`, met while running `command`, as tidekv's error.
pub(crate) fn from_redis(error: &RedisError, command: &str, expected: Expected) -> Error {
    if error.code() == Some("WRONGTYPE") {
        return match expected {
            Expected::String => list_is_not_a_string(),
            Expected::List => string_is_not_a_list(),
        };
    }
    if error.kind() == ErrorKind::CrossSlot {
        return cross_slot();
    }
    if matches!(
        error.kind(),
        ErrorKind::Moved | ErrorKind::Ask | ErrorKind::TryAgain
    ) {
        return Error::remote(command, format!("{SLOT_MOVING} ({error})"));
    }
    if error.kind() == ErrorKind::ResponseError {
        if let Some(known) = request_error(error.detail().unwrap_or_default()) {
            return known;
        }
    }
    if error.is_timeout() {
        // A blocking socket's read timeout reads "Resource temporarily unavailable" (EAGAIN).
        return Error::remote(
            command,
            format!("timed out waiting for the server's reply ({error})"),
        );
    }
    Error::remote(command, error)
}

/// A Redis `ERR …` message that is about the request, as the error the other backends give.
fn request_error(detail: &str) -> Option<Error> {
    let error = match detail {
        "value is not an integer or out of range" => Error::NotAnInteger,
        "increment or decrement would overflow" => Error::Overflow,
        "value is not a valid float" => Error::NotAFloat,
        "increment would produce NaN or Infinity" => Error::NotFinite,
        "no such key" => Error::NoSuchKey,
        "index out of range" => Error::IndexOutOfRange,
        "source and destination objects are the same" => Error::SameObject,
        _ => return None,
    };
    Some(error)
}

/// The error for keys of one call in different hash slots of a Cluster.
pub(crate) fn cross_slot() -> Error {
    Error::invalid(
        "keys",
        "they are in different hash slots of the Cluster, and this call must run on one node; \
         give keys that belong together a hash tag (`{user:1}:name`, `{user:1}:email`) so that \
         they share a slot",
    )
}

/// Whether `error` may have left the server without the call running, so that trying again is
/// safe for a call that is safe to repeat: a broken or refused connection, a timeout, a node
/// still loading, or a Cluster in the middle of a failover.
pub(crate) fn is_transient(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || matches!(
            error.kind(),
            ErrorKind::BusyLoadingError
                | ErrorKind::TryAgain
                | ErrorKind::ClusterDown
                | ErrorKind::MasterDown
                | ErrorKind::ClusterConnectionNotFound
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(code: &str, detail: &str) -> RedisError {
        let kind = match code {
            "ERR" => ErrorKind::ResponseError,
            "CROSSSLOT" => ErrorKind::CrossSlot,
            _ => ErrorKind::ExtensionError,
        };
        match kind {
            ErrorKind::ExtensionError => {
                RedisError::from((kind, "extension", format!("{code} {detail}")))
            }
            _ => RedisError::from((kind, "server error", detail.to_string())),
        }
    }

    #[test]
    fn request_errors_map_onto_the_errors_of_the_other_backends() {
        let e = server_error("ERR", "value is not an integer or out of range");
        assert!(matches!(
            from_redis(&e, "INCRBY", Expected::String),
            Error::NotAnInteger
        ));
        let e = server_error("ERR", "increment or decrement would overflow");
        assert!(matches!(
            from_redis(&e, "INCRBY", Expected::String),
            Error::Overflow
        ));
        let e = server_error("ERR", "no such key");
        assert!(matches!(
            from_redis(&e, "LSET", Expected::List),
            Error::NoSuchKey
        ));
        let e = server_error("CROSSSLOT", "Keys in request don't hash to the same slot");
        let Error::InvalidArgument { why, .. } = from_redis(&e, "MGET", Expected::String) else {
            panic!("CROSSSLOT is a request error");
        };
        assert!(why.contains("hash tag"));
    }

    #[test]
    fn an_unknown_message_stays_a_remote_error_that_quotes_it() {
        let e = server_error("ERR", "something new");
        let Error::Remote { context, cause } = from_redis(&e, "GET", Expected::String) else {
            panic!("an unknown error is a remote error");
        };
        assert_eq!(context, "GET");
        assert!(cause.contains("something new"), "{cause}");
    }

    #[test]
    fn a_read_timeout_says_it_timed_out() {
        // What a blocking socket's read timeout gives: EAGAIN, whose text names no timeout.
        let e = RedisError::from(std::io::Error::from(std::io::ErrorKind::WouldBlock));
        let Error::Remote { cause, .. } = from_redis(&e, "GET", Expected::String) else {
            panic!("a timeout is a remote error");
        };
        assert!(cause.starts_with("timed out"), "{cause}");
    }
}
