//! One shard of one keyspace: its indexes, and the versioning that lets views read it as it was.
//!
//! Invariants of [`ShardState`], kept by `insert_entry`, `remove_entry`, `touch` and `replace_all`,
//! the only functions that change `map`:
//! 1. `order` holds exactly the keys of `map`.
//! 2. `expiries` holds exactly `(expires_at, key)` for the entries of `map` that have an expiry.
//! 3. `bytes` is the sum over `map` of key length plus value bytes.
//! 4. No list in `map` is empty.
//! 5. Every change gets a fresh shard version, stored in the changed entry. For every live view at
//!    version `V` and every key in that view's copy of `order`, either `map[key].version <= V`, or
//!    `history[key]` holds the entry as it was at `V` (see `versions.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::HashMap;
use parking_lot::Mutex;

use crate::clock::Clock;
use crate::memory::entry::Entry;
use crate::memory::key::Key;
use crate::memory::key_hash::KeyHashBuilder;

/// An entry as it was before the change made at version `superseded_at` (how views read a
/// shard as it was: `versions.rs`).
#[derive(Clone, Debug)]
pub(crate) struct PreImage {
    pub(crate) entry: Entry,
    pub(crate) superseded_at: u64,
}

/// Point operations go to a plain hash map: the fastest structure for them.
pub(crate) type Map = HashMap<Key, Entry, KeyHashBuilder>;

/// The contents of a shard and the bookkeeping that lets views read it as it was.
#[derive(Default)]
pub(crate) struct ShardState {
    pub(crate) map: Map,
    /// Every key of `map`, sorted by bytes, for scans. Persistent, so a view copies it in O(1);
    /// touched only when a key is created or removed.
    pub(crate) order: imbl::OrdSet<Key>,
    /// Keys with an expiry, soonest first, for the sweeper: it never scans the whole shard.
    pub(crate) expiries: BTreeSet<(u64, Key)>,
    pub(crate) bytes: u64,
    /// Expired entries removed so far (by the sweeper or by a write that met them).
    pub(crate) reclaimed: u64,
    /// The version of the last change; the next change gets `version + 1`.
    pub(crate) version: u64,
    /// One more than the version of the newest live view, or 0 when no view is alive. Set by view
    /// creation under the shard's read lock, read by writers under its write lock.
    pub(crate) newest_view: AtomicU64,
    /// Versions of the live views, with how many views hold each.
    pub(crate) views: Mutex<BTreeMap<u64, usize>>,
    /// Entries as they were before a change, kept while a live view may still read them.
    pub(crate) history: HashMap<Key, Vec<PreImage>, KeyHashBuilder>,
    /// Number of pre-images in `history`.
    pub(crate) history_len: usize,
    /// `history_len` right after the last pruning.
    pub(crate) history_len_pruned: usize,
    /// Set while the store closes: every change is refused (see `Shard::write`).
    pub(crate) sealed: bool,
}

impl ShardState {
    /// The live entry at `key`, if any (read path: an expired entry is absent but stays in place).
    pub(crate) fn live(&self, key: &[u8], clock: &dyn Clock) -> Option<&Entry> {
        self.map.get(key).filter(|e| !e.is_expired(clock))
    }

    /// The live entry at `key` on a write path: an expired entry met here is reclaimed first.
    pub(crate) fn purge_expired(&mut self, key: &[u8], clock: &dyn Clock) -> Option<&Entry> {
        if self.map.get(key)?.is_expired(clock) {
            self.remove_entry(key);
            self.reclaimed += 1;
            return None;
        }
        self.map.get(key)
    }

    /// The version the next change gets.
    fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// The version of the newest live view, if any.
    fn newest_view(&self) -> Option<u64> {
        self.newest_view.load(Ordering::Acquire).checked_sub(1)
    }

    /// Keeps `old` for live views that can see it, before it is replaced at version `superseded_at`.
    fn preserve(&mut self, key: &Key, old: &Entry, superseded_at: u64) {
        if self
            .newest_view()
            .is_some_and(|newest| old.version <= newest)
        {
            self.history.entry(key.clone()).or_default().push(PreImage {
                entry: old.clone(),
                superseded_at,
            });
            self.history_len += 1;
        }
    }

    /// Stores `entry` at `key`, keeping every index in step; returns the entry it replaced. A new
    /// key is made into a [`Key`] (an allocation, unless `key` is one already); an existing key's
    /// stored `Key` is reused.
    pub(crate) fn insert_entry<K>(&mut self, key: K, mut entry: Entry) -> Option<Entry>
    where
        K: AsRef<[u8]> + Into<Key>,
    {
        let version = self.next_version();
        entry.version = version;
        let newest_view = self.newest_view();
        let new_expiry = entry.expires_at();
        let added = key.as_ref().len() as u64 + entry.value_bytes();
        if let Some((stored, slot)) = self.map.get_key_value_mut(key.as_ref()) {
            let old = std::mem::replace(slot, entry);
            self.bytes = self.bytes + added - (stored.len() as u64 + old.value_bytes());
            // The stored key is cloned (a reference count) only when an index needs it: a plain
            // overwrite touches nothing but its slot.
            let keeps_image = newest_view.is_some_and(|newest| old.version <= newest);
            if keeps_image || new_expiry.is_some() || old.expires_at().is_some() {
                let stored = stored.clone();
                if keeps_image {
                    self.preserve(&stored, &old, version);
                }
                // NOTE: the old expiry must leave the index before the new one enters: when both
                // are the same `(at, key)`, the other order would remove the entry just added
                // (invariant 2).
                if let Some(at) = old.expires_at() {
                    self.expiries.remove(&(at, stored.clone()));
                }
                if let Some(at) = new_expiry {
                    self.expiries.insert((at, stored));
                }
            }
            return Some(old);
        }
        let key: Key = key.into();
        self.order.insert(key.clone());
        if let Some(at) = new_expiry {
            self.expiries.insert((at, key.clone()));
        }
        self.map.insert(key, entry);
        self.bytes += added;
        None
    }

    /// Removes `key`, keeping every index in step; returns the entry it held.
    pub(crate) fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let (key, old) = self.map.remove_entry(key)?;
        let version = self.next_version();
        self.preserve(&key, &old, version);
        if let Some(at) = old.expires_at() {
            self.expiries.remove(&(at, key.clone()));
        }
        self.bytes -= key.len() as u64 + old.value_bytes();
        self.order.remove(&key);
        Some(old)
    }

    /// The existing entry at `key`, about to be changed in place: it is preserved for live views
    /// and gets the next version. The caller must keep `bytes` and `expiries` in step.
    pub(crate) fn touch(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let version = self.next_version();
        if let Some((k, e)) = self.map.get_key_value(key) {
            if self.newest_view().is_some_and(|newest| e.version <= newest) {
                let (k, e) = (k.clone(), e.clone());
                self.preserve(&k, &e, version);
            }
        }
        let entry = self.map.get_mut(key)?;
        entry.version = version;
        Some(entry)
    }

    /// Changes the expiry of an entry known to exist, keeping `expiries` in step.
    pub(crate) fn retime(&mut self, key: &[u8], expires_at: Option<u64>) {
        let Some(entry) = self.touch(key) else {
            return;
        };
        let old_at = entry.expires_at();
        entry.set_expires_at(expires_at);
        let Some((key, _)) = self.map.get_key_value(key) else {
            return;
        };
        let key = key.clone();
        if let Some(at) = old_at {
            self.expiries.remove(&(at, key.clone()));
        }
        if let Some(at) = expires_at {
            self.expiries.insert((at, key));
        }
    }

    /// Puts back what a key held before a batch touched it (rollback of a failed batch).
    pub(crate) fn restore(&mut self, key: &Key, before: Option<Entry>) {
        self.remove_entry(key);
        if let Some(entry) = before {
            self.insert_entry(key.clone(), entry);
        }
    }

    /// Replaces every entry with `entries` (clear, snapshot load); returns the old entries so the
    /// caller can free them outside the lock. Live views keep seeing the old contents.
    pub(crate) fn replace_all(&mut self, entries: Vec<(Key, Entry)>) -> Map {
        let version = self.next_version();
        let old = std::mem::take(&mut self.map);
        if let Some(newest) = self.newest_view() {
            for (key, entry) in &old {
                if entry.version <= newest {
                    self.history.entry(key.clone()).or_default().push(PreImage {
                        entry: entry.clone(),
                        superseded_at: version,
                    });
                    self.history_len += 1;
                }
            }
        }
        self.order = imbl::OrdSet::new();
        self.expiries.clear();
        self.bytes = 0;
        for (key, entry) in entries {
            self.insert_entry(key, entry);
        }
        old
    }

    /// When the soonest expiry of this shard falls, if any key has one.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.expiries.first().map(|(at, _)| *at)
    }

    /// Removes up to `max` entries whose expiry is at or before `now`; returns how many.
    pub(crate) fn reap_due(&mut self, now: u64, max: usize) -> usize {
        let mut reaped = 0;
        for _ in 0..max {
            if self.expiries.first().is_none_or(|(at, _)| *at > now) {
                break;
            }
            // NOTE: the index entry leaves first, so every turn shrinks the index and the loop ends
            // even if a bug elsewhere let the index disagree with an entry (invariant 2).
            let Some((_, key)) = self.expiries.pop_first() else {
                break;
            };
            if self.remove_entry(&key).is_some() {
                reaped += 1;
            }
        }
        self.reclaimed += reaped as u64;
        reaped
    }
}
