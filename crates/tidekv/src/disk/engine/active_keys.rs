//! The resolver's filter of the keys written to the active memtable, so that a pending write
//! (`pending_keys.rs`) learns whether the active memtable may hold an older version of its key
//! for one cache line, on the resolver's core, instead of the writer reading the skip-list node
//! after its own on every write.
//!
//! Invariant (no false negatives): the resolver is told of every user-key write into the active
//! memtable — a blind one as a pending key, one whose former state the transaction knew as its
//! hash only — and works through them in write order, adding each hash after deciding that
//! write. So when it decides a write, the filter holds every key written before it to this
//! memtable. A "maybe" is settled by a search of the memtable at the write's snapshot.
//!
//! The filter follows one memtable, named by its log number: resolving for another memtable
//! starts it afresh. It is sized once, from the memtable budget; a memtable that overshoots it
//! only raises the false-positive rate.

use crate::disk::blocked_bloom;

/// Probes per key: the count the tables use at 16 bits per key.
const PROBES: u8 = 11;

/// Bits per entry of the most entries a memtable's budget holds.
const BITS_PER_ENTRY: usize = 16;

/// The smallest memtable entry the size estimate counts (overhead, a short key, a cell).
const SMALLEST_ENTRY: usize = 104;

/// See the module docs. The default, with no budget, is a placeholder that excludes nothing.
#[derive(Default)]
pub(crate) struct ActiveKeys {
    /// The memtable size budget, in bytes.
    budget: usize,
    /// The log number of the memtable the filter describes.
    memtable: Option<u64>,
    bits: Vec<u8>,
}

impl ActiveKeys {
    /// A filter for memtables with a budget of `budget` bytes.
    pub(crate) fn new(budget: usize) -> Self {
        ActiveKeys {
            budget,
            ..ActiveKeys::default()
        }
    }

    /// Makes the filter describe the memtable with log number `mem_log`, emptied if it
    /// described another.
    pub(crate) fn follow(&mut self, mem_log: u64) {
        if self.memtable == Some(mem_log) {
            return;
        }
        // No budget (the placeholder), no bits: nothing is excluded.
        let entries = self.budget / SMALLEST_ENTRY;
        let len = blocked_bloom::array_len(entries, BITS_PER_ENTRY);
        self.bits.clear();
        self.bits.resize(len, 0);
        self.memtable = Some(mem_log);
    }

    /// Reads the cache line of `hash`'s probes (see [`blocked_bloom::touch`]).
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        blocked_bloom::touch(&self.bits, hash)
    }

    /// Adds `hash`; returns whether the filter may have held it already (`false`: no write to
    /// the memtable before this one had this key).
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        let held = blocked_bloom::may_contain(&self.bits, PROBES, hash);
        if !self.bits.is_empty() {
            blocked_bloom::insert(&mut self.bits, PROBES, hash);
        }
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::table::bloom::bloom_hash;

    #[test]
    fn a_key_is_new_once_per_memtable_and_the_filter_follows_the_memtable() {
        let mut keys = ActiveKeys::new(1 << 20);
        keys.follow(7);
        let hashes: Vec<u64> = (0..5_000u32)
            .map(|i| bloom_hash(&i.to_le_bytes()))
            .collect();
        let new = hashes.iter().filter(|&&h| !keys.insert(h)).count();
        assert!(new > 4_990, "{new} of 5000 distinct keys seen as new");
        assert!(hashes.iter().all(|&h| keys.insert(h)), "no false negative");
        keys.follow(7);
        assert!(
            hashes.iter().all(|&h| keys.insert(h)),
            "same memtable: kept"
        );
        keys.follow(8);
        let new = hashes.iter().filter(|&&h| !keys.insert(h)).count();
        assert!(new > 4_990, "another memtable starts empty: {new}");
    }

    #[test]
    fn the_placeholder_says_maybe() {
        let mut keys = ActiveKeys::default();
        keys.follow(1);
        assert!(keys.insert(42), "without a budget nothing is excluded");
    }
}
