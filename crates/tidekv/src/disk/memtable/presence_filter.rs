//! A frozen memtable's presence filter: a blocked bloom filter (`disk/blocked_bloom.rs`, the
//! tables' layout) over the identifying prefixes of its keys, so that a point lookup of a key
//! the memtable does not hold (the common case for a frozen memtable) costs one cache line
//! instead of a skip-list search. Built once, by one thread, when the memtable is sealed, and
//! read-only after it is published. The resolver keeps one of its own over the active memtable
//! (`disk/engine/active_keys.rs`).

use crate::disk::blocked_bloom;

/// Bits set per key: the probe count the tables use at 16 bits per key.
const PROBES: u8 = 11;

/// See the module docs.
pub(crate) struct PresenceFilter {
    bits: Vec<u8>,
}

impl PresenceFilter {
    /// An empty filter sized for `keys` keys at `bits_per_key` bits each (at least one
    /// block), in `buffer` (reused: see `recycled.rs`).
    pub(crate) fn new(mut buffer: Vec<u8>, keys: usize, bits_per_key: usize) -> Self {
        let len = blocked_bloom::array_len(keys.max(1), bits_per_key.max(1));
        buffer.clear();
        buffer.resize(len, 0);
        PresenceFilter { bits: buffer }
    }

    /// The bit array, for reuse.
    pub(crate) fn into_bits(self) -> Vec<u8> {
        self.bits
    }

    pub(crate) fn insert(&mut self, hash: u64) {
        blocked_bloom::insert(&mut self.bits, PROBES, hash);
    }

    /// See [`blocked_bloom::touch`].
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        blocked_bloom::touch(&self.bits, hash)
    }

    /// `false` only if no key with this hash was inserted.
    pub(crate) fn may_contain(&self, hash: u64) -> bool {
        blocked_bloom::may_contain(&self.bits, PROBES, hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::table::bloom::bloom_hash;

    #[test]
    fn no_false_negatives_and_few_false_positives_at_16_bits_per_key() {
        let keys = 50_000u32;
        let mut filter = PresenceFilter::new(Vec::new(), keys as usize, 16);
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
            false_positives < 300,
            "{false_positives} false positives in 100,000"
        );
    }
}
