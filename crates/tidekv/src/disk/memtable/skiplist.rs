//! The memtable's sorted map: a skip list whose inserts take turns and whose readers never lock,
//! with its nodes carved from chunks it owns and frees all at once.
//!
//! Why not `crossbeam-skiplist`, which the memtable used before: a memtable never removes an
//! entry, so it needs none of what a general concurrent map pays for (a reference count per
//! node, epochs, deferred frees, a `malloc` per node and its `free` on the flush thread, which
//! contended with the writer for glibc's arena lock). With nodes carved from chunks, malloc and
//! free fell from 7.6 % to 0.8 % of a random insert and the insert ran 4-10 % faster
//! (`bench/profiles/insert-put-path-2026-12-05.txt`, `BENCHMARKS.md`). A node's links sit right
//! before its key's inline head, so a search step can read both from one cache line; the
//! search itself cost the same as crossbeam's in that profile (its misses are the nodes).
//!
//! The design is the classic one of LevelDB's memtable (a tower of links per node, height drawn
//! with probability 1/4 per level, inserts linked bottom-up with release stores, readers
//! following links with acquire loads).
//!
//! Invariants:
//! - a node, once linked, is never changed (but for its links, which are atomic) nor freed
//!   before the list is dropped, which needs `&mut self`: no reader can hold one then;
//! - a node is fully written, links included, before the first release store that makes it
//!   reachable, and it is linked bottom-up, so a reader that reaches it at level `i` finds its
//!   links below `i` set;
//! - inserts hold `writer`, so the links a search found for a new node are still its
//!   neighbours when it is linked.
//!
//! The only `unsafe` code in the library is here (the workspace denies it elsewhere): every
//! block states why it holds, and the tests at the end run under Miri (`docs/testing.md`).

#![allow(unsafe_code)]

use std::cmp::Ordering as KeyOrder;
use std::marker::PhantomData;
use std::mem::{align_of, size_of, MaybeUninit};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::disk::head_key::{head_of, HeadKey};

mod cursor;
pub(crate) use cursor::Cursor;

/// Levels of the tallest tower. With one node in four reaching each next level, 12 levels keep
/// searches logarithmic up to about 16 million entries, far more than a memtable holds.
const MAX_HEIGHT: usize = 12;

/// Words (of 8 bytes) in one chunk of node memory: 64 KiB.
const CHUNK_WORDS: usize = 8 * 1024;

/// One entry. In memory, its tower of `height` links sits right before it (level 0 last), so
/// the link a search follows and the key head it compares share a cache line.
#[repr(C)]
struct Node {
    key: HeadKey,
    value: Bytes,
    height: usize,
}

/// Bytes of a node with a tower of the average height (4/3 links, rounded up): what the
/// memtable counts per entry.
pub(crate) const NODE_BYTES: usize = size_of::<Node>() + 2 * size_of::<usize>();

const NODE_WORDS: usize = size_of::<Node>() / size_of::<u64>();
// Nodes and links are carved from `u64` words: both must fit their alignment and size.
const _: () = assert!(align_of::<Node>() <= align_of::<u64>());
const _: () = assert!(size_of::<Node>().is_multiple_of(size_of::<u64>()));
const _: () = assert!(size_of::<AtomicPtr<Node>>() == size_of::<u64>());
const _: () = assert!(NODE_WORDS + MAX_HEIGHT <= CHUNK_WORDS);

/// A node of a list (or its head), valid while the list is borrowed.
///
/// A pointer, not a `&Node`: a node's links lie *before* it, outside any reference to the node,
/// so they are reached from a pointer that carries its chunk's provenance (Miri checks this).
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    node: NonNull<Node>,
    list: PhantomData<&'a SkipList>,
}

impl<'a> Entry<'a> {
    /// An entry for a node pointer read from the list: null is none.
    fn from_link(link: *mut Node) -> Option<Entry<'a>> {
        NonNull::new(link).map(|node| Entry {
            node,
            list: PhantomData,
        })
    }

    fn node(self) -> &'a Node {
        // SAFETY: the node was written by `place` before any link to it was published (or, for
        // the head, before the list was returned) and is freed only when the list is dropped,
        // which the borrow `'a` forbids. Nothing writes a node's fields after `place`.
        unsafe { self.node.as_ref() }
    }

    pub(crate) fn key(self) -> &'a HeadKey {
        &self.node().key
    }

    pub(crate) fn value(self) -> &'a Bytes {
        &self.node().value
    }

    /// The link of `level`, which must be below the node's height.
    fn link(self, level: usize) -> &'a AtomicPtr<Node> {
        debug_assert!(level < self.node().height);
        // SAFETY: `place` wrote `height` links right before the node, level 0 nearest, in the
        // same chunk, and `level < height`. `self.node` came from that chunk's pointer, so the
        // offset stays within its provenance; the links live as long as the node.
        unsafe { &*self.node.as_ptr().cast::<AtomicPtr<Node>>().sub(level + 1) }
    }

    /// The next entry (level 0). Acquire: the node it names is seen fully written.
    pub(crate) fn next(self) -> Option<Entry<'a>> {
        Entry::from_link(self.link(0).load(Ordering::Acquire))
    }
}

/// The node memory and the state only inserts touch.
struct Writer {
    /// Every chunk, each leaked from a `Box` and freed when the list is dropped. Not kept boxed:
    /// nodes are reached through pointers into them, which moving a `Box` would invalidate.
    chunks: Vec<NonNull<[MaybeUninit<u64>]>>,
    /// Words used in the last chunk.
    used: usize,
    /// Xorshift state for tower heights.
    seed: u64,
    /// Nodes unlinked by a replacing insert: no longer reachable from the head, still to be
    /// dropped with the list.
    unlinked: Vec<NonNull<Node>>,
}

// SAFETY: the chunks are owned by the writer alone (the pointers are its boxes); sending it
// sends that ownership.
unsafe impl Send for Writer {}

/// A sorted map from [`HeadKey`] to [`Bytes`] (see the module docs).
pub(crate) struct SkipList {
    /// A node of the greatest height whose key is never compared: the start of every search.
    head: NonNull<Node>,
    /// The tallest tower so far (at least 1).
    height: AtomicUsize,
    len: AtomicUsize,
    writer: Mutex<Writer>,
}

// SAFETY: `head` and the links point at nodes the list owns and never frees while shared; nodes
// are immutable once linked but for their atomic links, and hold only `Send + Sync` data.
unsafe impl Send for SkipList {}
// SAFETY: as for `Send`; inserts are serialised by `writer`, reads use atomic loads.
unsafe impl Sync for SkipList {}

impl Default for SkipList {
    fn default() -> Self {
        let mut writer = Writer {
            chunks: Vec::new(),
            used: 0,
            seed: 0x2545_F491_4F6C_DD1D,
            unlinked: Vec::new(),
        };
        let head = writer.place(
            Node {
                key: HeadKey::new(Bytes::new()),
                value: Bytes::new(),
                height: MAX_HEIGHT,
            },
            |_| ptr::null_mut(),
        );
        SkipList {
            head,
            height: AtomicUsize::new(1),
            len: AtomicUsize::new(0),
            writer: Mutex::new(writer),
        }
    }
}

impl SkipList {
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    fn head(&self) -> Entry<'_> {
        Entry {
            node: self.head,
            list: PhantomData,
        }
    }

    /// The first entry whose key is not `below`, and, if `prevs` is given, the last entry (or
    /// the head) before it at each level.
    fn search<'a>(
        &'a self,
        below: impl Fn(&HeadKey) -> bool,
        mut prevs: Option<&mut [Entry<'a>; MAX_HEIGHT]>,
    ) -> Option<Entry<'a>> {
        let mut at = self.head();
        let mut level = self.height.load(Ordering::Relaxed).clamp(1, MAX_HEIGHT) - 1;
        loop {
            // `level` is below the height of every node the search stands on: the head's is
            // `MAX_HEIGHT`, and a node is reached at a level below its height.
            let next = Entry::from_link(at.link(level).load(Ordering::Acquire));
            match next {
                Some(entry) if below(entry.key()) => at = entry,
                _ => {
                    if let Some(slot) = prevs.as_deref_mut().and_then(|p| p.get_mut(level)) {
                        *slot = at;
                    }
                    if level == 0 {
                        return next;
                    }
                    level -= 1;
                }
            }
        }
    }

    /// The first entry with a key at or after `key`.
    pub(crate) fn seek(&self, key: &HeadKey) -> Option<Entry<'_>> {
        self.search(|k| k < key, None)
    }

    /// The first entry with a key at or after the plain bytes `key`.
    pub(crate) fn seek_bytes(&self, key: &[u8]) -> Option<Entry<'_>> {
        let head = head_of(key);
        self.search(|k| k.cmp_with(&head, key) == KeyOrder::Less, None)
    }

    /// The first entry.
    #[cfg(test)]
    pub(crate) fn first(&self) -> Option<Entry<'_>> {
        self.head().next()
    }

    /// Inserts `key` with `value` and returns its entry. A key already in the list is
    /// replaced: the new node takes the old one's place at every level of its tower, so a
    /// reader sees one or the other, never both (the memtable rewrites its count entries this
    /// way, at an unchanged sequence number; every other internal key is inserted once).
    pub(crate) fn insert(&self, key: HeadKey, value: Bytes) -> Entry<'_> {
        let mut writer = self.writer.lock();
        let mut prevs = [self.head(); MAX_HEIGHT];
        let found = self.search(|k| k < &key, Some(&mut prevs));
        let replaced = found.filter(|entry| *entry.key() == key);
        // At least as tall as the node it replaces, so that it unlinks it from every level.
        let height = writer
            .random_height()
            .max(replaced.map_or(0, |entry| entry.node().height));
        if height > self.height.load(Ordering::Relaxed) {
            // A reader that sees the new height before the head's new links finds them empty
            // and goes down a level: harmless. The levels above the old height start at the
            // head, as `prevs` was filled.
            self.height.store(height, Ordering::Relaxed);
        }
        let node = writer.place(Node { key, value, height }, |level| {
            let before = match replaced {
                Some(old) if level < old.node().height => old,
                _ => prevs.get(level).copied().unwrap_or(self.head()),
            };
            before.link(level).load(Ordering::Relaxed)
        });
        for (level, prev) in prevs.iter().enumerate().take(height) {
            // Release: whoever loads this link sees the node and its lower links written.
            prev.link(level).store(node.as_ptr(), Ordering::Release);
        }
        match replaced {
            Some(old) => writer.unlinked.push(old.node),
            None => {
                self.len.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(writer);
        Entry {
            node,
            list: PhantomData,
        }
    }
}

impl Writer {
    /// A tower height: 1, then one more level with probability 1/4 each.
    fn random_height(&mut self) -> usize {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let levels = (self.seed.trailing_zeros() / 2) as usize;
        (1 + levels).min(MAX_HEIGHT)
    }

    /// Writes `node` into fresh memory right after its tower of `node.height` links, the link
    /// of each level set to `next(level)`; returns where the node is.
    fn place(&mut self, node: Node, next: impl Fn(usize) -> *mut Node) -> NonNull<Node> {
        let height = node.height;
        let links = self.carve(height + NODE_WORDS).cast::<AtomicPtr<Node>>();
        // SAFETY: `carve` returned `height + NODE_WORDS` fresh words that nothing else points
        // at, 8-aligned; a link is one word and a node `NODE_WORDS` words with an alignment of
        // at most 8 (the asserts above). Level 0's link goes last, right before the node, as
        // `Node::link` reads them.
        unsafe {
            for level in 0..height {
                links
                    .add(height - 1 - level)
                    .write(AtomicPtr::new(next(level)));
            }
            let at = links.add(height).cast::<Node>();
            at.write(node);
            at
        }
    }

    /// `words` fresh words (at most a chunk's), valid until the list is dropped.
    fn carve(&mut self, words: usize) -> NonNull<u64> {
        let chunk = match self.chunks.last() {
            Some(chunk) if self.used + words <= CHUNK_WORDS => *chunk,
            _ => {
                let chunk = NonNull::from(Box::leak(Box::new_uninit_slice(CHUNK_WORDS)));
                self.chunks.push(chunk);
                self.used = 0;
                chunk
            }
        };
        let start = self.used;
        self.used += words;
        // SAFETY: `start + words <= CHUNK_WORDS`, the chunk's length; words are handed out once.
        unsafe { chunk.cast::<u64>().add(start) }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        for chunk in self.chunks.drain(..) {
            // SAFETY: each chunk came from `Box::leak` in `carve` and is freed once, here, after
            // the list has dropped its nodes (`SkipList::drop` runs before its fields drop).
            drop(unsafe { Box::from_raw(chunk.as_ptr()) });
        }
    }
}

impl Drop for SkipList {
    fn drop(&mut self) {
        let mut next = Some(self.head);
        while let Some(node) = next {
            next = Entry::from_link(
                Entry {
                    node,
                    list: PhantomData::<&SkipList>,
                }
                .link(0)
                .load(Ordering::Relaxed),
            )
            .map(|entry| entry.node);
            // SAFETY: `&mut self`: no reader holds an entry. The head and each linked node were
            // written once by `place` and are dropped once here, in level-0 order, after their
            // link was read; their memory goes with the chunks when `writer` drops.
            unsafe { ptr::drop_in_place(node.as_ptr()) };
        }
        for node in self.writer.get_mut().unlinked.drain(..) {
            // SAFETY: as above; a replaced node is unreachable from the head, so the walk above
            // did not drop it, and it is in `unlinked` once.
            unsafe { ptr::drop_in_place(node.as_ptr()) };
        }
    }
}
