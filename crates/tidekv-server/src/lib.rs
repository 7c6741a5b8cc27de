//! `tidekv serve`: a server that speaks the Redis protocol (RESP2, RESP3 and inline commands)
//! over a tidekv store, so that redis-cli, `nc`, redis-benchmark and Redis client libraries can
//! use it. `docs/protocol.md` specifies what it accepts and replies; `docs/server.md` how to
//! run it.
//!
//! - [`resp`]: the protocol, pure, no I/O: the request parser and the replies.
//! - `command`: one family of commands per file, and the command table (`COMMAND`).
//! - `data`: the store operations commands are written against, so each command runs the
//!   same alone and inside `EXEC`.
//! - `session`, `connection`: one client's state, and its I/O loop.
//! - [`Server`] (`listener`): accepting clients, shutdown; [`ServerConfig`]: the settings.
//! - `observe`: per-command counters, the slow log, the Prometheus metrics endpoint.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod command;
mod config;
mod connection;
mod cursors;
mod data;
mod durability;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod listener;
mod observe;
pub mod resp;
mod session;
mod shared;

pub use config::{ConfigError, DurabilityMode, EngineKind, LogFormat, ServerConfig};
pub use listener::{ServeError, Server};
