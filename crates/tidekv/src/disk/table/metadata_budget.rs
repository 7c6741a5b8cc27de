//! The memory that open tables' metadata (indexes, whole bloom filters, properties) may take,
//! charged to the block cache, which gives up as much room for data blocks.
//!
//! A reader charges what it pins when it pins it — at open, or later when it first needs its
//! index or decides to keep its whole filter — and releases it when it is dropped, so the count
//! is what open readers hold, including readers that a running merge still holds after the
//! table cache closed them. The table cache (`table_cache.rs`) closes tables while the count is
//! over the budget; a reader keeps its whole filter in memory only if that fits
//! ([`MetadataBudget::try_charge`]), and otherwise reads the one partition a lookup needs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use crate::disk::table::cache::BlockCache;
use crate::disk::table::table_cache::TableCache;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct MetadataBudget {
    blocks: Arc<BlockCache>,
    max: usize,
    /// Bytes charged by readers not yet dropped.
    used: AtomicUsize,
    /// The table cache that closes tables when a charge that must be held goes over.
    owner: OnceLock<Weak<TableCache>>,
}

impl MetadataBudget {
    /// A budget of `max` bytes, charged to `blocks`.
    pub(crate) fn new(blocks: Arc<BlockCache>, max: usize) -> Arc<MetadataBudget> {
        Arc::new(MetadataBudget {
            blocks,
            max,
            used: AtomicUsize::new(0),
            owner: OnceLock::new(),
        })
    }

    /// Makes `cache` close tables whenever [`MetadataBudget::charge`] leaves the budget over.
    pub(crate) fn set_owner(&self, cache: &Arc<TableCache>) {
        let _ = self.owner.set(Arc::downgrade(cache));
    }

    /// Charges `bytes` that must be held whatever the budget (a table cannot be read without
    /// its index); if that goes over, the owning table cache closes tables not used lately to
    /// make up for it. Without this, an index read after its table's open (format 3) could push
    /// the charges past the budget with no open to trigger a close, and starve the block cache
    /// of room for data blocks. Never call it with the table cache's lock held.
    pub(crate) fn charge(&self, bytes: usize) {
        self.used.fetch_add(bytes, Ordering::Relaxed);
        self.blocks.reserve(bytes);
        if self.over() {
            if let Some(cache) = self.owner.get().and_then(Weak::upgrade) {
                cache.shrink();
            }
        }
    }

    /// Charges `bytes` if they fit under the budget; returns whether they were charged.
    pub(crate) fn try_charge(&self, bytes: usize) -> bool {
        let fits = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&after| after <= self.max)
            })
            .is_ok();
        if fits {
            self.blocks.reserve(bytes);
        }
        fits
    }

    /// Gives back `bytes` charged earlier by one call: the block cache spreads a reservation over
    /// its shards, and gives back exactly what it set aside only for the same amount.
    pub(crate) fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
        self.blocks.release(bytes);
    }

    /// Bytes charged now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Bytes that can still be charged before the budget is reached.
    pub(crate) fn room(&self) -> usize {
        self.max.saturating_sub(self.used())
    }

    /// Whether the charges are over the budget.
    pub(crate) fn over(&self) -> bool {
        self.used() > self.max
    }

    /// The block cache the charges go to.
    pub(crate) fn blocks(&self) -> &Arc<BlockCache> {
        &self.blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_move_the_block_cache_reservation_and_try_charge_respects_the_budget() {
        let blocks = BlockCache::new(1 << 20);
        let budget = MetadataBudget::new(Arc::clone(&blocks), 1000);
        budget.charge(600);
        assert_eq!((budget.used(), blocks.stats().reserved), (600, 600));
        assert!(!budget.try_charge(401), "600 + 401 is over 1000");
        assert_eq!(budget.room(), 400);
        assert!(budget.try_charge(400));
        assert_eq!(budget.room(), 0);
        assert!(!budget.over());
        budget.charge(1);
        assert!(budget.over());
        for charged in [1, 400, 600] {
            budget.release(charged);
        }
        assert_eq!((budget.used(), blocks.stats().reserved), (0, 0));
    }
}
