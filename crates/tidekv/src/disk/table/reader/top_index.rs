//! [`TopIndex`]: the top level of a partitioned index (format version 4).
//!
//! A version-4 table cuts its index into partitions of about one data block's size, each a
//! physical block in the index-block format, and writes a small top-level block naming them. A
//! reader pins only the top level; a lookup binary-searches it for the one partition that can name
//! its data block and reads that partition through the block cache. So a table whose index is
//! not in memory costs one 4 KiB read for its index, not a read of the whole index (which is 1–2
//! MiB for a 64 MiB table, and which made random reads at 100M keys re-read and re-parse whole
//! indexes: `bench/profiles/get-100m-default-47e1e6e.txt`).
//!
//! Each top-level entry's key is the last key of the partition's last data block; its value is
//! the partition's 16-byte handle followed by the offset of the partition's first data block
//! (`u64`, little-endian). The second lets a partition be checked alone: its data blocks must be
//! contiguous from that offset to the next partition's (or to the end of the data).

use std::ops::Range;

use crate::disk::table::block::Block;
use crate::disk::table::builder::{BlockHandle, TableInfo, HANDLE_LEN};

use super::index::{follows, TableIndex};
use super::meta::{read_handle, read_u64};

/// Bytes in a top-level entry's value: the partition's handle, then its data's start.
pub(crate) const TOP_VALUE_LEN: usize = HANDLE_LEN + 8;

/// See the module docs.
///
/// Invariants (checked by [`TopIndex::parse`]):
/// 1. `partitions` is not empty, its keys strictly increase, and the last is the table's largest
///    key; its handles are partition handles, contiguous over the file's partition region, each
///    non-empty.
/// 2. `data_starts` has one entry per partition and one more, the end of the data: it starts at
///    0 and strictly increases.
#[derive(Debug)]
pub(super) struct TopIndex {
    partitions: TableIndex,
    data_starts: Vec<u64>,
}

/// One partition of the index, as the top level names it.
#[derive(Debug, Clone)]
pub(super) struct Partition<'a> {
    /// The last key of the partition's last data block.
    pub(super) last_key: &'a [u8],
    /// Where the partition lies.
    pub(super) handle: BlockHandle,
    /// The bytes of the file its data blocks cover.
    pub(super) data: Range<u64>,
}

impl TopIndex {
    /// Reads the top-level `block` and checks it against the table's layout: the partitions lie
    /// contiguously over `region`, their data ranges cover `0..data_end` in order, and the last
    /// one ends at the table's largest key.
    pub(super) fn parse(
        block: &Block,
        region: Range<u64>,
        data_end: u64,
        info: &TableInfo,
    ) -> Result<TopIndex, String> {
        let mut partitions = TableIndex::empty();
        let mut data_starts = Vec::new();
        let mut expected = region.start;
        partitions.extend_with(block, |p, value| {
            if value.len() != TOP_VALUE_LEN {
                return Err(format!(
                    "top-level index value of {} bytes, not {TOP_VALUE_LEN}",
                    value.len()
                ));
            }
            let handle = read_handle(value, 0);
            expected = follows(
                handle,
                expected,
                region.end,
                ("index partition", p),
                "partitions end",
            )?;
            let data_start = read_u64(value, HANDLE_LEN);
            let follows = match data_starts.last() {
                Some(&prev) => data_start > prev,
                None => data_start == 0,
            };
            if !follows || data_start >= data_end {
                return Err(format!(
                    "index partition {p} says its data starts at {data_start}, out of order \
                     (data ends at {data_end})"
                ));
            }
            data_starts.push(data_start);
            Ok(handle)
        })?;
        if expected != region.end {
            return Err(format!(
                "index partitions end at {expected}, but the top level starts at {}",
                region.end
            ));
        }
        data_starts.push(data_end);
        partitions.shrink();
        data_starts.shrink_to_fit();
        let top = TopIndex {
            partitions,
            data_starts,
        };
        match top.get(top.len().wrapping_sub(1)) {
            Some(last) if last.last_key == info.largest.as_ref() => Ok(top),
            Some(_) => Err("last index partition does not end at the table's largest key".into()),
            None => Err("no index partitions".into()),
        }
    }

    /// How many partitions the index has.
    pub(super) fn len(&self) -> usize {
        self.partitions.len()
    }

    /// Partition `p`, if there is one.
    pub(super) fn get(&self, p: usize) -> Option<Partition<'_>> {
        let entry = self.partitions.get(p)?;
        let start = *self.data_starts.get(p)?;
        let end = *self.data_starts.get(p + 1)?;
        Some(Partition {
            last_key: entry.last_key,
            handle: entry.handle,
            data: start..end,
        })
    }

    /// The number of the first partition whose last key is `>= target`: the only one that can
    /// name the data block holding `target` (`len()` if every key is smaller).
    pub(super) fn first_ending_at_or_after(&self, target: &[u8]) -> usize {
        self.partitions.first_ending_at_or_after(target)
    }

    /// The partition whose data range holds byte `offset` of the data (the last one for an
    /// offset past the data).
    pub(super) fn partition_holding(&self, offset: u64) -> usize {
        // `data_starts` starts at 0 and increases (invariant 2): the partition is the last one
        // that starts at or before `offset`.
        let after = self.data_starts.partition_point(|&start| start <= offset);
        after.saturating_sub(1).min(self.len().saturating_sub(1))
    }

    /// The bytes this top level pins.
    pub(super) fn pinned_bytes(&self) -> usize {
        self.partitions.pinned_bytes() + self.data_starts.capacity() * 8
    }
}
