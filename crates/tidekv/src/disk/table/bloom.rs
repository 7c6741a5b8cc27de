//! A bloom filter over a table's keys, so that a point read skips tables that cannot hold its key.
//! `docs/format/sstable.md` ("Bloom filter") is the specification; this file must agree with it.
//!
//! ```text
//! bit array (m bytes, m * 8 bits) | k u8 (probe count, 1..=30)
//! ```
//!
//! Key `x` sets bits `(h1 + i * h2) mod (8 m)` for `i` in `0..k`, where `h = xxh3_64(x)`,
//! `h1 = h & 0xFFFF_FFFF` and `h2 = h >> 32` (Kirsch–Mitzenmacher double hashing: two hashes give
//! the false-positive rate of k independent ones). Bit `b` is bit `b % 8` of byte `b / 8`.

use bytes::Bytes;
use xxhash_rust::xxh3::xxh3_64;

/// The largest probe count a filter may carry. More probes than this never pays off, and it keeps
/// the per-lookup cost bounded whatever a damaged file claims.
const MAX_PROBES: u8 = 30;
/// Filters for few keys get at least this many bits, so that a table of 2 keys does not get a
/// 20-bit filter with a poor false-positive rate.
const MIN_BITS: usize = 64;

/// Collects key hashes while a table is built, then lays out its filter.
#[derive(Debug)]
pub(crate) struct BloomBuilder {
    bits_per_key: usize,
    hashes: Vec<u64>,
}

impl BloomBuilder {
    /// A builder spending `bits_per_key` bits per key (10 gives about 1% false positives; 0 gives a
    /// filter that excludes nothing).
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

    /// The filter bytes. With no keys or no bits per key the bit array is empty, which readers
    /// take as "may contain anything".
    pub(crate) fn finish(self) -> Vec<u8> {
        let k = probes(self.bits_per_key);
        let wanted = self.hashes.len().saturating_mul(self.bits_per_key);
        let bits = if wanted == 0 {
            0
        } else {
            wanted.max(MIN_BITS).div_ceil(8).saturating_mul(8)
        };
        let mut out = vec![0u8; bits / 8];
        for &h in &self.hashes {
            for bit in probe_bits(h, k, bits as u64) {
                if let Some(byte) = out.get_mut((bit / 8) as usize) {
                    *byte |= 1 << (bit % 8);
                }
            }
        }
        out.push(k);
        out
    }
}

/// The hash a filter's bits are derived from (the format fixes it: XXH3-64 of the key).
pub(crate) fn bloom_hash(key: &[u8]) -> u64 {
    xxh3_64(key)
}

/// The probe count for `bits_per_key`: `round(bits_per_key * ln 2)`, which minimises the
/// false-positive rate, clamped to `1..=30`.
fn probes(bits_per_key: usize) -> u8 {
    let k = (bits_per_key as f64 * std::f64::consts::LN_2).round();
    k.clamp(1.0, f64::from(MAX_PROBES)) as u8
}

/// The `k` bit positions of a key with hash `h` in a filter of `bits` bits (`bits > 0`).
fn probe_bits(h: u64, k: u8, bits: u64) -> impl Iterator<Item = u64> {
    let h1 = h & 0xFFFF_FFFF;
    let h2 = h >> 32;
    // `h1 + i * h2 < 2^32 + 30 * 2^32`: no overflow.
    (0..u64::from(k)).map(move |i| (h1 + i * h2) % bits.max(1))
}

/// A table's filter, read back.
///
/// Invariant: `k` is in `1..=30`, or the filter is empty (`bits` holds no bytes) and excludes
/// nothing.
#[derive(Debug, Clone)]
pub(crate) struct BloomFilter {
    bits: Bytes,
    k: u8,
}

impl BloomFilter {
    /// Reads a filter written by [`BloomBuilder::finish`]. Empty bytes are a filter that excludes
    /// nothing (a table written without one).
    pub(crate) fn new(mut bytes: Bytes) -> Result<BloomFilter, String> {
        let Some(&k) = bytes.last() else {
            return Ok(BloomFilter { bits: bytes, k: 1 });
        };
        if !(1..=MAX_PROBES).contains(&k) {
            return Err(format!(
                "corrupt bloom filter: probe count {k} is outside 1..={MAX_PROBES}"
            ));
        }
        bytes.truncate(bytes.len() - 1);
        Ok(BloomFilter { bits: bytes, k })
    }

    /// False if `key` was certainly not added; true if it may have been.
    #[cfg(test)]
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        self.may_contain_hash(bloom_hash(key))
    }

    /// [`BloomFilter::may_contain`] for the key whose [`bloom_hash`] is `hash`: a lookup that
    /// probes several tables hashes its key once.
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        let bits = self.bits.len() as u64 * 8;
        if bits == 0 {
            return true;
        }
        probe_bits(hash, self.k, bits).all(|bit| {
            self.bits
                .get((bit / 8) as usize)
                .is_none_or(|byte| byte & (1 << (bit % 8)) != 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn filter(keys: impl IntoIterator<Item = Vec<u8>>, bits_per_key: usize) -> BloomFilter {
        let mut b = BloomBuilder::new(bits_per_key);
        for k in keys {
            b.add(&k);
        }
        BloomFilter::new(Bytes::from(b.finish())).unwrap()
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
        let fp = false_positives(&f, n);
        let rate = f64::from(fp) / f64::from(n);
        // Theory for m/n = 10, k = 7: (1 - e^(-0.7))^7 = 0.82%.
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
        let no_bytes = BloomFilter::new(Bytes::new()).unwrap();
        for f in [empty_keys, zero_bits, no_bytes] {
            assert!(f.may_contain(b"anything") && f.may_contain(b""));
        }
        assert_eq!(BloomBuilder::new(10).finish(), [7]);
    }

    #[test]
    fn small_filters_get_at_least_64_bits() {
        let mut b = BloomBuilder::new(10);
        b.add(b"one");
        assert_eq!(b.finish().len(), MIN_BITS / 8 + 1);
    }

    #[test]
    fn a_bad_probe_count_is_refused() {
        for k in [0u8, 31, 255] {
            let err = BloomFilter::new(Bytes::from(vec![0xFF, 0xFF, k])).unwrap_err();
            assert!(err.contains("probe count"), "{err}");
        }
    }

    /// The worked example of `docs/format/sstable.md`, byte for byte: one key, 10 bits per key.
    #[test]
    fn documented_example_matches_the_encoder() {
        let h = xxh3_64(b"apple");
        assert_eq!(h, 0x517A_430D_CF1F_8A00);
        // h1 = 0xCF1F8A00 = 0 (mod 64), h2 = 0x517A430D = 13 (mod 64).
        assert_eq!(
            probe_bits(h, 7, 64).collect::<Vec<_>>(),
            [0, 13, 26, 39, 52, 1, 14]
        );
        let mut builder = BloomBuilder::new(10);
        builder.add(b"apple");
        assert_eq!(
            builder.finish(),
            [0x03, 0x60, 0x00, 0x04, 0x80, 0x00, 0x10, 0x00, 0x07]
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
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            key in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            if let Ok(f) = BloomFilter::new(Bytes::from(bytes)) {
                let _ = f.may_contain(&key);
            }
        }
    }
}
