//! Writes one SSTable: data blocks, then the bloom filter, the properties block, the index
//! partitions, the index's top level and a fixed-size footer. `docs/format/sstable.md` ("Table
//! layout") is the specification; [`super::reader`] reads what this writes.
//!
//! ```text
//! data block 0 | ... | data block n-1 | filter | properties | index partitions | top level | footer
//! ```
//!
//! The filter is a region of physical blocks of its own (`bloom_partitioned.rs`), and so is the
//! index (`index_builder.rs`).
//!
//! Every block is a physical block (`super::compression`: stored bytes, type, CRC32C). An index
//! partition is a block of the data-block format whose keys are each data block's last key and
//! whose values are block handles (offset u64 LE, size u64 LE of the physical block, trailer
//! included); the top level names each partition the same way, followed by where its data starts.

use std::sync::Arc;

use bytes::Bytes;

use crate::config::Compression;
use crate::disk::fs::WritableFile;
use crate::disk::key::{split_seq, SEQ_LEN};
use crate::disk::table::block::Block;
use crate::disk::table::block_builder::{BlockBuilder, DEFAULT_RESTART_INTERVAL};
use crate::disk::table::bloom::BloomBuilder;
use crate::disk::table::cache::BlockCache;
use crate::disk::table::compression::encode_block;
use crate::disk::table::index_builder::{top_level_value, IndexBuilder};
use crate::error::{Error, Result};

/// The last 8 bytes of every table.
pub(crate) const MAGIC: [u8; 8] = *b"TIDEKVST";
/// The table format this code writes. Bump it on any layout change. Version 2 changed the
/// bloom filter's layout to blocked, version 3 cut it into partitions, version 4 cut the index
/// into partitions; this code reads versions [`OLDEST_READ_VERSION`] and up.
pub(crate) const FORMAT_VERSION: u32 = 4;
/// The oldest table format this code reads (version 1: standard bloom filters).
pub(crate) const OLDEST_READ_VERSION: u32 = 1;
/// Bytes in the footer: three handles (48), version (4), CRC32C (4), magic (8).
pub(crate) const FOOTER_LEN: usize = 64;
/// Bytes in an encoded [`BlockHandle`].
pub(crate) const HANDLE_LEN: usize = 16;

/// How a table is laid out. Each field documents its default and its trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableOptions {
    /// Target raw (uncompressed) size of a data block; a block is cut once it reaches this.
    /// Default 4 KiB. Larger blocks compress better and shrink the index, but a point read
    /// decompresses and checksums a whole block.
    pub(crate) block_size: usize,
    /// Entries between two whole keys in a block. Default 4 ([`DEFAULT_RESTART_INTERVAL`] says
    /// why). Smaller makes seeks inside a block faster and blocks larger.
    pub(crate) restart_interval: usize,
    /// Compression asked for data blocks and index partitions (an index partition is cut at
    /// `block_size` too). Default LZ4 (fast both ways). The filter and
    /// properties blocks are never compressed: bloom bits are random, and properties are tiny.
    pub(crate) compression: Compression,
    /// Bloom filter bits per distinct key. Default 10 (about 1% false positives); 0 disables the
    /// filter (every point read then reads a data block).
    pub(crate) bloom_bits_per_key: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            block_size: 4096,
            restart_interval: DEFAULT_RESTART_INTERVAL,
            compression: Compression::Lz4,
            bloom_bits_per_key: 10,
        }
    }
}

/// What a finished table holds: the manifest's `TableMeta` needs `size`, `entries`, `smallest` and
/// `largest`; the sequence range lets a reader skip tables newer than a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableInfo {
    /// File size in bytes.
    pub(crate) size: u64,
    /// Entries (every version and tombstone).
    pub(crate) entries: u64,
    /// Smallest and largest internal key.
    pub(crate) smallest: Bytes,
    pub(crate) largest: Bytes,
    /// Smallest and largest sequence number of any entry.
    pub(crate) min_seq: u64,
    pub(crate) max_seq: u64,
}

/// Where a physical block lies in a table file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockHandle {
    /// Offset of the block's first byte.
    pub(crate) offset: u64,
    /// Bytes of the physical block, trailer included.
    pub(crate) size: u64,
}

impl BlockHandle {
    /// `offset u64 LE | size u64 LE`. Fixed width rather than varints: the handle costs 16 bytes
    /// per 4 KiB block, and a fixed width lets the footer have a fixed size.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
    }

    /// The offset just past the block.
    pub(crate) fn end(&self) -> u64 {
        self.offset.saturating_add(self.size)
    }
}

/// Writes a table from entries given in key order.
///
/// Invariants:
/// 1. Keys added so far are strictly increasing; `last_key` is the latest (empty before the first).
/// 2. `offset` is the number of bytes appended to `file`; every data block written so far has an
///    index entry (its last key, its handle), and the blocks are contiguous from offset 0.
/// 3. `block` holds only entries with keys greater than every key in a written block.
/// 4. After an I/O or encoding error `failed` is set and every later call fails: the file may hold
///    a partial block, so nothing more may be appended.
pub(crate) struct TableBuilder {
    file: Box<dyn WritableFile>,
    options: TableOptions,
    offset: u64,
    block: BlockBuilder,
    index: IndexBuilder,
    bloom: BloomBuilder,
    last_key: Vec<u8>,
    smallest: Option<Bytes>,
    entries: u64,
    min_seq: u64,
    max_seq: u64,
    failed: bool,
    /// The cache each data block goes to as written, and the table's number (`fill_cache`).
    fill: Option<(Arc<BlockCache>, u64)>,
}

impl TableBuilder {
    /// A builder appending to `file`, which should be empty.
    pub(crate) fn new(file: Box<dyn WritableFile>, options: TableOptions) -> Self {
        TableBuilder {
            file,
            options,
            offset: 0,
            block: data_block_builder(&options),
            index: IndexBuilder::new(options.restart_interval, options.block_size),
            bloom: BloomBuilder::new(options.bloom_bits_per_key),
            last_key: Vec::new(),
            smallest: None,
            entries: 0,
            min_seq: u64::MAX,
            max_seq: 0,
            failed: false,
            fill: None,
        }
    }

    /// Puts every data block written from now on into `cache` as table `number`'s, as a reader
    /// of the finished table would after reading it: a flush does this so that what was just
    /// written is read from memory (`DiskOptions::cache_flushed_blocks`).
    pub(crate) fn fill_cache(&mut self, cache: Arc<BlockCache>, number: u64) {
        self.fill = Some((cache, number));
    }

    /// Adds an entry. `internal_key` must be an internal key (at least 8 bytes, see
    /// `crate::disk::key`) greater than every key added before; otherwise nothing is added and the
    /// error says why.
    pub(crate) fn add(&mut self, internal_key: &[u8], value: &[u8]) -> Result<()> {
        self.check_usable()?;
        let Some((prefix, seq)) = split_seq(internal_key) else {
            return Err(Error::invalid(
                "key",
                format!(
                    "a table key is an internal key of at least {SEQ_LEN} bytes, not {}",
                    internal_key.len()
                ),
            ));
        };
        if self.entries > 0 && internal_key <= self.last_key.as_slice() {
            return Err(Error::invalid(
                "key",
                "table keys must be added in strictly increasing order",
            ));
        }
        self.block
            .add(internal_key, value)
            .map_err(|why| Error::invalid("entry", why))?;
        // Versions of one key are adjacent (they share the prefix and sort by sequence), so the
        // filter gets each distinct prefix once.
        let new_prefix = match split_seq(&self.last_key) {
            Some((last_prefix, _)) if self.entries > 0 => last_prefix != prefix,
            _ => true,
        };
        if new_prefix {
            self.bloom.add(prefix);
        }
        if self.smallest.is_none() {
            self.smallest = Some(Bytes::copy_from_slice(internal_key));
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(internal_key);
        self.entries += 1;
        self.min_seq = self.min_seq.min(seq);
        self.max_seq = self.max_seq.max(seq);
        if self.block.estimated_size() >= self.options.block_size {
            self.flush_block()?;
        }
        Ok(())
    }

    /// The number of entries added.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> u64 {
        self.entries
    }

    /// The bytes written so far plus the open block's raw size: what the table would roughly weigh
    /// if finished now (compaction uses it to cut output tables).
    pub(crate) fn estimated_size(&self) -> u64 {
        self.offset + self.block.estimated_size() as u64
    }

    /// Writes the last data block, the filter, the properties, the index and the footer, then syncs
    /// the file. A table holds at least one entry: finishing an empty builder is an error (the
    /// caller removes the file).
    pub(crate) fn finish(mut self) -> Result<TableInfo> {
        self.check_usable()?;
        let Some(smallest) = self.smallest.clone() else {
            return Err(Error::invalid("table", "a table needs at least one entry"));
        };
        if !self.block.is_empty() {
            self.flush_block()?;
        }
        let filter = std::mem::replace(&mut self.bloom, BloomBuilder::new(0))
            .finish_partitioned()
            .map_err(|why| {
                self.failed = true;
                Error::invalid("bloom filter", why)
            })?;
        let filter = self.append_region(&filter, "filter")?;
        let largest = Bytes::copy_from_slice(&self.last_key);
        let info = TableInfo {
            size: 0,
            entries: self.entries,
            smallest,
            largest,
            min_seq: self.min_seq,
            max_seq: self.max_seq,
        };
        let properties =
            self.write_block(&encode_properties(&info)?, Compression::None, "properties")?;
        let index = self.write_index()?;
        let footer = encode_footer(filter, properties, index);
        self.append(&footer, "footer")?;
        self.file
            .sync()
            .map_err(|e| Error::io("syncing a finished table", e))?;
        Ok(TableInfo {
            size: self.offset,
            ..info
        })
    }

    fn check_usable(&self) -> Result<()> {
        if self.failed {
            return Err(Error::invalid(
                "table builder",
                "an earlier write failed; the table must be discarded",
            ));
        }
        Ok(())
    }

    /// Writes the open data block and records it in the index under its last key.
    fn flush_block(&mut self) -> Result<()> {
        let next = data_block_builder(&self.options);
        let raw = std::mem::replace(&mut self.block, next).finish();
        let handle = self.write_block(&raw, self.options.compression, "data block")?;
        if let Some((cache, number)) = &self.fill {
            // The buffer itself, not a copy; charged at its capacity. A block the reader would
            // refuse is not cached (the builder never writes one; a reader would say why).
            let charge = raw.capacity();
            if let Ok(block) = Block::new(Bytes::from(raw)) {
                cache.insert(*number, handle.offset, block, charge);
            }
        }
        if let Err(why) = self.index.add(&self.last_key, handle) {
            self.failed = true;
            return Err(Error::invalid("index entry", why));
        }
        Ok(())
    }

    /// Writes the index partitions and then the top level naming them; returns the top level's
    /// handle, which the footer records.
    fn write_index(&mut self) -> Result<BlockHandle> {
        let index = std::mem::replace(&mut self.index, IndexBuilder::new(1, 1));
        let mut top = BlockBuilder::new(self.options.restart_interval);
        for partition in index.finish() {
            let handle =
                self.write_block(&partition.raw, self.options.compression, "index partition")?;
            let value = top_level_value(handle, partition.data_start);
            if let Err(why) = top.add(&partition.last_key, &value) {
                self.failed = true;
                return Err(Error::invalid("index partition", why));
            }
        }
        self.write_block(&top.finish(), self.options.compression, "top-level index")
    }

    /// Encodes `raw` as a physical block, appends it and returns its handle.
    fn write_block(
        &mut self,
        raw: &[u8],
        compression: Compression,
        what: &str,
    ) -> Result<BlockHandle> {
        let physical = encode_block(raw, compression).map_err(|why| {
            self.failed = true;
            Error::invalid("block", format!("{what}: {why}"))
        })?;
        let handle = BlockHandle {
            offset: self.offset,
            size: physical.len() as u64,
        };
        self.append(&physical, what)?;
        Ok(handle)
    }

    /// Appends `physical`, one or more physical blocks already encoded, and returns the handle
    /// that spans them.
    fn append_region(&mut self, physical: &[u8], what: &str) -> Result<BlockHandle> {
        let handle = BlockHandle {
            offset: self.offset,
            size: physical.len() as u64,
        };
        self.append(physical, what)?;
        Ok(handle)
    }

    fn append(&mut self, bytes: &[u8], what: &str) -> Result<()> {
        if let Err(e) = self.file.append(bytes) {
            self.failed = true;
            return Err(Error::io(
                format!("appending the {what} at offset {} of a table", self.offset),
                e,
            ));
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }
}

/// A data block's builder, with room for a block of the target size, the entry that takes it
/// past that size and the restart array: one allocation per block, not one per doubling.
fn data_block_builder(options: &TableOptions) -> BlockBuilder {
    let room = options.block_size.saturating_add(options.block_size / 4);
    BlockBuilder::with_capacity(options.restart_interval, room)
}

/// The raw properties block:
/// `entries u64 | min_seq u64 | max_seq u64 | smallest_len u32 | smallest | largest_len u32 | largest`.
fn encode_properties(info: &TableInfo) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(32 + info.smallest.len() + info.largest.len());
    out.extend_from_slice(&info.entries.to_le_bytes());
    out.extend_from_slice(&info.min_seq.to_le_bytes());
    out.extend_from_slice(&info.max_seq.to_le_bytes());
    for key in [&info.smallest, &info.largest] {
        let len = u32::try_from(key.len())
            .map_err(|_| Error::invalid("key", "a table key is over 4 GiB"))?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(key);
    }
    Ok(out)
}

/// `filter handle | properties handle | index handle | version u32 | crc32c u32 | magic`, where the
/// CRC covers the other 60 bytes (the 52 before it and the magic).
fn encode_footer(filter: BlockHandle, properties: BlockHandle, index: BlockHandle) -> Vec<u8> {
    let mut out = Vec::with_capacity(FOOTER_LEN);
    filter.encode(&mut out);
    properties.encode(&mut out);
    index.encode(&mut out);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let crc = footer_crc(&out, &MAGIC);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&MAGIC);
    out
}

/// The footer's checksum: CRC32C of its first 52 bytes followed by the magic.
pub(crate) fn footer_crc(head: &[u8], magic: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(head), magic)
}

#[cfg(test)]
#[path = "builder_tests.rs"]
mod tests;
