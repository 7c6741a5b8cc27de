//! Builds a table's partitioned index (format version 4): the entries naming each data block
//! (its last key, its handle), cut into partitions of about a data block's size, and the top
//! level naming each partition. `docs/format/sstable.md` ("Index") is the specification;
//! `reader/top_index.rs` reads what this writes.
//!
//! Partitions are held in memory until the table is finished, as the whole index was before:
//! they are written after the filter and the properties, which are known only at the end.

use crate::disk::table::block_builder::BlockBuilder;
use crate::disk::table::builder::{BlockHandle, HANDLE_LEN};

/// One finished partition, waiting to be written.
#[derive(Debug)]
pub(crate) struct PendingPartition {
    /// The raw partition block.
    pub(crate) raw: Vec<u8>,
    /// The last key of its last data block: its key in the top level.
    pub(crate) last_key: Vec<u8>,
    /// Where its first data block starts.
    pub(crate) data_start: u64,
}

/// See the module docs.
///
/// Invariants:
/// 1. `current` holds the entries of the data blocks since the last cut, and `current_start` is
///    where the first of them starts; `last_key` is the key of its latest entry.
/// 2. `done` holds every partition cut so far, in order, each non-empty.
#[derive(Debug)]
pub(crate) struct IndexBuilder {
    restart_interval: usize,
    partition_size: usize,
    current: BlockBuilder,
    current_start: u64,
    last_key: Vec<u8>,
    done: Vec<PendingPartition>,
}

impl IndexBuilder {
    /// A builder cutting a partition once its raw size reaches `partition_size`, each written
    /// with a whole key every `restart_interval` entries.
    pub(crate) fn new(restart_interval: usize, partition_size: usize) -> Self {
        IndexBuilder {
            restart_interval,
            partition_size: partition_size.max(1),
            current: BlockBuilder::new(restart_interval),
            current_start: 0,
            last_key: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Records the data block at `handle`, whose last key is `last_key` (greater than every key
    /// recorded before).
    pub(crate) fn add(&mut self, last_key: &[u8], handle: BlockHandle) -> Result<(), String> {
        let mut value = Vec::with_capacity(HANDLE_LEN);
        handle.encode(&mut value);
        if self.current.is_empty() {
            self.current_start = handle.offset;
        }
        self.current.add(last_key, &value)?;
        self.last_key.clear();
        self.last_key.extend_from_slice(last_key);
        if self.current.estimated_size() >= self.partition_size {
            self.cut();
        }
        Ok(())
    }

    /// Every partition, in order (none if no data block was recorded).
    pub(crate) fn finish(mut self) -> Vec<PendingPartition> {
        if !self.current.is_empty() {
            self.cut();
        }
        self.done
    }

    fn cut(&mut self) {
        let block = std::mem::replace(&mut self.current, BlockBuilder::new(self.restart_interval));
        self.done.push(PendingPartition {
            raw: block.finish(),
            last_key: std::mem::take(&mut self.last_key),
            data_start: self.current_start,
        });
    }
}

/// A top-level entry's value: the partition's handle, then where its data starts (`u64` LE).
pub(crate) fn top_level_value(partition: BlockHandle, data_start: u64) -> Vec<u8> {
    let mut value = Vec::with_capacity(HANDLE_LEN + 8);
    partition.encode(&mut value);
    value.extend_from_slice(&data_start.to_le_bytes());
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::table::block::Block;

    fn handle(offset: u64) -> BlockHandle {
        BlockHandle { offset, size: 10 }
    }

    #[test]
    fn partitions_are_cut_at_their_size_and_remember_their_first_block() {
        // Each entry is 3 + 2 + 16 bytes; a partition is cut once it reaches 64 bytes: every
        // third entry (the restart array counts too).
        let mut builder = IndexBuilder::new(16, 64);
        for i in 0..7u64 {
            builder
                .add(&[b'k', b'0' + i as u8], handle(i * 10))
                .unwrap();
        }
        let parts = builder.finish();
        let shape: Vec<_> = parts
            .iter()
            .map(|p| (p.last_key.clone(), p.data_start))
            .collect();
        assert_eq!(
            shape,
            [
                (b"k2".to_vec(), 0),
                (b"k5".to_vec(), 30),
                (b"k6".to_vec(), 60)
            ]
        );
        let first = Block::new(bytes::Bytes::from(parts[0].raw.clone())).unwrap();
        let keys: Vec<_> = first.iter().map(|e| e.unwrap().0.to_vec()).collect();
        assert_eq!(keys, [b"k0".to_vec(), b"k1".to_vec(), b"k2".to_vec()]);
        assert!(IndexBuilder::new(16, 64).finish().is_empty());
    }

    #[test]
    fn a_key_out_of_order_is_refused() {
        let mut builder = IndexBuilder::new(16, 4096);
        builder.add(b"b", handle(0)).unwrap();
        assert!(builder.add(b"a", handle(10)).is_err());
    }

    #[test]
    fn top_level_values_are_the_handle_then_the_data_start() {
        let value = top_level_value(BlockHandle { offset: 1, size: 2 }, 3);
        let mut expected = vec![1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&3u64.to_le_bytes());
        assert_eq!(value, expected);
    }
}
