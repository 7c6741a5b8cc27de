//! Reads one SSTable written by [`super::builder`]: point lookups of the newest version visible at
//! a snapshot, and ordered, seekable iteration. `docs/format/sstable.md` ("Table layout") is the
//! specification.
//!
//! What an open table keeps in memory depends on its format version (`open.rs`). Versions 1 and
//! 2 read their filter, properties and index at open and pin them. Versions 3 and 4 read only
//! their filter's descriptor and their properties at open; the partitioned filter is pinned whole
//! if the metadata budget has room, or else read one partition per lookup (`filter.rs`). Version
//! 3's index is read and pinned on first use; version 4's is partitioned, and pinned whole only if
//! the budget has room, or else read one partition per lookup through the block cache
//! (`index_source.rs`). Whatever a reader pins is charged to the
//! [`MetadataBudget`] while it lives, and the table cache (`table_cache.rs`) closes tables to
//! keep the charges within it. Data blocks are read on demand through the shared [`BlockCache`]
//! (`docs/block-cache.md`): a miss reads the physical block with one positioned read, checks and
//! decodes it, and caches the decoded block.
//!
//! Every check that fails is an [`Error::Corruption`] naming the table file and the offset of the
//! damaged block (the footer's offset for a bad footer), never a panic or a wrong value. A failed
//! read is an [`Error::Io`] naming the file.
//!
//! - `open.rs`: [`TableReader::open`], per format version.
//! - `filter.rs`: the bloom filter as a reader holds it.
//! - `iter.rs`: [`TableIter`], ordered and seekable iteration over the data blocks.
//! - `index.rs`: `TableIndex`, an index (or one partition of it) as a reader holds it: two
//!   allocations.
//! - `top_index.rs`: `TopIndex`, the top level of a partitioned index (version 4).
//! - `index_source.rs`: where a reader finds a data block: the whole index, or the top level and
//!   one partition.
//! - `meta.rs`: parsing and checking the footer and the properties block.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::disk::fs::RandomAccessFile;
use crate::disk::key::split_seq;
use crate::disk::lookup::LookupKey;
use crate::disk::table::block::Block;
use crate::disk::table::builder::{BlockHandle, TableInfo};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::compression::decode_block;
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::error::{Error, Result};

mod filter;
mod index;
mod index_source;
mod iter;
mod meta;
mod open;
mod top_index;

use self::filter::TableFilter;
use self::index_source::IndexSource;
pub(crate) use self::iter::TableIter;

/// An open table. Cheap to clone; clones share the open file, the pinned metadata and the skip
/// counter.
#[derive(Debug, Clone)]
pub(crate) struct TableReader {
    inner: Arc<Inner>,
}

/// Invariants (checked by [`TableReader::open`], and by `index_source.rs` for an index, a top
/// level or a partition read later):
/// 1. Every index held (whole, or a partition's), is non-empty and its keys strictly increase;
///    the last key of a whole index, or of a top level, is `info.largest`.
/// 2. The data blocks named by a whole index are contiguous from offset 0 and end at `data_end`,
///    where the filter starts; a partition's cover exactly the data range its top level names,
///    and those ranges cover `0..data_end` in order. Each lies inside `file`.
/// 3. `cache` holds, under `number`, only blocks read from `file`: the table's number is unique
///    among the tables sharing the cache.
/// 4. `charges` are charged to `budget` on this reader's behalf, each by one call, and released
///    the same way when it is dropped.
#[derive(Debug)]
struct Inner {
    path: PathBuf,
    number: u64,
    file: Arc<dyn RandomAccessFile>,
    cache: Arc<BlockCache>,
    budget: Arc<MetadataBudget>,
    charges: Charges,
    /// Where the index is, and what of it is in memory.
    index: IndexSource,
    data_end: u64,
    filter: TableFilter,
    info: TableInfo,
}

/// What a reader has charged to its budget: at open, for its index (or the top level of a
/// partitioned one), for its whole partitioned index, for its whole filter.
#[derive(Debug, Default)]
struct Charges {
    open: usize,
    index: AtomicUsize,
    whole_index: AtomicUsize,
    filter: AtomicUsize,
}

impl TableReader {
    /// The newest version of `lookup`'s key visible at its snapshot, as `(seq, value)`. A read
    /// the bloom filter answers counts itself in `filter_skips`.
    pub(crate) fn get(
        &self,
        lookup: &LookupKey,
        filter_skips: &AtomicU64,
    ) -> Result<Option<(u64, Bytes)>> {
        if self.inner.info.min_seq > lookup.snapshot() {
            // Every version here is newer than the read.
            return Ok(None);
        }
        if !self.inner.filter.may_contain(&self.inner, lookup.hash())? {
            filter_skips.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let target = lookup.seek().bytes().as_ref();
        let Some(handle) = self.inner.locate(target)? else {
            return Ok(None);
        };
        let offset = handle.offset;
        let block = self.inner.read_block(handle)?;
        let found = block
            .find(target, |key, value| match split_seq(key) {
                Some((found, seq)) if found == lookup.prefix() => Ok(Some((seq, value))),
                Some(_) => Ok(None),
                None => Err(format!("data block holds a {}-byte key", key.len())),
            })
            .map_err(|why| self.inner.corrupt(offset, why))?;
        // The index promises a key >= target in this block: its last key is one.
        match found {
            Some(answer) => answer.map_err(|why| self.inner.corrupt(offset, why)),
            None => Err(self.inner.corrupt(
                offset,
                "data block ends before the last key its index entry names".into(),
            )),
        }
    }

    /// `false` only if the table holds no key whose prefix has this [`bloom_hash`] (its bloom
    /// filter rules it out).
    ///
    /// [`bloom_hash`]: crate::disk::table::bloom::bloom_hash
    /// May read the filter, or the one partition of it the lookup needs.
    pub(crate) fn may_contain_hash(&self, hash: u64) -> Result<bool> {
        self.inner.filter.may_contain(&self.inner, hash)
    }

    /// Reads the byte of the filter that a lookup of `hash` starts at, if the filter is in
    /// memory (0 otherwise): a batch of lookups loads every line first, so that their cache
    /// misses overlap.
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        self.inner.filter.touch(hash)
    }

    /// [`TableReader::get`] of the key with identifying prefix `prefix` at `snapshot`.
    #[cfg(test)]
    pub(crate) fn get_at(&self, prefix: &[u8], snapshot: u64) -> Result<Option<(u64, Bytes)>> {
        self.get(
            &LookupKey::new(prefix.to_vec(), snapshot),
            &AtomicU64::new(0),
        )
    }

    /// An iterator over every entry in key order.
    pub(crate) fn iter(&self) -> TableIter {
        TableIter::new(Arc::clone(&self.inner))
    }

    /// An iterator whose first entry is the first one with key `>= target`.
    pub(crate) fn seek(&self, target: &[u8]) -> TableIter {
        let mut iter = self.iter();
        iter.seek(target);
        iter
    }

    /// A data block chosen by `pick` (near uniformly, for sampling a random key): the last key of
    /// the block before it, if there is one, and about how many data blocks the table has. Reads
    /// the index, or one partition of it, if it is not in memory.
    pub(crate) fn pick_block(&self, pick: u64) -> Result<(Option<Bytes>, usize)> {
        self.inner.pick_block(pick)
    }

    /// The table's file number, its key in the block cache.
    #[cfg(test)]
    pub(crate) fn number(&self) -> u64 {
        self.inner.number
    }

    /// The table's size, entry count, key range and sequence range.
    pub(crate) fn info(&self) -> &TableInfo {
        &self.inner.info
    }

    /// Bytes this reader has pinned in memory and charged to its [`MetadataBudget`].
    #[cfg(test)]
    pub(crate) fn metadata_bytes(&self) -> usize {
        let charges = &self.inner.charges;
        charges.open
            + charges.index.load(Ordering::Relaxed)
            + charges.whole_index.load(Ordering::Relaxed)
            + charges.filter.load(Ordering::Relaxed)
    }
}

impl Inner {
    fn corrupt(&self, offset: u64, why: String) -> Error {
        Error::corruption(&self.path, offset, why)
    }

    /// The data block at `handle`: from the cache, or read, checked, decoded and cached.
    fn read_block(&self, handle: BlockHandle) -> Result<Block> {
        self.read_block_checked(handle, "data block", |_| Ok(()))
    }

    /// The block at `handle` (a data block or an index partition, `what`): from the cache, or
    /// read, checked by its trailer, by [`Block::new`] and by `check`, decoded and cached.
    fn read_block_checked(
        &self,
        handle: BlockHandle,
        what: &str,
        check: impl FnOnce(&Block) -> std::result::Result<(), String>,
    ) -> Result<Block> {
        if let Some(block) = self.cache.get(self.number, handle.offset) {
            return Ok(block);
        }
        // The index was checked to place every block it names inside the file, so the size fits.
        let size = usize::try_from(handle.size)
            .map_err(|_| self.corrupt(handle.offset, format!("{what} too large to read")))?;
        let physical = read(&*self.file, &self.path, handle.offset, size, what)?;
        let raw = decode_block(Bytes::from(physical))
            .map_err(|why| self.corrupt(handle.offset, format!("{what}: {why}")))?;
        let bytes = raw.len();
        // `Block::new` names the block itself ("corrupt data block: ...").
        let block = Block::new(raw)
            .and_then(|block| check(&block).map(|()| block))
            .map_err(|why| self.corrupt(handle.offset, why))?;
        self.cache
            .insert(self.number, handle.offset, block.clone(), bytes);
        Ok(block)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let charges = &mut self.charges;
        for bytes in [
            charges.open,
            *charges.index.get_mut(),
            *charges.whole_index.get_mut(),
            *charges.filter.get_mut(),
        ] {
            if bytes > 0 {
                self.budget.release(bytes);
            }
        }
    }
}

/// The `len` bytes at `offset` of the table `file` (at `path`), which hold its `what`. A read past
/// the end of the file is corruption at `offset` (the file was cut short after it was written, or
/// after it was opened); any other failure is an I/O error naming the file.
fn read(
    file: &dyn RandomAccessFile,
    path: &Path,
    offset: u64,
    len: usize,
    what: &str,
) -> Result<Vec<u8>> {
    file.read_at(offset, len).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::corruption(
                path,
                offset,
                format!("{what} runs past the end of the file (truncated?)"),
            )
        } else {
            Error::io(
                format!(
                    "reading the {what} at offset {offset} of table {}",
                    path.display()
                ),
                e,
            )
        }
    })
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod format_tests;

#[cfg(test)]
mod partitioned_tests;

#[cfg(test)]
mod damage_tests;
