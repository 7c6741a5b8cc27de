//! The standard bloom filter layout of tables of format version 1 (read only: new tables get
//! the blocked layout, `disk/blocked_bloom.rs`). `docs/format/sstable.md` ("Bloom filter",
//! version 1) is the specification.
//!
//! Key `x` sets bits `(h1 + i * h2) mod (8 m)` for `i` in `0..k` of an `m`-byte array, where
//! `h = xxh3_64(x)`, `h1 = h & 0xFFFF_FFFF` and `h2 = h >> 32` (Kirsch–Mitzenmacher double
//! hashing). Bit `b` is bit `b % 8` of byte `b / 8`. Each probe is a different cache line,
//! which is why version 2 changed the layout.

/// A version-1 bit array (without its trailing `k`), ready to probe.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StandardLayout {
    modulus: Modulus,
}

impl StandardLayout {
    /// The layout of an array of `bytes` bytes (more than 0).
    pub(crate) fn new(bytes: usize) -> Self {
        StandardLayout {
            modulus: Modulus::new(bytes as u64 * 8),
        }
    }

    /// `false` only if `hash` was certainly not added to `bits` with `k` probes.
    pub(crate) fn may_contain(self, bits: &[u8], k: u8, hash: u64) -> bool {
        probe_bits(hash, k, self.modulus).all(|bit| {
            bits.get((bit / 8) as usize)
                .is_none_or(|byte| byte & (1 << (bit % 8)) != 0)
        })
    }
}

/// A version-1 filter's bytes (bit array and `k`) for `hashes`: what a version-1 writer made,
/// for the tests that read old tables.
#[cfg(test)]
pub(crate) fn build(hashes: &[u64], bits_per_key: usize, k: u8) -> Vec<u8> {
    const MIN_BITS: usize = 64;
    let wanted = hashes.len().saturating_mul(bits_per_key);
    let bits = if wanted == 0 {
        0
    } else {
        wanted.max(MIN_BITS).div_ceil(8).saturating_mul(8)
    };
    let mut out = vec![0u8; bits / 8];
    if bits > 0 {
        let modulus = Modulus::new(bits as u64);
        for &h in hashes {
            for bit in probe_bits(h, k, modulus) {
                if let Some(byte) = out.get_mut((bit / 8) as usize) {
                    *byte |= 1 << (bit % 8);
                }
            }
        }
    }
    out.push(k);
    out
}

/// The `k` bit positions of a key with hash `h` in a filter of `bits.d` bits:
/// `(h1 + i * h2) mod bits` for `i` in `0..k`, as the format defines them.
///
/// Computed without a division (a 64-bit division costs tens of cycles, and a point read or a
/// write's key-count check probes several filters): with `x_0 = h1 mod bits` and
/// `s = h2 mod bits`, `x_{i+1} = x_i + s`, less `bits` if that reaches `bits`, which is the same
/// residue. The two reductions use [`Modulus::reduce`].
fn probe_bits(h: u64, k: u8, bits: Modulus) -> impl Iterator<Item = u64> {
    let (h1, h2) = (h & 0xFFFF_FFFF, h >> 32);
    let mut x = bits.reduce(h1);
    let step = bits.reduce(h2);
    (0..k).map(move |_| {
        let bit = x;
        // `x < bits` and `step < bits`: the sum is below `2 * bits` and does not overflow.
        x += step;
        if x >= bits.d {
            x -= bits.d;
        }
        bit
    })
}

/// A divisor `d > 0` with what reducing 32-bit numbers by it without a division takes.
#[derive(Debug, Clone, Copy)]
struct Modulus {
    d: u64,
    /// Lemire's multiplier `floor((2^64 - 1) / d) + 1`, if `d < 2^32` (else 0: divide).
    m: u64,
}

impl Modulus {
    /// The modulus `d` (0 is taken as 1).
    fn new(d: u64) -> Modulus {
        let d = d.max(1);
        let m = if d <= u64::from(u32::MAX) {
            (u64::MAX / d).wrapping_add(1)
        } else {
            0
        };
        Modulus { d, m }
    }

    /// `a mod d` for `a < 2^32`. For `d < 2^32` this is Lemire's division-free remainder
    /// ("Faster Remainder by Direct Computation", 2019): `((m * a mod 2^64) * d) >> 64`, exact
    /// for every 32-bit `a` and `d`.
    fn reduce(self, a: u64) -> u64 {
        if self.d > u64::from(u32::MAX) {
            return a % self.d;
        }
        ((u128::from(self.m.wrapping_mul(a)) * u128::from(self.d)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use xxhash_rust::xxh3::xxh3_64;

    use super::*;

    /// The worked example of `docs/format/sstable.md` (version 1), byte for byte: one key, 10
    /// bits per key.
    #[test]
    fn documented_example_matches_the_encoder() {
        let h = xxh3_64(b"apple");
        assert_eq!(h, 0x517A_430D_CF1F_8A00);
        // h1 = 0xCF1F8A00 = 0 (mod 64), h2 = 0x517A430D = 13 (mod 64).
        assert_eq!(
            probe_bits(h, 7, Modulus::new(64)).collect::<Vec<_>>(),
            [0, 13, 26, 39, 52, 1, 14]
        );
        assert_eq!(
            build(&[h], 10, 7),
            [0x03, 0x60, 0x00, 0x04, 0x80, 0x00, 0x10, 0x00, 0x07]
        );
    }

    /// The format's definition, computed the slow way.
    fn reference_bits(h: u64, k: u8, bits: u64) -> Vec<u64> {
        let (h1, h2) = (h & 0xFFFF_FFFF, h >> 32);
        (0..u64::from(k)).map(|i| (h1 + i * h2) % bits).collect()
    }

    #[test]
    fn probe_bits_match_the_definition_at_the_edges() {
        for bits in [
            1,
            2,
            3,
            63,
            64,
            65,
            1 << 20,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            1 << 40,
        ] {
            for h in [
                0,
                1,
                u64::MAX,
                0xFFFF_FFFF,
                0xFFFF_FFFF_0000_0000,
                0x517A_430D_CF1F_8A00,
            ] {
                assert_eq!(
                    probe_bits(h, 30, Modulus::new(bits)).collect::<Vec<_>>(),
                    reference_bits(h, 30, bits),
                    "h {h:#x}, bits {bits}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn probe_bits_match_the_definition(h in any::<u64>(), k in 1u8..=30, bits in 1u64..(1 << 34)) {
            prop_assert_eq!(
                probe_bits(h, k, Modulus::new(bits)).collect::<Vec<_>>(),
                reference_bits(h, k, bits)
            );
        }

        #[test]
        fn added_hashes_are_always_found(
            hashes in prop::collection::vec(any::<u64>(), 1..200),
            bits_per_key in 1usize..24,
        ) {
            let bytes = build(&hashes, bits_per_key, 7);
            let bits = &bytes[..bytes.len() - 1];
            let layout = StandardLayout::new(bits.len());
            for &h in &hashes {
                prop_assert!(layout.may_contain(bits, 7, h));
            }
        }
    }
}
