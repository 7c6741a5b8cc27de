//! [`TableIndex`]: a table's index as a reader holds it.
//!
//! The index block names each data block by its last internal key and its handle. A reader keeps
//! it parsed, for binary search and for stepping block by block. It was a `Vec` of entries that
//! each owned their key: an allocation per data block, so loading a 32 MiB table's index cost
//! thousands of allocations and dropping it as many frees. Once a store's indexes outgrow the
//! metadata budget, tables are closed and their indexes read again all the time, and random reads
//! at 100M keys spent 90 % of their time there (`bench/profiles/get-100m-default-47e1e6e.txt`).
//! Now every last key lies in one buffer and every handle in another: two allocations whatever
//! the table's size, and about half the bytes pinned.

use std::ops::Range;

use crate::disk::table::block::Block;
use crate::disk::table::builder::{BlockHandle, TableInfo, HANDLE_LEN};

use super::meta::read_handle;

/// A table's data blocks in key order: each one's last key and where it lies.
///
/// The same structure holds the top level of a partitioned index (`top_index.rs`), whose handles
/// name partitions.
///
/// Invariants (checked as it is filled, [`TableIndex::extend_with`] and its callers):
/// 1. Slot `i`'s key is `keys[slots[i-1].key_end..slots[i].key_end]` (from 0 for the first), and
///    the keys strictly increase. Once parsed, an index has at least one slot.
/// 2. The handles are contiguous over the part of the file they cover, each non-empty: from
///    offset 0 to the table's `data_end` for a whole index, over the data range its top level
///    names for a partition.
#[derive(Debug)]
pub(super) struct TableIndex {
    keys: Vec<u8>,
    slots: Vec<Slot>,
}

#[derive(Debug)]
struct Slot {
    /// Where this block's last key ends in `keys`.
    key_end: usize,
    handle: BlockHandle,
}

/// One data block of an index, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub(super) struct IndexEntry<'a> {
    pub(super) last_key: &'a [u8],
    pub(super) handle: BlockHandle,
}

impl TableIndex {
    /// Reads every entry of the index `block` and checks that the data blocks it names are
    /// contiguous from offset 0 to `data_end` and that the last one ends at the table's largest
    /// key. Keys are copied out of the block as it is walked, with no allocation per entry.
    pub(super) fn parse(block: &Block, data_end: u64, info: &TableInfo) -> Result<Self, String> {
        let mut index = TableIndex::empty();
        index.extend_from(block, 0..data_end, &info.largest)?;
        index.shrink();
        Ok(index)
    }

    /// An index with no entries, to fill with [`TableIndex::extend_from`] (a partitioned index
    /// is filled one partition at a time) and then [`TableIndex::shrink`].
    pub(super) fn empty() -> Self {
        TableIndex {
            keys: Vec::new(),
            slots: Vec::new(),
        }
    }

    /// Appends the entries of `block`, an index block or partition, which must name data blocks
    /// contiguous over exactly `data`, non-empty, the last one ending at `last_key`, and whose
    /// keys must follow the ones already held.
    pub(super) fn extend_from(
        &mut self,
        block: &Block,
        data: Range<u64>,
        last_key: &[u8],
    ) -> Result<(), String> {
        let first = self.len();
        let mut expected = data.start;
        self.extend_with(block, |blocks, value| {
            if value.len() != HANDLE_LEN {
                return Err(format!(
                    "block handle of {} bytes, not {HANDLE_LEN}",
                    value.len()
                ));
            }
            let handle = read_handle(value, 0);
            expected = follows(
                handle,
                expected,
                data.end,
                ("data block", blocks),
                "data ends",
            )?;
            Ok(handle)
        })?;
        if expected != data.end {
            return Err(format!(
                "data blocks end at {expected}, but should end at {}",
                data.end
            ));
        }
        match self.get(self.len().wrapping_sub(1)) {
            _ if self.len() == first => Err("no data blocks".into()),
            Some(last) if last.last_key == last_key => Ok(()),
            _ => Err("last data block does not end at the key its parent names".into()),
        }
    }

    /// Appends every entry of `block`, the handle of each being what `handle` makes of its value
    /// (given the number of entries held before it), and checks that the keys strictly increase
    /// from the ones already held.
    pub(super) fn extend_with(
        &mut self,
        block: &Block,
        mut handle: impl FnMut(usize, &[u8]) -> Result<BlockHandle, String>,
    ) -> Result<(), String> {
        let mut entries = block.iter();
        while let Some((last_key, value)) = entries
            .next_slices()
            .map_err(|why| format!("corrupt data block: {why}"))?
        {
            if self
                .get(self.len().wrapping_sub(1))
                .is_some_and(|prev| prev.last_key >= last_key)
            {
                return Err(format!(
                    "index entry {} does not follow the one before",
                    self.len()
                ));
            }
            let handle = handle(self.len(), value)?;
            self.keys.extend_from_slice(last_key);
            self.slots.push(Slot {
                key_end: self.keys.len(),
                handle,
            });
        }
        Ok(())
    }

    /// Gives back what doubling left over: an index is pinned for as long as its table is open.
    pub(super) fn shrink(&mut self) {
        self.keys.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    /// How many data blocks the table has.
    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Data block `i`, if there is one.
    pub(super) fn get(&self, i: usize) -> Option<IndexEntry<'_>> {
        let slot = self.slots.get(i)?;
        let start = match i.checked_sub(1) {
            Some(prev) => self.slots.get(prev)?.key_end,
            None => 0,
        };
        Some(IndexEntry {
            last_key: self.keys.get(start..slot.key_end)?,
            handle: slot.handle,
        })
    }

    /// The number of the first data block whose last key is `>= target`: the only block that can
    /// hold `target` (`len()` if every key is smaller).
    pub(super) fn first_ending_at_or_after(&self, target: &[u8]) -> usize {
        // Keys increase (invariant 1), so "last key < target" holds for a prefix of the blocks.
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if self.get(mid).is_some_and(|e| e.last_key < target) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    /// The bytes this index pins: both buffers, at their capacity.
    pub(super) fn pinned_bytes(&self) -> usize {
        self.keys.capacity() + self.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

/// Checks that `handle`, of block `n` of its kind (`what`), starts at `expected`, is not empty
/// and ends by `end` (where `region` ends); returns where the next block must start.
pub(super) fn follows(
    handle: BlockHandle,
    expected: u64,
    end: u64,
    (what, n): (&str, usize),
    region: &str,
) -> Result<u64, String> {
    if handle.offset != expected || handle.size == 0 || handle.end() > end {
        return Err(format!(
            "{what} {n} at {}..{} breaks the layout (expected to start at {expected}, {region} \
             at {end})",
            handle.offset,
            handle.end(),
        ));
    }
    Ok(handle.end())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::disk::table::block_builder::BlockBuilder;

    fn handle(offset: u64, size: u64) -> Vec<u8> {
        let mut out = Vec::new();
        BlockHandle { offset, size }.encode(&mut out);
        out
    }

    fn info(largest: &[u8]) -> TableInfo {
        TableInfo {
            size: 0,
            entries: 0,
            smallest: Bytes::new(),
            largest: Bytes::copy_from_slice(largest),
            min_seq: 0,
            max_seq: 0,
        }
    }

    /// An index block naming blocks of 10 bytes each, ending at `keys`.
    fn index_block(keys: &[&[u8]]) -> Block {
        let mut builder = BlockBuilder::new(2);
        for (i, key) in keys.iter().enumerate() {
            builder.add(key, &handle(i as u64 * 10, 10)).unwrap();
        }
        Block::new(Bytes::from(builder.finish())).unwrap()
    }

    #[test]
    fn entries_and_searches_match_the_block() {
        let keys: [&[u8]; 5] = [b"apple", b"apricot", b"banana", b"band", b"cherry"];
        let index = TableIndex::parse(&index_block(&keys), 50, &info(b"cherry")).unwrap();
        assert_eq!(index.len(), 5);
        for (i, key) in keys.iter().enumerate() {
            let entry = index.get(i).unwrap();
            assert_eq!(entry.last_key, *key);
            assert_eq!(
                entry.handle,
                BlockHandle {
                    offset: i as u64 * 10,
                    size: 10
                }
            );
        }
        assert!(index.get(5).is_none());
        // The block that can hold a key is the first whose last key is not smaller.
        for (target, block) in [
            (&b""[..], 0),
            (b"apple", 0),
            (b"applf", 1),
            (b"apricot", 1),
            (b"b", 2),
            (b"banana!", 3),
            (b"cherry", 4),
            (b"cherry!", 5),
        ] {
            assert_eq!(index.first_ending_at_or_after(target), block, "{target:?}");
        }
        assert!(index.pinned_bytes() >= 25 + 5 * std::mem::size_of::<Slot>());
    }

    #[test]
    fn a_layout_the_index_breaks_is_refused() {
        let keys: [&[u8]; 2] = [b"a", b"b"];
        let block = index_block(&keys);
        let gap = TableIndex::parse(&block, 30, &info(b"b")).unwrap_err();
        assert!(
            gap.contains("data blocks end at 20, but should end at 30"),
            "{gap}"
        );
        let wrong_last = TableIndex::parse(&block, 20, &info(b"c")).unwrap_err();
        assert!(wrong_last.contains("parent names"), "{wrong_last}");
        let empty = Block::new(Bytes::from(BlockBuilder::new(2).finish())).unwrap();
        let none = TableIndex::parse(&empty, 0, &info(b"")).unwrap_err();
        assert_eq!(none, "no data blocks");
    }
}
