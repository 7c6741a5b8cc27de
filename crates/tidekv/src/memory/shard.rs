//! One shard of one keyspace: the indexes and the string operations on them.
//!
//! Invariants of [`ShardState`], kept by `insert_entry` and `remove_entry`, the only two functions
//! that change `map`:
//! 1. `order` holds exactly the keys of `map`.
//! 2. `expiries` holds exactly `(expires_at, key)` for the entries of `map` that have an expiry.
//! 3. `bytes` is the sum over `map` of key length plus value bytes.
//! 4. No list in `map` is empty.

use std::collections::BTreeSet;

use bytes::Bytes;
use imbl::shared_ptr::DefaultSharedPtr;
use xxhash_rust::xxh3::Xxh3Builder;

use crate::clock::Clock;
use crate::engine::{KeyExpiry, Op};
use crate::error::{Error, Result};
use crate::memory::entry::{Entry, Value};
use crate::value::parse_counter;

/// A hash array mapped trie: point operations as fast as a hash map, O(1) clone.
pub(crate) type Map = imbl::GenericHashMap<Bytes, Entry, Xxh3Builder, DefaultSharedPtr>;

/// The contents of a shard. Cloning `map` and `order` is O(1), which is how views are taken.
#[derive(Clone, Default)]
pub(crate) struct ShardState {
    pub(crate) map: Map,
    /// Every key of `map`, sorted by bytes, for scans. Touched only when a key is created or removed.
    pub(crate) order: imbl::OrdSet<Bytes>,
    /// Keys with an expiry, soonest first, for the sweeper: it never scans the whole shard.
    pub(crate) expiries: BTreeSet<(u64, Bytes)>,
    pub(crate) bytes: u64,
    /// Expired entries removed so far (by the sweeper or by a write that met them).
    pub(crate) reclaimed: u64,
}

impl ShardState {
    /// The live entry at `key`, if any (read path: an expired entry is absent but stays in place).
    pub(crate) fn live(&self, key: &[u8], clock: &dyn Clock) -> Option<&Entry> {
        self.map.get(key).filter(|e| !e.is_expired(clock))
    }

    /// The live entry at `key` for writing; an expired entry met here is reclaimed first.
    pub(crate) fn live_mut(&mut self, key: &[u8], clock: &dyn Clock) -> Option<&mut Entry> {
        let expired = self.map.get(key)?.is_expired(clock);
        if expired {
            self.remove_entry(key);
            self.reclaimed += 1;
            return None;
        }
        self.map.get_mut(key)
    }

    /// Stores `entry` at `key`, keeping every index in step; returns the entry it replaced.
    pub(crate) fn insert_entry(&mut self, key: Bytes, entry: Entry) -> Option<Entry> {
        let added = key.len() as u64 + entry.value_bytes();
        let new_expiry = entry.expires_at;
        let old = self.map.insert(key.clone(), entry);
        // NOTE: the old expiry must leave the index before the new one enters: when both are the
        // same `(at, key)`, the other order would remove the entry just added (invariant 2).
        match &old {
            Some(old) => {
                if let Some(at) = old.expires_at {
                    self.expiries.remove(&(at, key.clone()));
                }
                self.bytes -= key.len() as u64 + old.value_bytes();
            }
            None => {
                self.order.insert(key.clone());
            }
        }
        if let Some(at) = new_expiry {
            self.expiries.insert((at, key));
        }
        self.bytes += added;
        old
    }

    /// Removes `key`, keeping every index in step; returns the entry it held.
    pub(crate) fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let (key, old) = self.map.remove_with_key(key)?;
        if let Some(at) = old.expires_at {
            self.expiries.remove(&(at, key.clone()));
        }
        self.bytes -= key.len() as u64 + old.value_bytes();
        self.order.remove(&key);
        Some(old)
    }

    /// Changes the expiry of an entry known to exist, keeping `expiries` in step.
    pub(crate) fn retime(&mut self, key: &[u8], expires_at: Option<u64>) {
        let Some((key, entry)) = self.map.get_key_value(key) else {
            return;
        };
        let (key, old_at) = (key.clone(), entry.expires_at);
        if let Some(at) = old_at {
            self.expiries.remove(&(at, key.clone()));
        }
        if let Some(at) = expires_at {
            self.expiries.insert((at, key.clone()));
        }
        if let Some(entry) = self.map.get_mut(&key) {
            entry.expires_at = expires_at;
        }
    }

    /// Puts back what a key held before a batch touched it (rollback of a failed batch).
    pub(crate) fn restore(&mut self, key: &Bytes, before: Option<Entry>) {
        self.remove_entry(key);
        if let Some(entry) = before {
            self.insert_entry(key.clone(), entry);
        }
    }

    /// When the soonest expiry of this shard falls, if any key has one.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.expiries.first().map(|(at, _)| *at)
    }

    /// Removes up to `max` entries whose expiry is at or before `now`; returns how many.
    pub(crate) fn reap_due(&mut self, now: u64, max: usize) -> usize {
        let mut reaped = 0;
        while reaped < max {
            let Some((at, key)) = self.expiries.first().cloned() else {
                break;
            };
            if at > now {
                break;
            }
            self.remove_entry(&key);
            reaped += 1;
        }
        self.reclaimed += reaped as u64;
        reaped
    }

    pub(crate) fn get(&self, key: &[u8], clock: &dyn Clock) -> Result<Option<Bytes>> {
        self.live(key, clock)
            .map(|e| e.as_str().cloned())
            .transpose()
    }

    pub(crate) fn expiry(&self, key: &[u8], clock: &dyn Clock) -> KeyExpiry {
        match self.live(key, clock) {
            None => KeyExpiry::Missing,
            Some(Entry {
                expires_at: None, ..
            }) => KeyExpiry::Persistent,
            Some(Entry {
                expires_at: Some(at),
                ..
            }) => KeyExpiry::At(*at),
        }
    }

    pub(crate) fn put(&mut self, key: Bytes, value: Bytes, expires_at: Option<u64>) {
        self.insert_entry(key, Entry::string(value, expires_at));
    }

    pub(crate) fn take(&mut self, key: &[u8], clock: &dyn Clock) -> Result<Option<Bytes>> {
        match self.live_mut(key, clock) {
            None => Ok(None),
            Some(e) => {
                e.as_str()?;
                match self.remove_entry(key).map(|e| e.value) {
                    Some(Value::Str(b)) => Ok(Some(b)),
                    _ => Ok(None),
                }
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &[u8], clock: &dyn Clock) -> bool {
        self.live_mut(key, clock).is_some() && self.remove_entry(key).is_some()
    }

    pub(crate) fn incr_by(&mut self, key: Bytes, delta: i64, clock: &dyn Clock) -> Result<i64> {
        let (current, expires_at) = match self.live_mut(&key, clock) {
            None => (0, None),
            Some(e) => (parse_counter(e.as_str()?)?, e.expires_at),
        };
        let next = current.checked_add(delta).ok_or_else(|| {
            Error::invalid(
                "delta",
                format!("{current} + {delta} overflows a 64-bit integer"),
            )
        })?;
        self.insert_entry(
            key,
            Entry::string(Bytes::from(next.to_string()), expires_at),
        );
        Ok(next)
    }

    pub(crate) fn set_expiry(
        &mut self,
        key: &[u8],
        expires_at: Option<u64>,
        clock: &dyn Clock,
    ) -> bool {
        if self.live_mut(key, clock).is_none() {
            return false;
        }
        match expires_at {
            Some(at) if at <= clock.now_ms() => {
                self.remove_entry(key);
            }
            _ => self.retime(key, expires_at),
        }
        true
    }

    /// Applies one batch op; on error the shard may hold part of this op's effect only if the op
    /// itself failed before changing anything (every op checks before it writes).
    pub(crate) fn apply(&mut self, op: &Op, clock: &dyn Clock) -> Result<()> {
        match op {
            Op::Put {
                key,
                value,
                expires_at,
            } => self.put(key.clone(), value.clone(), *expires_at),
            Op::Remove { key } => {
                self.remove(key, clock);
            }
            Op::Push { key, end, values } => {
                self.push(key.clone(), *end, values, clock)?;
            }
            Op::IncrBy { key, delta } => {
                self.incr_by(key.clone(), *delta, clock)?;
            }
            Op::Expire { key, expires_at } => {
                self.set_expiry(key, *expires_at, clock);
            }
        }
        Ok(())
    }
}

/// The key an op writes.
pub(crate) fn op_key(op: &Op) -> &Bytes {
    match op {
        Op::Put { key, .. }
        | Op::Remove { key }
        | Op::Push { key, .. }
        | Op::IncrBy { key, .. }
        | Op::Expire { key, .. } => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    /// Checks invariants 1–3 of `ShardState`.
    fn assert_invariants(s: &ShardState) {
        let keys: Vec<&Bytes> = s.map.keys().collect();
        assert_eq!(
            keys.len(),
            s.order.len(),
            "order holds exactly the keys of map"
        );
        assert!(keys.iter().all(|k| s.order.contains(*k)));
        let expiring: BTreeSet<(u64, Bytes)> = s
            .map
            .iter()
            .filter_map(|(k, e)| e.expires_at.map(|at| (at, k.clone())))
            .collect();
        assert_eq!(expiring, s.expiries, "expiries index matches the entries");
        let bytes: u64 = s
            .map
            .iter()
            .map(|(k, e)| k.len() as u64 + e.value_bytes())
            .sum();
        assert_eq!(bytes, s.bytes);
    }

    #[test]
    fn overwriting_with_the_same_expiry_keeps_it_indexed() {
        let clock = ManualClock::new(1_000);
        let mut s = ShardState::default();
        let key = Bytes::from_static(b"k");
        s.put(key.clone(), Bytes::from_static(b"v1"), Some(2_000));
        s.put(key.clone(), Bytes::from_static(b"v22"), Some(2_000));
        assert_invariants(&s);
        s.incr_by(Bytes::from_static(b"n"), 1, &clock).unwrap();
        s.set_expiry(b"n", Some(2_000), &clock);
        s.incr_by(Bytes::from_static(b"n"), 1, &clock).unwrap();
        assert_invariants(&s);
        assert_eq!(
            s.reap_due(2_000, usize::MAX),
            2,
            "both keys are reaped when due"
        );
        assert_invariants(&s);
        assert!(s.map.is_empty());
    }
}
