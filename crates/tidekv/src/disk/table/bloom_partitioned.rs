//! The bloom filter of table format version 3: the blocked filter's 64-byte blocks
//! (`disk/blocked_bloom.rs`), cut into partitions of [`PARTITION_BLOCKS`] blocks that are each a
//! physical block of their own (checksummed), then a descriptor. `docs/format/sstable.md`
//! ("Bloom filter", version 3) is the specification; this file must agree with it.
//!
//! ```text
//! partition 0 | ... | partition n-1 | descriptor
//! partition  = bits (PARTITION_BLOCKS × 64 bytes; the last may hold fewer blocks) + trailer
//! descriptor = k u8 | blocks u32 LE | partition_blocks u32 LE, + trailer
//! ```
//!
//! Why: a lookup needs one block of the filter, and so one partition. A table whose filter is
//! not in memory (a store whose filters outgrow the memory they may take) answers a lookup with
//! one read of 4 KiB instead of reading and checking its whole filter, which is 1–2 MiB for a
//! 32 MiB table.

use crate::disk::blocked_bloom::{self, BLOCK_BYTES};
use crate::disk::table::bloom::MAX_PROBES;
use crate::disk::table::compression::{encode_block, TRAILER_LEN};

/// Blocks in a partition (the last may hold fewer): 4 KiB of bits, one page.
pub(crate) const PARTITION_BLOCKS: u32 = 64;
/// Bytes of a raw descriptor: `k u8 | blocks u32 | partition_blocks u32`.
const DESCRIPTOR_RAW_LEN: usize = 9;
/// Bytes of the descriptor's physical block, at the end of the filter region.
pub(crate) const DESCRIPTOR_LEN: usize = DESCRIPTOR_RAW_LEN + TRAILER_LEN;

/// The shape of a partitioned filter, from its descriptor.
///
/// Invariants: `k` is in `1..=MAX_PROBES`; `partition_blocks >= 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FilterShape {
    k: u8,
    blocks: u32,
    partition_blocks: u32,
}

impl FilterShape {
    /// Reads a raw descriptor.
    pub(crate) fn parse(raw: &[u8]) -> Result<FilterShape, String> {
        let Ok(&[k, b0, b1, b2, b3, p0, p1, p2, p3]) = <&[u8; DESCRIPTOR_RAW_LEN]>::try_from(raw)
        else {
            return Err(format!(
                "filter descriptor of {} bytes, not {DESCRIPTOR_RAW_LEN}",
                raw.len()
            ));
        };
        let (blocks, partition_blocks) = ([b0, b1, b2, b3], [p0, p1, p2, p3]);
        if !(1..=MAX_PROBES).contains(&k) {
            return Err(format!(
                "corrupt bloom filter: probe count {k} is outside 1..={MAX_PROBES}"
            ));
        }
        let partition_blocks = u32::from_le_bytes(partition_blocks);
        if partition_blocks == 0 {
            return Err("corrupt bloom filter: partitions of 0 blocks".into());
        }
        Ok(FilterShape {
            k,
            blocks: u32::from_le_bytes(blocks),
            partition_blocks,
        })
    }

    fn encode(&self) -> [u8; DESCRIPTOR_RAW_LEN] {
        let mut out = [0u8; DESCRIPTOR_RAW_LEN];
        out[0] = self.k;
        out[1..5].copy_from_slice(&self.blocks.to_le_bytes());
        out[5..9].copy_from_slice(&self.partition_blocks.to_le_bytes());
        out
    }

    /// How many partitions the filter has.
    pub(crate) fn partitions(&self) -> u32 {
        self.blocks.div_ceil(self.partition_blocks)
    }

    /// Bytes of the partitions, trailers included (the filter region without its descriptor).
    pub(crate) fn partitions_len(&self) -> u64 {
        u64::from(self.blocks) * BLOCK_BYTES as u64
            + u64::from(self.partitions()) * TRAILER_LEN as u64
    }

    /// The partition that `hash`'s lookup needs, or `None` for a filter without bits (which
    /// excludes nothing).
    pub(crate) fn partition_of(&self, hash: u64) -> Option<u32> {
        if self.blocks == 0 {
            return None;
        }
        let block = blocked_bloom::block_of(hash, u64::from(self.blocks));
        // Below `blocks < 2^32`.
        Some((block / u64::from(self.partition_blocks)) as u32)
    }

    /// Where partition `p` starts in the filter region, and its physical length.
    pub(crate) fn partition_span(&self, p: u32) -> (u64, usize) {
        let full = u64::from(self.partition_blocks) * BLOCK_BYTES as u64 + TRAILER_LEN as u64;
        let first_block = u64::from(p) * u64::from(self.partition_blocks);
        let blocks = u64::from(self.blocks)
            .saturating_sub(first_block)
            .min(u64::from(self.partition_blocks));
        (
            u64::from(p) * full,
            (blocks * BLOCK_BYTES as u64) as usize + TRAILER_LEN,
        )
    }

    /// `false` only if `hash` was certainly not added, given `bits`: the raw bits of partition
    /// [`FilterShape::partition_of`]`(hash)`.
    pub(crate) fn may_contain(&self, bits: &[u8], hash: u64) -> bool {
        if self.blocks == 0 {
            return true;
        }
        let within = self.line_in_partition(hash);
        bits.get(within..within + BLOCK_BYTES)
            .is_some_and(|line| blocked_bloom::line_may_contain(line, self.k, hash))
    }

    /// Reads the byte of `bits` (partition [`FilterShape::partition_of`]`(hash)`) that `hash`'s
    /// lookup starts at, so that a batch can load every line before it probes (0 if none).
    pub(crate) fn touch(&self, bits: &[u8], hash: u64) -> u8 {
        if self.blocks == 0 {
            return 0;
        }
        bits.get(self.line_in_partition(hash)).copied().unwrap_or(0)
    }

    /// Where `hash`'s block starts in its partition's bits (`blocks > 0`).
    fn line_in_partition(&self, hash: u64) -> usize {
        let block = blocked_bloom::block_of(hash, u64::from(self.blocks));
        (block % u64::from(self.partition_blocks)) as usize * BLOCK_BYTES
    }
}

/// The filter region for the blocked bit array `bits` (whole blocks) probed `k` times:
/// partitions, then the descriptor, each a physical block.
pub(crate) fn encode_region(bits: &[u8], k: u8) -> Result<Vec<u8>, String> {
    let blocks = u32::try_from(bits.len() / BLOCK_BYTES)
        .map_err(|_| "a bloom filter of 2^32 blocks or more".to_string())?;
    let shape = FilterShape {
        k,
        blocks,
        partition_blocks: PARTITION_BLOCKS,
    };
    let mut out = Vec::with_capacity(bits.len() + (shape.partitions() as usize + 1) * 8 + 16);
    for partition in bits.chunks(PARTITION_BLOCKS as usize * BLOCK_BYTES) {
        out.extend_from_slice(&encode_block(partition, crate::config::Compression::None)?);
    }
    out.extend_from_slice(&encode_block(
        &shape.encode(),
        crate::config::Compression::None,
    )?);
    Ok(out)
}

#[cfg(test)]
#[path = "bloom_partitioned_tests.rs"]
mod tests;
