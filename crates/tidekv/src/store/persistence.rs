//! Durability of the store as a whole: `flush` and portable snapshots.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::Clock;
use crate::engine::{Engine, Record, StoredValue};
use crate::error::{Error, Result};
use crate::snapshot::{SnapshotReader, SnapshotWriter};
use crate::store::handle::Store;

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
        for (ks, key) in self.shared.waiters.lists() {
            self.serve(ks, &key);
        }
        Ok(())
    }

    fn check_record(&self, record: &Record) -> Result<()> {
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

/// Streams a dump of `engine` to `path` through a synced temporary file and an atomic rename.
///
/// Each save writes its own temporary file (`<name>.<pid>.<n>.tmp`, created exclusively), so two
/// saves to one path never write into the same file: each renames a complete snapshot into place
/// and the last rename wins. The temporary file is removed on every failure.
pub(crate) fn save_to(engine: &dyn Engine, clock: &dyn Clock, path: &Path) -> Result<u64> {
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".to_owned());
    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!("{name}.{}.{n}.tmp", std::process::id()));
    let io = |what: &str, e: std::io::Error| Error::io(format!("{what} {}", tmp.display()), e);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io("creating", e))?;
    let written = (|| {
        let mut writer = SnapshotWriter::new(
            BufWriter::with_capacity(256 * 1024, file),
            clock.now_ms(),
            |e| Error::io("writing a snapshot", e),
        )?;
        for record in engine.dump()? {
            writer.add(record?)?;
        }
        let (out, count) = writer.finish()?;
        let file = out
            .into_inner()
            .map_err(|e| io("writing", e.into_error()))?;
        file.sync_all().map_err(|e| io("syncing", e))?;
        fs::rename(&tmp, path).map_err(|e| io("renaming", e))?;
        Ok(count)
    })();
    match written {
        Ok(count) => {
            sync_parent_dir(path)?;
            Ok(count)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Syncs the directory holding `path`, so that a rename into it survives power loss.
fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("syncing directory {}", dir.display()), e))
}
