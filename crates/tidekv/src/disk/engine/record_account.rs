//! Inserting one record into the memtable together with its bookkeeping (`key_count.rs`): the
//! expiry-index entries it changes and its keyspaces' new counts. The write path and log replay
//! both go through [`RecordAccount`], so replay derives exactly what the write did.
//!
//! What a key held before the record comes from what the transaction read. Otherwise, on the
//! write path, it is looked up later, in a batch, by the resolver (`pending_keys.rs`): the write
//! joins the writer's pending list, still resolved under the writer lock before anything reads
//! the counts or the index — and so does a write whose former state is known, as its hash, for
//! the resolver's filter of the active memtable. Replay looks up at once: in the entry after the
//! new one in the memtable (its older version, reached from the insert's own search), else in
//! the frozen memtables and the tables, whose filters answer a new key without I/O.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::key_count::{count_in, index_marker, index_of, keyspace_of, Presence};
use super::pending_keys::PendingKeys;
use super::tally::Tally;
use super::SuperVersion;
use crate::disk::cell::Cell;
use crate::disk::key::SEQ_LEN;
use crate::disk::memtable::Memtable;
use crate::disk::table::bloom::bloom_hash;
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
    /// Count changes by keyspace (see [`CountDeltas`]).
    deltas: CountDeltas,
    /// Where keys whose former state needs a lookup outside the active memtable go, if the
    /// lookup is deferred (the write path); `None` looks up at once (replay).
    pending: Option<&'a mut PendingKeys>,
    /// The first failure of a lookup made while inserting.
    failed: Option<Error>,
    /// What the entry being inserted by [`RecordAccount::insert_replayed`] held in the tables,
    /// looked up ahead of time.
    from_tables: Option<Presence>,
}

impl<'a> RecordAccount<'a> {
    /// A record of sequence numbers `first_seq..=last_seq`.
    pub(crate) fn new(
        sources: &'a SuperVersion,
        keep: bool,
        first_seq: u64,
        last_seq: u64,
        pending: Option<&'a mut PendingKeys>,
    ) -> Self {
        RecordAccount {
            sources,
            keep,
            last_seq,
            before_seq: first_seq.saturating_sub(1),
            deltas: CountDeltas::default(),
            pending,
            failed: None,
            from_tables: None,
        }
    }

    /// [`RecordAccount::insert`] during a replay, with what the key held in the tables before
    /// the record already looked up (`replay.rs`): used if the memtable holds no older version.
    pub(crate) fn insert_replayed(&mut self, key: Bytes, value: Bytes, from_tables: Presence) {
        self.from_tables = Some(from_tables);
        self.insert(key, value, None);
        self.from_tables = None;
    }

    /// Inserts one entry of the record; `before` is what its key held before the record, if
    /// the transaction knows.
    pub(crate) fn insert(&mut self, key: Bytes, value: Bytes, before: Option<Presence>) {
        if !self.keep || !Presence::counts(&key) {
            self.sources.mem.insert(key, value);
            return;
        }
        let after = Presence::of_bytes(&value);
        if self.pending.is_some() {
            // The write path: the resolver learns of the write, in order (`pending_keys.rs`).
            let prefix = key
                .get(..key.len().saturating_sub(SEQ_LEN))
                .unwrap_or_default();
            let hash = bloom_hash(prefix);
            if let Err(e) = self.account(prefix, hash, before, after) {
                self.failed.get_or_insert(e);
            }
            self.sources.mem.insert_hashed(key, value, hash);
            return;
        }
        self.sources
            .mem
            .insert_finding_older(key, value, |inserted, hash, older| {
                let before = before.or_else(|| older.map(Presence::of_bytes));
                let prefix = inserted
                    .get(..inserted.len().saturating_sub(SEQ_LEN))
                    .unwrap_or_default();
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
        let before = match (before, self.pending.as_deref_mut()) {
            (Some(known), Some(pending)) => {
                pending.push_known(hash);
                known
            }
            (Some(known), None) => known,
            (None, Some(pending)) => {
                pending.push(prefix, hash, self.before_seq, self.last_seq, after);
                return Ok(());
            }
            (None, None) => match self.from_tables.take() {
                Some(looked_up) => looked_up,
                None => Presence::of_stored(self.sources.get_outside_active(
                    prefix,
                    hash,
                    self.before_seq,
                )?),
            },
        };
        let change = bookkeep(&self.sources.mem, prefix, self.last_seq, before, after)?;
        if !change.is_zero() {
            self.deltas.add(keyspace_of(prefix)?, change);
        }
        Ok(())
    }

    /// Applies the record's count changes to `counts` (see [`apply_delta`]) and calls
    /// `changed(keyspace, delta)` for each.
    pub(crate) fn finish(
        self,
        counts: &mut BTreeMap<u32, Tally>,
        mut changed: impl FnMut(u32, Tally),
    ) -> Result<()> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        for (ks, delta) in self.deltas.into_iter() {
            apply_delta(self.sources, counts, ks, delta, self.before_seq)?;
            changed(ks, delta);
        }
        Ok(())
    }
}

/// Count changes by keyspace: most records touch one keyspace, whose change is kept inline (no
/// allocation per write); changes of further keyspaces go to `more`.
#[derive(Default)]
pub(super) struct CountDeltas {
    first: Option<(u32, Tally)>,
    more: Vec<(u32, Tally)>,
}

impl CountDeltas {
    pub(super) fn add(&mut self, ks: u32, change: Tally) {
        match &mut self.first {
            None => self.first = Some((ks, change)),
            Some((first, delta)) if *first == ks => *delta += change,
            Some(_) => match self.more.iter_mut().find(|(k, _)| *k == ks) {
                Some((_, delta)) => *delta += change,
                None => self.more.push((ks, change)),
            },
        }
    }

    /// The non-zero changes.
    pub(super) fn into_iter(self) -> impl Iterator<Item = (u32, Tally)> {
        self.first
            .into_iter()
            .chain(self.more)
            .filter(|(_, d)| !d.is_zero())
    }
}

/// Records one user key's change from `before` to `after` at sequence number `last_seq`: the
/// expiry-index entries it changes go into `mem`; returns its keyspace's tally's change.
pub(super) fn bookkeep(
    mem: &Memtable,
    prefix: &[u8],
    last_seq: u64,
    before: Presence,
    after: Presence,
) -> Result<Tally> {
    if before == after {
        return Ok(Tally::default());
    }
    if let Presence::Present(Some(at)) = before {
        index(mem, index_of(prefix, at)?, last_seq, Cell::Tombstone);
    }
    if let Presence::Present(Some(at)) = after {
        index(mem, index_of(prefix, at)?, last_seq, index_marker());
    }
    let expiring = |p: Presence| i64::from(matches!(p, Presence::Present(Some(_))));
    Ok(Tally {
        keys: i64::from(after != Presence::Absent) - i64::from(before != Presence::Absent),
        expiring: expiring(after) - expiring(before),
    })
}

fn index(mem: &Memtable, mut prefix: Vec<u8>, seq: u64, cell: Cell) {
    prefix.extend_from_slice(&(!seq).to_be_bytes());
    mem.insert(Bytes::from(prefix), cell.encode());
}

/// Adds `delta` to keyspace `ks`'s tally in `counts` (the newest tally of each keyspace known
/// so far; a missing one is read from `sources` at `seq`, where it is exact).
pub(super) fn apply_delta(
    sources: &SuperVersion,
    counts: &mut BTreeMap<u32, Tally>,
    ks: u32,
    delta: Tally,
    seq: u64,
) -> Result<()> {
    let old = match counts.get(&ks) {
        Some(&tally) => tally,
        None => count_in(sources, ks, seq)?,
    };
    let new = old
        .checked_add(delta)
        .ok_or_else(|| Error::corruption("(key count)", u64::from(ks), "a key count overflowed"))?;
    counts.insert(ks, new);
    Ok(())
}

/// Writes `counts` (settled) into `mem` (about to be frozen) at `seq`, its last sequence
/// number: the tables then hold every count as of the memtable's end (`key_count.rs`).
pub(crate) fn write_counts(counts: &BTreeMap<u32, Tally>, mem: &Memtable, seq: u64) -> Result<()> {
    for (&ks, &tally) in counts {
        let mut key = super::key_count::count_prefix(ks);
        key.extend_from_slice(&(!seq).to_be_bytes());
        mem.insert(Bytes::from(key), Tally::cell(ks, tally)?.encode());
    }
    Ok(())
}
