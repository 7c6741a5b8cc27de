//! Derived commands a backend may run as one command of its own.
//!
//! `Store` writes every conditional or derived command once, on the transaction primitive
//! ([`super::Tx`]). A backend whose server has the command itself (remote: Redis's `INCRBY`,
//! `INCRBYFLOAT`, `GETDEL`, `SET … NX GET PXAT`, `PEXPIREAT … GT`, `PERSIST`, `MSET`, `MSETNX`,
//! `DEL`, `APPEND`, `SETRANGE`, `RENAME`, `COPY`, `MOVE`, and the list edits) can take these over
//! ([`super::Engine::native`]): one round trip, and no optimistic retries when many clients
//! change the same key. Each must keep exactly the semantics of the transaction path, errors
//! included; the conformance suite checks both paths against the same answers.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::expiry::ExpireCondition;
use crate::ops::lists::Side;
use crate::ops::{SetCondition, SetOutcome};

use super::End;

/// A derived command (see the module docs), on keys of one keyspace.
#[derive(Debug)]
pub(crate) enum Native<'a> {
    /// `Store::incr_by`.
    IncrBy { key: &'a [u8], delta: i64 },
    /// `Store::take` (GETDEL).
    Take { key: &'a [u8] },
    /// `Store::set` with options; `expires_at` is resolved (never a deadline already past).
    Set {
        key: &'a [u8],
        value: &'a Bytes,
        condition: SetCondition,
        expires_at: NativeExpiry,
        get: bool,
    },
    /// `Store::expire_with` to a deadline in the future.
    Expire {
        key: &'a [u8],
        at: u64,
        condition: ExpireCondition,
    },
    /// `Store::persist`.
    Persist { key: &'a [u8] },
    /// `Store::insert_many`: every pair set, atomically, expiries cleared (MSET).
    InsertMany { pairs: &'a [(Bytes, Bytes)] },
    /// `Store::remove_many`: every key removed, atomically; the count of those that existed
    /// (DEL).
    RemoveMany { keys: &'a [Bytes] },
    /// `Store::append`: the new length, or `Error::TooLarge` past `max_value` with nothing
    /// changed (APPEND).
    Append {
        key: &'a [u8],
        suffix: &'a [u8],
        max_value: usize,
    },
    /// `Store::set_range`: the new length, or `Error::TooLarge` past `max_value` with nothing
    /// changed (SETRANGE).
    SetRange {
        key: &'a [u8],
        offset: u64,
        patch: &'a [u8],
        max_value: usize,
    },
    /// `Store::incr_by_float`, with a finite `delta` (INCRBYFLOAT).
    IncrByFloat { key: &'a [u8], delta: f64 },
    /// `Store::insert_many_if_absent`: whether every pair was set (MSETNX).
    InsertManyIfAbsent { pairs: &'a [(Bytes, Bytes)] },
    /// `Store::rename` / `rename_if_absent`: whether it renamed; a missing `from` is
    /// `Error::NoSuchKey` (RENAME / RENAMENX).
    Rename {
        from: &'a [u8],
        to: &'a [u8],
        only_if_absent: bool,
    },
    /// `Store::copy_to_keyspace`: whether it copied (COPY … DB … REPLACE).
    Copy {
        from: &'a [u8],
        to_keyspace: u32,
        to: &'a [u8],
        replace: bool,
    },
    /// `Store::move_to_keyspace`: whether it moved (MOVE).
    Move { key: &'a [u8], to_keyspace: u32 },
    /// `Store::push_front_if_exists` / `push_back_if_exists`: the new length, 0 without a
    /// list (LPUSHX / RPUSHX).
    PushIfExists {
        key: &'a [u8],
        end: End,
        value: &'a Bytes,
    },
    /// `Store::pop_front_many` / `pop_back_many` (LPOP / RPOP with a count).
    PopMany { key: &'a [u8], end: End, count: u64 },
    /// `Store::list_set` (LSET).
    ListSet {
        key: &'a [u8],
        index: i64,
        value: &'a Bytes,
    },
    /// `Store::list_trim` (LTRIM).
    ListTrim {
        key: &'a [u8],
        start: i64,
        stop: i64,
    },
    /// `Store::list_insert`: Redis's answer, the new length, 0 without a list, -1 without the
    /// pivot (LINSERT).
    ListInsert {
        key: &'a [u8],
        side: Side,
        pivot: &'a [u8],
        value: &'a Bytes,
    },
    /// `Store::list_remove`: how many went (LREM).
    ListRemove {
        key: &'a [u8],
        count: i64,
        value: &'a [u8],
    },
    /// `Store::list_move` (LMOVE).
    ListMove {
        from: &'a [u8],
        to: &'a [u8],
        from_end: End,
        to_end: End,
    },
}

/// The expiry a native SET gives its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NativeExpiry {
    /// None (plain SET).
    Never,
    /// The one it had (KEEPTTL).
    Keep,
    /// This deadline, in Unix ms on the store's clock, later than now.
    At(u64),
}

/// What a native command answered.
#[derive(Debug)]
pub(crate) enum NativeReply {
    Int(i64),
    Float(f64),
    Value(Option<Bytes>),
    List(Vec<Bytes>),
    Bool(bool),
    Set(SetOutcome),
    Unit,
}

impl NativeReply {
    pub(crate) fn int(self) -> Result<i64> {
        match self {
            NativeReply::Int(n) => Ok(n),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn float(self) -> Result<f64> {
        match self {
            NativeReply::Float(n) => Ok(n),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn list(self) -> Result<Vec<Bytes>> {
        match self {
            NativeReply::List(items) => Ok(items),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn value(self) -> Result<Option<Bytes>> {
        match self {
            NativeReply::Value(v) => Ok(v),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn bool(self) -> Result<bool> {
        match self {
            NativeReply::Bool(b) => Ok(b),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn unit(self) -> Result<()> {
        match self {
            NativeReply::Unit => Ok(()),
            other => Err(mismatch(&other)),
        }
    }

    pub(crate) fn set(self) -> Result<SetOutcome> {
        match self {
            NativeReply::Set(outcome) => Ok(outcome),
            other => Err(mismatch(&other)),
        }
    }
}

/// An engine answered a command with another command's kind of answer: a bug, reported.
fn mismatch(reply: &NativeReply) -> Error {
    Error::invalid("engine", format!("a native command answered {reply:?}"))
}
