//! The Redis serialization protocol, with no I/O: what a client sends ([`RequestParser`]) and
//! what the server answers ([`Reply`], written in RESP2 or RESP3). `docs/protocol.md` is the
//! specification of what is accepted, what each error says and how each reply is written.

mod inline;
mod reply;
mod request;

pub use reply::{Protocol, Reply};
pub use request::{Limits, ProtocolError, RequestParser};
