//! A position in a skip list that owns a share of the list: a scan keeps it between calls
//! without borrowing the memtable, and steps to the next entry with one load instead of a
//! search from the head.

use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

use super::{Entry, Node, SkipList};

/// A position at an entry of a list, or past its end.
///
/// Invariant: `node`, when set, is a node of `_list` other than its head. Nodes are freed only
/// when the list is dropped, and `_list` keeps it alive, so the pointer stays valid for as long as
/// the cursor exists (an entry replaced by a later insert stays readable, and its links still
/// lead on into the list).
pub(crate) struct Cursor {
    /// Held, never read: the share that keeps `node` alive.
    _list: Arc<SkipList>,
    node: Option<NonNull<Node>>,
}

// SAFETY: the pointer names a node owned by `_list`, which is `Send + Sync`; the cursor only
// reads through it (as an `Entry` borrowing the cursor), exactly as a shared `&SkipList` would.
unsafe impl Send for Cursor {}
// SAFETY: as for `Send`: `&Cursor` gives only shared reads of an immutable node.
unsafe impl Sync for Cursor {}

impl Cursor {
    /// A cursor at the first entry whose key is at or after the plain bytes `key`.
    pub(crate) fn seek_bytes(list: Arc<SkipList>, key: &[u8]) -> Cursor {
        let node = list.seek_bytes(key).map(|entry| entry.node);
        Cursor { _list: list, node }
    }

    /// The entry the cursor is at; `None` past the end.
    pub(crate) fn entry(&self) -> Option<Entry<'_>> {
        // The lifetime is the cursor's borrow, during which `self._list` keeps the node alive
        // (the invariant above).
        self.node.map(|node| Entry {
            node,
            list: PhantomData,
        })
    }

    /// Moves to the next entry (level 0); past the end stays past the end.
    pub(crate) fn advance(&mut self) {
        self.node = self.entry().and_then(Entry::next).map(|entry| entry.node);
    }
}
