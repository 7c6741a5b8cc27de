//! The table cache: which tables are held open between reads, bounded by a count of open files
//! (`max_open_files`) and by the memory their pinned metadata (index and bloom filter) takes.
//!
//! An open table holds a file descriptor and some metadata in memory. With one of each per
//! table for the life of the store, a store of some thousand tables failed with "too many open
//! files" at the default limit, and metadata grew with the data outside any budget. Here a table
//! is opened on first use and may be closed again: the cache keeps at most `max_open` tables open,
//! and what their readers pin is charged to a [`MetadataBudget`] (and so to the block cache,
//! which shrinks its room for data blocks to match) of `max_metadata` bytes. Past either bound,
//! tables not used lately are closed — the CLOCK approximation of least-recently-used that the
//! block cache uses too: a table's bit is set by a read, a table whose bit is clear when the hand
//! passes is closed. A closed table is reopened the next time it is needed (`reader/open.rs`
//! says what that reads).
//!
//! A read in progress keeps the reader it started with (an `Arc`), so closing a table never
//! disturbs a read; its descriptor closes when the last such read is done. The bound is on
//! tables held open *between* reads: a scan or a compaction also holds the tables it is reading
//! (one per level, every level-0 table).
//!
//! Invariants (under `ring`):
//! 1. `open` is the number of [`TableFile`]s whose reader slot is filled.
//! 2. Every table with a filled slot is on the ring (which may also hold tables since closed or
//!    dropped).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

use crate::disk::fs::Fs;
use crate::disk::table::cache::BlockCache;
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::disk::table::reader::TableReader;
use crate::disk::version::set::TableFile;
use crate::error::Result;

/// Tables open between reads, bounded (see the module docs).
#[derive(Debug)]
pub(crate) struct TableCache {
    fs: Arc<dyn Fs>,
    budget: Arc<MetadataBudget>,
    max_open: usize,
    ring: Mutex<Ring>,
    /// Tables opened since the store was (cache misses).
    opens: AtomicU64,
    /// Set when the store closes: from then on no table file is removed (see
    /// [`TableCache::remove_file`]).
    closed: RwLock<bool>,
}

#[derive(Debug, Default)]
struct Ring {
    tables: VecDeque<Weak<TableFile>>,
    open: usize,
}

/// What the cache holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableCacheStats {
    pub(crate) open: usize,
    pub(crate) max_open: usize,
    pub(crate) metadata_bytes: usize,
    pub(crate) opens: u64,
}

impl TableCache {
    /// A cache of at most `max_open` open tables (at least 1) whose metadata, charged to
    /// `blocks`, stays within `max_metadata` bytes (beyond the one table just opened).
    pub(crate) fn new(
        fs: Arc<dyn Fs>,
        blocks: Arc<BlockCache>,
        max_open: usize,
        max_metadata: usize,
    ) -> Arc<TableCache> {
        let cache = Arc::new(TableCache {
            fs,
            budget: MetadataBudget::new(blocks, max_metadata),
            max_open: max_open.max(1),
            ring: Mutex::new(Ring::default()),
            opens: AtomicU64::new(0),
            closed: RwLock::new(false),
        });
        cache.budget.set_owner(&cache);
        cache
    }

    /// Removes the file of an obsolete table whose last reference is gone — unless the store has
    /// closed. A closed store's objects can outlive it (a handle kept, an iterator not yet
    /// dropped), and by then another open may own the directory and have reused the number of a
    /// table this store allocated but never recorded: it must not delete anything there. Files
    /// left behind are orphans that the next open removes.
    pub(crate) fn remove_file(&self, path: &Path) {
        let closed = self.closed.read();
        if !*closed {
            // A file that cannot be removed now is an orphan too.
            let _ = self.fs.remove(path);
        }
    }

    /// Stops every later [`TableCache::remove_file`], waiting for those in progress (`close`,
    /// before it releases the directory lock).
    pub(crate) fn close_files(&self) {
        *self.closed.write() = true;
    }

    /// Opens `table`, fills its slot and closes others as the bounds require. The file is read
    /// without the cache's lock held.
    pub(crate) fn open(&self, table: &Arc<TableFile>) -> Result<Arc<TableReader>> {
        let number = table.meta.number;
        let reader = Arc::new(TableReader::open(
            self.fs.as_ref(),
            table.path(),
            number,
            Arc::clone(&self.budget),
        )?);
        let mut closed = Vec::new();
        let reader = {
            let mut ring = self.ring.lock();
            if let Some(raced) = table.slot().load_full() {
                // Another reader opened it meanwhile: use that one, drop ours.
                return Ok(raced);
            }
            ring.open += 1;
            table.slot().store(Some(Arc::clone(&reader)));
            ring.tables.push_back(Arc::downgrade(table));
            self.opens.fetch_add(1, Ordering::Relaxed);
            self.evict(&mut ring, Some(table), &mut closed);
            reader
        };
        // Tables upgraded while evicting are dropped here, outside the lock (a last reference
        // dropping runs `TableFile::drop`, which takes the lock).
        drop(closed);
        Ok(reader)
    }

    /// Closes tables not used lately until both bounds hold (a reader's charge that must be held
    /// went over the metadata budget).
    pub(crate) fn shrink(&self) {
        let mut closed = Vec::new();
        self.evict(&mut self.ring.lock(), None, &mut closed);
        // Dropped outside the lock, as in `open`.
        drop(closed);
    }

    /// Closes tables not used lately until both bounds hold, sparing `keep` (just opened).
    fn evict(
        &self,
        ring: &mut Ring,
        keep: Option<&Arc<TableFile>>,
        closed: &mut Vec<Arc<TableFile>>,
    ) {
        // Each entry is passed at most twice (once to clear its bit, once to close it).
        let mut budget = ring.tables.len() * 2;
        while (ring.open > self.max_open || self.budget.over()) && budget > 0 {
            budget -= 1;
            let Some(weak) = ring.tables.pop_front() else {
                break;
            };
            let Some(table) = weak.upgrade() else {
                continue;
            };
            if keep.is_some_and(|keep| Arc::ptr_eq(&table, keep)) || table.take_reference() {
                ring.tables.push_back(weak);
            } else if table.slot().swap(None).is_some() {
                // Its charges go when its last reference does (a running read may hold it).
                ring.open -= 1;
            }
            closed.push(table);
        }
        Self::prune(ring);
    }

    /// Drops the ring's entries of dropped tables once they could outnumber the open ones (a
    /// `Weak` keeps its table's allocation). Never upgrades: a last reference dropped here would
    /// run `TableFile::drop`, which takes the lock held now.
    fn prune(ring: &mut Ring) {
        if ring.tables.len() > 2 * ring.open + 64 {
            ring.tables.retain(|w| w.strong_count() > 0);
        }
    }

    /// Forgets the reader of a table being dropped.
    pub(crate) fn dropped(&self) {
        self.ring.lock().open -= 1;
    }

    pub(crate) fn stats(&self) -> TableCacheStats {
        let ring = self.ring.lock();
        TableCacheStats {
            open: ring.open,
            max_open: self.max_open,
            metadata_bytes: self.budget.used(),
            opens: self.opens.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::disk::file_name::table_path;
    use crate::disk::fs::MemFs;
    use crate::disk::key::{internal_key, Space};
    use crate::disk::table::builder::{TableBuilder, TableOptions};
    use crate::disk::version::edit::TableMeta;

    /// Writes table `number` of 2,000 keys, each 100-byte value in a block of its own, so that
    /// its index is several KiB.
    fn table(fs: &MemFs, dir: &Path, number: u64, cache: &Arc<TableCache>) -> Arc<TableFile> {
        let options = TableOptions {
            block_size: 64,
            ..TableOptions::default()
        };
        let mut builder = TableBuilder::new(fs.create(&table_path(dir, number)).unwrap(), options);
        for i in 0..2_000u64 {
            let key = internal_key(0, Space::User, format!("k{i:05}").as_bytes(), b"", i + 1);
            builder.add(&key, &[b'v'; 100]).unwrap();
        }
        let info = builder.finish().unwrap();
        let meta = TableMeta {
            level: 1,
            number,
            size: info.size,
            entries: info.entries,
            smallest: info.smallest,
            largest: info.largest,
            garbage: Default::default(),
        };
        TableFile::new(meta, dir, cache)
    }

    /// Indexes (from format 4, their top levels) are read after their tables open, and must be
    /// held whatever the budget; once they go over it, the cache closes tables without waiting
    /// for another open. (With 64-byte blocks, partitions are as small, and top levels large.)
    #[test]
    fn indexes_read_after_open_that_go_over_the_budget_close_tables() {
        let mem = MemFs::new();
        let dir = Path::new("/store");
        mem.create_dir_all(dir).unwrap();
        let fs: Arc<dyn Fs> = Arc::new(mem.clone());
        let cache = TableCache::new(fs, BlockCache::new(1 << 20), 100, 64 << 10);
        let tables: Vec<_> = (1..=8).map(|n| table(&mem, dir, n, &cache)).collect();
        for table in &tables {
            table.with_reader(|_| Ok(())).unwrap();
        }
        assert_eq!(cache.stats().open, 8, "eight small opens fit the budget");
        let mut largest = 0;
        for table in &tables {
            let index = table.with_reader(|reader| {
                let before = reader.metadata_bytes();
                reader.pick_block(0)?;
                Ok(reader.metadata_bytes() - before)
            });
            largest = largest.max(index.unwrap());
        }
        assert!(
            largest > 16 << 10,
            "an index of {largest} bytes is too small to test with"
        );
        let stats = cache.stats();
        assert!(stats.open < 8, "{} tables still open", stats.open);
        assert!(
            stats.metadata_bytes <= (64 << 10) + largest,
            "{} bytes of metadata held",
            stats.metadata_bytes
        );
    }
}
