//! Reads one SSTable written by [`super::builder`]: point lookups of the newest version visible at
//! a snapshot, and ordered, seekable iteration. `docs/format/sstable.md` ("Table layout") is the
//! specification.
//!
//! Opening a table reads its footer, filter, properties and index, which stay pinned in memory for
//! as long as the table is open — which the table cache (`table_cache.rs`) bounds. Data blocks are read on demand through the shared
//! [`BlockCache`] (`docs/block-cache.md`): a miss reads the physical block with one positioned
//! read, checks and decodes it, and caches the decoded block.
//!
//! Every check that fails is an [`Error::Corruption`] naming the table file and the offset of the
//! damaged block (the footer's offset for a bad footer), never a panic or a wrong value. A failed
//! read is an [`Error::Io`] naming the file.
//!
//! - `iter.rs`: [`TableIter`], ordered and seekable iteration over the data blocks.
//! - `meta.rs`: parsing and checking the footer, the properties block and the index.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::disk::fs::{Fs, RandomAccessFile};
use crate::disk::key::split_seq;
use crate::disk::lookup::LookupKey;
use crate::disk::table::block::Block;
use crate::disk::table::bloom::BloomFilter;
use crate::disk::table::builder::{BlockHandle, TableInfo, FOOTER_LEN};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::compression::decode_block;
use crate::error::{Error, Result};

mod iter;
mod meta;

pub(crate) use self::iter::TableIter;
use self::meta::{parse_footer, parse_index, parse_properties, physical};

/// An open table. Cheap to clone; clones share the open file, the pinned metadata and the skip
/// counter.
#[derive(Debug, Clone)]
pub(crate) struct TableReader {
    inner: Arc<Inner>,
}

/// Invariants (checked by [`TableReader::open`]):
/// 1. `index` is non-empty, its keys strictly increase, and the last one is `info.largest`.
/// 2. The data blocks named by `index` are contiguous from offset 0 and end where the filter
///    starts; each lies inside `file`.
/// 3. `cache` holds, under `number`, only blocks read from `file`: the table's number is unique
///    among the tables sharing the cache.
#[derive(Debug)]
struct Inner {
    path: PathBuf,
    number: u64,
    file: Arc<dyn RandomAccessFile>,
    cache: Arc<BlockCache>,
    index: Vec<IndexEntry>,
    filter: BloomFilter,
    info: TableInfo,
    /// Bytes this reader pins in memory (metadata read at open, and the parsed index), charged
    /// to the block cache while the table cache holds the table open.
    metadata_bytes: usize,
}

/// One data block: its last key and where it is.
#[derive(Debug)]
struct IndexEntry {
    last_key: Bytes,
    handle: BlockHandle,
}

impl TableReader {
    /// Opens table number `number` at `path`, checks its footer and loads its index, filter and
    /// properties. Its data blocks are read later, through `cache`, keyed by `number`.
    pub(crate) fn open(
        fs: &dyn Fs,
        path: &Path,
        number: u64,
        cache: Arc<BlockCache>,
    ) -> Result<TableReader> {
        let file = fs
            .open_read(path)
            .map_err(|e| Error::io(format!("opening table {}", path.display()), e))?;
        let corrupt = |offset: u64, why: String| Error::corruption(path, offset, why);
        let size = file.len();
        let Some(footer_at) = size.checked_sub(FOOTER_LEN as u64) else {
            return Err(corrupt(
                0,
                format!(
                    "file of {size} bytes is shorter than the {FOOTER_LEN}-byte footer (truncated?)"
                ),
            ));
        };
        let footer = parse_footer(&read(&*file, path, footer_at, FOOTER_LEN, "footer")?)
            .map_err(|why| corrupt(footer_at, why))?;
        // The blocks follow each other in this order, ending at the footer.
        let order = [
            (footer.filter, footer.filter.offset, "filter"),
            (footer.properties, footer.filter.end(), "properties block"),
            (footer.index, footer.properties.end(), "index block"),
        ];
        for (handle, expected, what) in order {
            if handle.offset != expected || handle.end() > footer_at {
                return Err(corrupt(
                    footer_at,
                    format!(
                        "footer places the {what} at {}..{}, outside the table's layout",
                        handle.offset,
                        handle.end()
                    ),
                ));
            }
        }
        if footer.index.end() != footer_at {
            return Err(corrupt(
                footer_at,
                "index block does not end at the footer".into(),
            ));
        }
        // Filter, properties and index are contiguous: one read fetches all three.
        let meta_start = footer.filter.offset;
        let meta_len = usize::try_from(footer_at - meta_start)
            .map_err(|_| corrupt(footer_at, "table metadata too large to read".into()))?;
        let meta = Bytes::from(read(&*file, path, meta_start, meta_len, "metadata blocks")?);
        let raw_block = |handle: BlockHandle, what: &str| {
            physical(&meta, meta_start, handle)
                .and_then(|block| decode_block(meta.slice_ref(block)))
                .map_err(|why| corrupt(handle.offset, format!("{what}: {why}")))
        };
        let filter = BloomFilter::new(raw_block(footer.filter, "filter")?, footer.version)
            .map_err(|why| corrupt(footer.filter.offset, why))?;
        let mut info = parse_properties(&raw_block(footer.properties, "properties block")?)
            .map_err(|why| corrupt(footer.properties.offset, format!("properties block: {why}")))?;
        info.size = size;
        let index = Block::new(raw_block(footer.index, "index block")?)
            .and_then(|block| parse_index(&block, footer.filter.offset, &info))
            .map_err(|why| corrupt(footer.index.offset, format!("index block: {why}")))?;
        let metadata_bytes = meta_len
            + index
                .iter()
                .map(|e| e.last_key.len() + std::mem::size_of::<IndexEntry>())
                .sum::<usize>();
        Ok(TableReader {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                number,
                file,
                cache,
                index,
                filter,
                info,
                metadata_bytes,
            }),
        })
    }

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
        if !self.inner.filter.may_contain_hash(lookup.hash()) {
            filter_skips.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let target = lookup.seek().bytes().as_ref();
        let index = &self.inner.index;
        let at = index.partition_point(|e| e.last_key.as_ref() < target);
        let Some(entry) = index.get(at) else {
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
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        self.inner.filter.may_contain_hash(hash)
    }

    /// The table's bloom filter.
    pub(crate) fn filter(&self) -> &BloomFilter {
        &self.inner.filter
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

    /// How many data blocks the table has.
    pub(crate) fn block_count(&self) -> usize {
        self.inner.index.len()
    }

    /// The last internal key of data block `i`, if there is one.
    pub(crate) fn block_last_key(&self, i: usize) -> Option<Bytes> {
        self.inner.index.get(i).map(|e| e.last_key.clone())
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

    /// Bytes this reader holds in memory while open (see [`TableCache`](super::table_cache)).
    pub(crate) fn metadata_bytes(&self) -> usize {
        self.inner.metadata_bytes
    }
}

impl Inner {
    fn corrupt(&self, offset: u64, why: String) -> Error {
        Error::corruption(&self.path, offset, why)
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
mod damage_tests;
