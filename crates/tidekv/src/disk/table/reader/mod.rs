//! Reads one SSTable written by [`super::builder`]: point lookups of the newest version visible at
//! a snapshot, and ordered, seekable iteration. `docs/format/sstable.md` ("Table layout") is the
//! specification.
//!
//! What an open table keeps in memory depends on its format version (`open.rs`). Versions 1 and
//! 2 read their filter, properties and index at open and pin them. Version 3 reads only its
//! filter's descriptor and its properties at open; the index is read and pinned on first use, and
//! the partitioned filter is pinned whole if the metadata budget has room, or else read one
//! partition per lookup (`filter.rs`). Whatever a reader pins is charged to the
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
//! - `index.rs`: [`TableIndex`], the index as a reader holds it (two allocations).
//! - `meta.rs`: parsing and checking the footer and the properties block.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

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
mod iter;
mod meta;
mod open;

use self::filter::TableFilter;
use self::index::TableIndex;
pub(crate) use self::iter::TableIter;

/// An open table. Cheap to clone; clones share the open file, the pinned metadata and the skip
/// counter.
#[derive(Debug, Clone)]
pub(crate) struct TableReader {
    inner: Arc<Inner>,
}

/// Invariants (checked by [`TableReader::open`], and by [`Inner::index`] for an index read
/// later):
/// 1. `index`, once set, is non-empty, its keys strictly increase, and the last one is
///    `info.largest`.
/// 2. The data blocks named by `index` are contiguous from offset 0 and end at `data_end`, where
///    the filter starts; each lies inside `file`.
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
    /// Where the index block is, and the index once read.
    index_handle: BlockHandle,
    index: OnceLock<TableIndex>,
    data_end: u64,
    filter: TableFilter,
    info: TableInfo,
}

/// What a reader has charged to its budget: at open, for its index, for its whole filter.
#[derive(Debug, Default)]
struct Charges {
    open: usize,
    index: AtomicUsize,
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
        let index = self.inner.index()?;
        let Some(entry) = index.get(index.first_ending_at_or_after(target)) else {
            return Ok(None);
        };
        let offset = entry.handle.offset;
        let block = self.inner.read_block(entry.handle)?;
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

    /// How many data blocks the table has (reads the index if it is not in memory yet).
    pub(crate) fn block_count(&self) -> Result<usize> {
        Ok(self.inner.index()?.len())
    }

    /// The last internal key of data block `i`, if there is one (reads the index if it is not
    /// in memory yet).
    pub(crate) fn block_last_key(&self, i: usize) -> Result<Option<Bytes>> {
        Ok(self
            .inner
            .index()?
            .get(i)
            .map(|e| Bytes::copy_from_slice(e.last_key)))
    }

    /// The table's file number, its key in the block cache.
    #[cfg(test)]
    pub(crate) fn number(&self) -> u64 {
        self.inner.number
    }

    /// The table's size, entry count, key range and sequence range.
    #[cfg(test)]
    pub(crate) fn info(&self) -> &TableInfo {
        &self.inner.info
    }

    /// Bytes this reader has pinned in memory and charged to its [`MetadataBudget`].
    #[cfg(test)]
    pub(crate) fn metadata_bytes(&self) -> usize {
        let charges = &self.inner.charges;
        charges.open
            + charges.index.load(Ordering::Relaxed)
            + charges.filter.load(Ordering::Relaxed)
    }
}

impl Inner {
    fn corrupt(&self, offset: u64, why: String) -> Error {
        Error::corruption(&self.path, offset, why)
    }

    /// The index, read, checked and pinned on first use.
    fn index(&self) -> Result<&TableIndex> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let handle = self.index_handle;
        let size = usize::try_from(handle.size)
            .map_err(|_| self.corrupt(handle.offset, "index block too large to read".into()))?;
        let physical = read(&*self.file, &self.path, handle.offset, size, "index block")?;
        let index = decode_block(Bytes::from(physical))
            .and_then(Block::new)
            .and_then(|block| TableIndex::parse(&block, self.data_end, &self.info))
            .map_err(|why| self.corrupt(handle.offset, format!("index block: {why}")))?;
        let bytes = index.pinned_bytes();
        if self.index.set(index).is_ok() {
            // Pinned whatever the budget: the table cannot be read without it, and the table
            // cache closes other tables to make up for it.
            self.budget.charge(bytes);
            self.charges.index.store(bytes, Ordering::Relaxed);
        }
        // `set` failed only because another thread set it first.
        self.index.get().ok_or_else(|| {
            self.corrupt(handle.offset, "index block: not kept after reading".into())
        })
    }

    /// The data block at `handle`: from the cache, or read, checked, decoded and cached.
    fn read_block(&self, handle: BlockHandle) -> Result<Block> {
        if let Some(block) = self.cache.get(self.number, handle.offset) {
            return Ok(block);
        }
        // The index was checked to place every data block inside the file, so the size fits.
        let size = usize::try_from(handle.size)
            .map_err(|_| self.corrupt(handle.offset, "data block too large to read".into()))?;
        let physical = read(&*self.file, &self.path, handle.offset, size, "data block")?;
        // `Block::new` names the block itself ("corrupt data block: ...").
        let raw = decode_block(Bytes::from(physical))
            .map_err(|why| self.corrupt(handle.offset, format!("data block: {why}")))?;
        let bytes = raw.len();
        let block = Block::new(raw).map_err(|why| self.corrupt(handle.offset, why))?;
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
