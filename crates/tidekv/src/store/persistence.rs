//! Durability of the store as a whole: `flush` and portable snapshots.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

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

    /// Whether [`Store::flush`] has a write to make durable now: on disk, whether a write has
    /// reached the log since its last fsync (never in `Durability::Sync`, whose writes return
    /// synced); on memory, never. A server that must not reply before the writes it reports are
    /// durable checks this after a batch of commands and calls `flush` only when it says so
    /// (`tidekv serve --durability sync` does).
    pub fn has_unflushed_writes(&self) -> bool {
        self.shared.engine.has_unflushed_writes()
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
