//! Each keyspace's number of keys and its expiry index, so that `len` (Redis `DBSIZE`) costs a
//! lookup and a short seek instead of a walk of the keyspace.
//!
//! When a record commits, each user key it writes is compared with what the key held before the
//! record. That gives:
//!
//! 1. **The tally** of each keyspace (`tally.rs`): the number of user keys whose newest version is
//!    a string or a list, live **or expired**, and how many of them have an expiry. It is kept in
//!    memory by the writer (`Writer::counts`, exact at `last_seq`) and written into the tree as a
//!    count entry (space `KeyCount`, empty user key; a string cell holding both numbers; absent
//!    or a tombstone = no keys) in the memtable that is
//!    being frozen, at its last sequence number, whenever a memtable is frozen (`rotate`). So the
//!    newest count entry in the tables is exact as of the last flushed memtable, and a keyspace
//!    the writer has no count for (none written since open) has an exact count entry.
//! 2. **The expiry index** (space `ExpiryIndex`): one entry `(at, key)` (user key `at` as `u64`
//!    big-endian then the key, so entries sort by time) for exactly those keys whose newest
//!    version expires at `at`. Its entries go into the memtable with each record's last sequence
//!    number, so the index is exact at every sequence number.
//! 3. Only a write takes an expired key out of the count: compaction keeps expired versions
//!    (retention rule 3 drops only tombstones), and the expiry sweeper (`sweep_expired`) deletes
//!    due keys with tombstones, as Redis's active expiry does.
//!
//! Hence the live keys of `ks` at time `now` are its count minus its index entries with
//! `at <= now`, and its live keys with an expiry are its second number minus the same entries;
//! `len` and `stats` read the tally and the due part of the index at the same sequence number,
//! and the sweeper keeps that part short.
//!
//! None of this is **logged**: it is a function of the records alone, and replaying the log on
//! open derives it again, record by record, against the same state (`open.rs`), from the count
//! entries of the last flushed memtable. The log format is unchanged and no record is larger;
//! a plain insert adds nothing to the memtable (an insert with a TTL adds its index entry).
//!
//! The price: a write must know what its key held. Read-modify-writes already read the key (and
//! `Txn` remembers the answer); for a blind `put`, the memtable insert itself finds an older
//! version in the active memtable (the next entry of the skip list, no second search), and only
//! a key not found there is looked up in the frozen memtables and the tables, whose bloom filters
//! answer without I/O for a new key.

use bytes::Bytes;

use super::scan::Visible;
use super::tally::Tally;
use super::txn::Txn;
use super::view::{decode_cell, decode_stored, View};
use super::{Inner, SuperVersion};
use crate::disk::cell::{peek, Cell};
use crate::disk::key::{put_escaped, put_prefix, Space, SEQ_LEN};
use crate::disk::lookup::LookupKey;
use crate::error::{Error, Result};

/// Due keys the sweeper deletes per write: bounds the record and the writer lock's hold.
pub(crate) const SWEEP_BATCH: usize = 512;

/// Whether a user key has a stored string or list (expired or not), and its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Absent,
    Present(Option<u64>),
}

impl Presence {
    pub(crate) fn of(cell: Option<&Cell>) -> Presence {
        match cell {
            Some(cell @ (Cell::Str { .. } | Cell::List(_))) => Presence::Present(cell.expires_at()),
            Some(Cell::Tombstone | Cell::Item(_)) | None => Presence::Absent,
        }
    }

    /// The presence the newest stored cell gives its key (`None`: nothing stored).
    pub(crate) fn of_stored(cell: Option<Bytes>) -> Presence {
        cell.map_or(Presence::Absent, |cell| Presence::of_bytes(&cell))
    }

    /// The presence an encoded cell gives its (user) key.
    pub(crate) fn of_bytes(cell: &[u8]) -> Presence {
        match peek(cell) {
            (true, _) => Presence::Absent,
            (false, at) => Presence::Present(at),
        }
    }

    /// Whether writes under `prefix` are user keys, the ones counted.
    pub(crate) fn counts(prefix: &[u8]) -> bool {
        prefix.get(4) == Some(&(Space::User as u8))
    }
}

/// The prefix of keyspace `ks`'s count entry.
pub(super) fn count_prefix(ks: u32) -> Vec<u8> {
    let mut prefix = Vec::new();
    put_prefix(&mut prefix, ks, Space::KeyCount, b"", b"");
    prefix
}

/// The expiry-index prefix of the user key under `user_prefix`, expiring at `at`: the user
/// prefix with the space changed and `at` put before the (already escaped) key.
fn index_prefix(user_prefix: &[u8], at: u64) -> Option<Vec<u8>> {
    let (ks, escaped_key) = (user_prefix.get(..4)?, user_prefix.get(5..)?);
    let mut prefix = Vec::with_capacity(user_prefix.len() + 16 + SEQ_LEN);
    prefix.extend_from_slice(ks);
    prefix.push(Space::ExpiryIndex as u8);
    put_escaped(&mut prefix, &at.to_be_bytes());
    prefix.extend_from_slice(escaped_key);
    Some(prefix)
}

/// The cell of an expiry-index entry (the key says it all).
pub(super) fn index_marker() -> Cell {
    Cell::Str {
        value: Bytes::new(),
        expires_at: None,
    }
}

/// The tally in keyspace `ks`'s count entry at or below sequence number `seq` in `sources`.
pub(crate) fn count_in(sources: &SuperVersion, ks: u32, seq: u64) -> Result<Tally> {
    match sources.get(&LookupKey::new(count_prefix(ks), seq))? {
        None => Ok(Tally::default()),
        Some((_, bytes)) => Tally::from_cell(ks, decode_cell(bytes)?),
    }
}

impl Txn {
    /// Deletes `key` if its newest version still expires at `at` and `at` has passed (the
    /// sweeper's delete); `true` if it did.
    pub(crate) fn expire_due(&mut self, ks: u32, key: &[u8], at: u64) -> Result<bool> {
        let prefix = super::view::user_prefix(ks, key);
        let stored = self.stored(&prefix)?;
        if at > self.now() || Presence::of(stored.as_ref()) != Presence::Present(Some(at)) {
            return Ok(false);
        }
        self.set(prefix, Cell::Tombstone);
        Ok(true)
    }
}

pub(super) fn keyspace_of(prefix: &[u8]) -> Result<u32> {
    prefix
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| Error::corruption("(stored key)", 0, "a key without a keyspace"))
}

pub(super) fn index_of(user_prefix: &[u8], at: u64) -> Result<Vec<u8>> {
    index_prefix(user_prefix, at)
        .ok_or_else(|| Error::corruption("(stored key)", 0, "a user key too short to index"))
}

/// The index entries of keyspaces from `from` on that are due at `view.now`, in keyspace then
/// time order: `(keyspace, expires_at, key)`.
struct DueEntries<'v> {
    view: &'v View,
    visible: Visible,
    /// The keyspace being read, and the prefix its due entries sort below.
    ks: u32,
    bound: Vec<u8>,
    /// Only this keyspace (for `len`), or every one from `ks` on (for the sweeper).
    one_keyspace: bool,
}

impl<'v> DueEntries<'v> {
    fn new(view: &'v View, ks: u32, one_keyspace: bool) -> Result<Self> {
        Ok(DueEntries {
            view,
            visible: Visible::new(view, &index_start(ks))?,
            ks,
            bound: due_bound(ks, view.now),
            one_keyspace,
        })
    }

    fn next(&mut self) -> Result<Option<(u32, u64, Bytes)>> {
        loop {
            let Some((prefix, _)) = self.visible.next_cell()? else {
                return Ok(None);
            };
            if prefix.as_ref() < self.bound.as_slice() {
                let parts = decode_stored(&prefix)?;
                let (at, key) = parts.user_key.split_at_checked(8).ok_or_else(|| {
                    Error::corruption("(expiry index)", 0, "an entry without a time")
                })?;
                let at = u64::from_be_bytes(at.try_into().unwrap_or_default());
                return Ok(Some((self.ks, at, Bytes::copy_from_slice(key))));
            }
            // Past this keyspace's due entries: go on with the next keyspace that has an
            // index, if asked to.
            let Some(next) = next_indexed_keyspace(self.ks, keyspace_of(&prefix)?) else {
                return Ok(None);
            };
            if self.one_keyspace {
                return Ok(None);
            }
            self.ks = next;
            self.bound = due_bound(next, self.view.now);
            self.visible = Visible::new(self.view, &index_start(next))?;
        }
    }
}

/// Where to look for the next keyspace's expiry index, once a read of keyspace `current`'s
/// index found a key of keyspace `found` past it: `found` if it is a later keyspace, else the
/// keyspace after `current` (`None` past the last).
pub(super) fn next_indexed_keyspace(current: u32, found: u32) -> Option<u32> {
    if found > current {
        Some(found)
    } else {
        current.checked_add(1)
    }
}

/// Where keyspace `ks`'s expiry index starts.
pub(super) fn index_start(ks: u32) -> Vec<u8> {
    let mut start = ks.to_be_bytes().to_vec();
    start.push(Space::ExpiryIndex as u8);
    start
}

/// Every index entry of keyspace `ks` due at `now` sorts below this (and no other does).
fn due_bound(ks: u32, now: u64) -> Vec<u8> {
    let mut bound = index_start(ks);
    match now.checked_add(1) {
        Some(after) => put_escaped(&mut bound, &after.to_be_bytes()),
        None => bound.push(0xFF),
    }
    bound
}

impl Inner {
    /// The number of live keys in keyspace `ks`: its count minus its due index entries, both as
    /// of the visible sequence number.
    pub(crate) fn len(&self, ks: u32) -> Result<u64> {
        // As the sweeper does: most of the settling without holding up writers.
        self.drain_resolver();
        Ok(self.live_tally(ks)?.0)
    }

    /// Keyspace `ks`'s live keys and live keys with an expiry: its tally minus its due index
    /// entries (each one a key with an expiry), both as of the visible sequence number. Exact
    /// either way; callers on a live store drain the resolver first ([`Inner::drain_resolver`]),
    /// once for however many keyspaces they read, so that little is settled under the lock.
    pub(crate) fn live_tally(&self, ks: u32) -> Result<(u64, u64)> {
        let ((count, expiring), seq, sources) = {
            let mut writer = self.writer.lock();
            self.settle_counts(&mut writer)?;
            let sources = self.current();
            let seq = self.visible();
            let tally = match writer.counts.get(&ks) {
                Some(&tally) => tally,
                None => {
                    // No write to `ks` since open: its newest count entry is exact.
                    let tally = count_in(&sources, ks, writer.last_seq)?;
                    writer.counts.insert(ks, tally);
                    tally
                }
            };
            // In `Sync` mode the writer's count may include records still waiting for their
            // fsync: take their changes back out to answer as of the visible one.
            let waiting = writer
                .count_changes
                .iter()
                .filter(|(at, changed, _)| *at > seq && *changed == ks)
                .fold(Tally::default(), |sum, (_, _, delta)| sum + *delta);
            ((tally - waiting).settled(ks)?, seq, sources)
        };
        let view = View {
            sources,
            seq,
            now: self.now(),
        };
        let mut due = DueEntries::new(&view, ks, true)?;
        let mut expired = 0u64;
        while due.next()?.is_some() {
            expired += 1;
        }
        Ok((
            count.saturating_sub(expired),
            expiring.saturating_sub(expired),
        ))
    }

    /// Deletes up to [`SWEEP_BATCH`] keys that have expired, in one write; returns how many due
    /// keys it found and how many of them it deleted (a key that a user's write deleted or
    /// changed meanwhile, or a clock that stepped back, leaves the second smaller).
    pub(crate) fn sweep_expired(&self) -> Result<(usize, usize)> {
        let _one_sweep_at_a_time = self.sweeping.lock();
        // Index entries of deferred writes are not in yet (`pending_keys.rs`). The resolver
        // puts them in while writers go on; only what came since is settled under the lock.
        self.drain_resolver();
        {
            let mut writer = self.writer.lock();
            if !writer.sealed {
                self.settle_counts(&mut writer)?;
            }
        }
        let view = self.view();
        let mut due = DueEntries::new(&view, 0, false)?;
        let mut keys = Vec::new();
        while keys.len() < SWEEP_BATCH {
            match due.next()? {
                Some(entry) => keys.push(entry),
                None => break,
            }
        }
        if keys.is_empty() {
            return Ok((0, 0));
        }
        self.hook("sweep_expired:before_write");
        let deleted = self.write(|txn| {
            let mut deleted = 0;
            for (ks, at, key) in &keys {
                if txn.expire_due(*ks, key, *at)? {
                    self.watches.touch(*ks, key);
                    deleted += 1;
                }
            }
            Ok(deleted)
        })?;
        Ok((keys.len(), deleted))
    }

    /// Deletes every key that has expired (a manual compaction starts with this, so that it
    /// reclaims them): sweeps until a sweep finds nothing due. Sweeps never overlap
    /// (`Inner::sweeping`), but a user's write may still delete or change a found key between
    /// a sweep's view and its write, so a sweep that deleted nothing is not the end; only a few
    /// of those in a row are (a clock that stepped back leaves due entries that cannot be
    /// deleted).
    pub(crate) fn sweep_all_expired(&self) -> Result<()> {
        let mut fruitless = 0;
        while fruitless < 3 {
            match self.sweep_expired()? {
                (0, _) => break,
                (_, 0) => fruitless += 1,
                _ => fruitless = 0,
            }
        }
        Ok(())
    }
}
