//! Replaying the logs on open: every record goes into one memtable, with its bookkeeping
//! (`record_account.rs`), as on the write path.
//!
//! What each counted key held before its record, when the memtable holds no older version of it,
//! is looked up in the tables: a filter probe per table, a cache miss each, and a data block read
//! when a filter lets a key through. Profiled (a 10 MB log over a 3M-key store), those lookups
//! were a quarter of the replay and the memtable inserts half. The tables do not change during a
//! replay and hold only versions older than any record in the logs (a flush's table and the log
//! number that retires its log arrive in one manifest edit), so the lookups do not depend on the
//! inserts: a second thread makes them, in record order, a bounded distance ahead of the
//! inserting thread, which takes one answer per counted entry.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::key_count::Presence;
use super::record_account::{write_counts, RecordAccount};
use super::SuperVersion;
use crate::disk::cell::Cell;
use crate::disk::file_name::wal_path;
use crate::disk::fs::Fs;
use crate::disk::key::with_seq;
use crate::disk::memtable::{Memtable, Recycled};
use crate::disk::table::bloom::bloom_hash;
use crate::disk::version::edit::FEATURE_KEY_COUNTS;
use crate::disk::version::set::Version;
use crate::disk::wal::record::{EntryKind, WalRecord};
use crate::disk::wal::recovery::recover;
use crate::error::{Error, Result};

/// Answers go over in chunks of this many, so that the threads meet once a chunk, not once an
/// entry: with a handoff per entry, waking the waiting side cost a futex call each, 15 % of the
/// replay.
const CHUNK: usize = 512;
/// How many chunks the look-up thread may run ahead of the inserts.
const CHUNKS_AHEAD: usize = 8;

/// One chunk of answers, in entry order.
type Answers = Vec<Result<Presence>>;

/// Replays the logs `wals` (oldest first) into one memtable; returns it, the last sequence
/// number (at least `last_seq`) and how many torn tails were cut (only the newest log may have
/// one). Its memtable shares `recycled` with the store's others.
pub(super) fn replay_logs(
    fs: &dyn Fs,
    dir: &Path,
    wals: &[u64],
    mut last_seq: u64,
    version: &Arc<Version>,
    recycled: &Arc<Recycled>,
) -> Result<(Arc<Memtable>, u64, u64)> {
    // The records go into a memtable over the tables, as on the write path, so that each one's
    // bookkeeping is derived against the same state it was first made against.
    let sources = SuperVersion {
        mem: Arc::new(Memtable::new(Arc::clone(recycled))),
        mem_log: 0,
        imms: Vec::new(),
        version: Arc::clone(version),
    };
    let keep = version.features & FEATURE_KEY_COUNTS != 0;
    let mut counts = BTreeMap::new();
    let mut torn_tails_cut = 0;
    for (i, &number) in wals.iter().enumerate() {
        let log = recover(fs, &wal_path(dir, number), number, i + 1 == wals.len())?;
        torn_tails_cut += u64::from(log.cut);
        let records = &log.records;
        let replayed = std::thread::scope(|scope| {
            if !keep {
                return insert_all(&sources, keep, records, None, &mut counts);
            }
            let (answers, inbox) = sync_channel(CHUNKS_AHEAD);
            let sources = &sources;
            std::thread::Builder::new()
                .name("tidekv-replay-lookups".into())
                .spawn_scoped(scope, move || look_up_before(sources, records, answers))
                .map_err(|e| Error::io("starting the log replay's look-up thread", e))?;
            // Dropping `inbox` on an early return stops the look-up thread at its next answer.
            insert_all(sources, keep, records, Some(inbox), &mut counts)
        })?;
        last_seq = last_seq.max(replayed);
    }
    // The replayed memtable is flushed after the open: with the counts it derived, as a frozen
    // memtable always is.
    if !sources.mem.is_empty() {
        write_counts(&counts, &sources.mem, last_seq)?;
    }
    Ok((sources.mem, last_seq, torn_tails_cut))
}

/// Inserts every entry of `records` into `sources.mem` with its bookkeeping; with `keep`, takes
/// from `tables` what each counted entry's key held in the tables before its record. Returns the
/// last sequence number replayed (0 if none).
fn insert_all(
    sources: &SuperVersion,
    keep: bool,
    records: &[WalRecord],
    tables: Option<Receiver<Answers>>,
    counts: &mut BTreeMap<u32, super::tally::Tally>,
) -> Result<u64> {
    let tombstone = Cell::Tombstone.encode();
    let mut last_seq = 0;
    let mut chunk = Vec::new().into_iter();
    for record in records {
        let record_last = record.first_seq + record.entries.len() as u64 - 1;
        let mut account = RecordAccount::new(sources, keep, record.first_seq, record_last, None);
        for (j, entry) in record.entries.iter().enumerate() {
            let seq = record.first_seq + j as u64;
            let cell = match entry.kind {
                EntryKind::Delete => tombstone.clone(),
                EntryKind::Put => entry.value.clone(),
            };
            let key = with_seq(&entry.key, seq);
            match &tables {
                Some(tables) if Presence::counts(&entry.key) => {
                    let answer = match chunk.next() {
                        Some(answer) => answer,
                        None => {
                            chunk = tables.recv().unwrap_or_default().into_iter();
                            chunk.next().ok_or_else(|| {
                                Error::invalid("log replay", "the look-up thread stopped early")
                            })?
                        }
                    };
                    account.insert_replayed(key, cell, answer?);
                }
                _ => account.insert(key, cell, None),
            }
            last_seq = last_seq.max(seq);
        }
        account.finish(counts, |_, _| {})?;
    }
    Ok(last_seq)
}

/// Sends, for every counted entry of `records` in order, what its key held in the tables before
/// its record (the lookup `RecordAccount` makes when the memtable has no older version), in
/// chunks of [`CHUNK`]. Stops after the first failed lookup, or when the inserting side hangs
/// up.
fn look_up_before(sources: &SuperVersion, records: &[WalRecord], answers: SyncSender<Answers>) {
    let mut chunk = Vec::with_capacity(CHUNK);
    for record in records {
        let before_seq = record.first_seq.saturating_sub(1);
        for entry in record.entries.iter().filter(|e| Presence::counts(&e.key)) {
            let found = sources
                .get_outside_active(&entry.key, bloom_hash(&entry.key), before_seq)
                .map(Presence::of_stored);
            let failed = found.is_err();
            chunk.push(found);
            if chunk.len() == CHUNK || failed {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if answers.send(full).is_err() || failed {
                    return;
                }
            }
        }
    }
    if !chunk.is_empty() {
        // The inserting side may have stopped; it needs nothing more then.
        let _ = answers.send(chunk);
    }
}
