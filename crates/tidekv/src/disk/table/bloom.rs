//! A bloom filter over a table's keys, so that a point read (or a write's key-count check)
//! skips tables that cannot hold its key. `docs/format/sstable.md` ("Bloom filter") is the
//! specification; this file must agree with it.
//!
//! ```text
//! bit array (m bytes) | k u8 (probe count, 1..=30)
//! ```
//!
//! The bit array's layout depends on the table's format version: version 2 (written now) is
//! blocked (`disk/blocked_bloom.rs`: one cache line per lookup), version 1 standard
//! (`bloom_standard.rs`: one cache line per probe).

use bytes::Bytes;
use xxhash_rust::xxh3::xxh3_64;

use super::bloom_partitioned::encode_region;
use super::bloom_standard::StandardLayout;
use crate::disk::blocked_bloom::{self, BLOCK_BYTES};

/// The largest probe count a filter may carry. More probes than this never pays off, and it keeps
/// the per-lookup cost bounded whatever a damaged file claims.
pub(crate) const MAX_PROBES: u8 = 30;

/// Collects key hashes while a table is built, then lays out its filter (blocked, version 2).
#[derive(Debug)]
pub(crate) struct BloomBuilder {
    bits_per_key: usize,
    hashes: Vec<u64>,
}

impl BloomBuilder {
    /// A builder spending `bits_per_key` bits per key (0 gives a filter that excludes nothing).
    pub(crate) fn new(bits_per_key: usize) -> Self {
        BloomBuilder {
            bits_per_key,
            hashes: Vec::new(),
        }
    }

    /// Adds a key. Adding a key twice is harmless.
    pub(crate) fn add(&mut self, key: &[u8]) {
        self.hashes.push(bloom_hash(key));
    }

    /// The filter bytes of format version 2: the bit array, then `k`. With no keys or no bits
    /// per key the bit array is empty, which readers take as "may contain anything".
    #[cfg(test)]
    pub(crate) fn finish(self) -> Vec<u8> {
        let (mut out, k) = self.bits();
        out.push(k);
        out
    }

    /// The filter region of format version 3 (`bloom_partitioned.rs`): partitions and
    /// descriptor, each a physical block.
    pub(crate) fn finish_partitioned(self) -> Result<Vec<u8>, String> {
        let (bits, k) = self.bits();
        encode_region(&bits, k)
    }

    /// The blocked bit array and its probe count.
    fn bits(self) -> (Vec<u8>, u8) {
        let k = probes(self.bits_per_key);
        let mut bits = vec![0u8; blocked_bloom::array_len(self.hashes.len(), self.bits_per_key)];
        if !bits.is_empty() {
            for &h in &self.hashes {
                blocked_bloom::insert(&mut bits, k, h);
            }
        }
        (bits, k)
    }
}

/// The hash a filter's bits are derived from (the format fixes it: XXH3-64 of the key).
pub(crate) fn bloom_hash(key: &[u8]) -> u64 {
    xxh3_64(key)
}

/// The probe count for `bits_per_key`: `round(bits_per_key * ln 2)`, which minimises a
/// standard filter's false-positive rate, clamped to `1..=30`.
pub(crate) fn probes(bits_per_key: usize) -> u8 {
    let k = (bits_per_key as f64 * std::f64::consts::LN_2).round();
    k.clamp(1.0, f64::from(MAX_PROBES)) as u8
}

/// How a filter's bit array is laid out.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// No bits: excludes nothing.
    Empty,
    /// Format version 1.
    Standard(StandardLayout),
    /// Format version 2.
    Blocked,
}

/// A table's filter, read back.
///
/// Invariant: `k` is in `1..=30`; a blocked array is a whole number of blocks.
#[derive(Debug, Clone)]
pub(crate) struct BloomFilter {
    bits: Bytes,
    k: u8,
    layout: Layout,
}

impl BloomFilter {
    /// Reads a filter of a table of format `version` (1 or 2). Empty bytes are a filter that
    /// excludes nothing (a table written without one).
    pub(crate) fn new(mut bytes: Bytes, version: u32) -> Result<BloomFilter, String> {
        let Some(&k) = bytes.last() else {
            return Ok(BloomFilter {
                bits: bytes,
                k: 1,
                layout: Layout::Empty,
            });
        };
        if !(1..=MAX_PROBES).contains(&k) {
            return Err(format!(
                "corrupt bloom filter: probe count {k} is outside 1..={MAX_PROBES}"
            ));
        }
        bytes.truncate(bytes.len() - 1);
        let layout = match (bytes.len(), version) {
            (0, _) => Layout::Empty,
            (len, 1) => Layout::Standard(StandardLayout::new(len)),
            (len, _) if len % BLOCK_BYTES != 0 => {
                return Err(format!(
                    "corrupt bloom filter: {len} bytes is not a whole number of {BLOCK_BYTES}-byte blocks"
                ))
            }
            _ => Layout::Blocked,
        };
        Ok(BloomFilter {
            bits: bytes,
            k,
            layout,
        })
    }

    /// False if `key` was certainly not added; true if it may have been.
    #[cfg(test)]
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        self.may_contain_hash(bloom_hash(key))
    }

    /// [`blocked_bloom::touch`] for a blocked filter; other layouts read nothing.
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        match self.layout {
            Layout::Blocked => blocked_bloom::touch(&self.bits, hash),
            Layout::Empty | Layout::Standard(_) => 0,
        }
    }

    /// [`BloomFilter::may_contain`] for the key whose [`bloom_hash`] is `hash`: a lookup that
    /// probes several tables hashes its key once.
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        match self.layout {
            Layout::Empty => true,
            Layout::Standard(layout) => layout.may_contain(&self.bits, self.k, hash),
            Layout::Blocked => blocked_bloom::may_contain(&self.bits, self.k, hash),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::disk::table::bloom_standard;

    fn filter(keys: impl IntoIterator<Item = Vec<u8>>, bits_per_key: usize) -> BloomFilter {
        let mut b = BloomBuilder::new(bits_per_key);
        for k in keys {
            b.add(&k);
        }
        BloomFilter::new(Bytes::from(b.finish()), 2).unwrap()
    }

    fn present(i: u32) -> Vec<u8> {
        format!("present:{i}").into_bytes()
    }

    /// The number of `absent` keys the filter lets through, over `n` tries.
    fn false_positives(f: &BloomFilter, n: u32) -> u32 {
        (0..n)
            .filter(|i| f.may_contain(format!("absent:{i}").as_bytes()))
            .count() as u32
    }

    #[test]
    fn ten_bits_per_key_gives_under_two_percent_false_positives_and_no_false_negatives() {
        let f = filter((0..10_000).map(present), 10);
        assert_eq!(f.k, 7);
        for i in 0..10_000 {
            assert!(f.may_contain(&present(i)), "false negative for key {i}");
        }
        let n = 100_000;
        let rate = f64::from(false_positives(&f, n)) / f64::from(n);
        assert!(rate < 0.02, "false-positive rate {rate}");
        println!("false-positive rate at 10 bits/key: {:.3}%", rate * 100.0);
    }

    #[test]
    fn more_bits_per_key_give_fewer_false_positives() {
        let rate = |bits| false_positives(&filter((0..2_000).map(present), bits), 20_000);
        let (r4, r10, r20) = (rate(4), rate(10), rate(20));
        assert!(r4 > r10 && r10 > r20, "{r4} {r10} {r20}");
    }

    #[test]
    fn probe_count_is_bits_per_key_times_ln_2_clamped() {
        assert_eq!(probes(0), 1);
        assert_eq!(probes(1), 1);
        assert_eq!(probes(10), 7);
        assert_eq!(probes(16), 11);
        assert_eq!(probes(1000), 30);
    }

    #[test]
    fn empty_and_zero_bit_filters_exclude_nothing() {
        let empty_keys = filter(Vec::<Vec<u8>>::new(), 10);
        let zero_bits = filter((0..10).map(present), 0);
        let no_bytes = BloomFilter::new(Bytes::new(), 2).unwrap();
        let old_empty = BloomFilter::new(Bytes::from_static(&[7]), 1).unwrap();
        for f in [empty_keys, zero_bits, no_bytes, old_empty] {
            assert!(f.may_contain(b"anything") && f.may_contain(b""));
        }
        assert_eq!(BloomBuilder::new(10).finish(), [7]);
    }

    #[test]
    fn small_filters_get_one_block() {
        let mut b = BloomBuilder::new(10);
        b.add(b"one");
        assert_eq!(b.finish().len(), BLOCK_BYTES + 1);
    }

    #[test]
    fn a_bad_probe_count_or_a_partial_block_is_refused() {
        for k in [0u8, 31, 255] {
            let err = BloomFilter::new(Bytes::from(vec![0xFF, 0xFF, k]), 1).unwrap_err();
            assert!(err.contains("probe count"), "{err}");
        }
        let mut partial = vec![0xFF; 65];
        partial.push(7);
        let err = BloomFilter::new(Bytes::from(partial.clone()), 2).unwrap_err();
        assert!(err.contains("whole number"), "{err}");
        // The same bytes are a valid version-1 filter.
        assert!(BloomFilter::new(Bytes::from(partial), 1).is_ok());
    }

    /// A table written by a version-1 build still answers correctly.
    #[test]
    fn version_1_filters_are_read_with_their_layout() {
        let keys: Vec<Vec<u8>> = (0..2_000).map(present).collect();
        let hashes: Vec<u64> = keys.iter().map(|k| bloom_hash(k)).collect();
        let f = BloomFilter::new(Bytes::from(bloom_standard::build(&hashes, 10, 7)), 1).unwrap();
        assert!(keys.iter().all(|k| f.may_contain(k)));
        let rate = f64::from(false_positives(&f, 20_000)) / 20_000.0;
        assert!(rate < 0.02, "{rate}");
    }

    /// The worked example of `docs/format/sstable.md`, byte for byte: one key, 10 bits per key.
    #[test]
    fn documented_example_matches_the_encoder() {
        let h = bloom_hash(b"apple");
        assert_eq!(h, 0x517A_430D_CF1F_8A00);
        let probes: Vec<(usize, u8)> = blocked_bloom::probes(h, 7, 1).collect();
        let mut builder = BloomBuilder::new(10);
        builder.add(b"apple");
        let bytes = builder.finish();
        let mut expected = vec![0u8; 65];
        for &(byte, mask) in &probes {
            expected[byte] |= mask;
        }
        expected[64] = 7;
        assert_eq!(bytes, expected);
        // Bits 120, 290, 356, 188, 200, 254, 299 of the one block (see the docs).
        assert_eq!(
            probes,
            [
                (15, 1),
                (36, 4),
                (44, 16),
                (23, 16),
                (25, 1),
                (31, 64),
                (37, 8)
            ]
        );
    }

    proptest! {
        #[test]
        fn added_keys_are_always_found(
            keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..200),
            bits_per_key in 0usize..24,
        ) {
            let f = filter(keys.clone(), bits_per_key);
            for k in &keys {
                prop_assert!(f.may_contain(k));
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            key in prop::collection::vec(any::<u8>(), 0..8),
            version in 1u32..=2,
        ) {
            if let Ok(f) = BloomFilter::new(Bytes::from(bytes), version) {
                let _ = f.may_contain(&key);
            }
        }
    }
}
