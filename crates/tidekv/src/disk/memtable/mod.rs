//! The memtable: recent writes, in memory, sorted by internal key, until they are flushed to a
//! table.
//!
//! A skip list of its own (`skiplist.rs`): inserts take turns without blocking readers, readers
//! never lock. Every version of a key is a separate entry (internal keys end with the sequence
//! number, see `key.rs`), so a reader at snapshot `S` sees exactly the versions with `seq <= S`, and
//! a flush writes every version out in order.
//!
//! Invariant: an internal key is inserted at most once (sequence numbers are unique), so an insert
//! never replaces an entry a reader could be looking at.
//!
//! Keys are [`HeadKey`]s: the first bytes inline in the node make most comparisons of a search
//! free of pointer chasing (see `head_key.rs`).

mod arena;
mod presence_filter;
mod recycled;
mod skiplist;
#[cfg(test)]
mod skiplist_tests;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::disk::head_key::HeadKey;
use crate::disk::key::{split_seq, SEQ_LEN};
use crate::disk::lookup::LookupKey;
use crate::disk::table::bloom::bloom_hash;
pub(crate) use arena::EntryArena;
pub(crate) use presence_filter::PresenceFilter;
pub(crate) use recycled::Recycled;
pub(crate) use skiplist::Cursor;
use skiplist::{Entry, SkipList, NODE_BYTES};

/// Per-entry overhead counted in the size estimate: the skip-list node (its links, the inline
/// key head and the key and value handles).
const ENTRY_OVERHEAD: usize = NODE_BYTES;

/// A sorted, concurrent, size-tracked map from internal key to encoded value.
pub(crate) struct Memtable {
    map: Arc<SkipList>,
    size: AtomicUsize,
    /// The [`bloom_hash`] of every entry's identifying prefix, in insertion order, until
    /// [`Memtable::seal`] builds the filter from them. Appending costs an insert a few
    /// nanoseconds; keeping a filter up to date instead would cost it a cache miss and several
    /// atomic operations, and building one by walking the skip list would take ~300 ns per
    /// entry of pointer chasing while the frozen memtable has no filter.
    hashes: Mutex<Vec<u64>>,
    /// Built by [`Memtable::seal`] once the memtable is frozen, over every key's identifying
    /// prefix: a lookup it rules out skips the search. The active memtable has none.
    ///
    /// Invariant: once set, no entry is inserted (a key missing from the filter would be a false
    /// "absent").
    filter: OnceLock<PresenceFilter>,
    /// Where the hash list and the filter array go when done with (see `recycled.rs`).
    recycled: Arc<Recycled>,
}

/// Filter bits per entry: about 0.1% false positives (`disk/blocked_bloom.rs`).
pub(crate) const FILTER_BITS_PER_ENTRY: usize = 16;

/// The smallest entry the size estimate counts: overhead, a short internal key, a cell. A
/// memtable of `budget` bytes holds about `budget / SMALLEST_ENTRY` entries at most (it may
/// overshoot its budget by the record that fills it).
pub(crate) const SMALLEST_ENTRY: usize = ENTRY_OVERHEAD + 16;

impl Memtable {
    /// An empty memtable whose large buffers come from, and go back to, `recycled`.
    pub(crate) fn new(recycled: Arc<Recycled>) -> Self {
        Memtable {
            map: Arc::default(),
            size: AtomicUsize::new(0),
            hashes: Mutex::new(recycled.take_hashes()),
            filter: OnceLock::new(),
            recycled,
        }
    }

    /// An empty memtable sharing this one's recycled buffers: the one that replaces it.
    pub(crate) fn successor(&self) -> Self {
        Memtable::new(Arc::clone(&self.recycled))
    }

    /// Builds the presence filter: call once nothing more will be inserted (the memtable is
    /// frozen; see the invariant on `filter`). Until then, and if never called, lookups search.
    /// It costs one cache line per entry (a few milliseconds for a full memtable). The hash
    /// list is given back for the next memtable.
    pub(crate) fn seal(&self) {
        self.filter.get_or_init(|| {
            let mut hashes = self.hashes.lock();
            let mut filter = PresenceFilter::new(
                self.recycled.take_filter(),
                hashes.len(),
                FILTER_BITS_PER_ENTRY,
            );
            for &hash in hashes.iter() {
                filter.insert(hash);
            }
            self.recycled.put_hashes(std::mem::take(&mut *hashes));
            filter
        });
    }

    /// Adds one version. `internal_key` must be new (see the invariant).
    pub(crate) fn insert(&self, internal_key: Bytes, value: Bytes) {
        let hash = bloom_hash(split_seq(&internal_key).map_or(&[][..], |(prefix, _)| prefix));
        self.insert_hashed(internal_key, value, hash);
    }

    /// Inserts the entry, whose prefix's [`bloom_hash`] is `hash`, and remembers the hash for
    /// the filter.
    pub(crate) fn insert_hashed(&self, internal_key: Bytes, value: Bytes, hash: u64) -> Entry<'_> {
        debug_assert!(
            self.filter.get().is_none(),
            "an insert into a sealed memtable"
        );
        let added = internal_key.len() + value.len() + ENTRY_OVERHEAD;
        self.hashes.lock().push(hash);
        let entry = self.map.insert(HeadKey::new(internal_key), value);
        self.size.fetch_add(added, Ordering::Relaxed);
        entry
    }

    /// Adds one version like [`Memtable::insert`], then calls `then` with the new internal key,
    /// its prefix's [`bloom_hash`] and the value of the next older version of the same key in
    /// this memtable, if any: the entry right after the new one, reached from the insert's own
    /// search (versions sort newest first, and the search has just compared the new key with
    /// it, so it is in cache). Nothing is copied.
    pub(crate) fn insert_finding_older<R>(
        &self,
        internal_key: Bytes,
        value: Bytes,
        then: impl FnOnce(&[u8], u64, Option<&[u8]>) -> R,
    ) -> R {
        let len = internal_key.len();
        let hash = bloom_hash(
            internal_key
                .get(..len.saturating_sub(SEQ_LEN))
                .unwrap_or_default(),
        );
        let entry = self.insert_hashed(internal_key, value, hash);
        let inserted = entry.key();
        let next = entry.next();
        // The older version of the same key has the same length and the same bytes but for the
        // sequence number; a different key differs early, within the inline heads.
        let older = next.as_ref().and_then(|next| {
            let same = next.key().bytes().len() == len
                && next
                    .key()
                    .starts_equal(inserted, len.saturating_sub(SEQ_LEN));
            same.then(|| next.value().as_ref())
        });
        then(inserted.bytes(), hash, older)
    }

    /// Reads the filter line of `hash` into cache, if sealed (see [`PresenceFilter::touch`]).
    pub(crate) fn touch(&self, hash: u64) -> u8 {
        self.filter.get().map_or(0, |f| f.touch(hash))
    }

    /// `false` only if no key with this prefix hash was inserted (known only once sealed).
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        self.filter.get().is_none_or(|f| f.may_contain(hash))
    }

    /// The newest version of `lookup`'s key visible at its snapshot, as `(seq, value)`.
    pub(crate) fn get(&self, lookup: &LookupKey) -> Option<(u64, Bytes)> {
        if !self.may_contain_hash(lookup.hash()) {
            return None;
        }
        let entry = self.map.seek(lookup.seek())?;
        let (found, seq) = split_seq(entry.key().bytes())?;
        (found == lookup.prefix()).then(|| (seq, entry.value().clone()))
    }

    /// A cursor at the first entry whose internal key is at or after `lower`. It holds a share of
    /// the skip list, not of the memtable or any lock, and steps with one load per entry; it may
    /// see entries inserted after it was made (the engine filters by sequence number to keep
    /// scans point-in-time).
    pub(crate) fn cursor(&self, lower: &[u8]) -> Cursor {
        Cursor::seek_bytes(Arc::clone(&self.map), lower)
    }

    /// The first internal key in `lower..upper`, if any.
    pub(crate) fn first_in(&self, lower: &[u8], upper: &[u8]) -> Option<Bytes> {
        let first = self.map.seek_bytes(lower)?;
        (&first.key().bytes()[..] < upper).then(|| first.key().bytes().clone())
    }

    /// Bytes of keys, values and per-entry overhead: what decides when to flush.
    pub(crate) fn approximate_size(&self) -> usize {
        self.size.load(Ordering::Relaxed)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.len() == 0
    }
}

impl Drop for Memtable {
    fn drop(&mut self) {
        if let Some(filter) = self.filter.take() {
            self.recycled.put_filter(filter.into_bits());
        }
        self.recycled
            .put_hashes(std::mem::take(self.hashes.get_mut()));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::disk::key::{internal_key, put_prefix, Space};

    fn prefix(key: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        put_prefix(&mut p, 0, Space::User, key, b"");
        p
    }

    fn get(m: &Memtable, prefix: &[u8], snapshot: u64) -> Option<(u64, Bytes)> {
        m.get(&LookupKey::new(prefix.to_vec(), snapshot))
    }

    fn put(m: &Memtable, key: &[u8], seq: u64, value: &str) {
        m.insert(
            internal_key(0, Space::User, key, b"", seq),
            Bytes::copy_from_slice(value.as_bytes()),
        );
    }

    #[test]
    fn get_returns_the_newest_version_visible_at_the_snapshot() {
        let m = Memtable::new(Arc::default());
        put(&m, b"k", 5, "v5");
        put(&m, b"k", 9, "v9");
        put(&m, b"k\x00", 7, "other key");
        put(&m, b"j", 8, "before");
        let got = |snap| get(&m, &prefix(b"k"), snap);
        assert_eq!(got(4), None);
        assert_eq!(got(5), Some((5, Bytes::from_static(b"v5"))));
        assert_eq!(got(8), Some((5, Bytes::from_static(b"v5"))));
        assert_eq!(got(9), Some((9, Bytes::from_static(b"v9"))));
        assert_eq!(got(u64::MAX), Some((9, Bytes::from_static(b"v9"))));
        assert_eq!(get(&m, &prefix(b"missing"), u64::MAX), None);
        assert_eq!(get(&m, &prefix(b"k\x00"), 6), None);
        assert_eq!(m.len(), 4);
        assert!(m.approximate_size() > 4 * ENTRY_OVERHEAD);
    }

    #[test]
    fn a_cursor_walks_everything_from_where_it_starts_in_order() {
        let m = Memtable::new(Arc::default());
        for i in (0..200u64).rev() {
            put(&m, format!("key{i:03}").as_bytes(), i, "v");
        }
        let walk = |from: &[u8]| {
            let mut cursor = m.cursor(from);
            let mut seen = Vec::new();
            while let Some(entry) = cursor.entry() {
                seen.push(entry.key().bytes().clone());
                cursor.advance();
            }
            cursor.advance();
            assert!(cursor.entry().is_none(), "past the end stays past the end");
            seen
        };
        let all = walk(b"");
        assert_eq!(all.len(), 200);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        // From the middle: every key from `key150` on (its internal key sorts after its prefix).
        let tail = walk(&prefix(b"key150"));
        assert_eq!(tail.len(), 50);
        assert!(tail[0].starts_with(&prefix(b"key150")));
        assert!(walk(&prefix(b"l")).is_empty());
    }

    #[test]
    fn concurrent_writers_and_readers_see_every_version() {
        let m = Arc::new(Memtable::new(Arc::default()));
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let m = Arc::clone(&m);
                s.spawn(move || {
                    for i in 0..1_000u64 {
                        put(
                            &m,
                            format!("k{}", i % 50).as_bytes(),
                            t * 1_000 + i + 1,
                            "v",
                        );
                    }
                });
            }
            let m = Arc::clone(&m);
            s.spawn(move || {
                for _ in 0..1_000 {
                    if let Some((seq, _)) = get(&m, &prefix(b"k7"), u64::MAX) {
                        assert_eq!((seq - 1) % 1_000 % 50, 7, "a version of another key");
                    }
                }
            });
        });
        assert_eq!(m.len(), 4_000);
        // k7's newest version is the highest sequence any thread gave it.
        let newest = (0..4u64)
            .flat_map(|t| {
                (0..1_000u64)
                    .filter(|i| i % 50 == 7)
                    .map(move |i| t * 1_000 + i + 1)
            })
            .max();
        assert_eq!(get(&m, &prefix(b"k7"), u64::MAX).map(|(s, _)| s), newest);
    }
}
