//! Where a reader finds a table's data blocks: from the whole index, or from the top level of a
//! partitioned index and the one partition a lookup needs.
//!
//! - Versions 1 to 3 have one index block. It is read, checked and pinned on first use (or at
//!   open, for versions 1 and 2) and held whatever the metadata budget: the table cannot be read
//!   without it, and the table cache closes other tables to make up for it.
//! - Version 4 has index partitions and a top level (`top_index.rs`). The top level is pinned on
//!   first use, whatever the budget (it is about 1 % of the index). The partitions are parsed into
//!   one whole index and pinned if the budget has room for it, so that a store whose metadata fits
//!   reads as fast as with one index block; otherwise each lookup reads the one partition it
//!   needs through the block cache, where partitions compete with data blocks for room.
//!
//! Iteration goes segment by segment ([`Segment`]): the whole index is one segment, each
//! partition another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use super::index::TableIndex;
use super::meta::{physical, read_handle};
use super::top_index::{Partition, TopIndex};
use super::{read, Inner};
use crate::disk::table::block::Block;
use crate::disk::table::builder::BlockHandle;
use crate::disk::table::compression::decode_block;
use crate::error::Result;

/// See the module docs.
#[derive(Debug)]
pub(super) enum IndexSource {
    /// Versions 1 to 3: the index block, and the index once read.
    Whole {
        handle: BlockHandle,
        index: OnceLock<TableIndex>,
    },
    /// Version 4.
    Partitioned(Partitioned),
}

/// A partitioned index as a reader holds it.
#[derive(Debug)]
pub(super) struct Partitioned {
    /// Where the top-level block lies; the partitions lie from `region_start` up to it.
    pub(super) top_handle: BlockHandle,
    pub(super) region_start: u64,
    pub(super) top: OnceLock<TopIndex>,
    /// Every partition parsed into one index, once kept.
    pub(super) whole: OnceLock<TableIndex>,
    /// What the whole index pinned when it was last parsed and found not to fit (0 if never):
    /// the room to wait for before reading it again.
    pub(super) whole_bytes: AtomicUsize,
}

/// A run of a table's data blocks, in order: the whole index (held by the reader: a lookup of
/// a table whose index is whole follows no pointer more than with one index block), or index
/// partition `number`.
#[derive(Debug, Clone)]
pub(super) enum Segment {
    Whole,
    Partition {
        number: usize,
        blocks: Arc<TableIndex>,
    },
}

impl IndexSource {
    /// An index read later, in the layout of format `version`; `region_start` is where a
    /// partitioned index's partitions start (the end of the properties block).
    pub(super) fn lazy(version: u32, handle: BlockHandle, region_start: u64) -> IndexSource {
        if version >= PARTITIONED_INDEX_FROM {
            IndexSource::Partitioned(Partitioned {
                top_handle: handle,
                region_start,
                top: OnceLock::new(),
                whole: OnceLock::new(),
                whole_bytes: AtomicUsize::new(0),
            })
        } else {
            IndexSource::Whole {
                handle,
                index: OnceLock::new(),
            }
        }
    }
}

/// The first format version with a partitioned index.
pub(super) const PARTITIONED_INDEX_FROM: u32 = 4;

impl Inner {
    /// The handle of the one data block that can hold the first key `>= target` (`None` if every
    /// key of the table is smaller).
    pub(super) fn locate(&self, target: &[u8]) -> Result<Option<BlockHandle>> {
        let parts = match (self.whole_index()?, &self.index) {
            (Some(index), _) => {
                return Ok(index
                    .get(index.first_ending_at_or_after(target))
                    .map(|entry| entry.handle))
            }
            (None, IndexSource::Partitioned(parts)) => parts,
            // An index of one block is always whole once read.
            (None, IndexSource::Whole { .. }) => return Ok(None),
        };
        let top = self.top(parts)?;
        let Some(partition) = top.get(top.first_ending_at_or_after(target)) else {
            return Ok(None);
        };
        let offset = partition.handle.offset;
        let block = self.read_partition(&partition)?;
        // Checked when read: each value is a handle, and the last key is >= target.
        let found = block
            .find(target, |_, value| read_handle(&value, 0))
            .map_err(|why| self.corrupt(offset, format!("index partition: {why}")))?;
        found.map(Some).ok_or_else(|| {
            self.corrupt(
                offset,
                "index partition ends before the key the top level names".into(),
            )
        })
    }

    /// The segment that names the first data block whose last key is `>= target` (`None` if
    /// every key of the table is smaller).
    pub(super) fn segment_for(&self, target: &[u8]) -> Result<Option<Segment>> {
        let parts = match (self.whole_index()?, &self.index) {
            (Some(_), _) => return Ok(Some(Segment::Whole)),
            (None, IndexSource::Partitioned(parts)) => parts,
            (None, IndexSource::Whole { .. }) => return Ok(None),
        };
        let top = self.top(parts)?;
        self.partition_segment(top, top.first_ending_at_or_after(target))
    }

    /// The segment after `segment`, if there is one.
    pub(super) fn next_segment(&self, segment: &Segment) -> Result<Option<Segment>> {
        match (&self.index, segment) {
            (IndexSource::Partitioned(parts), Segment::Partition { number, .. }) => {
                self.partition_segment(self.top(parts)?, number + 1)
            }
            _ => Ok(None),
        }
    }

    /// The data blocks `segment` names. A whole segment is handed out only once the whole index
    /// is held, which is never given up: the error cannot happen.
    pub(super) fn blocks_of<'a>(&'a self, segment: &'a Segment) -> Result<&'a TableIndex> {
        let whole = match (&self.index, segment) {
            (_, Segment::Partition { blocks, .. }) => return Ok(blocks),
            (IndexSource::Whole { index, .. }, Segment::Whole) => index.get(),
            (IndexSource::Partitioned(parts), Segment::Whole) => parts.whole.get(),
        };
        whole.ok_or_else(|| self.corrupt(0, "whole index not held for its segment".into()))
    }

    /// The last key of the data block before `segment`'s first, if it has one.
    pub(super) fn key_before(&self, segment: &Segment) -> Option<&[u8]> {
        match (&self.index, segment) {
            (IndexSource::Partitioned(parts), Segment::Partition { number, .. }) => {
                let top = parts.top.get()?;
                Some(top.get(number.checked_sub(1)?)?.last_key)
            }
            _ => None,
        }
    }

    /// A data block chosen by `pick` (near uniformly): the last key of the block before it (if
    /// there is one) and about how many data blocks the table has.
    pub(super) fn pick_block(&self, pick: u64) -> Result<(Option<Bytes>, usize)> {
        // Without the whole index: the partition holding a byte of the data picked at random (so
        // a short last partition is not picked as often as a full one), and the table's blocks
        // estimated from that partition's average block.
        let (segment, data_bytes) = match (self.whole_index()?, &self.index) {
            (Some(_), _) => (Segment::Whole, 0..self.data_end),
            (None, IndexSource::Partitioned(parts)) => {
                let top = self.top(parts)?;
                let p = top.partition_holding(pick % self.data_end.max(1));
                match (self.partition_segment(top, p)?, top.get(p)) {
                    (Some(segment), Some(partition)) => (segment, partition.data),
                    _ => return Ok((None, 1)),
                }
            }
            (None, IndexSource::Whole { .. }) => return Ok((None, 1)),
        };
        let held = self.blocks_of(&segment)?;
        let blocks = held.len().max(1);
        let i = usize::try_from((pick >> 17) % blocks as u64).unwrap_or(0);
        let prev = match i.checked_sub(1) {
            Some(p) => held.get(p).map(|e| e.last_key),
            None => self.key_before(&segment),
        };
        let span = u128::from((data_bytes.end - data_bytes.start).max(1));
        let estimate = blocks as u128 * u128::from(self.data_end) / span;
        Ok((
            prev.map(Bytes::copy_from_slice),
            usize::try_from(estimate).unwrap_or(usize::MAX).max(1),
        ))
    }

    /// Versions 1 to 3: the index, read, checked and pinned on first use. Version 4: the whole
    /// index if it is kept, or can be now ([`Inner::keep_whole`]); `None` otherwise.
    fn whole_index(&self) -> Result<Option<&TableIndex>> {
        let (handle, cell) = match &self.index {
            IndexSource::Whole { handle, index } => (*handle, index),
            IndexSource::Partitioned(parts) => {
                return match parts.whole.get() {
                    Some(whole) => Ok(Some(whole)),
                    None => self.keep_whole(parts),
                }
            }
        };
        if let Some(index) = cell.get() {
            return Ok(Some(index));
        }
        let block = self.read_meta_block(handle, "index block")?;
        let index = TableIndex::parse(&block, self.data_end, &self.info)
            .map_err(|why| self.corrupt(handle.offset, format!("index block: {why}")))?;
        let bytes = index.pinned_bytes();
        if cell.set(index).is_ok() {
            self.budget.charge(bytes);
            self.charges.index.store(bytes, Ordering::Relaxed);
        }
        Ok(cell.get())
    }

    /// The top level of a partitioned index, read, checked and pinned on first use (whatever the
    /// budget, as a whole index is).
    fn top<'a>(&self, parts: &'a Partitioned) -> Result<&'a TopIndex> {
        if let Some(top) = parts.top.get() {
            return Ok(top);
        }
        let handle = parts.top_handle;
        let block = self.read_meta_block(handle, "top-level index")?;
        let region = parts.region_start..handle.offset;
        let top = TopIndex::parse(&block, region, self.data_end, &self.info)
            .map_err(|why| self.corrupt(handle.offset, format!("top-level index: {why}")))?;
        let bytes = top.pinned_bytes();
        if parts.top.set(top).is_ok() {
            self.budget.charge(bytes);
            self.charges.index.store(bytes, Ordering::Relaxed);
        }
        // `set` failed only because another thread set it first.
        parts.top.get().ok_or_else(|| {
            self.corrupt(
                handle.offset,
                "top-level index: not kept after reading".into(),
            )
        })
    }

    /// Partition `p` of `top` parsed into a segment (`None` past the last).
    fn partition_segment(&self, top: &TopIndex, p: usize) -> Result<Option<Segment>> {
        let Some(partition) = top.get(p) else {
            return Ok(None);
        };
        let block = self.read_partition(&partition)?;
        let mut blocks = TableIndex::empty();
        blocks
            .extend_from(&block, partition.data.clone(), partition.last_key)
            .map_err(|why| {
                self.corrupt(partition.handle.offset, format!("index partition: {why}"))
            })?;
        Ok(Some(Segment::Partition {
            number: p,
            blocks: Arc::new(blocks),
        }))
    }

    /// An index partition from the block cache, or read, checked against the top level (its
    /// data blocks cover exactly its data range and end at its key) and cached.
    fn read_partition(&self, partition: &Partition<'_>) -> Result<Block> {
        self.read_block_checked(partition.handle, "index partition", |block| {
            TableIndex::empty().extend_from(block, partition.data.clone(), partition.last_key)
        })
    }

    /// Keeps the whole partitioned index if the budget has room for it: all partitions read in
    /// one read, checked and parsed into one index. `None` if there is no room.
    fn keep_whole<'a>(&self, parts: &'a Partitioned) -> Result<Option<&'a TableIndex>> {
        let top = self.top(parts)?;
        let (start, end) = (parts.region_start, parts.top_handle.offset);
        let region_len = usize::try_from(end - start).unwrap_or(usize::MAX);
        // Parsed keys are whole where the partitions share prefixes, and a handle takes 24 bytes
        // pinned against 16 stored: twice the stored bytes is room enough for most indexes.
        let needed = match parts.whole_bytes.load(Ordering::Relaxed) {
            0 => region_len.saturating_mul(2),
            known => known,
        };
        if self.budget.room() < needed {
            return Ok(None);
        }
        let region = Bytes::from(read(&*self.file, &self.path, start, region_len, "index")?);
        let mut whole = TableIndex::empty();
        for p in 0..top.len() {
            let Some(partition) = top.get(p) else { break };
            let at = partition.handle.offset;
            physical(&region, start, partition.handle)
                .and_then(|block| decode_block(region.slice_ref(block)))
                .and_then(Block::new)
                .and_then(|block| {
                    whole.extend_from(&block, partition.data.clone(), partition.last_key)
                })
                .map_err(|why| self.corrupt(at, format!("index partition: {why}")))?;
        }
        whole.shrink();
        let bytes = whole.pinned_bytes();
        if !self.budget.try_charge(bytes) {
            parts.whole_bytes.store(bytes.max(1), Ordering::Relaxed);
            return Ok(None);
        }
        if parts.whole.set(whole).is_ok() {
            self.charges.whole_index.store(bytes, Ordering::Relaxed);
        } else {
            // Another lookup kept it first.
            self.budget.release(bytes);
        }
        Ok(parts.whole.get())
    }

    /// The index-format block at `handle` (an index block or a top level), read and decoded;
    /// `what` names it in errors.
    fn read_meta_block(&self, handle: BlockHandle, what: &str) -> Result<Block> {
        let size = usize::try_from(handle.size)
            .map_err(|_| self.corrupt(handle.offset, format!("{what} too large to read")))?;
        let physical = read(&*self.file, &self.path, handle.offset, size, what)?;
        decode_block(Bytes::from(physical))
            .and_then(Block::new)
            .map_err(|why| self.corrupt(handle.offset, format!("{what}: {why}")))
    }
}

#[cfg(test)]
impl Inner {
    /// Every data block, in order: its last key and its handle (reads the index as a lookup
    /// would).
    pub(super) fn blocks(&self) -> Result<Vec<(Bytes, BlockHandle)>> {
        let mut out = Vec::new();
        let mut segment = self.segment_for(&[])?;
        while let Some(current) = segment {
            let blocks = self.blocks_of(&current)?;
            for i in 0..blocks.len() {
                if let Some(entry) = blocks.get(i) {
                    out.push((Bytes::copy_from_slice(entry.last_key), entry.handle));
                }
            }
            segment = self.next_segment(&current)?;
        }
        Ok(out)
    }

    /// The handle and last key of each partition of a partitioned index (reads its top level),
    /// none for an index of one block.
    pub(super) fn partitions(&self) -> Result<Vec<(BlockHandle, Bytes)>> {
        let IndexSource::Partitioned(parts) = &self.index else {
            return Ok(Vec::new());
        };
        let top = self.top(parts)?;
        Ok((0..top.len())
            .filter_map(|p| top.get(p))
            .map(|p| (p.handle, Bytes::copy_from_slice(p.last_key)))
            .collect())
    }

    /// The bytes the index structures in memory pin, measured on them.
    pub(super) fn index_bytes(&self) -> usize {
        match &self.index {
            IndexSource::Whole { index, .. } => index.get().map_or(0, |i| i.pinned_bytes()),
            IndexSource::Partitioned(parts) => {
                parts.top.get().map_or(0, TopIndex::pinned_bytes)
                    + parts.whole.get().map_or(0, |i| i.pinned_bytes())
            }
        }
    }

    /// Whether the index is in memory: `(read, whole)`, where `read` is the index of one block
    /// or the top level of a partitioned one, and `whole` says every data block is named in memory.
    pub(super) fn index_held(&self) -> (bool, bool) {
        match &self.index {
            IndexSource::Whole { index, .. } => (index.get().is_some(), index.get().is_some()),
            IndexSource::Partitioned(parts) => {
                (parts.top.get().is_some(), parts.whole.get().is_some())
            }
        }
    }
}
