//! The dataset: keys, values and the random sequences that drive each workload.
//!
//! Key `i` is `format!("{:012}{:04}", i / 100, i % 100)`: 16 ASCII digits whose first 12 (the
//! "group") are shared by exactly 100 consecutive keys, so a 12-byte prefix scan returns 100
//! entries (fewer only for the last group when N is not a multiple of 100). Sorted key order is
//! index order.
//!
//! Values are 100 bytes: 50 pseudo-random bytes written twice, so a block compresses about 2:1
//! (neither all-zero nor incompressible). They come from a pool of 65 536 values picked by a
//! hash of the key index, so generating a value costs nothing during a timed loop.

/// Bytes in a key.
pub const KEY_LEN: usize = 16;
/// Bytes in a value.
pub const VALUE_LEN: usize = 100;
/// Bytes of a key's group prefix.
pub const PREFIX_LEN: usize = 12;
/// Keys per group prefix.
pub const GROUP: u64 = 100;

const POOL: usize = 1 << 16;

/// SplitMix64: small, fast, and good enough to shuffle benchmark inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Key number `i` (see the module comment).
pub fn key(i: u64) -> [u8; KEY_LEN] {
    let mut out = [0u8; KEY_LEN];
    write_digits(&mut out[..PREFIX_LEN], i / GROUP);
    write_digits(&mut out[PREFIX_LEN..], i % GROUP);
    out
}

/// The 12-byte prefix shared by the keys of group `g`.
pub fn prefix(group: u64) -> [u8; PREFIX_LEN] {
    let mut out = [0u8; PREFIX_LEN];
    write_digits(&mut out, group);
    out
}

fn write_digits(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The keys `0..n` in a random order (Fisher–Yates).
pub fn shuffled_keys(n: u64, seed: u64) -> Vec<[u8; KEY_LEN]> {
    let mut order: Vec<u64> = (0..n).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order.into_iter().map(key).collect()
}

/// A fixed pool of values; `get(i, version)` picks one for key `i` at a given write.
pub struct Values {
    pool: Vec<[u8; VALUE_LEN]>,
}

impl Values {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x5EED_F7A1);
        let pool = (0..POOL)
            .map(|_| {
                let mut v = [0u8; VALUE_LEN];
                let half = VALUE_LEN / 2;
                for chunk in v[..half].chunks_mut(8) {
                    let r = rng.next_u64().to_le_bytes();
                    chunk.copy_from_slice(&r[..chunk.len()]);
                }
                v.copy_within(..half, half);
                v
            })
            .collect();
        Values { pool }
    }

    pub fn get(&self, i: u64, version: u64) -> &[u8] {
        let h = Rng::new(i ^ version.rotate_left(32)).next_u64();
        &self.pool[(h as usize) % POOL]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_16_digits_and_group_by_100() {
        assert_eq!(&key(0), b"0000000000000000");
        assert_eq!(&key(1_234_567), b"0000000123450067");
        assert!(key(199).starts_with(&prefix(1)));
        assert!(key(99) < key(100));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut keys = shuffled_keys(1000, 7);
        keys.sort_unstable();
        assert_eq!(keys, (0..1000).map(key).collect::<Vec<_>>());
    }
}
