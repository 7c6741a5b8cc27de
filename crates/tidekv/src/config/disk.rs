//! Options of the disk backend (the LSM tree) and the `Config` setters that change them.
//!
//! Every default is chosen for a server with a few GiB of memory; each setter says what its knob
//! trades. `docs/disk.md` explains the engine the knobs tune.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Backend, Config};
use crate::config::Compression;
use crate::error::{Error, Result};

/// When a write to the disk backend reaches stable storage.
///
/// Every mode writes the log record to the operating system before the write returns, so **a
/// process crash never loses an acknowledged write** in any mode. The modes differ on power loss
/// (or a kernel crash):
///
/// | mode | an acknowledged write survives power loss | cost |
/// |---|---|---|
/// | `Sync` | always | one fsync per write, shared by concurrent writers (group commit) |
/// | `Periodic(t)` | once the next background fsync has run (within about `t`) | a background fsync every `t` |
/// | `Buffered` | after [`crate::Store::flush`], the next background fsync, or the OS's writeback | a background fsync per [`Config::wal_sync_bytes`] of log |
///
/// [`crate::Store::flush`] makes every earlier write survive power loss in every mode. In
/// `Periodic` and `Buffered` modes the log is also fsynced in the background each time it has
/// grown by [`Config::wal_sync_bytes`]: a log must be durable before its memtable is frozen, and
/// that fsync runs under the writer lock, so this keeps what it has left to write small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the log before each write returns; writers that arrive while an fsync runs share the
    /// next one.
    Sync,
    /// fsync the log in the background at this interval (Redis `appendfsync everysec` is
    /// `Periodic(1 s)`).
    Periodic(Duration),
    /// fsync the log only in the background once it has grown by [`Config::wal_sync_bytes`]
    /// (and when a memtable is frozen); otherwise the OS decides.
    Buffered,
}

/// Options of the disk backend.
#[derive(Debug, Clone)]
pub(crate) struct DiskOptions {
    pub(crate) path: PathBuf,
    pub(crate) durability: Durability,
    /// Log bytes after which a background fsync runs, outside `Sync` mode (0: never).
    pub(crate) wal_sync_bytes: u64,
    pub(crate) truncate: bool,
    /// Open without changing anything (`Config::read_only`, `config/read_only.rs`).
    pub(crate) read_only: bool,
    pub(crate) memtable_size: usize,
    pub(crate) max_immutable_memtables: usize,
    pub(crate) block_size: usize,
    pub(crate) compression: Compression,
    pub(crate) bloom_bits_per_key: usize,
    pub(crate) block_cache_size: usize,
    pub(crate) cache_flushed_blocks: bool,
    pub(crate) max_open_files: usize,
    pub(crate) table_size: u64,
    pub(crate) l0_compaction_trigger: usize,
    pub(crate) l0_stall_trigger: usize,
    pub(crate) level_base_size: u64,
    pub(crate) level_size_ratio: u64,
    /// The largest log record, in bytes (tests make it small to exercise the limit).
    pub(crate) max_record_bytes: u32,
    /// How often the expiry sweeper deletes due keys (`Config::expiry_sweep_interval`).
    pub(crate) expiry_sweep_interval: Duration,
    /// A simulated disk to open the store on instead of the real file system (`test-util`).
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) simulated: Option<crate::disk::fs::MemFs>,
}

impl DiskOptions {
    pub(crate) fn new(path: PathBuf) -> Self {
        DiskOptions {
            path,
            durability: Durability::Periodic(Duration::from_millis(100)),
            wal_sync_bytes: 4 << 20,
            truncate: false,
            read_only: false,
            memtable_size: 64 << 20,
            max_immutable_memtables: 4,
            block_size: 4096,
            compression: Compression::Lz4,
            bloom_bits_per_key: 16,
            block_cache_size: 64 << 20,
            cache_flushed_blocks: true,
            max_open_files: default_max_open_files(),
            table_size: 32 << 20,
            l0_compaction_trigger: 4,
            l0_stall_trigger: 20,
            level_base_size: 256 << 20,
            level_size_ratio: 10,
            max_record_bytes: crate::disk::log_frame::MAX_PAYLOAD,
            expiry_sweep_interval: Duration::from_millis(100),
            #[cfg(any(test, feature = "test-util"))]
            simulated: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let check = |ok: bool, what: &'static str, why: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(what, why.to_string()))
            }
        };
        check(
            !(self.read_only && self.truncate),
            "truncate",
            "a read-only open cannot truncate the store",
        )?;
        if let Durability::Periodic(interval) = self.durability {
            check(
                !interval.is_zero(),
                "durability",
                "the sync interval must be > 0",
            )?;
        }
        check(
            !self.expiry_sweep_interval.is_zero(),
            "expiry_sweep_interval",
            "must be greater than zero",
        )?;
        check(
            self.memtable_size >= 256,
            "memtable_size",
            "must be at least 256 bytes",
        )?;
        check(
            self.max_immutable_memtables >= 1,
            "max_immutable_memtables",
            "must be at least 1",
        )?;
        check(
            (64..=(4 << 20)).contains(&self.block_size),
            "block_size",
            "must be 64 bytes ..= 4 MiB",
        )?;
        check(
            self.bloom_bits_per_key <= 64,
            "bloom_bits_per_key",
            "must be 0 (no filter) ..= 64",
        )?;
        check(self.table_size >= 256, "table_size", "must be at least 256")?;
        check(
            self.max_open_files >= MIN_OPEN_FILES,
            "max_open_files",
            "must be at least 8",
        )?;
        check(
            self.l0_compaction_trigger >= 1,
            "l0_compaction_trigger",
            "must be at least 1",
        )?;
        check(
            self.l0_stall_trigger > self.l0_compaction_trigger,
            "l0_stall_trigger",
            "must be greater than l0_compaction_trigger",
        )?;
        check(
            self.level_base_size >= 256,
            "level_base_size",
            "must be at least 256",
        )?;
        check(
            (2..=1000).contains(&self.level_size_ratio),
            "level_size_ratio",
            "must be 2..=1000",
        )?;
        if let Compression::Zstd(level) = self.compression {
            check(
                (-7..=22).contains(&level),
                "compression",
                "zstd level must be -7..=22",
            )?;
        }
        Ok(())
    }
}

/// The smallest `max_open_files` accepted.
const MIN_OPEN_FILES: usize = 8;

/// Half the process's soft limit on open files (`RLIMIT_NOFILE`), at least 8 and at most 65,536:
/// the other half is left for the log, the manifest, tables being written, the tables a scan or
/// compaction is reading, and the rest of the program (a server's client sockets).
fn default_max_open_files() -> usize {
    #[cfg(unix)]
    {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        if let Some(soft) = soft {
            return usize::try_from(soft / 2)
                .unwrap_or(usize::MAX)
                .clamp(MIN_OPEN_FILES, 65_536);
        }
        65_536
    }
    #[cfg(not(unix))]
    {
        1_000
    }
}

impl Config {
    /// A persistent store in the directory `path` (created if missing): an LSM tree with a
    /// write-ahead log, SSTables, a block cache and leveled compaction. One process at a time may
    /// open a directory; a second open is [`crate::error::Error::Locked`].
    ///
    /// ```
    /// use tidekv::{Config, Durability, Store};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open(Config::disk(dir.path()).durability(Durability::Sync))?;
    /// store.insert("greeting", "hello")?;
    /// store.close()?;
    /// let store = Store::open(Config::disk(dir.path()))?;
    /// assert_eq!(store.get("greeting")?.as_deref(), Some(&b"hello"[..]));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn disk(path: impl AsRef<Path>) -> Self {
        Config::with_backend(Backend::Disk(DiskOptions::new(path.as_ref().to_path_buf())))
    }

    /// The disk backend's options; on another backend, `setter` is recorded as misapplied and
    /// `Store::open` refuses the config.
    pub(super) fn disk_options(&mut self, setter: &'static str) -> Option<&mut DiskOptions> {
        match &mut self.backend {
            Backend::Disk(d) => Some(d),
            _ => {
                self.misapplied.push((setter, "disk"));
                None
            }
        }
    }

    /// When writes reach stable storage (disk backend). Default `Periodic(100 ms)`.
    pub fn durability(mut self, durability: Durability) -> Self {
        if let Some(d) = self.disk_options("durability") {
            d.durability = durability;
        }
        self
    }

    /// In `Periodic` and `Buffered` modes, fsync the log in the background each time this many
    /// bytes were appended to it since the last such fsync (disk backend; 0: never). Default
    /// 4 MiB.
    ///
    /// A memtable's log is fsynced when the memtable is frozen, under the writer lock (an older
    /// log must be durable once a newer one exists, `docs/format/wal.md`); without these
    /// background fsyncs, in `Buffered` mode that one fsync writes the whole memtable's log and
    /// every writer waits for it. Smaller means shorter waits at a freeze and a shorter window of
    /// writes a power cut can take, for more fsyncs. Like RocksDB's `wal_bytes_per_sync`, except
    /// that each one is an fsync, so what it covers survives power loss.
    pub fn wal_sync_bytes(mut self, bytes: u64) -> Self {
        if let Some(d) = self.disk_options("wal_sync_bytes") {
            d.wal_sync_bytes = bytes;
        }
        self
    }

    /// Deletes everything in the store's directory on open, starting empty (disk backend).
    /// Default `false`. The directory lock is taken first, so a store open elsewhere is never
    /// truncated.
    pub fn truncate(mut self, truncate: bool) -> Self {
        if let Some(d) = self.disk_options("truncate") {
            d.truncate = truncate;
        }
        self
    }

    /// Size at which the in-memory write buffer is frozen and flushed to a table (disk backend).
    /// Default 64 MiB. Larger means fewer, larger L0 tables and less compaction, but more memory
    /// and a longer log replay after a crash.
    pub fn memtable_size(mut self, bytes: usize) -> Self {
        if let Some(d) = self.disk_options("memtable_size") {
            d.memtable_size = bytes;
        }
        self
    }

    /// Frozen memtables allowed to wait for their flush before writes stall (disk backend).
    /// Default 4. Stalls are counted in stats.
    pub fn max_immutable_memtables(mut self, count: usize) -> Self {
        if let Some(d) = self.disk_options("max_immutable_memtables") {
            d.max_immutable_memtables = count;
        }
        self
    }

    /// Target uncompressed size of a table's data block (disk backend). Default 4 KiB. Larger
    /// blocks compress better; a point read decodes a whole block.
    pub fn block_size(mut self, bytes: usize) -> Self {
        if let Some(d) = self.disk_options("block_size") {
            d.block_size = bytes;
        }
        self
    }

    /// Compression of table blocks (disk backend). Default [`Compression::Lz4`].
    pub fn compression(mut self, compression: Compression) -> Self {
        if let Some(d) = self.disk_options("compression") {
            d.compression = compression;
        }
        self
    }

    /// Bloom filter bits per key in each table (disk backend). Default 10 (about 1% false
    /// positives); 0 disables filters.
    pub fn bloom_bits_per_key(mut self, bits: usize) -> Self {
        if let Some(d) = self.disk_options("bloom_bits_per_key") {
            d.bloom_bits_per_key = bits;
        }
        self
    }

    /// Bytes of decoded data blocks kept in memory (disk backend). Default 64 MiB; 0 disables the
    /// cache.
    pub fn block_cache_size(mut self, bytes: usize) -> Self {
        if let Some(d) = self.disk_options("block_cache_size") {
            d.block_cache_size = bytes;
        }
        self
    }

    /// Whether a flush puts the data blocks it writes into the block cache, as RocksDB's
    /// `prepopulate_block_cache = kFlushOnly` does (disk backend). Default on: what was just
    /// written is often read next, and would otherwise be read back from disk. It takes effect
    /// only while a memtable is at most half the block cache, so one flush never sweeps out
    /// everything else the cache holds.
    pub fn cache_flushed_blocks(mut self, on: bool) -> Self {
        if let Some(d) = self.disk_options("cache_flushed_blocks") {
            d.cache_flushed_blocks = on;
        }
        self
    }

    /// Tables held open between reads (disk backend): each costs a file descriptor, and its index
    /// and bloom filter in memory. Default: half the process's open-file limit (`ulimit -n`
    /// when the store opens), at most 65,536; minimum 8. Past it, the tables not used lately are closed
    /// and reopened when needed (a few reads each). The index and filter of open tables are
    /// charged to the block cache and may take up to half of it (at least 1 MiB), so a store's
    /// memory stays within `block_cache_size` plus the memtables, however many tables it has.
    pub fn max_open_files(mut self, files: usize) -> Self {
        if let Some(d) = self.disk_options("max_open_files") {
            d.max_open_files = files;
        }
        self
    }

    /// Target size of a table written by compaction (disk backend). Default 32 MiB.
    pub fn table_size(mut self, bytes: u64) -> Self {
        if let Some(d) = self.disk_options("table_size") {
            d.table_size = bytes;
        }
        self
    }

    /// Level-0 tables that start a compaction into level 1 (disk backend). Default 4.
    pub fn l0_compaction_trigger(mut self, tables: usize) -> Self {
        if let Some(d) = self.disk_options("l0_compaction_trigger") {
            d.l0_compaction_trigger = tables;
        }
        self
    }

    /// Level-0 tables at which writes stall until compaction catches up (disk backend).
    /// Default 20.
    pub fn l0_stall_trigger(mut self, tables: usize) -> Self {
        if let Some(d) = self.disk_options("l0_stall_trigger") {
            d.l0_stall_trigger = tables;
        }
        self
    }

    /// Target size of level 1 (disk backend). Default 256 MiB; level `n + 1` targets
    /// `level_size_ratio` times level `n`.
    pub fn level_base_size(mut self, bytes: u64) -> Self {
        if let Some(d) = self.disk_options("level_base_size") {
            d.level_base_size = bytes;
        }
        self
    }

    /// Size ratio between adjacent levels (disk backend). Default 10.
    pub fn level_size_ratio(mut self, ratio: u64) -> Self {
        if let Some(d) = self.disk_options("level_size_ratio") {
            d.level_size_ratio = ratio;
        }
        self
    }
}
