//! `tidekv serve`: a server that speaks the Redis protocol (RESP2, RESP3 and inline commands) over
//! a tidekv store, so that redis-cli, `nc`, redis-benchmark and Redis client libraries can use it.
//!
//! Built in steps; so far:
//!
//! - [`resp`]: the protocol, pure, no I/O — the request parser that turns the bytes a client
//!   sends into commands, with Redis's limits and its exact protocol errors, and the replies,
//!   written in RESP2 or RESP3 (`docs/protocol.md`).

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod resp;
