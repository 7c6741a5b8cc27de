//! Every conditional or derived command, written once on the engines' read-modify-write
//! primitive ([`crate::engine::Tx`]) and so the same on every backend.
//!
//! Each operation is a function of a transaction and its arguments. It reads, decides, and
//! checks everything that can fail before its first write, so a failing operation writes
//! nothing: a `WriteBatch` can roll the whole transaction back, and a MULTI / EXEC can report one
//! command's error and go on with the next (Redis's rule), both on the same functions.

pub(crate) mod batch;
pub(crate) mod keys;
pub(crate) mod lists;
pub(crate) mod strings;

pub use lists::{ListInsert, Side};
pub use strings::{SetCondition, SetOptions, SetOutcome};
