//! Inserting one record into the memtable together with its bookkeeping (`key_count.rs`): the
//! expiry-index entries it changes and its keyspaces' new counts. The write path and log replay
//! both go through [`RecordAccount`], so replay derives exactly what the write did.
//!
//! What a key held before the record comes from what the transaction read, else from the entry
//! after the new one in the memtable (its older version, reached from the insert's own search,
//! so a blind write to a key in the active memtable costs no second search), else from a lookup
//! in the frozen memtables and the tables, whose bloom filters answer a new key without I/O.
//! Nothing here allocates for a write whose key did not change kind or expiry, or for a new key
//! beyond its lookup key.

use std::collections::HashMap;

use bytes::Bytes;

use super::key_count::{count_cell, count_in, index_marker, index_of, keyspace_of, Presence};
use super::SuperVersion;
use crate::disk::cell::Cell;
use crate::disk::key::SEQ_LEN;
use crate::disk::lookup::LookupKey;
use crate::disk::memtable::Memtable;
use crate::error::{Error, Result};

/// One record being inserted into `sources.mem` (see the module docs).
pub(crate) struct RecordAccount<'a> {
    sources: &'a SuperVersion,
    /// Whether the store keeps key counts (a store from before them is upgraded on open).
    keep: bool,
    /// The record's last sequence number (index entries go in under it), and the one before
    /// its first (what "before the record" is read at).
    last_seq: u64,
    before_seq: u64,
    /// Count changes by keyspace; most records touch one keyspace.
    deltas: Vec<(u32, i64)>,
    /// The first failure of a lookup made while inserting.
    failed: Option<Error>,
}

impl<'a> RecordAccount<'a> {
    /// A record of sequence numbers `first_seq..=last_seq`.
    pub(crate) fn new(
        sources: &'a SuperVersion,
        keep: bool,
        first_seq: u64,
        last_seq: u64,
    ) -> Self {
        RecordAccount {
            sources,
            keep,
            last_seq,
            before_seq: first_seq.saturating_sub(1),
            deltas: Vec::new(),
            failed: None,
        }
    }

    /// Inserts one entry of the record; `before` is what its key held before the record, if
    /// the transaction knows.
    pub(crate) fn insert(&mut self, key: Bytes, value: Bytes, before: Option<Presence>) {
        if !self.keep || !Presence::counts(&key) {
            self.sources.mem.insert(key, value);
            return;
        }
        let after = Presence::of_bytes(&value);
        self.sources
            .mem
            .insert_finding_older(key, value, |inserted, hash, older| {
                let before = before.or_else(|| older.map(Presence::of_bytes));
                let prefix = inserted.get(..inserted.len() - SEQ_LEN).unwrap_or_default();
                if let Err(e) = self.account(prefix, hash, before, after) {
                    self.failed.get_or_insert(e);
                }
            });
    }

    fn account(
        &mut self,
        prefix: &[u8],
        hash: u64,
        before: Option<Presence>,
        after: Presence,
    ) -> Result<()> {
        let before = match before {
            Some(known) => known,
            // A new key, mostly: every filter rules it out, and no lookup key is built.
            None if !self.sources.may_hold_outside_active(prefix, hash)? => Presence::Absent,
            None => {
                // Room for the sequence number the lookup key appends.
                let mut key = Vec::with_capacity(prefix.len() + SEQ_LEN);
                key.extend_from_slice(prefix);
                let lookup = LookupKey::hashed(key, self.before_seq, hash);
                match self.sources.get_outside_active(&lookup)? {
                    Some((_, cell)) => Presence::of_bytes(&cell),
                    None => Presence::Absent,
                }
            }
        };
        if before == after {
            return Ok(());
        }
        let change = i64::from(after != Presence::Absent) - i64::from(before != Presence::Absent);
        if change != 0 {
            let ks = keyspace_of(prefix)?;
            match self.deltas.iter_mut().find(|(k, _)| *k == ks) {
                Some((_, delta)) => *delta += change,
                None => self.deltas.push((ks, change)),
            }
        }
        if let Presence::Present(Some(at)) = before {
            self.index(index_of(prefix, at)?, Cell::Tombstone);
        }
        if let Presence::Present(Some(at)) = after {
            self.index(index_of(prefix, at)?, index_marker());
        }
        Ok(())
    }

    fn index(&self, mut prefix: Vec<u8>, cell: Cell) {
        prefix.extend_from_slice(&(!self.last_seq).to_be_bytes());
        self.sources.mem.insert(Bytes::from(prefix), cell.encode());
    }

    /// Applies the record's count changes to `counts` (the newest count of each keyspace known
    /// so far; a missing one is read from the tree) and returns each as `(keyspace, old count)`.
    pub(crate) fn finish(self, counts: &mut HashMap<u32, u64>) -> Result<Vec<(u32, u64)>> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut changed = Vec::new();
        for (ks, delta) in self.deltas.into_iter().filter(|(_, d)| *d != 0) {
            let old = match counts.get(&ks) {
                Some(&count) => count,
                None => count_in(self.sources, ks, self.before_seq)?,
            };
            let new = old.checked_add_signed(delta).ok_or_else(|| {
                Error::corruption(
                    "(key count)",
                    u64::from(ks),
                    format!("keyspace {ks}'s count {old} cannot change by {delta}"),
                )
            })?;
            counts.insert(ks, new);
            changed.push((ks, old));
        }
        Ok(changed)
    }
}

/// Writes `counts` into `mem` (about to be frozen) at `seq`, its last sequence number: the
/// tables then hold every count as of the memtable's end (`key_count.rs`).
pub(crate) fn write_counts(counts: &HashMap<u32, u64>, mem: &Memtable, seq: u64) {
    for (&ks, &count) in counts {
        let mut key = super::key_count::count_prefix(ks);
        key.extend_from_slice(&(!seq).to_be_bytes());
        mem.insert(Bytes::from(key), count_cell(count).encode());
    }
}
