//! Durability of the store as a whole: `flush` and portable snapshots.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::checkpoint::{self, CheckpointReport};
use crate::disk::fs::StdFs;
use crate::engine::{Record, StoredValue};
use crate::error::{Error, Result};
use crate::snapshot::SnapshotReader;
use crate::store::handle::Store;
use crate::store::snapshot_file::save_to;

impl Store {
    /// Reclaims the space of overwritten, deleted and expired data now instead of waiting for
    /// background compaction. Disk backend: flushes the memtables and compacts every level into
    /// the last one (it rewrites the whole store: an admin operation, like RocksDB's
    /// `CompactRange` over everything). Other backends: nothing to do.
    pub fn compact(&self) -> Result<()> {
        self.check_open()?;
        self.shared.engine.compact()
    }

    /// Makes every earlier write as durable as the backend allows. For a memory store with a
    /// [`crate::Config::snapshot_path`], this saves the snapshot.
    pub fn flush(&self) -> Result<()> {
        self.check_open()?;
        self.shared.engine.flush()?;
        match &self.shared.snapshot_path {
            Some(path) => {
                let _persist = self.shared.persist_lock.lock();
                self.check_open()?;
                self.write_snapshot(path)
            }
            None => Ok(()),
        }
    }

    /// Writes a consistent copy of the store into the new directory `dir`, which opens as a
    /// store, holding every write made before the call (and perhaps some made during it: a
    /// prefix of the writes, in the order they were applied). Writers are not blocked.
    ///
    /// - **disk**: the tables are hard linked (they never change once written; copied where the
    ///   file system cannot link, across devices), the logs copied up to the last write made
    ///   before the call. Open it with [`crate::Config::disk`]. Fast and small whatever the
    ///   store's size; on one file system, it shares the tables' space with the store until
    ///   compaction replaces them.
    /// - **memory**: the snapshot (`dir/dump.tkv`, the portable format). Open it with
    ///   [`crate::Config::memory`] and [`crate::Config::snapshot_path`], or serve it with
    ///   `tidekv serve --engine memory --dir DIR`.
    /// - **remote**: refused ([`Error::InvalidArgument`]); the server holds the data.
    ///
    /// `dir` must not exist. The checkpoint is built beside it (`<dir>.checkpoint-tmp`) and
    /// renamed into place once synced: a crash leaves either no `dir` or a whole checkpoint.
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<CheckpointReport> {
        self.check_open()?;
        let dir = dir.as_ref();
        if let Some(report) = self.shared.engine.checkpoint(dir)? {
            return Ok(report);
        }
        let tmp = checkpoint::begin(&StdFs, dir)?;
        let snapshot = tmp.join("dump.tkv");
        let saved = save_to(&*self.shared.engine, &*self.shared.clock, &snapshot)
            .and_then(|_| {
                std::fs::metadata(&snapshot).map_err(|e| {
                    Error::io(format!("reading the size of {}", snapshot.display()), e)
                })
            })
            .and_then(|meta| checkpoint::finish(&StdFs, &tmp, dir).map(|()| meta.len()));
        match saved {
            Ok(bytes) => Ok(CheckpointReport {
                dir: dir.to_path_buf(),
                files_copied: 1,
                bytes_copied: bytes,
                ..CheckpointReport::default()
            }),
            Err(e) => {
                checkpoint::abandon(&StdFs, &tmp);
                Err(e)
            }
        }
    }

    /// Whether [`Store::flush`] has a write to make durable now: on disk, whether a write has
    /// reached the log since its last fsync (never in `Durability::Sync`, whose writes return
    /// synced); on memory, never. A server that must not reply before the writes it reports are
    /// durable checks this after a batch of commands and calls `flush` only when it says so
    /// (`tidekv serve --durability sync` does).
    pub fn has_unflushed_writes(&self) -> bool {
        self.shared.engine.has_unflushed_writes()
    }

    /// Every key of every keyspace with its value and absolute expiry, read at one point in time
    /// where the backend can give one (`capabilities().point_in_time_scans`), keyspace by
    /// keyspace, keys sorted: what a snapshot holds, as an iterator (export, migration). Lazy:
    /// records are read as it advances; expired keys are left out.
    pub fn dump(&self) -> Result<impl Iterator<Item = Result<Record>> + Send> {
        self.check_open()?;
        self.shared.engine.dump()
    }

    /// Sets each record's key to the record's whole value and expiry, replacing whatever the key
    /// held (a list is replaced, not appended to): what `tidekv import` and `migrate` write, so a
    /// record written twice leaves the same store. Records whose expiry has passed are skipped.
    /// The records must be of one keyspace.
    ///
    /// Atomic as a group — no reader sees part of it, and a failure writes none of it — on
    /// memory and disk, and on one Redis / Valkey / tidekv server (one `MULTI` … `EXEC`, no
    /// script). On a Cluster, whose transactions cannot span hash slots, each key is atomic on
    /// its own.
    pub fn put_records(&self, records: Vec<Record>) -> Result<()> {
        self.check_open()?;
        let Some(ks) = records.first().map(|r| r.keyspace) else {
            return Ok(());
        };
        let now = self.shared.clock.now_ms();
        let mut live = Vec::with_capacity(records.len());
        for record in records {
            if record.keyspace != ks {
                return Err(Error::invalid(
                    "records",
                    "put_records takes records of one keyspace",
                ));
            }
            if matches!(&record.value, StoredValue::List(items) if items.is_empty()) {
                return Err(Error::invalid("value", "a list holds at least one element"));
            }
            self.check_record(&record)?;
            if record.expires_at.is_none_or(|at| at > now) {
                live.push(record);
            }
        }
        self.shared.engine.put_records(&live)?;
        // Lists may have appeared: serve the calls blocked on them.
        self.serve_waited_lists(|_| true);
        Ok(())
    }

    /// Saves every keyspace, at one point in time, to `path` in the portable snapshot format
    /// (`docs/format/snapshot.md`). Returns the number of keys saved.
    ///
    /// The file is written beside `path` under a temporary name, synced, and renamed over `path`:
    /// a crash leaves either the old file or the new one, never a torn one. Saving streams: it holds
    /// one 64 KiB chunk in memory, not a copy of the store, and writers are not blocked.
    pub fn save_snapshot(&self, path: impl AsRef<Path>) -> Result<u64> {
        self.check_open()?;
        save_to(&*self.shared.engine, &*self.shared.clock, path.as_ref())
    }

    /// Replaces the contents of every keyspace with the snapshot at `path`. Entries whose expiry has
    /// passed are dropped; the rest keep their absolute expiry time.
    ///
    /// A truncated or corrupt file is [`Error::Corruption`] naming the file and offset, and the store
    /// is left exactly as it was.
    pub fn load_snapshot(&self, path: impl AsRef<Path>) -> Result<()> {
        self.check_open()?;
        let path = path.as_ref();
        let file =
            File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let reader = SnapshotReader::new(
            BufReader::with_capacity(256 * 1024, file),
            path.to_path_buf(),
        )?;
        // A snapshot from a store with larger limits must not plant keys this store cannot reach.
        let mut checked = reader.map(|record| {
            let record = record?;
            self.check_record(&record).map_err(|e| {
                Error::invalid(
                    "snapshot",
                    format!("{} cannot be loaded into this store: {e}", path.display()),
                )
            })?;
            Ok(record)
        });
        self.shared.engine.load(&mut checked)?;
        // Lists may have appeared: serve the calls blocked on them.
        self.serve_waited_lists(|_| true);
        Ok(())
    }

    fn check_record(&self, record: &Record) -> Result<()> {
        self.checked_keyspace(record.keyspace)?;
        self.check_key(&record.key)?;
        match &record.value {
            StoredValue::String(value) => self.check_value(value),
            StoredValue::List(items) => items.iter().try_for_each(|v| self.check_value(v)),
        }
    }

    /// Saves without the open check: `close` saves after marking the store closed.
    pub(crate) fn write_snapshot(&self, path: &Path) -> Result<()> {
        save_to(&*self.shared.engine, &*self.shared.clock, path).map(|_| ())
    }
}
