//! Point-in-time views of a keyspace, and lazy sorted iteration over them.
//!
//! Taking a view read-locks every shard of the keyspace at once (one consistent cut: a batch, which
//! holds the write locks of all its shards while it applies, is in it entirely or not at all),
//! registers the view at each shard's version and copies each shard's persistent key set in O(1).
//! The locks are then released: writers go on, keeping pre-images for the view (`versions.rs`).
//! Iteration reads values a chunk at a time, each chunk under one shard read lock.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use crate::engine::is_empty_range;
use crate::memory::data::MemoryData;
use crate::memory::entry::Entry;
use crate::memory::key::Key;
use crate::memory::keyspace::Shards;

/// How many keys a cursor reads out of its shard per lock acquisition.
const CHUNK: usize = 64;

/// One shard as the view sees it: its version and its key set at that version.
struct ShardView {
    version: u64,
    order: imbl::OrdSet<Key>,
}

/// A registered view of one keyspace. Dropping it unregisters it from every shard, which frees the
/// history no other view needs.
pub(crate) struct View {
    data: Arc<MemoryData>,
    ks: u32,
    shards: Vec<ShardView>,
    /// The clock reading when the view was taken: expiry is judged at this instant.
    now: u64,
}

impl View {
    /// A view of one keyspace, or `None` if it has never been written.
    pub(crate) fn take(data: &Arc<MemoryData>, ks: u32) -> Option<View> {
        let shards = data.existing(ks)?;
        Self::take_of(data, vec![(ks, shards)]).pop()
    }

    /// Views of every keyspace, taken at one instant. Keyspace creation is held off meanwhile, so
    /// a keyspace created during the call is either entirely in (if created before) or after it.
    pub(crate) fn take_all(data: &Arc<MemoryData>) -> Vec<View> {
        let _creating = data.creating.read();
        Self::take_of(data, data.existing_keyspaces().collect())
    }

    /// Read-locks all shards of `all` together (keyspaces ascending, shards ascending: the global
    /// lock order), registers a view at each and copies each key set.
    fn take_of(data: &Arc<MemoryData>, all: Vec<(u32, &Shards)>) -> Vec<View> {
        let guards: Vec<_> = all.iter().map(|(_, s)| s.read_all()).collect();
        let now = data.clock.now_ms();
        all.iter()
            .zip(&guards)
            .map(|((ks, _), states)| View {
                data: Arc::clone(data),
                ks: *ks,
                shards: states
                    .iter()
                    .map(|s| ShardView {
                        version: s.register_view(),
                        order: s.order.clone(),
                    })
                    .collect(),
                now,
            })
            .collect()
    }

    /// A lazy sorted scan of this view over `(lower, upper)`.
    pub(crate) fn scan(self, lower: Bound<Bytes>, upper: Bound<Bytes>) -> MergedScan {
        MergedScan::new(Arc::new(self), lower, upper)
    }

    pub(crate) fn keyspace(&self) -> u32 {
        self.ks
    }

    fn shards(&self) -> Option<&Shards> {
        self.data.existing(self.ks)
    }
}

impl Drop for View {
    fn drop(&mut self) {
        let Some(shards) = self.data.existing(self.ks) else {
            return;
        };
        for (i, view) in self.shards.iter().enumerate() {
            let shard = shards.shard(i);
            // Unregistering needs only the read lock; the write lock is taken only when the
            // history has work to do, so dropping a scan rarely stalls that shard's readers.
            let needs_pruning = shard.state.read().forget_view(view.version);
            if needs_pruning {
                let freed = shard.state.write().prune_history();
                drop(freed);
            }
        }
    }
}

/// Walks one shard of a view in key order, a chunk at a time, skipping entries dead at view time.
struct Cursor {
    shard: usize,
    lower: Bound<Key>,
    upper: Bound<Key>,
    buffer: VecDeque<(Key, Entry)>,
    exhausted: bool,
}

impl Cursor {
    fn next(&mut self, view: &View) -> Option<(Key, Entry)> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(item);
            }
            if self.exhausted {
                return None;
            }
            self.refill(view);
        }
    }

    fn refill(&mut self, view: &View) {
        let (Some(shards), Some(shard_view)) = (view.shards(), view.shards.get(self.shard)) else {
            self.exhausted = true;
            return;
        };
        if is_empty_range(&self.lower, &self.upper) {
            self.exhausted = true;
            return;
        }
        let range = (
            self.lower.as_ref().map(|k| &k[..]),
            self.upper.as_ref().map(|k| &k[..]),
        );
        let keys: Vec<Key> = shard_view
            .order
            .range::<_, [u8]>(range)
            .take(CHUNK)
            .cloned()
            .collect();
        match keys.last() {
            Some(last) if keys.len() == CHUNK => self.lower = Bound::Excluded(last.clone()),
            _ => self.exhausted = true,
        }
        let state = shards.shard(self.shard).state.read();
        for key in keys {
            if let Some(entry) = state.entry_at(&key, shard_view.version) {
                if !entry.is_expired_at(view.now) {
                    self.buffer.push_back((key, entry));
                }
            }
        }
    }
}

/// A lazy k-way merge of the shard cursors of one view: every key lives in exactly one shard, so the
/// merge only orders, it never has to pick between duplicates.
pub(crate) struct MergedScan {
    view: Arc<View>,
    cursors: Vec<Cursor>,
    heads: BinaryHeap<Reverse<(Key, usize)>>,
    pending: Vec<Option<Entry>>,
}

impl MergedScan {
    fn new(view: Arc<View>, lower: Bound<Bytes>, upper: Bound<Bytes>) -> Self {
        let count = view.shards.len();
        let lower = lower.map(|b| Key::from(&b[..]));
        let upper = upper.map(|b| Key::from(&b[..]));
        let mut scan = MergedScan {
            cursors: (0..count)
                .map(|shard| Cursor {
                    shard,
                    lower: lower.clone(),
                    upper: upper.clone(),
                    buffer: VecDeque::new(),
                    exhausted: false,
                })
                .collect(),
            heads: BinaryHeap::with_capacity(count),
            pending: vec![None; count],
            view,
        };
        for i in 0..count {
            scan.advance(i);
        }
        scan
    }

    fn advance(&mut self, i: usize) {
        let view = &self.view;
        let next = self.cursors.get_mut(i).and_then(|c| c.next(view));
        if let (Some((key, entry)), Some(slot)) = (next, self.pending.get_mut(i)) {
            *slot = Some(entry);
            self.heads.push(Reverse((key, i)));
        }
    }
}

impl Iterator for MergedScan {
    /// Keys come out as the shard holds them; a caller outside the backend copies them out.
    type Item = (Key, Entry);

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((key, i)) = self.heads.pop()?;
        let entry = self.pending.get_mut(i).and_then(Option::take);
        self.advance(i);
        entry.map(|e| (key, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_ranges_are_detected() {
        let a = Bytes::from_static(b"a");
        let b = Bytes::from_static(b"b");
        assert!(is_empty_range(
            &Bound::Included(b.clone()),
            &Bound::Included(a.clone())
        ));
        assert!(is_empty_range(
            &Bound::Included(a.clone()),
            &Bound::Excluded(a.clone())
        ));
        assert!(!is_empty_range(
            &Bound::Included(a.clone()),
            &Bound::Included(a.clone())
        ));
        assert!(!is_empty_range(&Bound::Unbounded, &Bound::Excluded(a)));
    }
}
