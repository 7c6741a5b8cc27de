//! The disk engine: an LSM tree over the pieces in `disk/` (log, memtable, tables, versions).
//! `docs/disk.md` describes the design; the invariants that tie the pieces together are here.
//!
//! - **Sequence numbers.** Every entry gets one, assigned under the writer lock in log order.
//!   `last_seq` (writer) is the newest assigned; `visible` is the newest a reader may see. With
//!   `Durability::Sync` an entry becomes visible only once its log record is synced, so no reader
//!   ever sees a write that a power cut could take back; otherwise it is visible at once.
//! - **Read-modify-write.** Every write (even a plain put, for the list and expiry rules) runs as a
//!   [`txn::Txn`] under the writer lock, reading at `last_seq`: writes are serialised, a batch is
//!   one log record and one sequence range, and readers at a snapshot below its end see none of
//!   it — or, past its end, all of it.
//! - **Sources.** A [`SuperVersion`] is one consistent set of sources: the active memtable, the
//!   frozen ones (newest first) and a [`Version`] of tables. It is replaced, never changed, under
//!   `current`'s write lock; readers and iterators hold an `Arc` of the one they started with, which
//!   keeps its memtables and table files alive.

mod active_keys;
mod bulk;
mod checkpoint;
mod compaction;
mod contract;
mod edits;
mod flush;
mod group_commit;
mod key_count;
mod key_count_upgrade;
mod lists;
mod load;
mod lock;
mod merge;
mod open;
mod pending_keys;
mod read_only;
mod record_account;
mod replay;
mod resolver;
mod rmw;
mod scan;
mod stats;
mod store_dir;
mod strings;
mod table_output;
mod tally;
mod txn;
mod view;
mod worker;
mod write;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex, RwLock};

use crate::clock::Clock;
use crate::config::DiskOptions;
use crate::disk::fs::Fs;
use crate::disk::log_file::LogSyncer;
use crate::disk::memtable::Memtable;
use crate::disk::table::cache::BlockCache;
use crate::disk::table::table_cache::TableCache;
use crate::disk::version::manifest::ManifestWriter;
use crate::disk::version::set::Version;
use crate::disk::wal::writer::WalWriter;
use crate::error::{Error, Result};

pub(crate) use lock::DirLock;
pub(crate) use open::{fold, open_with_fs};
pub(crate) use read_only::open_read_only;

/// The disk backend. Dropping it without `close` stops the background threads but skips the
/// final flush (the log still has every write).
pub(crate) struct DiskEngine {
    inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// One consistent set of read sources.
pub(crate) struct SuperVersion {
    pub(crate) mem: Arc<Memtable>,
    /// The number of the log that holds `mem`'s writes.
    pub(crate) mem_log: u64,
    /// Frozen memtables, newest first, each with the number of the log that holds its writes.
    pub(crate) imms: Vec<(Arc<Memtable>, u64)>,
    pub(crate) version: Arc<Version>,
}

/// State owned by whoever holds the writer lock.
pub(crate) struct Writer {
    pub(crate) wal: WalWriter,
    pub(crate) last_seq: u64,
    pub(crate) sealed: bool,
    /// The newest tally of each keyspace read or written so far (`key_count.rs`); a keyspace
    /// not here is read from the tree. Signed: while deferred writes wait for the resolver
    /// (`resolver.rs`), a count may run below its true value, even below zero (a key whose
    /// insert is pending and whose delete is not); it is exact once settled.
    pub(crate) counts: std::collections::BTreeMap<u32, tally::Tally>,
    /// Count changes of records that may not be visible yet: `(record's last sequence number,
    /// keyspace, change)`, in the order they were applied (a deferred one comes after later
    /// records'). Only `Sync` mode keeps any for long (a record waits for its fsync); `len`
    /// takes those above the visible sequence number back out.
    pub(crate) count_changes: Vec<(u64, u32, tally::Tally)>,
    /// Writes whose bookkeeping waits for a batch lookup (`pending_keys.rs`).
    pub(crate) pending: pending_keys::PendingKeys,
    /// Where the keys and cells of committed writes are carved from (`memtable/arena.rs`).
    pub(crate) arena: crate::disk::memtable::EntryArena,
    /// A buffer for the user-key prefix of a blind write (`strings.rs`), kept to save an
    /// allocation per write.
    pub(crate) prefix_buf: Vec<u8>,
}

/// State owned by whoever changes the table set (flush, compaction).
pub(crate) struct VersionState {
    pub(crate) manifest: ManifestWriter,
    /// Logs below this number hold only flushed writes.
    pub(crate) log_number: u64,
    /// Per level, the largest key of the last table compacted out of it (round-robin).
    pub(crate) cursors: Vec<Option<bytes::Bytes>>,
}

/// Counters reported in stats.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) stalls: AtomicU64,
    pub(crate) stall_micros: AtomicU64,
    pub(crate) flushes: AtomicU64,
    pub(crate) flush_bytes: AtomicU64,
    pub(crate) compactions: AtomicU64,
    pub(crate) compaction_bytes_read: AtomicU64,
    pub(crate) compaction_bytes_written: AtomicU64,
    pub(crate) trivial_moves: AtomicU64,
    pub(crate) wal_bytes: AtomicU64,
    pub(crate) user_bytes: AtomicU64,
    pub(crate) syncs: AtomicU64,
    /// Bytes in the current log (what `stats` reports without taking the writer lock).
    pub(crate) wal_size: AtomicU64,
    /// Torn log tails cut off when the store was opened (0 or 1).
    pub(crate) torn_tails_cut: AtomicU64,
}

/// What the background threads wait on.
#[derive(Debug, Default)]
pub(crate) struct BgState {
    pub(crate) shutdown: bool,
    /// The store is being abandoned (a simulated crash): even the flush thread stops at once.
    pub(crate) abandoned: bool,
    /// The first background failure; every later write reports it.
    pub(crate) error: Option<String>,
    /// The log has grown by `wal_sync_bytes` since the sync thread last looked: it fsyncs it.
    pub(crate) writeback_due: bool,
}

/// What the background threads wait on, and what they report.
pub(crate) struct Background {
    pub(crate) state: Mutex<BgState>,
    /// Woken when there is background work, or when it finished (stalled writers wait on it).
    pub(crate) wake: Condvar,
    /// Set once `state.error` is: lets every write check health without taking the lock.
    pub(crate) failed: AtomicBool,
}

/// The store's life: closing, the long calls that closing waits for, the directory lock.
pub(crate) struct Lifecycle {
    /// Held shared by every long call that is not a background thread (a manual compaction, a
    /// snapshot load) for its whole run; `close` takes it exclusively, after setting `stopping`,
    /// so no such call is still running when `close` returns and releases the directory lock.
    pub(crate) jobs: RwLock<()>,
    /// Set when `close` (or a simulated crash) begins: compactions stop at their next check and
    /// never install their results; manual ones and loads return `Error::Closed`.
    pub(crate) stopping: AtomicBool,
    pub(crate) closed: AtomicBool,
    /// Held until `close` (or drop); releasing it lets another open proceed.
    pub(crate) dir_lock: Mutex<Option<lock::DirLock>>,
}

/// The disk engine's shared state: the pieces of the tree, the writer, and what the background
/// threads and `close` coordinate on.
pub(crate) struct Inner {
    pub(crate) fs: Arc<dyn Fs>,
    pub(crate) dir: PathBuf,
    pub(crate) options: DiskOptions,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cache: Arc<BlockCache>,
    /// The tables held open between reads (bounded by `max_open_files`).
    pub(crate) tables: Arc<TableCache>,
    pub(crate) writer: Mutex<Writer>,
    pub(crate) current: RwLock<Arc<SuperVersion>>,
    pub(crate) visible: AtomicU64,
    pub(crate) next_file: AtomicU64,
    pub(crate) group: group_commit::GroupCommit,
    pub(crate) versions: Mutex<VersionState>,
    /// Held while a compaction picks and runs: background and manual ones never overlap.
    pub(crate) compaction: Mutex<()>,
    /// Held by an expiry sweep from the view it reads to the write that deletes what it found,
    /// so two sweeps (the background one and a manual compaction's) never pick the same batch:
    /// a sweep that finds due keys and deletes none then means the keys cannot be deleted, not
    /// that another sweep is still writing them (`sweep_all_expired` relies on that).
    pub(crate) sweeping: Mutex<()>,
    /// The background threads' work and failures.
    pub(crate) background: Background,
    /// Opening, closing and the directory lock.
    pub(crate) lifecycle: Lifecycle,
    pub(crate) counters: Counters,
    /// Watched keys; every write marks its keys here under the writer lock.
    pub(crate) watches: Arc<crate::watch::WatchRegistry>,
    /// Looks up the writes whose key counts are deferred (`resolver.rs`).
    pub(crate) resolver: resolver::Resolver,
    /// Test hooks: code run when the engine passes a named point (RocksDB's sync points), so a
    /// test can act at an exact moment of a race.
    #[cfg(test)]
    pub(crate) hooks: Mutex<Vec<(&'static str, Hook)>>,
}

/// A test hook (see `Inner::hooks`).
#[cfg(test)]
pub(crate) type Hook = Arc<dyn Fn() + Send + Sync>;

impl Inner {
    /// The current sources.
    pub(crate) fn current(&self) -> Arc<SuperVersion> {
        Arc::clone(&self.current.read())
    }

    /// Replaces the sources with `change(current)`, atomically for every reader.
    pub(crate) fn install(&self, change: impl FnOnce(&SuperVersion) -> SuperVersion) {
        let mut current = self.current.write();
        *current = Arc::new(change(&current));
    }

    /// The newest sequence number a reader may see.
    pub(crate) fn visible(&self) -> u64 {
        self.visible.load(Ordering::Acquire)
    }

    pub(crate) fn publish(&self, seq: u64) {
        self.visible.fetch_max(seq, Ordering::AcqRel);
    }

    /// Whether a flush puts the blocks it writes into the block cache: asked for, and a whole
    /// memtable's worth fits in half the cache (`Config::cache_flushed_blocks`).
    pub(crate) fn fills_cache_on_flush(&self) -> bool {
        let o = &self.options;
        o.cache_flushed_blocks && o.memtable_size <= o.block_cache_size / 2
    }

    pub(crate) fn new_file_number(&self) -> u64 {
        self.next_file.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Runs the test hooks registered for `point` (nothing outside tests).
    #[inline]
    pub(crate) fn hook(&self, point: &'static str) {
        #[cfg(test)]
        {
            let hooks: Vec<Hook> = self
                .hooks
                .lock()
                .iter()
                .filter(|(name, _)| *name == point)
                .map(|(_, hook)| Arc::clone(hook))
                .collect();
            hooks.iter().for_each(|hook| hook());
        }
        #[cfg(not(test))]
        let _ = point;
    }

    /// `Error::Closed` once `close` has begun: long jobs call this between steps.
    pub(crate) fn check_not_stopping(&self) -> Result<()> {
        if self.lifecycle.stopping.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Fails if a background job failed: the store keeps serving reads but refuses writes.
    pub(crate) fn check_healthy(&self) -> Result<()> {
        if !self.background.failed.load(Ordering::Acquire) {
            return Ok(());
        }
        match &self.background.state.lock().error {
            None => Ok(()),
            Some(why) => Err(background_error(why)),
        }
    }

    /// Records a background failure and wakes everyone waiting on background work.
    pub(crate) fn fail(&self, error: &Error) {
        let mut bg = self.background.state.lock();
        if bg.error.is_none() {
            bg.error = Some(error.to_string());
        }
        self.background.failed.store(true, Ordering::Release);
        self.background.wake.notify_all();
    }

    /// The WAL syncer of the current log, the last sequence number it holds and its length.
    pub(crate) fn sync_target(&self) -> Result<(Arc<LogSyncer>, u64, u64)> {
        let mut writer = self.writer.lock();
        Ok((writer.wal.syncer()?, writer.last_seq, writer.wal.len()))
    }
}

pub(crate) fn background_error(why: &str) -> Error {
    Error::io(
        "the store refuses writes after a background failure (reopen it to recover)",
        std::io::Error::other(why.to_string()),
    )
}

#[cfg(test)]
mod cache_fill_tests;
#[cfg(test)]
mod checkpoint_tests;
#[cfg(test)]
mod clock_tests;
#[cfg(test)]
mod close_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod open_files_tests;
#[cfg(test)]
mod sweep_tests;
#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod writeback_tests;
