//! The read-modify-write primitive: a transaction over a declared set of keys.
//!
//! [`Engine::transact`](super::Engine::transact) runs a body against a [`Tx`]: the body reads keys
//! as they are now, decides, and writes, and no other call sees the keys between the read and the
//! write, nor half of the writes. `Store` builds every conditional or derived command on this once
//! (`crate::ops`), for every backend: SET NX / XX / GET, APPEND, INCRBYFLOAT, RENAME, LSET, LMOVE,
//! a whole MULTI / EXEC.
//!
//! Rules every implementation keeps:
//! 1. The body touches only the keys it declared (`(keyspace, key)` pairs); touching another is an
//!    internal error, never a silent race.
//! 2. Reads see the body's own earlier writes.
//! 3. An expired key is absent to every method, exactly as it is to the engine's other calls.
//! 4. A write of a list that leaves it empty deletes the key (Redis never stores an empty list).
//! 5. [`Tx::rollback_to`] undoes every write made since the matching [`Tx::savepoint`]; if the body
//!    returns an error, the engine undoes all of them (nothing is written).
//! 6. The body may run more than once (a backend with optimistic concurrency retries it), so it
//!    must have no effect outside the `Tx` and the values it returns.

use bytes::Bytes;

use super::{End, StoredValue};
use crate::error::Result;

/// What kind of value a key holds (Redis `TYPE`, minus the types tidekv does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// A string (Redis `string`): bytes, numbers as decimal text, JSON.
    String,
    /// A list (Redis `list`).
    List,
}

impl KeyKind {
    /// The name Redis's `TYPE` and `SCAN … TYPE` use.
    pub fn redis_name(self) -> &'static str {
        match self {
            KeyKind::String => "string",
            KeyKind::List => "list",
        }
    }
}

/// A live key's kind and expiry, as a transaction sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyInfo {
    pub(crate) kind: KeyKind,
    /// Absolute Unix ms, or `None` for a key that never expires.
    pub(crate) expires_at: Option<u64>,
}

/// A key a transaction declares: `(keyspace, key)`.
pub(crate) type TxKey = (u32, Bytes);

/// One transaction's view of the store (see the module docs). Every method takes the keyspace, so
/// one transaction can span keyspaces (MOVE, COPY … DB, SWAPDB-free EXEC after SELECT).
pub(crate) trait Tx {
    /// The time, in Unix ms, the whole transaction is judged at (expiry, relative TTLs).
    fn now(&self) -> u64;

    /// The kind and expiry of a live key.
    fn info(&mut self, ks: u32, key: &[u8]) -> Result<Option<KeyInfo>>;

    /// The string value of a live key and its expiry, in one read; a list is `WrongType`.
    fn get_with_expiry(&mut self, ks: u32, key: &[u8]) -> Result<Option<(Bytes, Option<u64>)>>;

    /// The string value of a live key; a list is `WrongType`.
    fn get(&mut self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        Ok(self.get_with_expiry(ks, key)?.map(|(value, _)| value))
    }

    /// Sets a string value, replacing whatever the key held. `expires_at` at or before
    /// [`Tx::now`] deletes the key instead.
    fn put(&mut self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()>;

    /// Deletes a key of any kind; `true` if it existed.
    fn remove(&mut self, ks: u32, key: &[u8]) -> Result<bool>;

    /// Sets or clears the expiry of a live key; `false` if it is missing. A time at or before
    /// [`Tx::now`] deletes the key.
    fn set_expiry(&mut self, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool>;

    /// The length of a list (0 if missing); a string is `WrongType`.
    fn list_len(&mut self, ks: u32, key: &[u8]) -> Result<u64>;

    /// Elements `from..to` (0 = head) of a list, clamped to its length; a string is `WrongType`.
    fn list_range(&mut self, ks: u32, key: &[u8], from: u64, to: u64) -> Result<Vec<Bytes>>;

    /// Pushes `values` in order onto one end of a list (created if missing); returns the new
    /// length. A string is `WrongType`.
    fn list_push(&mut self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64>;

    /// Pops one element from one end; an emptied list is deleted.
    fn list_pop(&mut self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>>;

    /// Replaces element `index` (0 = head) of an existing list; the caller checked the bounds.
    fn list_set(&mut self, ks: u32, key: &[u8], index: u64, value: Bytes) -> Result<()>;

    /// Replaces a list's elements, keeping its expiry; an empty `items` deletes the key. The key
    /// must hold a list. O(len) on every backend: LINSERT, LREM and LTRIM use it.
    fn list_replace(&mut self, ks: u32, key: &[u8], items: Vec<Bytes>) -> Result<()>;

    /// A live key's whole value and expiry (RENAME, COPY, MOVE): O(len) for a list.
    fn read_value(&mut self, ks: u32, key: &[u8]) -> Result<Option<(StoredValue, Option<u64>)>>;

    /// Sets a key to a whole value, replacing whatever it held (an empty list deletes it).
    fn write_value(
        &mut self,
        ks: u32,
        key: &[u8],
        value: StoredValue,
        expires_at: Option<u64>,
    ) -> Result<()>;

    /// A mark to roll back to: the writes made so far.
    fn savepoint(&mut self) -> usize;

    /// Undoes every write made since `savepoint` returned `mark`.
    fn rollback_to(&mut self, mark: usize);
}

/// The error for a transaction body touching a key it did not declare: a bug in the caller,
/// reported rather than raced, by every engine alike.
pub(crate) fn undeclared(ks: u32, key: &[u8]) -> crate::error::Error {
    crate::error::Error::invalid(
        "key",
        format!(
            "{:?} in keyspace {ks} was not declared to the transaction",
            String::from_utf8_lossy(key)
        ),
    )
}
