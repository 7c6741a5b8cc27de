//! A memtable's presence filter: a blocked bloom filter over the identifying prefixes of its
//! keys, so that a point lookup of a key the memtable does not hold (the common case for a
//! frozen memtable) costs one cache line instead of a skip-list search. Written only while the
//! memtable takes writes (by the one writer, under the writer lock) and read by anyone; bits
//! are only ever set, so a reader may miss a bit being set concurrently only for a key whose
//! version it could not see anyway (its sequence number is not yet visible).
//!
//! Hand-written rather than taken from a crate: it needs concurrent, lock-free inserts into a
//! shared filter, which the bloom crates (and `table/bloom.rs`, built once per table) do not do.
//!
//! Layout: blocks of 512 bits (one 64-byte cache line, 8 words). A key's 64-bit hash picks a
//! block with its high half and [`PROBES`] bits in it with its low half (double hashing), so an
//! insert or a probe touches one cache line.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bits set per key. With 16 bits per key (the default sizing below), a blocked filter
/// answers "maybe" for about 1% of absent keys.
const PROBES: u32 = 6;

/// Words per block (512 bits).
const BLOCK_WORDS: usize = 8;

/// See the module docs.
pub(crate) struct PresenceFilter {
    words: Box<[AtomicU64]>,
    blocks: u64,
}

impl PresenceFilter {
    /// A filter of about `bits` bits (at least one block).
    pub(crate) fn with_bits(bits: usize) -> Self {
        let blocks = (bits / (64 * BLOCK_WORDS)).max(1);
        let words = (0..blocks * BLOCK_WORDS)
            .map(|_| AtomicU64::new(0))
            .collect();
        PresenceFilter {
            words,
            blocks: blocks as u64,
        }
    }

    /// The word and bit of each probe of `hash`.
    fn probes(&self, hash: u64) -> impl Iterator<Item = (usize, u64)> {
        let block = ((hash >> 32) % self.blocks) as usize * BLOCK_WORDS;
        let (mut h, step) = (hash as u32, (hash as u32).rotate_left(15) | 1);
        (0..PROBES).map(move |_| {
            let bit = h % 512;
            h = h.wrapping_add(step);
            (block + (bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    pub(crate) fn insert(&self, hash: u64) {
        for (word, bit) in self.probes(hash) {
            if let Some(word) = self.words.get(word) {
                word.fetch_or(bit, Ordering::Relaxed);
            }
        }
    }

    /// `false` only if no key with this hash was inserted.
    pub(crate) fn may_contain(&self, hash: u64) -> bool {
        self.probes(hash).all(|(word, bit)| {
            self.words
                .get(word)
                .is_some_and(|w| w.load(Ordering::Relaxed) & bit != 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::table::bloom::bloom_hash;

    #[test]
    fn no_false_negatives_and_few_false_positives_at_16_bits_per_key() {
        let keys = 50_000u32;
        let filter = PresenceFilter::with_bits(keys as usize * 16);
        for i in 0..keys {
            filter.insert(bloom_hash(format!("key{i}").as_bytes()));
        }
        for i in 0..keys {
            assert!(filter.may_contain(bloom_hash(format!("key{i}").as_bytes())));
        }
        let false_positives = (0..100_000u32)
            .filter(|i| filter.may_contain(bloom_hash(format!("absent{i}").as_bytes())))
            .count();
        assert!(
            false_positives < 3_000,
            "{false_positives} false positives in 100,000"
        );
    }
}
