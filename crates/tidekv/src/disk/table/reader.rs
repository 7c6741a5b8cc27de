//! Reads one SSTable written by [`super::builder`]: point lookups of the newest version visible at
//! a snapshot, and ordered, seekable iteration. `docs/format/sstable.md` ("Table layout") is the
//! specification.
//!
//! Opening a table reads its footer, filter, properties and index, which stay pinned in memory for
//! as long as the table is open. Data blocks are read on demand through the shared
//! [`BlockCache`] (`docs/block-cache.md`): a miss reads the physical block with one positioned
//! read, checks and decodes it, and caches the decoded block.
//!
//! Every check that fails is an [`Error::Corruption`] naming the table file and the offset of the
//! damaged block (the footer's offset for a bad footer), never a panic or a wrong value. A failed
//! read is an [`Error::Io`] naming the file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::disk::fs::{Fs, RandomAccessFile};
use crate::disk::key::{split_seq, SEQ_LEN};
use crate::disk::table::block::{Block, BlockIter};
use crate::disk::table::bloom::BloomFilter;
use crate::disk::table::builder::{
    footer_crc, BlockHandle, TableInfo, FOOTER_LEN, FORMAT_VERSION, HANDLE_LEN, MAGIC,
};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::compression::decode_block;
use crate::{Error, Result};

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
    filter_skips: AtomicU64,
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
        let meta = read(&*file, path, meta_start, meta_len, "metadata blocks")?;
        let raw_block = |handle: BlockHandle, what: &str| {
            physical(&meta, meta_start, handle)
                .and_then(decode_block)
                .map_err(|why| corrupt(handle.offset, format!("{what}: {why}")))
        };
        let filter = BloomFilter::new(raw_block(footer.filter, "filter")?)
            .map_err(|why| corrupt(footer.filter.offset, why))?;
        let mut info = parse_properties(&raw_block(footer.properties, "properties block")?)
            .map_err(|why| corrupt(footer.properties.offset, format!("properties block: {why}")))?;
        info.size = size;
        let index = Block::new(raw_block(footer.index, "index block")?)
            .and_then(|block| parse_index(&block, footer.filter.offset, &info))
            .map_err(|why| corrupt(footer.index.offset, format!("index block: {why}")))?;
        Ok(TableReader {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                number,
                file,
                cache,
                index,
                filter,
                info,
                filter_skips: AtomicU64::new(0),
            }),
        })
    }

    /// The newest version of the key with identifying prefix `prefix` (an internal key without its
    /// sequence number) whose sequence number is `<= snapshot`, as `(seq, value)`.
    pub(crate) fn get(&self, prefix: &[u8], snapshot: u64) -> Result<Option<(u64, Bytes)>> {
        if !self.inner.filter.may_contain(prefix) {
            self.inner.filter_skips.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let mut target = Vec::with_capacity(prefix.len() + SEQ_LEN);
        target.extend_from_slice(prefix);
        target.extend_from_slice(&(!snapshot).to_be_bytes());
        let index = &self.inner.index;
        let at = index.partition_point(|e| e.last_key.as_ref() < target.as_slice());
        let Some(entry) = index.get(at) else {
            return Ok(None);
        };
        let offset = entry.handle.offset;
        let block = self.inner.read_block(entry.handle)?;
        let found = block
            .seek(&target)
            .map_err(|why| self.inner.corrupt(offset, why))?
            .next()
            .transpose()
            .map_err(|why| self.inner.corrupt(offset, why))?;
        // The index promises a key >= target in this block: its last key is one.
        let Some((key, value)) = found else {
            return Err(self.inner.corrupt(
                offset,
                "data block ends before the last key its index entry names".into(),
            ));
        };
        match split_seq(&key) {
            Some((found, seq)) if found == prefix => Ok(Some((seq, value))),
            Some(_) => Ok(None),
            None => Err(self
                .inner
                .corrupt(offset, format!("data block holds a {}-byte key", key.len()))),
        }
    }

    /// An iterator over every entry in key order.
    pub(crate) fn iter(&self) -> TableIter {
        TableIter {
            table: Arc::clone(&self.inner),
            next_block: 0,
            current: None,
            last_key: None,
            pending: None,
            done: false,
        }
    }

    /// An iterator whose first entry is the first one with key `>= target`.
    pub(crate) fn seek(&self, target: &[u8]) -> TableIter {
        let mut iter = self.iter();
        iter.seek(target);
        iter
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

    /// How many `get` calls the bloom filter answered without reading a data block.
    pub(crate) fn filter_skips(&self) -> u64 {
        self.inner.filter_skips.load(Ordering::Relaxed)
    }

    /// The table's file.
    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
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
        let raw = decode_block(&physical)
            .map_err(|why| self.corrupt(handle.offset, format!("data block: {why}")))?;
        let bytes = raw.len();
        let block = Block::new(raw).map_err(|why| self.corrupt(handle.offset, why))?;
        self.cache
            .insert(self.number, handle.offset, block.clone(), bytes);
        Ok(block)
    }
}

/// The entries of a table in key order, from the start or from a seek. Yields `Err` once if a
/// block turns out to be damaged, then nothing.
///
/// Invariants:
/// 1. `current` is the block at index `next_block - 1`, or `None`.
/// 2. `last_key` is the last key yielded from the current block (`None` before its first), so the
///    iterator can check that each block ends exactly at its index key and that keys keep
///    increasing across blocks.
#[derive(Debug)]
pub(crate) struct TableIter {
    table: Arc<Inner>,
    next_block: usize,
    current: Option<BlockIter>,
    last_key: Option<Bytes>,
    /// An error found by `seek`, reported by the next call to `next`.
    pending: Option<Error>,
    done: bool,
}

impl TableIter {
    /// Moves to the first entry with key `>= target`.
    pub(crate) fn seek(&mut self, target: &[u8]) {
        let index = &self.table.index;
        let at = index.partition_point(|e| e.last_key.as_ref() < target);
        self.current = None;
        self.last_key = None;
        self.pending = None;
        self.done = false;
        self.next_block = at;
        let Some(entry) = index.get(at) else {
            self.done = true;
            return;
        };
        self.next_block = at + 1;
        let sought = self.table.read_block(entry.handle).and_then(|block| {
            block
                .seek(target)
                .map_err(|why| self.table.corrupt(entry.handle.offset, why))
        });
        match sought {
            Ok(iter) => self.current = Some(iter),
            // Reported by the next call to `next`.
            Err(e) => self.pending = Some(e),
        }
    }

    fn step(&mut self) -> Result<Option<(Bytes, Bytes)>> {
        loop {
            let block_index = self.next_block.wrapping_sub(1);
            let offset = || {
                self.table
                    .index
                    .get(block_index)
                    .map_or(0, |e| e.handle.offset)
            };
            if let Some(iter) = self.current.as_mut() {
                match iter.next() {
                    Some(Ok((key, value))) => {
                        if self.last_key.is_none() && block_index > 0 {
                            // The first key of a block must follow the previous block's last key.
                            let prev = self.table.index.get(block_index - 1);
                            if prev.is_some_and(|p| key <= p.last_key) {
                                return Err(self.table.corrupt(
                                    offset(),
                                    "data block starts at or before the previous block's last key"
                                        .into(),
                                ));
                            }
                        }
                        self.last_key = Some(key.clone());
                        return Ok(Some((key, value)));
                    }
                    Some(Err(why)) => return Err(self.table.corrupt(offset(), why)),
                    None => {
                        let expected = self.table.index.get(block_index).map(|e| &e.last_key);
                        if self.last_key.as_ref() != expected {
                            return Err(self.table.corrupt(
                                offset(),
                                "data block does not end at the last key its index entry names"
                                    .into(),
                            ));
                        }
                        self.current = None;
                        self.last_key = None;
                    }
                }
            }
            let Some(entry) = self.table.index.get(self.next_block) else {
                return Ok(None);
            };
            let block = self.table.read_block(entry.handle)?;
            self.current = Some(block.iter());
            self.next_block += 1;
        }
    }
}

impl Iterator for TableIter {
    type Item = Result<(Bytes, Bytes)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Some(Err(e));
        }
        match self.step() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
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

/// The three handles of a table's footer.
struct Footer {
    filter: BlockHandle,
    properties: BlockHandle,
    index: BlockHandle,
}

/// Checks a table's last [`FOOTER_LEN`] bytes: magic, checksum, version.
fn parse_footer(footer: &[u8]) -> Result<Footer, String> {
    let (Some(head), Some(crc), Some(magic)) = (
        footer.get(..FOOTER_LEN - 12),
        footer.get(FOOTER_LEN - 12..FOOTER_LEN - 8),
        footer.get(FOOTER_LEN - 8..),
    ) else {
        return Err("footer cut short".into());
    };
    if footer.len() != FOOTER_LEN {
        return Err(format!(
            "footer of {} bytes, not {FOOTER_LEN}",
            footer.len()
        ));
    }
    if magic != MAGIC {
        return Err("footer has no TIDEKVST magic: not a tidekv table, or truncated".into());
    }
    if footer_crc(head, magic) != read_u32(crc, 0) {
        return Err("footer checksum mismatch".into());
    }
    let version = read_u32(head, 3 * HANDLE_LEN);
    if version != FORMAT_VERSION {
        return Err(format!(
            "table format version {version} is not supported (this build reads {FORMAT_VERSION})"
        ));
    }
    Ok(Footer {
        filter: read_handle(head, 0),
        properties: read_handle(head, HANDLE_LEN),
        index: read_handle(head, 2 * HANDLE_LEN),
    })
}

/// Decodes the properties block (see `builder::encode_properties`). `size` is left 0.
fn parse_properties(raw: &[u8]) -> Result<TableInfo, String> {
    let mut pos = 0;
    let entries = read_u64(take(raw, &mut pos, 8)?, 0);
    let min_seq = read_u64(take(raw, &mut pos, 8)?, 0);
    let max_seq = read_u64(take(raw, &mut pos, 8)?, 0);
    let len = read_u32(take(raw, &mut pos, 4)?, 0) as usize;
    let smallest = Bytes::copy_from_slice(take(raw, &mut pos, len)?);
    let len = read_u32(take(raw, &mut pos, 4)?, 0) as usize;
    let largest = Bytes::copy_from_slice(take(raw, &mut pos, len)?);
    if pos != raw.len() {
        return Err(format!("{} bytes follow the last field", raw.len() - pos));
    }
    if entries == 0 {
        return Err("table records no entries".into());
    }
    let (Some(_), Some(_)) = (split_seq(&smallest), split_seq(&largest)) else {
        return Err("smallest or largest key is shorter than a sequence number".into());
    };
    if smallest > largest || min_seq > max_seq {
        return Err("smallest key or sequence is above the largest".into());
    }
    Ok(TableInfo {
        size: 0,
        entries,
        smallest,
        largest,
        min_seq,
        max_seq,
    })
}

/// The `n` bytes at `*pos`, moving `*pos` past them.
fn take<'a>(raw: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let start = *pos;
    let bytes = start
        .checked_add(n)
        .and_then(|end| raw.get(start..end))
        .ok_or_else(|| format!("field at offset {start} runs past the block"))?;
    *pos = start + n;
    Ok(bytes)
}

/// Reads every index entry and checks that the data blocks it names are contiguous from offset 0
/// to `data_end` and that the last one ends at the table's largest key.
fn parse_index(block: &Block, data_end: u64, info: &TableInfo) -> Result<Vec<IndexEntry>, String> {
    let mut index = Vec::new();
    let mut expected = 0u64;
    for entry in block.iter() {
        let (last_key, value) = entry?;
        if value.len() != HANDLE_LEN {
            return Err(format!(
                "block handle of {} bytes, not {HANDLE_LEN}",
                value.len()
            ));
        }
        let handle = read_handle(&value, 0);
        if handle.offset != expected || handle.size == 0 || handle.end() > data_end {
            return Err(format!(
                "data block {} at {}..{} breaks the layout (expected to start at {expected}, \
                 data ends at {data_end})",
                index.len(),
                handle.offset,
                handle.end()
            ));
        }
        expected = handle.end();
        index.push(IndexEntry { last_key, handle });
    }
    if expected != data_end {
        return Err(format!(
            "data blocks end at {expected}, but the filter starts at {data_end}"
        ));
    }
    match index.last() {
        Some(last) if last.last_key == info.largest => Ok(index),
        Some(_) => Err("last data block does not end at the table's largest key".into()),
        None => Err("no data blocks".into()),
    }
}

/// The physical block at `handle`, if it lies inside `region`, the bytes of the file from offset
/// `base`.
fn physical(region: &[u8], base: u64, handle: BlockHandle) -> Result<&[u8], String> {
    handle
        .offset
        .checked_sub(base)
        .and_then(|start| usize::try_from(start).ok())
        .zip(usize::try_from(handle.size).ok())
        .and_then(|(start, size)| region.get(start..start.checked_add(size)?))
        .ok_or_else(|| {
            format!(
                "block at {}..{} lies outside the table's bytes {}..{}",
                handle.offset,
                handle.end(),
                base,
                base + region.len() as u64
            )
        })
}

fn read_handle(bytes: &[u8], at: usize) -> BlockHandle {
    BlockHandle {
        offset: read_u64(bytes, at),
        size: read_u64(bytes, at + 8),
    }
}

/// The little-endian u64 at `at`; callers pass slices long enough (0 otherwise, never a panic).
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The little-endian u32 at `at`; callers pass slices long enough (0 otherwise, never a panic).
fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
