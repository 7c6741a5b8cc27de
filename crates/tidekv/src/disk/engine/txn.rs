//! A write transaction: reads see the store at the writer's sequence number plus the
//! transaction's own earlier writes; its writes become one log record when it commits.
//!
//! Every engine write (a single put as much as a whole batch) is a `Txn` run under the writer
//! lock, so the engine's read-modify-write operations (`incr_by`, `push`, `pop`, `take`, expiry)
//! are atomic, and a batch that touches one key twice sees its own first write.

use std::cell::RefCell;
use std::collections::HashMap;

use bytes::Bytes;

use super::key_count::Presence;
use super::view::{user_prefix, View};
use crate::disk::cell::{item_suffix, Cell, ListMeta, LIST_START};
use crate::disk::key::{put_prefix, Space};
use crate::engine::{list_is_not_a_string, string_is_not_a_list, End};
use crate::error::{Error, Result};

/// Writes a transaction may hold before it indexes them by key: below this, finding a key's
/// earlier write is a scan, and a single put allocates no map.
const INDEX_FROM: usize = 16;

/// A write transaction (see the module docs).
///
/// Invariants:
/// 1. `writes` holds at most one write per prefix.
/// 2. `index` is `None` until `writes` first reaches `INDEX_FROM` entries; from then on it maps
///    every prefix of `writes` to its position (a rollback removes what it pops).
/// 3. Each write's third part is what the view stored under its key before this transaction
///    wrote it, when a read already found out (`None`: found out at commit).
pub(crate) struct Txn {
    view: View,
    /// The sequence number this transaction's first write will get; lists created here take it as
    /// their version (unique: sequence numbers are never reused).
    first_seq: u64,
    /// Each write: identifying prefix (an internal key without its sequence number), cell, and
    /// what the key held before if known (see [`Write`]).
    writes: Vec<Write>,
    /// The last user key read from the view, and whether it was stored: a read-modify-write
    /// reads a key and then writes it, and the key count needs to know what the write replaced.
    last_read: RefCell<Option<(Vec<u8>, Presence)>>,
    index: Option<HashMap<Vec<u8>, usize>>,
    /// How to undo each write, oldest first; kept only once a savepoint was taken (a body that
    /// fails without one discards the whole transaction, which needs no undo).
    undo: Option<Vec<Undo>>,
}

/// A write: a key's identifying prefix, its new cell, and what the key held before the
/// transaction if a read found out.
pub(crate) type Write = (Vec<u8>, Cell, Option<Presence>);

/// How to undo one [`Txn::set`].
enum Undo {
    /// The write added the last entry of `writes`.
    Added,
    /// The write replaced the cell at this position, which held this cell before.
    Replaced(usize, Cell),
}

impl Txn {
    pub(crate) fn new(view: View, first_seq: u64) -> Self {
        Txn {
            view,
            first_seq,
            writes: Vec::new(),
            last_read: RefCell::new(None),
            index: None,
            undo: None,
        }
    }

    /// The sequence number this transaction's first write gets: a list created here takes it as
    /// its version.
    pub(crate) fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// A mark [`Txn::rollback_to`] returns to; from now on every write records its undo.
    pub(crate) fn savepoint(&mut self) -> usize {
        self.undo.get_or_insert_with(Vec::new).len()
    }

    /// Undoes every write made since `savepoint` returned `mark`, newest first.
    pub(crate) fn rollback_to(&mut self, mark: usize) {
        let Some(undo) = &mut self.undo else {
            return;
        };
        while undo.len() > mark {
            match undo.pop() {
                Some(Undo::Added) => {
                    if let Some((prefix, _, _)) = self.writes.pop() {
                        if let Some(index) = &mut self.index {
                            index.remove(&prefix);
                        }
                    }
                }
                Some(Undo::Replaced(at, cell)) => {
                    if let Some(write) = self.writes.get_mut(at) {
                        write.1 = cell;
                    }
                }
                None => break,
            }
        }
    }

    pub(crate) fn now(&self) -> u64 {
        self.view.now
    }

    /// The store as this transaction started (without its own writes).
    pub(crate) fn view(&self) -> &View {
        &self.view
    }

    /// The view, and the writes in order, one per key (a key written twice keeps its last cell,
    /// in the place of its first write), each with what its key held before if known.
    pub(crate) fn into_parts(self) -> (View, Vec<Write>) {
        (self.view, self.writes)
    }

    /// Where this transaction's write of `prefix` is, if it wrote it.
    fn position(&self, prefix: &[u8]) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(prefix).copied(),
            None => self
                .writes
                .iter()
                .position(|(p, _, _)| p.as_slice() == prefix),
        }
    }

    /// The live cell under `prefix`, this transaction's writes included.
    pub(crate) fn cell(&self, prefix: &[u8]) -> Result<Option<Cell>> {
        Ok(self
            .stored(prefix)?
            .filter(|cell| !cell.is_dead(self.view.now)))
    }

    /// The newest cell under `prefix`, this transaction's writes included, even a tombstone or
    /// an expired one.
    pub(crate) fn stored(&self, prefix: &[u8]) -> Result<Option<Cell>> {
        if let Some((_, cell, _)) = self.position(prefix).and_then(|at| self.writes.get(at)) {
            return Ok(Some(cell.clone()));
        }
        let stored = self.view.stored_cell(prefix.to_vec())?;
        if Presence::counts(prefix) {
            *self.last_read.borrow_mut() = Some((prefix.to_vec(), Presence::of(stored.as_ref())));
        }
        Ok(stored)
    }

    pub(crate) fn set(&mut self, prefix: Vec<u8>, cell: Cell) {
        if let Some(at) = self.position(&prefix) {
            if let Some(write) = self.writes.get_mut(at) {
                let old = std::mem::replace(&mut write.1, cell);
                if let Some(undo) = &mut self.undo {
                    undo.push(Undo::Replaced(at, old));
                }
                return;
            }
        }
        if let Some(undo) = &mut self.undo {
            undo.push(Undo::Added);
        }
        let before = match self.last_read.get_mut().take() {
            Some((read, presence)) if read == prefix => Some(presence),
            other => {
                *self.last_read.get_mut() = other;
                None
            }
        };
        if let Some(index) = &mut self.index {
            index.insert(prefix.clone(), self.writes.len());
        }
        self.writes.push((prefix, cell, before));
        if self.index.is_none() && self.writes.len() >= INDEX_FROM {
            let index = self
                .writes
                .iter()
                .enumerate()
                .map(|(at, (p, _, _))| (p.clone(), at))
                .collect();
            self.index = Some(index);
        }
    }

    pub(crate) fn set_key(&mut self, ks: u32, key: &[u8], cell: Cell) {
        self.set(user_prefix(ks, key), cell);
    }

    /// The string under the user-key prefix `prefix` (see [`user_prefix`]), with its expiry; a
    /// list is `WrongType`. Read-modify-write operations build the prefix once, read through it
    /// and then write it.
    pub(crate) fn string_at(&self, prefix: &[u8]) -> Result<Option<(Bytes, Option<u64>)>> {
        match self.cell(prefix)? {
            None => Ok(None),
            Some(Cell::Str { value, expires_at }) => Ok(Some((value, expires_at))),
            Some(_) => Err(list_is_not_a_string()),
        }
    }

    /// The list under the user-key prefix `prefix`; a string is `WrongType`.
    pub(crate) fn list_at(&self, prefix: &[u8]) -> Result<Option<ListMeta>> {
        match self.cell(prefix)? {
            None => Ok(None),
            Some(Cell::List(meta)) => Ok(Some(meta)),
            Some(_) => Err(string_is_not_a_list()),
        }
    }

    /// Deletes a key of either kind; `true` if it existed. A list's elements are left to
    /// compaction: they belong to a version no metadata names any more.
    pub(crate) fn remove(&mut self, ks: u32, key: &[u8]) -> Result<bool> {
        let prefix = user_prefix(ks, key);
        let existed = self.cell(&prefix)?.is_some();
        if existed {
            self.set(prefix, Cell::Tombstone);
        }
        Ok(existed)
    }

    /// Sets or clears the expiry of a live key; `false` if it is missing. A time at or before
    /// the transaction's `now` deletes the key.
    pub(crate) fn set_expiry(
        &mut self,
        ks: u32,
        key: &[u8],
        expires_at: Option<u64>,
    ) -> Result<bool> {
        let prefix = user_prefix(ks, key);
        let Some(cell) = self.cell(&prefix)? else {
            return Ok(false);
        };
        if expires_at.is_some_and(|at| at <= self.now()) {
            self.set(prefix, Cell::Tombstone);
            return Ok(true);
        }
        let cell = match cell {
            Cell::Str { value, .. } => Cell::Str { value, expires_at },
            Cell::List(mut meta) => {
                meta.expires_at = expires_at;
                Cell::List(meta)
            }
            Cell::Tombstone | Cell::Item(_) => return Ok(false),
        };
        self.set(prefix, cell);
        Ok(true)
    }

    /// Pushes `values` in order onto one end; returns the new length.
    pub(crate) fn push(&mut self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        let list = user_prefix(ks, key);
        let mut meta = self.list_at(&list)?.unwrap_or(ListMeta {
            expires_at: None,
            version: self.first_seq,
            head: LIST_START,
            len: 0,
        });
        for value in values {
            let index = match end {
                End::Front => {
                    meta.head = meta.head.wrapping_sub(1);
                    meta.head
                }
                End::Back => meta.head.wrapping_add(meta.len),
            };
            meta.len += 1;
            self.set(
                item_prefix(ks, key, meta.version, index),
                Cell::Item(value.clone()),
            );
        }
        self.set(list, Cell::List(meta));
        Ok(meta.len)
    }

    /// Pops one element from one end; an emptied list is deleted.
    pub(crate) fn pop(&mut self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        let list = user_prefix(ks, key);
        let Some(mut meta) = self.list_at(&list)? else {
            return Ok(None);
        };
        let index = match end {
            End::Front => meta.head,
            End::Back => meta.head.wrapping_add(meta.len.wrapping_sub(1)),
        };
        let prefix = item_prefix(ks, key, meta.version, index);
        let value = match self.cell(&prefix)? {
            Some(Cell::Item(value)) => value,
            other => return Err(missing_item(key, index, other.is_some())),
        };
        self.set(prefix, Cell::Tombstone);
        meta.len -= 1;
        if end == End::Front {
            meta.head = meta.head.wrapping_add(1);
        }
        let cell = if meta.len == 0 {
            Cell::Tombstone
        } else {
            Cell::List(meta)
        };
        self.set(list, cell);
        Ok(Some(value))
    }
}

/// The prefix of element `index` of list version `version`.
pub(crate) fn item_prefix(ks: u32, key: &[u8], version: u64, index: u64) -> Vec<u8> {
    // `put_prefix` reserves room for the sequence number: reads and writes append it in place.
    let mut prefix = Vec::new();
    put_prefix(
        &mut prefix,
        ks,
        Space::ListItem,
        key,
        &item_suffix(version, index),
    );
    prefix
}

/// A list's metadata names an element that is not there: the tree lost a write.
pub(crate) fn missing_item(key: &[u8], index: u64, wrong_kind: bool) -> Error {
    Error::corruption(
        "(list elements)",
        index,
        format!(
            "element {index} of list {:?} is {}",
            String::from_utf8_lossy(key),
            if wrong_kind {
                "not an element"
            } else {
                "missing"
            }
        ),
    )
}
