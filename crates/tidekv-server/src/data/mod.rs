//! [`Data`]: the store operations commands are written against, so that each command has one
//! `apply` that runs the same alone (on a [`tidekv::Keyspace`]) and inside `EXEC` (on a
//! [`tidekv::Transaction`]).
//!
//! Where one side has an operation the other lacks, the trait's default builds it from the
//! others; the keyspace side overrides it where the store has a faster or atomic form (`MGET`,
//! `MSET`, `MSETNX`).

mod keyspace;
mod transaction;

pub(crate) use keyspace::KeyspaceData;
pub(crate) use transaction::TransactionData;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tidekv::{
    ExpireCondition, Expiry, KeyKind, ListEnd, ListInsert, Result, SetOptions, SetOutcome, Side,
    Ttl,
};

/// The data operations of one keyspace (see the module docs). Every method is one atomic step.
pub(crate) trait Data {
    /// How many keyspaces the server has (`SELECT`, `MOVE` and `COPY … DB` reach `0..n`).
    fn keyspaces(&self) -> u32;
    /// The value of a string key.
    fn get(&mut self, key: &Bytes) -> Result<Option<Bytes>>;
    /// The values of several keys; a list or a missing key is `None` (Redis `MGET`).
    fn get_many(&mut self, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        keys.iter()
            .map(|key| match self.kind(key)? {
                Some(KeyKind::String) => self.get(key),
                _ => Ok(None),
            })
            .collect()
    }
    /// Redis `SET` with its options.
    fn set(&mut self, key: &Bytes, value: Bytes, options: SetOptions) -> Result<SetOutcome>;
    /// Sets every pair as one step (Redis `MSET`).
    fn set_many(&mut self, pairs: &[(Bytes, Bytes)]) -> Result<()> {
        for (key, value) in pairs {
            self.set(key, value.clone(), SetOptions::default())?;
        }
        Ok(())
    }
    /// Sets every pair if none of the keys exists, as one step (Redis `MSETNX`).
    fn set_many_if_none_exist(&mut self, pairs: &[(Bytes, Bytes)]) -> Result<bool> {
        for (key, _) in pairs {
            if self.kind(key)?.is_some() {
                return Ok(false);
            }
        }
        self.set_many(pairs)?;
        Ok(true)
    }
    /// Removes a string key and returns its value (Redis `GETDEL`).
    fn take(&mut self, key: &Bytes) -> Result<Option<Bytes>>;
    /// Reads a string key and changes its expiry (Redis `GETEX`).
    fn get_and_expire(&mut self, key: &Bytes, expiry: Expiry) -> Result<Option<Bytes>>;
    /// Redis `APPEND`: the new length.
    fn append(&mut self, key: &Bytes, suffix: &Bytes) -> Result<usize>;
    /// Redis `SETRANGE`: the new length.
    fn set_range(&mut self, key: &Bytes, offset: usize, patch: &Bytes) -> Result<usize>;
    /// Redis `INCRBY`.
    fn incr_by(&mut self, key: &Bytes, delta: i64) -> Result<i64>;
    /// Redis `INCRBYFLOAT`.
    fn incr_by_float(&mut self, key: &Bytes, delta: f64) -> Result<f64>;
    /// Removes a key of any kind; whether it existed.
    fn remove(&mut self, key: &Bytes) -> Result<bool>;
    /// Removes every key given, as one step; how many existed (Redis `DEL`).
    fn remove_many(&mut self, keys: &[Bytes]) -> Result<usize> {
        let mut removed = 0;
        for key in keys {
            removed += usize::from(self.remove(key)?);
        }
        Ok(removed)
    }
    /// What kind of value a key holds, if it exists.
    fn kind(&mut self, key: &Bytes) -> Result<Option<KeyKind>>;
    /// Redis `RENAME` / `RENAMENX`.
    fn rename(&mut self, from: &Bytes, to: &Bytes, only_if_absent: bool) -> Result<bool>;
    /// Redis `COPY` into keyspace `keyspace` (this one if `None`).
    fn copy(
        &mut self,
        from: &Bytes,
        keyspace: Option<u32>,
        to: &Bytes,
        replace: bool,
    ) -> Result<bool>;
    /// Redis `MOVE`.
    fn move_to(&mut self, key: &Bytes, keyspace: u32) -> Result<bool>;
    /// Redis `EXPIRE` and its family.
    fn expire(&mut self, key: &Bytes, expiry: Expiry, condition: ExpireCondition) -> Result<bool>;
    /// How long a key has left.
    fn ttl(&mut self, key: &Bytes) -> Result<Option<Ttl>>;
    /// When a key expires, in Unix milliseconds: `Some(None)` for a key without expiry, `None`
    /// for a missing key (Redis `PEXPIRETIME`).
    fn expires_at_ms(&mut self, key: &Bytes) -> Result<Option<Option<u64>>> {
        Ok(self.ttl(key)?.map(|ttl| match ttl {
            Ttl::Persistent => None,
            Ttl::ExpiresIn(left) => Some(unix_ms(SystemTime::now() + left)),
        }))
    }
    /// Redis `PERSIST`.
    fn persist(&mut self, key: &Bytes) -> Result<bool>;
    /// Pushes `values` onto one end, in order; with `only_if_exists`, only onto an existing
    /// list (Redis `LPUSHX`). The new length (0 if nothing was pushed).
    fn push(
        &mut self,
        key: &Bytes,
        end: ListEnd,
        values: &[Bytes],
        only_if_exists: bool,
    ) -> Result<usize>;
    /// Pops up to `count` elements from one end.
    fn pop(&mut self, key: &Bytes, end: ListEnd, count: usize) -> Result<Vec<Bytes>>;
    /// Redis `LLEN`.
    fn list_len(&mut self, key: &Bytes) -> Result<usize>;
    /// Redis `LRANGE`.
    fn list_range(&mut self, key: &Bytes, start: i64, stop: i64) -> Result<Vec<Bytes>>;
    /// Redis `LSET`.
    fn list_set(&mut self, key: &Bytes, index: i64, value: Bytes) -> Result<()>;
    /// Redis `LTRIM`.
    fn list_trim(&mut self, key: &Bytes, start: i64, stop: i64) -> Result<()>;
    /// Redis `LINSERT`.
    fn list_insert(
        &mut self,
        key: &Bytes,
        side: Side,
        pivot: &Bytes,
        value: Bytes,
    ) -> Result<ListInsert>;
    /// Redis `LREM`.
    fn list_remove(&mut self, key: &Bytes, count: i64, value: &Bytes) -> Result<usize>;
    /// Redis `LMOVE`.
    fn list_move(
        &mut self,
        from: &Bytes,
        to: &Bytes,
        from_end: ListEnd,
        to_end: ListEnd,
    ) -> Result<Option<Bytes>>;
}

/// A time as Unix milliseconds.
pub(crate) fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .try_into()
        .unwrap_or(u64::MAX)
}
