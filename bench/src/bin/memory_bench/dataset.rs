//! The inputs every contender sees: keys, the stored value, and a precomputed sequence of
//! operations, so the timed loops contain only map calls and an index walk.
//!
//! Invariants:
//! 1. Key `i` is `key` followed by `i` in 13 decimal digits: exactly `KEY_LEN` bytes, distinct for
//!    every `i` below 10^13.
//! 2. Every entry of the operation sequence names a key below the dataset's key count, so every
//!    read of a loaded contender must find its key.
//! 3. The sequence length is a power of two, so a position wraps with a mask.

use std::io::Write;

/// Every key is exactly this long.
pub const KEY_LEN: usize = 16;
/// Every value is this long.
pub const VALUE_LEN: usize = 100;
/// The shortest operation sequence; longer for large key counts (see `sequence_len`).
const MIN_SEQ_LEN: usize = 1 << 20;
/// Set in a sequence entry when `mixed_90_10` writes instead of reading.
const WRITE_90_10: u32 = 1 << 31;
/// Set in a sequence entry when `mixed_50_50` writes instead of reading.
const WRITE_50_50: u32 = 1 << 30;
/// The bits of a sequence entry that hold the key index.
const INDEX_MASK: u32 = WRITE_50_50 - 1;

/// What a timed burst does per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// Reads only.
    Get,
    /// Overwrites of existing keys only.
    Insert,
    /// One write in ten, at random.
    #[value(name = "mixed_90_10")]
    Mixed90To10,
    /// One write in two, at random.
    #[value(name = "mixed_50_50")]
    Mixed50To50,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Get => "get",
            Workload::Insert => "insert",
            Workload::Mixed90To10 => "mixed_90_10",
            Workload::Mixed50To50 => "mixed_50_50",
        }
    }

    /// Whether the operation at a sequence entry is a write under this workload.
    #[inline]
    pub fn writes(self, entry: u32) -> bool {
        match self {
            Workload::Get => false,
            Workload::Insert => true,
            Workload::Mixed90To10 => entry & WRITE_90_10 != 0,
            Workload::Mixed50To50 => entry & WRITE_50_50 != 0,
        }
    }
}

/// Writes key `index` into `buf` without allocating (the bytes-per-key children generate keys
/// on the fly, so the harness itself holds no key array).
pub fn write_key(index: u64, buf: &mut [u8; KEY_LEN]) {
    let mut out = &mut buf[..];
    write!(out, "key{index:013}").expect("a key index below 10^13 fits in 16 bytes");
    assert!(
        out.is_empty(),
        "key {index} is shorter than {KEY_LEN} bytes"
    );
}

/// The bytes every write stores.
pub fn payload() -> Vec<u8> {
    (0..VALUE_LEN).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The length of the operation sequence for `keys` keys: at least `MIN_SEQ_LEN`, and at least the
/// key count, so that with 10M keys the bursts are spread over the whole key set rather than over
/// the one million keys a 2^20-entry sequence would name.
fn sequence_len(keys: usize) -> usize {
    keys.next_power_of_two().max(MIN_SEQ_LEN)
}

/// The shared, read-only inputs of one key count.
pub struct Dataset {
    /// All keys, back to back, `KEY_LEN` bytes each (one allocation: picking a key costs one miss).
    keys: Vec<u8>,
    /// The bytes every write stores.
    pub payload: Vec<u8>,
    /// Key indexes, with `WRITE_90_10` and `WRITE_50_50` set independently on about one entry in
    /// ten and one in two.
    ops: Vec<u32>,
}

impl Dataset {
    pub fn new(key_count: usize) -> Self {
        assert!(
            key_count > 0 && key_count <= INDEX_MASK as usize,
            "the key count must be between 1 and {INDEX_MASK}"
        );
        let mut keys = vec![0u8; key_count * KEY_LEN];
        for (i, slot) in keys.chunks_exact_mut(KEY_LEN).enumerate() {
            let mut key = [0u8; KEY_LEN];
            write_key(i as u64, &mut key);
            slot.copy_from_slice(&key);
        }
        let mut rng = crate::data::Rng::new(0x5EED_0000_0000_0001);
        let ops = (0..sequence_len(key_count))
            .map(|_| {
                let index = (rng.next_u64() >> 32) % key_count as u64;
                // A separate draw for the read/write decisions, so they are independent of the key
                // and of each other (low half for 90/10, high half for 50/50).
                let flags = rng.next_u64();
                let mut entry = index as u32;
                if (flags & 0xFFFF_FFFF).is_multiple_of(10) {
                    entry |= WRITE_90_10;
                }
                if flags >> 63 == 1 {
                    entry |= WRITE_50_50;
                }
                entry
            })
            .collect();
        Dataset {
            keys,
            payload: payload(),
            ops,
        }
    }

    pub fn key_count(&self) -> usize {
        self.keys.len() / KEY_LEN
    }

    pub fn key(&self, index: usize) -> &[u8] {
        &self.keys[index * KEY_LEN..(index + 1) * KEY_LEN]
    }

    pub fn sequence_len(&self) -> usize {
        self.ops.len()
    }

    /// The sequence entry at `position` (wrapped) and the key it names.
    #[inline]
    pub fn op(&self, position: usize) -> (u32, &[u8]) {
        let entry = self.ops[position & (self.ops.len() - 1)];
        (entry, self.key((entry & INDEX_MASK) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sixteen_bytes_and_zero_padded() {
        let mut key = [0u8; KEY_LEN];
        write_key(42, &mut key);
        assert_eq!(&key, b"key0000000000042");
    }

    #[test]
    fn mixes_write_about_their_share() {
        let data = Dataset::new(1000);
        let len = data.sequence_len();
        let count = |w: Workload| (0..len).filter(|&p| w.writes(data.op(p).0)).count();
        let share = |w| count(w) as f64 / len as f64;
        assert!((share(Workload::Mixed90To10) - 0.1).abs() < 0.01);
        assert!((share(Workload::Mixed50To50) - 0.5).abs() < 0.01);
        assert_eq!(count(Workload::Get), 0);
        assert_eq!(count(Workload::Insert), len);
    }

    #[test]
    fn sequence_covers_large_key_sets() {
        assert_eq!(sequence_len(100_000), 1 << 20);
        assert_eq!(sequence_len(10_000_000), 1 << 24);
    }
}
