//! The in-memory version: which tables make up each level, built by applying version edits.
//!
//! Invariants of a [`Version`] (the read path and compaction rely on them):
//! 1. Level 0 is ordered newest first (by file number: flushes run one at a time, in order). Its
//!    tables may overlap; every version in a newer L0 table is newer than every version of the same
//!    key in an older one.
//! 2. In each level `n >= 1`, tables are ordered by key and their key ranges (compared without the
//!    sequence number) do not overlap: all versions of one key live in at most one table per level.
//! 3. For one key, every version in level `n` is newer than every version in level `n + 1`.
//!
//! A table leaves a version by being marked obsolete; its file is deleted when the last
//! [`TableFile`] reference drops — after every reader and iterator that used it is done.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use bytes::Bytes;

use crate::disk::file_name::table_path;
use crate::disk::key::split_seq;
use crate::disk::lookup::LookupKey;
use crate::disk::table::reader::TableReader;
use crate::disk::table::table_cache::TableCache;
use crate::disk::version::edit::{TableMeta, VersionEdit};
use crate::error::{Error, Result};

/// Levels of the tree: L0 and six more, enough for 64 MiB * 10^5 at the default ratio.
pub(crate) const LEVELS: usize = 7;

/// One table of a version: its manifest entry, and its reader while the table cache holds it
/// open (see `table/table_cache.rs`).
pub(crate) struct TableFile {
    pub(crate) meta: TableMeta,
    /// The file, shared with every other `TableFile` naming it (a trivial move makes one per
    /// level): it is deleted only when all of them are gone.
    file: Arc<OnDisk>,
    cache: Arc<TableCache>,
    /// The open reader, while the table cache holds the table open.
    open: ArcSwapOption<TableReader>,
    /// Set by each read, cleared by the table cache's eviction hand.
    referenced: AtomicBool,
    /// Point reads this table's bloom filter answered without reading a block.
    filter_skips: AtomicU64,
}

/// A table's file on disk. Once marked obsolete, it is deleted when the last reference goes:
/// after every version, reader and iterator that could read it — through any `TableFile` — is
/// done.
struct OnDisk {
    path: PathBuf,
    cache: Arc<TableCache>,
    obsolete: AtomicBool,
}

impl Drop for OnDisk {
    fn drop(&mut self) {
        if self.obsolete.load(Ordering::Acquire) {
            // Not after the store closed; the next open deletes every table the manifest does
            // not name.
            self.cache.remove_file(&self.path);
        }
    }
}

impl fmt::Debug for TableFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableFile")
            .field("level", &self.meta.level)
            .field("number", &self.meta.number)
            .field("size", &self.meta.size)
            .finish()
    }
}

impl TableFile {
    /// The table `meta` names in `dir`, opened on first use through `cache`.
    pub(crate) fn new(meta: TableMeta, dir: &Path, cache: &Arc<TableCache>) -> Arc<TableFile> {
        Arc::new(TableFile {
            file: Arc::new(OnDisk {
                path: table_path(dir, meta.number),
                cache: Arc::clone(cache),
                obsolete: AtomicBool::new(false),
            }),
            meta,
            cache: Arc::clone(cache),
            open: ArcSwapOption::empty(),
            referenced: AtomicBool::new(false),
            filter_skips: AtomicU64::new(0),
        })
    }

    /// The same file as a table of `level` (a trivial move). The file stays until both this
    /// and the new table are gone, whichever is marked obsolete: a reader of an older version
    /// may still read it through this one.
    pub(crate) fn moved_to(&self, level: u8) -> Arc<TableFile> {
        let mut meta = self.meta.clone();
        meta.level = level;
        Arc::new(TableFile {
            meta,
            file: Arc::clone(&self.file),
            cache: Arc::clone(&self.cache),
            open: ArcSwapOption::empty(),
            referenced: AtomicBool::new(false),
            filter_skips: AtomicU64::new(0),
        })
    }

    /// Runs `read` on the table's reader, opening the table if the table cache had closed it.
    /// A read keeps the reader it started with, however the cache changes meanwhile.
    pub(crate) fn with_reader<T>(
        self: &Arc<Self>,
        read: impl FnOnce(&TableReader) -> Result<T>,
    ) -> Result<T> {
        let guard = self.open.load();
        if let Some(reader) = guard.as_ref() {
            self.mark_referenced();
            return read(reader);
        }
        drop(guard);
        let reader = self.cache.open(self)?;
        read(&reader)
    }

    /// Sets the table cache's reference bit — only when it changes, so that a hot table's
    /// line stays shared.
    fn mark_referenced(&self) {
        if !self.referenced.load(Ordering::Relaxed) {
            self.referenced.store(true, Ordering::Relaxed);
        }
    }

    /// The table's reader, opening the table if the table cache had closed it.
    pub(crate) fn reader(self: &Arc<Self>) -> Result<Arc<TableReader>> {
        if let Some(reader) = self.open.load_full() {
            self.mark_referenced();
            return Ok(reader);
        }
        self.cache.open(self)
    }

    /// The newest version of `lookup`'s key in this table visible at its snapshot.
    pub(crate) fn get(self: &Arc<Self>, lookup: &LookupKey) -> Result<Option<(u64, Bytes)>> {
        self.with_reader(|reader| reader.get(lookup, &self.filter_skips))
    }

    /// `false` only if the table's bloom filter rules out every key with this prefix hash.
    pub(crate) fn may_contain_hash(self: &Arc<Self>, hash: u64) -> Result<bool> {
        self.with_reader(|reader| reader.may_contain_hash(hash))
    }

    /// How many point reads this table's bloom filter answered.
    pub(crate) fn filter_skips(&self) -> u64 {
        self.filter_skips.load(Ordering::Relaxed)
    }

    /// The table's file.
    pub(crate) fn path(&self) -> &Path {
        &self.file.path
    }

    /// The reader slot (for the table cache).
    pub(crate) fn slot(&self) -> &ArcSwapOption<TableReader> {
        &self.open
    }

    /// Clears the table's reference bit; returns whether it was set (the table cache's hand).
    pub(crate) fn take_reference(&self) -> bool {
        self.referenced.swap(false, Ordering::Relaxed)
    }

    /// The user-key part (without sequence) of the smallest and largest keys.
    pub(crate) fn key_range(&self) -> (&[u8], &[u8]) {
        (
            prefix_of(&self.meta.smallest),
            prefix_of(&self.meta.largest),
        )
    }

    /// Deletes the file once nothing uses it any more (no `TableFile` naming it is left).
    pub(crate) fn mark_obsolete(&self) {
        self.file.obsolete.store(true, Ordering::Release);
    }
}

impl Drop for TableFile {
    fn drop(&mut self) {
        if self.open.swap(None).is_some() {
            self.cache.dropped();
        }
        // The file itself goes with the last `OnDisk` reference, after this reader is closed.
    }
}

/// The identifying prefix (internal key without its sequence number) of a stored internal key.
/// Keys in tables were checked by their reader, so a short one cannot occur; it maps to itself.
pub(crate) fn prefix_of(internal: &[u8]) -> &[u8] {
    split_seq(internal).map_or(internal, |(prefix, _)| prefix)
}

/// The tables of every level at one moment. Cheap to clone (tables are shared).
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) levels: Vec<Vec<Arc<TableFile>>>,
    /// The store's feature bits (`edit::FEATURE_*`).
    pub(crate) features: u64,
}

impl Default for Version {
    fn default() -> Self {
        Version {
            levels: vec![Vec::new(); LEVELS],
            features: 0,
        }
    }
}

impl Version {
    /// The newest version of `lookup`'s key visible at its snapshot, searching L0 newest first,
    /// then each deeper level's one candidate table.
    pub(crate) fn get(&self, lookup: &LookupKey) -> Result<Option<(u64, Bytes)>> {
        for table in self.candidates(lookup.prefix()) {
            if let Some(found) = table.get(lookup)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// `false` only if no table that could hold `prefix` (by its key range) has a bloom filter
    /// that lets its hash through: then [`Version::get`] would find nothing, and no lookup key
    /// need be built.
    pub(crate) fn may_hold(&self, prefix: &[u8], hash: u64) -> Result<bool> {
        for table in self.candidates(prefix) {
            if table.may_contain_hash(hash)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The tables that can hold a version of the key with identifying prefix `prefix`, in the
    /// order a point read must try them: every level-0 table whose range holds it (newest
    /// first), then the one table of each deeper level whose range does.
    pub(crate) fn candidates<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = &'a Arc<TableFile>> {
        self.candidate_positions(prefix)
            .filter_map(|(level, at)| self.levels.get(level)?.get(at))
    }

    /// [`Version::candidates`] as `(level, position in the level)`.
    pub(crate) fn candidate_positions<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.levels
            .iter()
            .enumerate()
            .flat_map(move |(level, tables)| {
                let (level_zero, deeper) = if level == 0 {
                    (tables.as_slice(), None)
                } else {
                    (&[][..], find_position(tables, prefix))
                };
                level_zero
                    .iter()
                    .enumerate()
                    .filter(move |(_, table)| {
                        let (lo, hi) = table.key_range();
                        prefix >= lo && prefix <= hi
                    })
                    .map(|(at, _)| at)
                    .chain(deeper)
                    .map(move |at| (level, at))
            })
    }

    /// A new version with `edit`'s tables removed and added. `open` opens each added table.
    pub(crate) fn apply(
        &self,
        manifest: &Path,
        edit: &VersionEdit,
        mut open: impl FnMut(&TableMeta) -> Result<Arc<TableFile>>,
    ) -> Result<Version> {
        let mut next = self.clone();
        next.features = edit.features.unwrap_or(next.features);
        for &(level, number) in &edit.removed {
            let tables = next
                .levels
                .get_mut(usize::from(level))
                .ok_or_else(|| bad_edit(manifest, format!("removes a table from level {level}")))?;
            let before = tables.len();
            tables.retain(|t| t.meta.number != number);
            if tables.len() == before {
                return Err(bad_edit(
                    manifest,
                    format!("removes table {number} from level {level}, where it is not"),
                ));
            }
        }
        for meta in &edit.added {
            let level = usize::from(meta.level);
            if level >= LEVELS {
                return Err(bad_edit(manifest, format!("adds a table to level {level}")));
            }
            next.levels[level].push(open(meta)?);
        }
        next.levels[0].sort_by_key(|t| std::cmp::Reverse(t.meta.number));
        for (level, tables) in next.levels.iter_mut().enumerate().skip(1) {
            tables.sort_by(|a, b| a.meta.smallest.cmp(&b.meta.smallest));
            if let Some(pair) = tables
                .windows(2)
                .find(|w| w[0].key_range().1 >= w[1].key_range().0)
            {
                return Err(bad_edit(
                    manifest,
                    format!(
                        "tables {} and {} overlap in level {level}",
                        pair[0].meta.number, pair[1].meta.number
                    ),
                ));
            }
        }
        Ok(next)
    }

    /// Every table of every level.
    pub(crate) fn tables(&self) -> impl Iterator<Item = &Arc<TableFile>> {
        self.levels.iter().flatten()
    }

    /// The edit that recreates this version from nothing (the first record of a new manifest).
    pub(crate) fn snapshot_edit(&self) -> VersionEdit {
        VersionEdit {
            added: self.tables().map(|t| t.meta.clone()).collect(),
            features: Some(self.features),
            ..VersionEdit::default()
        }
    }
}

/// In a level `>= 1`: the one table whose range can hold `prefix`.
pub(crate) fn find_table<'a>(
    tables: &'a [Arc<TableFile>],
    prefix: &[u8],
) -> Option<&'a Arc<TableFile>> {
    tables.get(find_position(tables, prefix)?)
}

/// [`find_table`] as the table's position in `tables`.
fn find_position(tables: &[Arc<TableFile>], prefix: &[u8]) -> Option<usize> {
    let at = tables.partition_point(|t| t.key_range().1 < prefix);
    tables
        .get(at)
        .filter(|t| t.key_range().0 <= prefix)
        .map(|_| at)
}

fn bad_edit(manifest: &Path, why: String) -> Error {
    Error::corruption(manifest, 0, format!("a version edit {why}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::TableFile;
    use crate::disk::file_name::table_path;
    use crate::disk::fs::{Fs, MemFs};
    use crate::disk::table::cache::BlockCache;
    use crate::disk::table::table_cache::TableCache;
    use crate::disk::version::edit::TableMeta;

    /// A trivial move makes a second `TableFile` for one file. When the moved table is later
    /// compacted away, the file must stay while a reader of an older version still holds the
    /// first one (a stats walk read a deleted table this way before the file was shared).
    #[test]
    fn a_moved_table_keeps_its_file_while_the_original_is_in_use() {
        let fs = MemFs::new();
        let dir = Path::new("/store");
        fs.create_dir_all(dir).unwrap();
        let path = table_path(dir, 7);
        fs.create(&path).unwrap();
        let fs: Arc<dyn Fs> = Arc::new(fs);
        let cache = TableCache::new(Arc::clone(&fs), BlockCache::new(1 << 20), 8, 1 << 20);
        let meta = TableMeta {
            level: 1,
            number: 7,
            size: 0,
            entries: 0,
            smallest: bytes::Bytes::new(),
            largest: bytes::Bytes::new(),
            garbage: Default::default(),
        };
        let original = TableFile::new(meta, dir, &cache);
        let moved = original.moved_to(2);
        assert_eq!(moved.meta.level, 2);
        moved.mark_obsolete();
        drop(moved);
        assert!(
            fs.file_size(&path).is_ok(),
            "the file went while an older version could still read it"
        );
        drop(original);
        assert!(
            fs.file_size(&path).is_err(),
            "the last reference removes it"
        );
    }
}
