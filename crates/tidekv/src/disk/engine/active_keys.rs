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
//! The filter is a [`PresenceFilter`], the frozen memtables' kind, and follows one memtable,
//! named by its log number: resolving for another memtable starts it afresh (in the same array).
//! It is sized from the memtable budget; a memtable that overshoots it only raises the
//! false-positive rate.

use crate::disk::memtable::{PresenceFilter, FILTER_BITS_PER_ENTRY, SMALLEST_ENTRY};

/// See the module docs. The default, with no budget, is a placeholder that excludes nothing.
#[derive(Default)]
pub(crate) struct ActiveKeys {
    /// The memtable size budget, in bytes.
    budget: usize,
    /// The log number of the memtable the filter describes, and the filter (none without a
    /// budget).
    memtable: Option<u64>,
    filter: Option<PresenceFilter>,
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
        self.memtable = Some(mem_log);
        let entries = self.budget / SMALLEST_ENTRY;
        self.filter = (entries > 0).then(|| {
            let buffer = self
                .filter
                .take()
                .map(PresenceFilter::into_bits)
                .unwrap_or_default();
            PresenceFilter::new(buffer, entries, FILTER_BITS_PER_ENTRY)
        });
    }

    /// Reads the cache line of `hash`'s probes (see [`PresenceFilter::touch`]).
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        self.filter.as_ref().map_or(0, |f| f.touch(hash))
    }

    /// Adds `hash`; returns whether the filter may have held it already (`false`: no write to
    /// the memtable before this one had this key).
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        let Some(filter) = &mut self.filter else {
            return true;
        };
        let held = filter.may_contain(hash);
        filter.insert(hash);
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
