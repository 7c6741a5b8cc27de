//! The hash a shard's hash table uses for keys.
//!
//! One-shot XXH3 over the whole key. The crate's streaming XXH3 hasher sets up a 256-byte buffer per
//! hash and costs about 24 ns for a 16-byte key against about 1 ns one-shot (measured on this
//! project's machine), and every point operation hashes once. The seed is random per store, so keys
//! chosen by a client cannot be crafted to collide in the table.

use std::hash::{BuildHasher, Hasher};

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Builds [`KeyHasher`]s that share one random seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyHashBuilder {
    seed: u64,
}

impl Default for KeyHashBuilder {
    fn default() -> Self {
        KeyHashBuilder {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x7469_6465_6b76_u64),
        }
    }
}

impl BuildHasher for KeyHashBuilder {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.seed)
    }
}

/// Hashes each written byte run with XXH3 seeded by the state so far.
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    fn write_usize(&mut self, n: usize) {
        // The length prefix `[u8]` hashing writes first: fold it in cheaply; the bytes that follow
        // are hashed with the result as their seed.
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_seeds_differ() {
        let a = KeyHashBuilder::default();
        let b = KeyHashBuilder::default();
        let key: &[u8] = b"key0000000000042";
        assert_eq!(a.hash_one(key), a.hash_one(key));
        assert_ne!(a.hash_one(key), a.hash_one(&b"key0000000000043"[..]));
        assert_ne!(a.seed, b.seed, "each store draws its own seed");
    }
}
