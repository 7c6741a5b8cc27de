//! The Redis serialization protocol, with no I/O: what a client sends ([`RequestParser`]).
//! `docs/protocol.md` is the specification of what is accepted and what each error says.

mod inline;
mod request;

pub use request::{Limits, ProtocolError, RequestParser};
