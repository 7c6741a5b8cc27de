//! The contenders behind one small trait, configured as alike as their knobs allow. RocksDB and
//! redb are in `rocks.rs` and `redb.rs`.
//!
//! - **tidekv**: `Config::disk(dir)` with the given durability and block cache; every other knob at
//!   its default (64 MiB memtable, 4 KiB blocks, LZ4 on every level, 16 bloom bits per key).
//! - **fjall**: `Database::builder(dir).cache_size(..)` and one keyspace with
//!   `KeyspaceCreateOptions::default()` (64 MiB memtable, 4 KiB blocks, LZ4 from level 2 on,
//!   bloom filters). A plain `insert` hands its journal record to the OS in one `write(2)` before
//!   it returns, without an fsync, like tidekv's `Durability::Buffered`: the journal is an 8 KiB
//!   `BufWriter`, but with `manual_journal_persist` off (the default) `Keyspace::insert` flushes it
//!   with `persist(PersistMode::Buffer)` after every record (fjall 3.1.13; counted with strace in
//!   `bench/profiles/log-writes-20k.txt`). A synced write is `insert` followed by
//!   `Database::persist(PersistMode::SyncData)` (tidekv's log sync is `fdatasync` too).

use std::path::Path;
use std::str::FromStr;

use anyhow::{bail, Context, Result};

mod redb;
#[cfg(feature = "rocksdb")]
mod rocks;

/// Which store to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Tidekv,
    Fjall,
    Rocksdb,
    Redb,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Tidekv => "tidekv",
            EngineKind::Fjall => "fjall",
            EngineKind::Rocksdb => "rocksdb",
            EngineKind::Redb => "redb",
        }
    }

    /// How the names of the engine's write-ahead log files end, or `None` for an engine
    /// without one (redb commits in place). An open after a crash replays what these hold.
    pub fn log_suffix(self) -> Option<&'static str> {
        match self {
            EngineKind::Tidekv => Some(".wal"),
            EngineKind::Fjall => Some(".jnl"),
            EngineKind::Rocksdb => Some(".log"),
            EngineKind::Redb => None,
        }
    }
}

impl FromStr for EngineKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "tidekv" => Ok(EngineKind::Tidekv),
            "fjall" => Ok(EngineKind::Fjall),
            "rocksdb" => Ok(EngineKind::Rocksdb),
            "redb" => Ok(EngineKind::Redb),
            other => bail!("unknown engine {other:?} (expected tidekv, fjall, rocksdb or redb)"),
        }
    }
}

/// How writes reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Written to the OS before the write returns, never fsynced by the write.
    Buffered,
    /// fsynced (fdatasync) before the write returns.
    Sync,
}

/// What each workload needs from a store.
pub trait Kv: Send + Sync {
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<()>;
    /// The value's length, if the key exists (the value itself is fetched and owned, then dropped).
    fn get(&self, key: &[u8]) -> Result<Option<usize>>;
    /// Reads every entry (key and value) under `prefix`; returns how many there were and their
    /// total size.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<(u64, u64)>;
    /// Makes every earlier write survive power loss (tidekv `flush`, fjall `persist(SyncAll)`).
    fn flush(&self) -> Result<()>;
    /// Writes the memtables out as tables and syncs, leaving nothing to replay. tidekv: `close`;
    /// fjall: `rotate_memtable_and_wait` + `persist(SyncAll)` (the handle is dropped afterwards).
    fn finish(&self) -> Result<()>;
    /// Compacts everything into the last level, waiting until it is done (tidekv: `compact`;
    /// fjall: `major_compact`).
    fn compact(&self) -> Result<()>;
    /// Everything the engine reports about itself, for diagnostics.
    fn stats_text(&self) -> String;
    /// tidekv's own disk statistics (`None` for fjall).
    fn tidekv_stats(&self) -> Option<tidekv::DiskStats> {
        None
    }
}

/// Opens `kind` in `dir` (created if missing).
pub fn open(
    kind: EngineKind,
    dir: &Path,
    mode: WriteMode,
    cache_bytes: u64,
) -> Result<Box<dyn Kv>> {
    Ok(match kind {
        EngineKind::Tidekv => Box::new(Tidekv::open(dir, mode, cache_bytes)?),
        EngineKind::Fjall => Box::new(Fjall::open(dir, mode, cache_bytes)?),
        #[cfg(feature = "rocksdb")]
        EngineKind::Rocksdb => Box::new(rocks::Rocks::open(dir, mode, cache_bytes)?),
        #[cfg(not(feature = "rocksdb"))]
        EngineKind::Rocksdb => bail!("this harness was built without the `rocksdb` feature"),
        EngineKind::Redb => Box::new(redb::Redb::open(dir, mode, cache_bytes)?),
    })
}

struct Tidekv {
    store: tidekv::Store,
}

impl Tidekv {
    fn open(dir: &Path, mode: WriteMode, cache_bytes: u64) -> Result<Self> {
        let durability = match mode {
            WriteMode::Buffered => tidekv::Durability::Buffered,
            WriteMode::Sync => tidekv::Durability::Sync,
        };
        let config = tidekv::Config::disk(dir)
            .durability(durability)
            .block_cache_size(usize::try_from(cache_bytes)?);
        let store = tidekv::Store::open(config)
            .with_context(|| format!("opening tidekv in {}", dir.display()))?;
        Ok(Tidekv { store })
    }
}

impl Kv for Tidekv {
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<()> {
        Ok(self.store.insert(key, value)?)
    }

    fn get(&self, key: &[u8]) -> Result<Option<usize>> {
        Ok(self.store.get(key)?.map(|v| v.len()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<(u64, u64)> {
        let (mut n, mut bytes) = (0, 0);
        for entry in self.store.scan_prefix(prefix)? {
            let (k, v) = entry?;
            n += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((n, bytes))
    }

    fn flush(&self) -> Result<()> {
        Ok(self.store.flush()?)
    }

    fn finish(&self) -> Result<()> {
        Ok(self.store.close()?)
    }

    fn compact(&self) -> Result<()> {
        Ok(self.store.compact()?)
    }

    fn stats_text(&self) -> String {
        match self.store.stats() {
            Ok(stats) => format!("{stats:#?}"),
            Err(e) => format!("stats failed: {e}"),
        }
    }

    fn tidekv_stats(&self) -> Option<tidekv::DiskStats> {
        match self.store.stats().ok()?.backend {
            // Clone through a reference: works whether the variant holds the stats boxed or not.
            tidekv::BackendStats::Disk(d) => Some(tidekv::DiskStats::clone(&d)),
            _ => None,
        }
    }
}

struct Fjall {
    db: fjall::Database,
    keyspace: fjall::Keyspace,
    sync_each_write: bool,
}

impl Fjall {
    fn open(dir: &Path, mode: WriteMode, cache_bytes: u64) -> Result<Self> {
        let db = fjall::Database::builder(dir)
            .cache_size(cache_bytes)
            .open()
            .with_context(|| format!("opening fjall in {}", dir.display()))?;
        let keyspace = db.keyspace("bench", fjall::KeyspaceCreateOptions::default)?;
        Ok(Fjall {
            db,
            keyspace,
            sync_each_write: mode == WriteMode::Sync,
        })
    }
}

impl Kv for Fjall {
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.keyspace.insert(key, value)?;
        if self.sync_each_write {
            self.db.persist(fjall::PersistMode::SyncData)?;
        }
        Ok(())
    }

    fn get(&self, key: &[u8]) -> Result<Option<usize>> {
        Ok(self.keyspace.get(key)?.map(|v| v.len()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<(u64, u64)> {
        let (mut n, mut bytes) = (0, 0);
        for guard in self.keyspace.prefix(prefix) {
            let (k, v) = guard.into_inner()?;
            n += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((n, bytes))
    }

    fn flush(&self) -> Result<()> {
        Ok(self.db.persist(fjall::PersistMode::SyncAll)?)
    }

    fn finish(&self) -> Result<()> {
        self.keyspace.rotate_memtable_and_wait()?;
        Ok(self.db.persist(fjall::PersistMode::SyncAll)?)
    }

    fn compact(&self) -> Result<()> {
        self.keyspace.rotate_memtable_and_wait()?;
        Ok(self.keyspace.major_compact()?)
    }

    fn stats_text(&self) -> String {
        format!(
            "fjall: tables={} l0_tables={} sealed_memtables={} write_buffer_bytes={} \
             outstanding_flushes={} active_compactions={} compactions_completed={} \
             journals={} disk_space={:?}",
            self.keyspace.table_count(),
            self.keyspace.l0_table_count(),
            self.keyspace.sealed_memtable_count(),
            self.db.write_buffer_size(),
            self.db.outstanding_flushes(),
            self.db.active_compactions(),
            self.db.compactions_completed(),
            self.db.journal_count(),
            self.db.disk_space().ok(),
        )
    }
}
