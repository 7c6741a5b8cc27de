//! Versions and pre-images: how a view reads a shard as it was, while writers change it in place.
//!
//! Every change to a shard gets the next shard version, stored in the changed entry. A view records
//! each shard's version `V` when it is taken (under all the keyspace's read locks: one consistent
//! cut) and copies the shard's persistent key set in O(1), which fixes *which* keys it sees. For
//! *values*, while any view is alive a writer about to change an entry whose version is `<= newest
//! live view` first saves it as a pre-image, stamped with the version that superseded it. A view at
//! `V` then reads key `k` as:
//!
//! - `map[k]`, if its version is `<= V` (unchanged since the view was taken); otherwise
//! - the pre-image `p` of `k` with `p.entry.version <= V < p.superseded_at` (exactly one exists).
//!
//! Cost: with no view alive, a write pays one atomic load (`newest_view`). With views alive, the
//! first change to each visible key keeps one cheap clone (a reference count) of its old value;
//! later changes to the same key keep nothing. History is dropped when the last view goes, and
//! pruned to what the remaining views need once it has doubled since the last pruning (so a
//! dropped view costs O(1) amortized, not a walk over all history).

use std::sync::atomic::Ordering;

use crate::memory::entry::Entry;
use crate::memory::shard::{PreImage, ShardState};

impl ShardState {
    /// Registers a view of this shard at its current version and returns that version. The caller
    /// holds the shard's read lock, so no writer is between its version check and its change.
    pub(crate) fn register_view(&self) -> u64 {
        let version = self.version;
        // `newest_view` changes only under the `views` mutex, so it always matches the registry.
        let mut views = self.views.lock();
        *views.entry(version).or_default() += 1;
        self.newest_view.fetch_max(version + 1, Ordering::AcqRel);
        drop(views);
        version
    }

    /// Forgets a view taken at `version`. The caller holds the shard's read lock (the registry and
    /// `newest_view` change only under the `views` mutex). Returns whether the history now needs
    /// `prune_history` under the write lock: when the last view went, or when the history has
    /// doubled since it was last pruned, which keeps pruning amortized O(1) per pre-image.
    pub(crate) fn forget_view(&self, version: u64) -> bool {
        let mut views = self.views.lock();
        if let Some(count) = views.get_mut(&version) {
            *count -= 1;
            if *count == 0 {
                views.remove(&version);
            }
        }
        let newest = views.last_key_value().map_or(0, |(v, _)| v + 1);
        self.newest_view.store(newest, Ordering::Release);
        self.history_len > 0
            && (views.is_empty() || self.history_len >= 2 * self.history_len_pruned + 64)
    }

    /// Drops the pre-images no live view needs; the caller holds the write lock. Returns them, to be
    /// freed after the lock is released.
    pub(crate) fn prune_history(&mut self) -> Vec<PreImage> {
        let views = self.views.lock();
        let mut freed = Vec::new();
        if views.is_empty() {
            freed.extend(self.history.drain().flat_map(|(_, images)| images));
        } else {
            // A pre-image is needed while some view `W` has `entry.version <= W < superseded_at`.
            self.history.retain(|_, images| {
                let (keep, drop): (Vec<_>, Vec<_>) =
                    std::mem::take(images).into_iter().partition(|p| {
                        views
                            .range(p.entry.version..p.superseded_at)
                            .next()
                            .is_some()
                    });
                *images = keep;
                freed.extend(drop);
                !images.is_empty()
            });
        }
        drop(views);
        self.history_len = self.history.values().map(Vec::len).sum();
        self.history_len_pruned = self.history_len;
        freed
    }

    /// The entry at `key` as a view at `version` sees it (expiry not applied).
    pub(crate) fn entry_at(&self, key: &[u8], version: u64) -> Option<Entry> {
        if let Some(entry) = self.map.get(key) {
            if entry.version <= version {
                return Some(entry.clone());
            }
        }
        self.history
            .get(key)?
            .iter()
            .find(|p| p.entry.version <= version && version < p.superseded_at)
            .map(|p| p.entry.clone())
    }
}
