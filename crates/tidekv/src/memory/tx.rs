//! The memory engine's read-modify-write primitive ([`crate::engine::Tx`]).
//!
//! A transaction write-locks the shards of every key it declared, in the engine's lock order
//! (ascending keyspace, then shard index), for its whole run: no other call sees its keys between
//! its reads and its writes, nor a part of its writes. Before each write it records what the key
//! held, so a savepoint rolls back by putting those entries back, newest first, before any lock
//! is released.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLockWriteGuard;

use crate::clock::Clock;
use crate::engine::{string_is_not_a_list, undeclared, End, KeyInfo, StoredValue, Tx, TxKey};
use crate::error::{Error, Result};
use crate::memory::data::MemoryData;
use crate::memory::entry::{Entry, List, Value};
use crate::memory::key::Key;
use crate::memory::shard::ShardState;

/// A clock stopped at one instant: every expiry decision of a transaction uses the same time.
#[derive(Debug)]
struct Frozen(u64);

impl Clock for Frozen {
    fn now_ms(&self) -> u64 {
        self.0
    }
}

/// One locked shard: `(keyspace, shard index)` and its guard.
type Locked<'a> = ((u32, usize), RwLockWriteGuard<'a, ShardState>);

/// A running memory transaction.
///
/// Invariant: `locks` is sorted by `(keyspace, shard index)` without duplicates, and every entry
/// of `undo` names a position of `locks`.
pub(crate) struct MemoryTx<'a> {
    data: &'a MemoryData,
    now: Frozen,
    locks: Vec<Locked<'a>>,
    /// `(lock position, key, entry before the write)`, oldest first.
    undo: Vec<(usize, Key, Option<Entry>)>,
}

impl<'a> MemoryTx<'a> {
    /// Locks the shards of `keys`. Keyspaces are created first: creation takes the engine's
    /// `creating` lock, which a dump holds while it takes shard locks, so it must never be
    /// waited for while a shard lock is held.
    pub(crate) fn begin(data: &'a MemoryData, keys: &[TxKey]) -> Result<Self> {
        let mut wanted = Vec::with_capacity(keys.len());
        for (ks, key) in keys {
            let shards = data.shards(*ks)?;
            wanted.push((*ks, shards.index_of(data.hasher(), key)));
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut locks = Vec::with_capacity(wanted.len());
        for (ks, index) in wanted {
            let guard = data.shards(ks)?.shard(index).write()?;
            locks.push(((ks, index), guard));
        }
        Ok(MemoryTx {
            data,
            now: Frozen(data.clock.now_ms()),
            locks,
            undo: Vec::new(),
        })
    }

    /// The position in `locks` of the shard holding `key`.
    fn position(&self, ks: u32, key: &[u8]) -> Result<usize> {
        let shards = self.data.existing(ks).ok_or_else(|| undeclared(ks, key))?;
        let index = shards.index_of(self.data.hasher(), key);
        self.locks
            .binary_search_by(|(at, _)| at.cmp(&(ks, index)))
            .map_err(|_| undeclared(ks, key))
    }

    /// The locked shard of `key`, for reading.
    fn shard(&mut self, ks: u32, key: &[u8]) -> Result<&mut ShardState> {
        let at = self.position(ks, key)?;
        match self.locks.get_mut(at) {
            Some((_, guard)) => Ok(&mut **guard),
            None => Err(undeclared(ks, key)),
        }
    }

    /// The locked shard of `key`, for a write: what the key holds is recorded first.
    fn shard_for_write(&mut self, ks: u32, key: &[u8]) -> Result<(&mut ShardState, &Frozen)> {
        let at = self.position(ks, key)?;
        let Some((_, guard)) = self.locks.get_mut(at) else {
            return Err(undeclared(ks, key));
        };
        let (key, before) = match guard.map.get_key_value(key) {
            Some((stored, entry)) => (stored.clone(), Some(entry.clone())),
            None => (Key::from(key), None),
        };
        self.undo.push((at, key, before));
        Ok((&mut **guard, &self.now))
    }

    /// Marks `key` changed for WATCH; called while its shard's write lock is held.
    fn touch(&self, ks: u32, key: &[u8]) {
        self.data.watches.touch(ks, key);
    }

    fn live(&mut self, ks: u32, key: &[u8]) -> Result<Option<Entry>> {
        let now = self.now.0;
        Ok(self
            .shard(ks, key)?
            .map
            .get(key)
            .filter(|e| !e.is_expired_at(now))
            .cloned())
    }

    /// The live list at `key`; a string is `WrongType`.
    fn list(&mut self, ks: u32, key: &[u8]) -> Result<Option<Arc<List>>> {
        match self.live(ks, key)?.map(|e| e.value) {
            None => Ok(None),
            Some(Value::List(list)) => Ok(Some(list)),
            Some(Value::Str(_)) => Err(string_is_not_a_list()),
        }
    }

    /// Rolls every write back (the body failed).
    pub(crate) fn abort(mut self) {
        self.rollback_to(0);
    }
}

impl Tx for MemoryTx<'_> {
    fn now(&self) -> u64 {
        self.now.0
    }

    fn info(&mut self, ks: u32, key: &[u8]) -> Result<Option<KeyInfo>> {
        Ok(self.live(ks, key)?.map(|e| KeyInfo {
            kind: e.kind(),
            expires_at: e.expires_at(),
        }))
    }

    fn get_with_expiry(&mut self, ks: u32, key: &[u8]) -> Result<Option<(Bytes, Option<u64>)>> {
        self.live(ks, key)?
            .map(|e| Ok((e.as_str()?.clone(), e.expires_at())))
            .transpose()
    }

    fn put(&mut self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        let now = self.now.0;
        let (state, clock) = self.shard_for_write(ks, key)?;
        if expires_at.is_some_and(|at| at <= now) {
            state.remove(key, clock);
        } else {
            state.put(key, value, expires_at);
        }
        self.touch(ks, key);
        Ok(())
    }

    fn remove(&mut self, ks: u32, key: &[u8]) -> Result<bool> {
        let (state, clock) = self.shard_for_write(ks, key)?;
        let removed = state.remove(key, clock);
        if removed {
            self.touch(ks, key);
        }
        Ok(removed)
    }

    fn set_expiry(&mut self, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool> {
        let (state, clock) = self.shard_for_write(ks, key)?;
        let changed = state.set_expiry(key, expires_at, clock);
        if changed {
            self.touch(ks, key);
        }
        Ok(changed)
    }

    fn list_len(&mut self, ks: u32, key: &[u8]) -> Result<u64> {
        Ok(self.list(ks, key)?.map_or(0, |l| l.len() as u64))
    }

    fn list_range(&mut self, ks: u32, key: &[u8], from: u64, to: u64) -> Result<Vec<Bytes>> {
        let Some(list) = self.list(ks, key)? else {
            return Ok(Vec::new());
        };
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(list.len());
        let to = usize::try_from(to).unwrap_or(usize::MAX).min(list.len());
        if from >= to {
            return Ok(Vec::new());
        }
        Ok(list.items.clone().slice(from..to).into_iter().collect())
    }

    fn list_push(&mut self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        let (state, clock) = self.shard_for_write(ks, key)?;
        let len = state.push(key, end, values, clock)?;
        self.touch(ks, key);
        Ok(len)
    }

    fn list_pop(&mut self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        let (state, clock) = self.shard_for_write(ks, key)?;
        let popped = state.pop(key, end, clock)?;
        if popped.is_some() {
            self.touch(ks, key);
        }
        Ok(popped)
    }

    fn list_set(&mut self, ks: u32, key: &[u8], index: u64, value: Bytes) -> Result<()> {
        let (state, _) = self.shard_for_write(ks, key)?;
        state.list_set(key, index, value)?;
        self.touch(ks, key);
        Ok(())
    }

    fn list_replace(&mut self, ks: u32, key: &[u8], items: Vec<Bytes>) -> Result<()> {
        let Some(list) = self.live(ks, key)? else {
            return Err(Error::NoSuchKey);
        };
        let expires_at = list.expires_at();
        list.as_list()?;
        self.write_value(ks, key, StoredValue::List(items), expires_at)
    }

    fn read_value(&mut self, ks: u32, key: &[u8]) -> Result<Option<(StoredValue, Option<u64>)>> {
        Ok(self
            .live(ks, key)?
            .map(|e| (e.to_stored_value(), e.expires_at())))
    }

    fn write_value(
        &mut self,
        ks: u32,
        key: &[u8],
        value: StoredValue,
        expires_at: Option<u64>,
    ) -> Result<()> {
        let now = self.now.0;
        let (state, clock) = self.shard_for_write(ks, key)?;
        let empty = matches!(&value, StoredValue::List(items) if items.is_empty());
        if empty || expires_at.is_some_and(|at| at <= now) {
            state.remove(key, clock);
        } else {
            state.insert_entry(key, Entry::from_stored(value, expires_at));
        }
        self.touch(ks, key);
        Ok(())
    }

    fn savepoint(&mut self) -> usize {
        self.undo.len()
    }

    fn rollback_to(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((at, key, before)) = self.undo.pop() else {
                break;
            };
            if let Some((_, state)) = self.locks.get_mut(at) {
                state.restore(&key, before);
            }
        }
    }
}
