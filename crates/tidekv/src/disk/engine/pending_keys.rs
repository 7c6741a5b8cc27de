//! Writes whose key's former state is still to be looked up, so that a blind write pays for
//! its key count (`key_count.rs`) in a batch instead of one lookup at a time.
//!
//! A blind write (one whose transaction did not read its key) must learn whether the key was
//! there before: in the active memtable, the frozen ones or the tables. Each check is a cache
//! miss — a filter line, or the skip-list node after the write's own — and done one write at a
//! time on the writer's path, they cost a random insert over 15% of its throughput (measured
//! with `bench/`, `docs/disk.md`). Instead the write joins `Writer::pending`, and full batches go
//! to the resolver thread (`resolver.rs`), which looks a batch up on another core: first touching
//! every filter line the batch will need (the loads are independent, so their misses overlap),
//! then deciding each key while those lines are in cache. The active memtable is checked through
//! the resolver's own filter of what was written to it (`active_keys.rs`), so writes whose
//! former state the transaction knew join the batch too, as their key's hash alone.
//!
//! Invariants, which make the late lookup give the answer the write would have had:
//! 1. Every batch is resolved before the active memtable its writes went to is frozen
//!    (`rotate` waits for the resolver), so that memtable is still the active one, and the
//!    frozen memtables and tables hold, for each key, the same newest version as when it was
//!    written (a flush moves versions; a compaction keeps each key's newest one, or drops a
//!    tombstone, which reads as absent all the same). In the active memtable, the versions
//!    older than a write never change: a search at the write's snapshot sees what it would have.
//! 2. Whatever reads the counts or the expiry index waits for the resolver first: `len`,
//!    `rotate` (which writes the counts out), the expiry sweeper, a load.
//! 3. Index entries go in under their record's own sequence number, so a later record's entries
//!    for the same key still win.
//! 4. Batches are resolved in write order, and every user-key write to the active memtable is
//!    in one (see `active_keys.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::active_keys::ActiveKeys;
use super::key_count::{keyspace_of, Presence};
use super::record_account::bookkeep;
use super::tally::Tally;
use super::SuperVersion;
use crate::disk::lookup::LookupKey;
use crate::disk::table::reader::TableReader;
use crate::error::Result;

/// User-key writes whose former state is unknown, in write order.
#[derive(Default)]
pub(crate) struct PendingKeys {
    /// Every key's identifying prefix, one after another: copying a prefix here costs less than
    /// sharing the memtable's key (a `Bytes` clone of a key built from a `Vec` allocates).
    prefixes: Vec<u8>,
    keys: Vec<PendingKey>,
}

/// One pending write, or (`blind == false`) only the hash of a write whose former state was
/// known, for the resolver's filter of the active memtable.
struct PendingKey {
    /// Where its prefix (keyspace, space, escaped key) ends in `PendingKeys::prefixes` (it
    /// starts where the previous one ends).
    end: usize,
    /// The prefix's [`crate::disk::table::bloom::bloom_hash`].
    hash: u64,
    /// The sequence number before its record's first, and its record's last.
    before_seq: u64,
    last_seq: u64,
    /// What the write left.
    after: Presence,
    /// Whether the former state is to be looked up.
    blind: bool,
}

impl PendingKeys {
    /// Adds a write of the key with identifying prefix `prefix`.
    pub(crate) fn push(
        &mut self,
        prefix: &[u8],
        hash: u64,
        before_seq: u64,
        last_seq: u64,
        after: Presence,
    ) {
        self.prefixes.extend_from_slice(prefix);
        self.keys.push(PendingKey {
            end: self.prefixes.len(),
            hash,
            before_seq,
            last_seq,
            after,
            blind: true,
        });
    }

    /// Adds the hash of a write whose former state is known (see [`PendingKey`]).
    pub(crate) fn push_known(&mut self, hash: u64) {
        self.keys.push(PendingKey {
            end: self.prefixes.len(),
            hash,
            before_seq: 0,
            last_seq: 0,
            after: Presence::Absent,
            blind: false,
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.prefixes.clear();
        self.keys.clear();
    }

    /// Each key with its prefix, in write order.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &PendingKey)> {
        let starts = std::iter::once(0).chain(self.keys.iter().map(|k| k.end));
        starts
            .zip(&self.keys)
            .map(|(start, key)| (self.prefixes.get(start..key.end).unwrap_or_default(), key))
    }

    /// Looks up every key of the batch in `sources` (the sources of the memtable its writes
    /// are in, see the module docs) and applies its bookkeeping: index entries into
    /// `sources.mem`, count changes into `deltas` (by keyspace) and, for records not yet
    /// visible (`> visible`: in `Sync` mode, those waiting for their fsync), into `changes` (by
    /// record) — the only ones `len` takes back out; keeping the others would fill a vector
    /// with a change per write between two freezes. `active` is the resolver's filter of the
    /// active memtable.
    pub(crate) fn resolve(
        &self,
        sources: &SuperVersion,
        active: &mut ActiveKeys,
        visible: u64,
        deltas: &mut BTreeMap<u32, Tally>,
        changes: &mut Vec<(u64, u32, Tally)>,
    ) -> Result<()> {
        active.follow(sources.mem_log);
        let mut filters = BatchFilters::new(sources);
        // First every filter line the batch needs, so that the misses overlap.
        let mut sum = 0u8;
        for (prefix, key) in self.iter() {
            sum = sum.wrapping_add(active.touch(key.hash));
            if key.blind {
                sum = sum.wrapping_add(filters.touch(prefix, key.hash)?);
            }
        }
        std::hint::black_box(sum);
        for (prefix, key) in self.iter() {
            let maybe_in_active = active.insert(key.hash);
            if !key.blind {
                continue;
            }
            // The lookup key (an allocation) only for keys a filter lets through.
            let lookup = || LookupKey::from_prefix(prefix, key.before_seq, key.hash);
            let in_active = if maybe_in_active {
                sources.mem.get(&lookup())
            } else {
                None
            };
            let before = match in_active {
                Some((_, cell)) => Presence::of_bytes(&cell),
                None if filters.may_hold(prefix, key.hash)? => {
                    Presence::of_stored(sources.lookup_outside_active(&lookup())?)
                }
                None => Presence::Absent,
            };
            let change = bookkeep(&sources.mem, prefix, key.last_seq, before, key.after)?;
            if !change.is_zero() {
                let ks = keyspace_of(prefix)?;
                *deltas.entry(ks).or_default() += change;
                if key.last_seq > visible {
                    changes.push((key.last_seq, ks, change));
                }
            }
        }
        Ok(())
    }
}

/// The filters of the sources outside the active memtable, for one batch. A table's reader is
/// fetched once per batch: going through its reader slot costs a full memory barrier (an
/// `ArcSwap` load), which would stall the overlapping cache misses the batch is for. A table
/// whose filter is not in memory answers from the one partition a key needs
/// (`reader/filter.rs`).
struct BatchFilters<'s> {
    sources: &'s SuperVersion,
    /// Per level, per table position, the reader once fetched.
    tables: Vec<Vec<Option<Arc<TableReader>>>>,
}

impl<'s> BatchFilters<'s> {
    fn new(sources: &'s SuperVersion) -> Self {
        let tables = sources
            .version
            .levels
            .iter()
            .map(|level| vec![None; level.len()])
            .collect();
        BatchFilters { sources, tables }
    }

    /// The reader of the table at `at` of `level`.
    fn reader(&mut self, level: usize, at: usize) -> Result<Option<&TableReader>> {
        let Some(slot) = self.tables.get_mut(level).and_then(|l| l.get_mut(at)) else {
            return Ok(None);
        };
        if slot.is_none() {
            let table = self
                .sources
                .version
                .levels
                .get(level)
                .and_then(|l| l.get(at));
            if let Some(table) = table {
                *slot = Some(table.reader()?);
            }
        }
        Ok(slot.as_deref())
    }

    /// Loads the filter line of every source that may hold the key (see the module docs).
    fn touch(&mut self, prefix: &[u8], hash: u64) -> Result<u8> {
        let sources = self.sources;
        let mut sum = 0u8;
        for (imm, _) in &sources.imms {
            sum = sum.wrapping_add(imm.touch(hash));
        }
        for (level, at) in sources.version.candidate_positions(prefix) {
            if let Some(reader) = self.reader(level, at)? {
                sum = sum.wrapping_add(reader.touch(hash));
            }
        }
        Ok(sum)
    }

    /// `false` only if no source outside the active memtable may hold the key, by its filter.
    fn may_hold(&mut self, prefix: &[u8], hash: u64) -> Result<bool> {
        let sources = self.sources;
        if sources
            .imms
            .iter()
            .any(|(imm, _)| imm.may_contain_hash(hash))
        {
            return Ok(true);
        }
        for (level, at) in sources.version.candidate_positions(prefix) {
            match self.reader(level, at)? {
                Some(reader) if !reader.may_contain_hash(hash)? => {}
                _ => return Ok(true),
            }
        }
        Ok(false)
    }
}
