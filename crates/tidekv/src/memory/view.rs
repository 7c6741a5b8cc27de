//! Point-in-time views of a keyspace, and lazy sorted iteration over them.
//!
//! A view clones every shard's `map` and `order` while holding all the keyspace's read locks, so it is
//! one consistent cut: a batch (which holds the write locks of all its shards while it applies) is in
//! it entirely or not at all. Cloning is O(1) per shard (persistent structures); writers go on at once
//! and pay only for copying the tree paths they change while the view is alive.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Bound;

use bytes::Bytes;

use crate::memory::entry::Entry;
use crate::memory::keyspace::Shards;
use crate::memory::shard::{Map, ShardState};

/// How many keys a cursor copies out of its shard per refill.
const CHUNK: usize = 64;

/// One shard as it was when the view was taken.
#[derive(Clone)]
pub(crate) struct ShardView {
    map: Map,
    order: imbl::OrdSet<Bytes>,
}

impl ShardView {
    /// The shard's contents now; O(1). The caller holds the shard's lock.
    pub(crate) fn of(state: &ShardState) -> Self {
        ShardView {
            map: state.map.clone(),
            order: state.order.clone(),
        }
    }
}

/// Takes a consistent view of every shard of `shards`.
pub(crate) fn view_of(shards: &Shards) -> Vec<ShardView> {
    shards.read_all().iter().map(|g| ShardView::of(g)).collect()
}

/// Whether `(lower, upper)` contains no key at all (also guards the ordered-set range call, which
/// must never see an inverted range).
pub(crate) fn is_empty_range(lower: &Bound<Bytes>, upper: &Bound<Bytes>) -> bool {
    match (lower, upper) {
        (Bound::Included(l), Bound::Included(u)) => l > u,
        (Bound::Included(l), Bound::Excluded(u))
        | (Bound::Excluded(l), Bound::Included(u))
        | (Bound::Excluded(l), Bound::Excluded(u)) => l >= u,
        _ => false,
    }
}

/// Walks one shard view in key order, a chunk at a time, skipping entries dead at `now`.
struct Cursor {
    view: ShardView,
    lower: Bound<Bytes>,
    upper: Bound<Bytes>,
    now: u64,
    buffer: VecDeque<(Bytes, Entry)>,
    exhausted: bool,
}

impl Cursor {
    fn next(&mut self) -> Option<(Bytes, Entry)> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(item);
            }
            if self.exhausted {
                return None;
            }
            self.refill();
        }
    }

    fn refill(&mut self) {
        if is_empty_range(&self.lower, &self.upper) {
            self.exhausted = true;
            return;
        }
        let mut last = None;
        let mut seen = 0;
        for key in self
            .view
            .order
            .range((self.lower.clone(), self.upper.clone()))
            .take(CHUNK)
        {
            seen += 1;
            last = Some(key.clone());
            if let Some(entry) = self.view.map.get(key) {
                if !entry.is_expired_at(self.now) {
                    self.buffer.push_back((key.clone(), entry.clone()));
                }
            }
        }
        match last {
            Some(key) if seen == CHUNK => self.lower = Bound::Excluded(key),
            _ => self.exhausted = true,
        }
    }
}

/// A lazy k-way merge of the shard cursors of one view: every key lives in exactly one shard, so the
/// merge only orders, it never has to pick between duplicates.
pub(crate) struct MergedScan {
    cursors: Vec<Cursor>,
    heads: BinaryHeap<Reverse<(Bytes, usize)>>,
    pending: Vec<Option<Entry>>,
}

impl MergedScan {
    pub(crate) fn new(
        views: Vec<ShardView>,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        now: u64,
    ) -> Self {
        let mut scan = MergedScan {
            cursors: Vec::with_capacity(views.len()),
            heads: BinaryHeap::with_capacity(views.len()),
            pending: Vec::with_capacity(views.len()),
        };
        for view in views {
            scan.cursors.push(Cursor {
                view,
                lower: lower.clone(),
                upper: upper.clone(),
                now,
                buffer: VecDeque::new(),
                exhausted: false,
            });
            scan.pending.push(None);
        }
        for i in 0..scan.cursors.len() {
            scan.advance(i);
        }
        scan
    }

    fn advance(&mut self, i: usize) {
        let next = self.cursors.get_mut(i).and_then(Cursor::next);
        if let (Some((key, entry)), Some(slot)) = (next, self.pending.get_mut(i)) {
            *slot = Some(entry);
            self.heads.push(Reverse((key, i)));
        }
    }
}

impl Iterator for MergedScan {
    type Item = (Bytes, Entry);

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
