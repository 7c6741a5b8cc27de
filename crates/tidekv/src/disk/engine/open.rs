//! Opening a store: lock, read the manifest, open the tables, replay the logs, flush what they
//! held, write a fresh manifest, remove what no version needs, start the background threads.
//!
//! Crash safety of each step: nothing is removed until a synced manifest no longer needs it, and
//! the replayed writes are flushed to a synced table that a synced manifest edit names before
//! their logs are removed. A crash anywhere in `open` leaves a directory the next `open` reads the
//! same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex, RwLock};

use super::edits::Retire;
use super::group_commit::GroupCommit;
use super::store_dir;
use super::{
    worker, Background, BgState, Counters, DiskEngine, Inner, Lifecycle, SuperVersion,
    VersionState, Writer,
};
use crate::clock::Clock;
use crate::config::DiskOptions;
use crate::disk::file_name::{
    is_creating, manifest_path, parse_load_dir, parse_manifest, parse_table, parse_wal, table_path,
};
use crate::disk::fs::Fs;
use crate::disk::memtable::{Memtable, Recycled};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::table_cache::TableCache;
use crate::disk::version::edit::{TableMeta, VersionEdit, KNOWN_FEATURES};
use crate::disk::version::manifest::{self, ManifestWriter};
use crate::disk::version::set::{TableFile, Version, LEVELS};
use crate::disk::wal::writer::WalWriter;
use crate::error::{Error, Result};

/// What the manifest's edits add up to.
#[derive(Default)]
pub(crate) struct Folded {
    pub(crate) tables: BTreeMap<u64, TableMeta>,
    pub(crate) log_number: u64,
    next_file: u64,
    last_sequence: u64,
    pub(crate) features: u64,
}

pub(crate) fn fold(edits: &[VersionEdit], manifest: &Path) -> Result<Folded> {
    let mut folded = Folded::default();
    for edit in edits {
        for &(level, number) in &edit.removed {
            if folded.tables.remove(&number).is_none() {
                return Err(Error::corruption(
                    manifest,
                    0,
                    format!("an edit removes table {number} (level {level}), which is not there"),
                ));
            }
        }
        for meta in &edit.added {
            folded.tables.insert(meta.number, meta.clone());
        }
        folded.log_number = edit.log_number.unwrap_or(folded.log_number);
        folded.next_file = edit.next_file.unwrap_or(folded.next_file);
        folded.last_sequence = edit.last_sequence.unwrap_or(folded.last_sequence);
        folded.features = edit.features.unwrap_or(folded.features);
    }
    Ok(folded)
}

/// Opens (or creates) the store in `options.path` on `fs`.
pub(crate) fn open_with_fs(
    fs: Arc<dyn Fs>,
    options: &DiskOptions,
    clock: Arc<dyn Clock>,
) -> Result<DiskEngine> {
    let dir = options.path.clone();
    let io = |what: &str, e| Error::io(format!("{what} {}", dir.display()), e);
    let dir_lock = store_dir::prepare(fs.as_ref(), &dir, options.truncate)?;

    let recovered = manifest::recover(fs.as_ref(), &dir)?;
    let manifest_file = manifest_path(&dir, recovered.as_ref().map_or(0, |m| m.number));
    let folded = match &recovered {
        Some(m) => fold(&m.edits, &manifest_file)?,
        // A new store keeps key counts from its first record.
        None => Folded {
            features: KNOWN_FEATURES,
            ..Folded::default()
        },
    };
    let files = fs.list(&dir).map_err(|e| io("listing", e))?;
    let present_max = files
        .iter()
        .filter_map(|p| {
            parse_wal(p)
                .or_else(|| parse_table(p))
                .or_else(|| parse_load_dir(p))
                .or_else(|| p.file_name()?.to_str().and_then(parse_manifest))
        })
        .max()
        .unwrap_or(0);
    let mut wals: Vec<u64> = files
        .iter()
        .filter_map(|p| parse_wal(p))
        .filter(|&n| n >= folded.log_number)
        .collect();
    wals.sort_unstable();

    let cache = BlockCache::new(options.block_cache_size);
    let tables = TableCache::new(
        Arc::clone(&fs),
        Arc::clone(&cache),
        options.max_open_files,
        metadata_budget(options.block_cache_size),
    );
    let version = load_version(fs.as_ref(), &dir, &folded, &files, &manifest_file, &tables)?;
    let version = Arc::new(version);
    let recycled = Arc::new(Recycled::default());
    let (replayed, last_seq, torn_tails_cut) = super::replay::replay_logs(
        fs.as_ref(),
        &dir,
        &wals,
        folded.last_sequence,
        &version,
        &recycled,
    )?;
    let mut next_file = folded.next_file.max(present_max + 1).max(1);
    let wal_number = next_file;
    let manifest_number = next_file + 1;
    next_file += 2;
    let wal = WalWriter::create(fs.as_ref(), &dir, wal_number, options.max_record_bytes)?;
    let snapshot = VersionEdit {
        log_number: Some(folded.log_number),
        next_file: Some(next_file),
        last_sequence: Some(last_seq),
        ..version.snapshot_edit()
    };
    let manifest = ManifestWriter::create(fs.as_ref(), &dir, manifest_number, &snapshot)?;

    let imms = match wals.last() {
        Some(&newest) if !replayed.is_empty() => vec![(replayed, newest)],
        _ => Vec::new(),
    };
    let wal_len = wal.len();
    let inner = Arc::new(Inner {
        fs: Arc::clone(&fs),
        dir: dir.clone(),
        options: options.clone(),
        clock,
        cache,
        tables,
        writer: Mutex::new(Writer {
            wal,
            last_seq,
            sealed: false,
            counts: BTreeMap::new(),
            count_changes: Vec::new(),
            pending: super::pending_keys::PendingKeys::default(),
            arena: crate::disk::memtable::EntryArena::default(),
            prefix_buf: Vec::new(),
        }),
        current: RwLock::new(Arc::new(SuperVersion {
            mem: Arc::new(Memtable::new(recycled)),
            mem_log: wal_number,
            imms,
            version,
        })),
        visible: AtomicU64::new(last_seq),
        next_file: AtomicU64::new(next_file),
        group: GroupCommit::new(last_seq),
        versions: Mutex::new(VersionState {
            manifest,
            log_number: folded.log_number,
            cursors: vec![None; LEVELS],
        }),
        compaction: Mutex::new(()),
        background: Background {
            state: Mutex::new(BgState::default()),
            wake: Condvar::new(),
            failed: AtomicBool::new(false),
        },
        lifecycle: Lifecycle {
            jobs: RwLock::new(()),
            stopping: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            dir_lock: Mutex::new(Some(dir_lock)),
        },
        counters: Counters {
            torn_tails_cut: AtomicU64::new(torn_tails_cut),
            wal_size: AtomicU64::new(wal_len),
            ..Counters::default()
        },
        watches: Arc::default(),
        sweeping: Mutex::new(()),
        resolver: super::resolver::Resolver::new(options.memtable_size),
        #[cfg(test)]
        hooks: Mutex::new(Vec::new()),
    });
    inner.settle_after_replay(wal_number)?;
    inner.upgrade_key_counts()?;
    let threads = worker::spawn(&inner)?;
    Ok(DiskEngine {
        inner,
        threads: Mutex::new(threads),
    })
}

/// Bytes of index and filter the table cache may keep open: half the block cache they are
/// charged to (the other half stays for data blocks), and at least 1 MiB, so that a store
/// configured with a tiny cache does not reopen a table on every read.
fn metadata_budget(block_cache_size: usize) -> usize {
    (block_cache_size / 2).max(1 << 20)
}

impl Inner {
    /// Removes logs below `log_number`, tables in no version, earlier manifests and temp files.
    fn remove_obsolete_files(&self) -> Result<()> {
        let (log_number, manifest) = {
            let versions = self.versions.lock();
            (versions.log_number, versions.manifest.number())
        };
        let live: Vec<u64> = self
            .current()
            .version
            .tables()
            .map(|t| t.meta.number)
            .collect();
        let files = self
            .fs
            .list(&self.dir)
            .map_err(|e| Error::io(format!("listing {}", self.dir.display()), e))?;
        for path in files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let obsolete = parse_wal(&path).is_some_and(|n| n < log_number)
                || parse_table(&path).is_some_and(|n| !live.contains(&n))
                || parse_manifest(name).is_some_and(|n| n != manifest)
                || name == "CURRENT.tmp"
                || is_creating(&path);
            let removed = if parse_load_dir(&path).is_some() {
                // A snapshot load that never finished: its scratch store is not part of this one.
                self.fs.remove_dir_all(&path)
            } else if obsolete {
                self.fs.remove(&path)
            } else {
                Ok(())
            };
            removed.map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
        }
        Ok(())
    }
}

/// The version the manifest describes, each table checked to exist with the size it names.
/// Tables are opened on first use (the table cache bounds how many stay open): opening a store
/// reads no table.
fn load_version(
    fs: &dyn Fs,
    dir: &Path,
    folded: &Folded,
    files: &[PathBuf],
    manifest_file: &Path,
    tables: &Arc<TableCache>,
) -> Result<Version> {
    for meta in folded.tables.values() {
        if usize::from(meta.level) >= LEVELS {
            return Err(Error::corruption(
                manifest_file,
                0,
                format!("table {} is in level {}", meta.number, meta.level),
            ));
        }
        let path = table_path(dir, meta.number);
        if !files.contains(&path) {
            return Err(Error::corruption(
                &path,
                0,
                format!("named by {} but missing", manifest_file.display()),
            ));
        }
        let size = fs
            .file_size(&path)
            .map_err(|e| Error::io(format!("reading the size of {}", path.display()), e))?;
        if size != meta.size {
            return Err(Error::corruption(
                &path,
                size,
                format!(
                    "is {size} bytes, but {} says {}",
                    manifest_file.display(),
                    meta.size
                ),
            ));
        }
    }
    let all = VersionEdit {
        added: folded.tables.values().cloned().collect(),
        features: Some(folded.features),
        ..VersionEdit::default()
    };
    Version::default().apply(manifest_file, &all, |meta| {
        Ok(TableFile::new(meta.clone(), dir, tables))
    })
}

impl Inner {
    /// After a replay: moves the manifest's log number past the old logs if nothing was
    /// replayed, and removes the files no version needs.
    ///
    /// The replayed writes stay a frozen memtable of the newest old log, as if the store had
    /// never stopped: the flush thread writes them to a table as soon as it starts, and that
    /// flush's edit moves the log number past the old logs, which are removed then (a crash
    /// before it replays them again, with the new log after them). So an open does not wait for
    /// a flush. A store whose key counts need an upgrade (`key_count_upgrade.rs`) flushes first:
    /// the upgrade counts what the tables hold.
    fn settle_after_replay(&self, wal_number: u64) -> Result<()> {
        if !self.key_counts_current() {
            while self.flush_oldest()? {}
        }
        {
            // With nothing replayed there is no flush to move `log_number` past the old logs.
            let mut versions = self.versions.lock();
            if versions.log_number < wal_number && self.current().imms.is_empty() {
                let edit = VersionEdit {
                    log_number: Some(wal_number),
                    ..VersionEdit::default()
                };
                self.commit_edit(&mut versions, edit, &[], Retire::Nothing)?;
            }
        }
        self.remove_obsolete_files()
    }
}
