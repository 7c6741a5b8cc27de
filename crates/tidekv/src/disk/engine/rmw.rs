//! The disk engine's read-modify-write primitive: [`crate::engine::Tx`] over a [`Txn`].
//!
//! A disk transaction runs under the writer lock (see `write.rs`), so it is atomic against every
//! other write whatever keys it touches, and its writes become one log record. Declared keys are
//! therefore not needed for locking; they are checked anyway, so that a body that would race on
//! the memory engine fails here too.

use std::collections::HashSet;

use bytes::Bytes;

use super::txn::{item_prefix, missing_item, Txn};
use super::view::user_prefix;
use crate::disk::cell::{Cell, ListMeta, LIST_START};
use crate::engine::{undeclared, End, KeyInfo, KeyKind, StoredValue, Tx, TxKey};
use crate::error::{Error, Result};
use crate::watch::WatchRegistry;

/// A [`Tx`] over one disk write transaction.
pub(crate) struct DiskTx<'t> {
    txn: &'t mut Txn,
    declared: &'t [TxKey],
    /// Marked for every key written; the writer lock is held throughout.
    watches: &'t WatchRegistry,
    /// `declared` as a set, for transactions with many keys (an EXEC, an MSETNX).
    declared_set: Option<HashSet<(u32, &'t [u8])>>,
}

/// Above this many declared keys, membership is checked through a hash set.
const SET_FROM: usize = 16;

impl<'t> DiskTx<'t> {
    pub(crate) fn new(txn: &'t mut Txn, declared: &'t [TxKey], watches: &'t WatchRegistry) -> Self {
        let declared_set = (declared.len() > SET_FROM)
            .then(|| declared.iter().map(|(ks, k)| (*ks, k.as_ref())).collect());
        DiskTx {
            txn,
            declared,
            watches,
            declared_set,
        }
    }

    fn is_declared(&self, ks: u32, key: &[u8]) -> bool {
        match &self.declared_set {
            Some(set) => set.contains(&(ks, key)),
            None => self
                .declared
                .iter()
                .any(|(k, declared)| *k == ks && declared.as_ref() == key),
        }
    }

    /// The user-key prefix of a declared key.
    fn prefix(&self, ks: u32, key: &[u8]) -> Result<Vec<u8>> {
        if !self.is_declared(ks, key) {
            return Err(undeclared(ks, key));
        }
        Ok(user_prefix(ks, key))
    }

    fn list(&self, ks: u32, key: &[u8]) -> Result<Option<ListMeta>> {
        let prefix = self.prefix(ks, key)?;
        self.txn.list_at(&prefix)
    }

    /// Element `i` (0 = head) of the list `meta` describes, this transaction's writes included.
    fn item(&self, ks: u32, key: &[u8], meta: &ListMeta, i: u64) -> Result<Bytes> {
        let index = meta.head.wrapping_add(i);
        match self.txn.cell(&item_prefix(ks, key, meta.version, index))? {
            Some(Cell::Item(value)) => Ok(value),
            other => Err(missing_item(key, index, other.is_some())),
        }
    }

    /// Writes a whole new list under a version no reader has seen, so the old elements are dead
    /// in one write (compaction collects them).
    ///
    /// The version is this transaction's first sequence number, unique to it. A list this same
    /// transaction already wrote under that version is overwritten element by element: indexes
    /// past the new length keep stale cells, which no metadata names (every index inside the
    /// list's window is written before the window reaches it), so readers never see them.
    fn write_list(
        &mut self,
        ks: u32,
        key: &[u8],
        items: Vec<Bytes>,
        expires_at: Option<u64>,
    ) -> Result<()> {
        let prefix = self.prefix(ks, key)?;
        self.watches.touch(ks, key);
        if items.is_empty() {
            self.txn.set(prefix, Cell::Tombstone);
            return Ok(());
        }
        let meta = ListMeta {
            expires_at,
            version: self.txn.first_seq(),
            head: LIST_START,
            len: items.len() as u64,
        };
        for (i, value) in (0u64..).zip(items) {
            self.txn.set(
                item_prefix(ks, key, meta.version, LIST_START.wrapping_add(i)),
                Cell::Item(value),
            );
        }
        self.txn.set(prefix, Cell::List(meta));
        Ok(())
    }
}

impl Tx for DiskTx<'_> {
    fn now(&self) -> u64 {
        self.txn.now()
    }

    fn info(&mut self, ks: u32, key: &[u8]) -> Result<Option<KeyInfo>> {
        let prefix = self.prefix(ks, key)?;
        Ok(match self.txn.cell(&prefix)? {
            Some(Cell::Str { expires_at, .. }) => Some(KeyInfo {
                kind: KeyKind::String,
                expires_at,
            }),
            Some(Cell::List(meta)) => Some(KeyInfo {
                kind: KeyKind::List,
                expires_at: meta.expires_at,
            }),
            Some(Cell::Tombstone | Cell::Item(_)) | None => None,
        })
    }

    fn get_with_expiry(&mut self, ks: u32, key: &[u8]) -> Result<Option<(Bytes, Option<u64>)>> {
        let prefix = self.prefix(ks, key)?;
        self.txn.string_at(&prefix)
    }

    fn put(&mut self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        if expires_at.is_some_and(|at| at <= self.now()) {
            return self.remove(ks, key).map(drop);
        }
        let prefix = self.prefix(ks, key)?;
        self.txn.set(prefix, Cell::Str { value, expires_at });
        self.watches.touch(ks, key);
        Ok(())
    }

    fn remove(&mut self, ks: u32, key: &[u8]) -> Result<bool> {
        self.prefix(ks, key)?;
        let removed = self.txn.remove(ks, key)?;
        if removed {
            self.watches.touch(ks, key);
        }
        Ok(removed)
    }

    fn set_expiry(&mut self, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool> {
        self.prefix(ks, key)?;
        let changed = self.txn.set_expiry(ks, key, expires_at)?;
        if changed {
            self.watches.touch(ks, key);
        }
        Ok(changed)
    }

    fn list_len(&mut self, ks: u32, key: &[u8]) -> Result<u64> {
        Ok(self.list(ks, key)?.map_or(0, |meta| meta.len))
    }

    fn list_range(&mut self, ks: u32, key: &[u8], from: u64, to: u64) -> Result<Vec<Bytes>> {
        let Some(meta) = self.list(ks, key)? else {
            return Ok(Vec::new());
        };
        (from.min(meta.len)..to.min(meta.len))
            .map(|i| self.item(ks, key, &meta, i))
            .collect()
    }

    fn list_push(&mut self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        self.prefix(ks, key)?;
        let len = self.txn.push(ks, key, end, values)?;
        self.watches.touch(ks, key);
        Ok(len)
    }

    fn list_pop(&mut self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        self.prefix(ks, key)?;
        let popped = self.txn.pop(ks, key, end)?;
        if popped.is_some() {
            self.watches.touch(ks, key);
        }
        Ok(popped)
    }

    fn list_set(&mut self, ks: u32, key: &[u8], index: u64, value: Bytes) -> Result<()> {
        let meta = self.list(ks, key)?.ok_or(Error::NoSuchKey)?;
        if index >= meta.len {
            return Err(Error::IndexOutOfRange);
        }
        let at = item_prefix(ks, key, meta.version, meta.head.wrapping_add(index));
        self.txn.set(at, Cell::Item(value));
        self.watches.touch(ks, key);
        Ok(())
    }

    fn list_replace(&mut self, ks: u32, key: &[u8], items: Vec<Bytes>) -> Result<()> {
        let meta = self.list(ks, key)?.ok_or(Error::NoSuchKey)?;
        self.write_list(ks, key, items, meta.expires_at)
    }

    fn read_value(&mut self, ks: u32, key: &[u8]) -> Result<Option<(StoredValue, Option<u64>)>> {
        let prefix = self.prefix(ks, key)?;
        match self.txn.cell(&prefix)? {
            Some(Cell::Str { value, expires_at }) => {
                Ok(Some((StoredValue::String(value), expires_at)))
            }
            Some(Cell::List(meta)) => {
                let items = (0..meta.len)
                    .map(|i| self.item(ks, key, &meta, i))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Some((StoredValue::List(items), meta.expires_at)))
            }
            Some(Cell::Tombstone | Cell::Item(_)) | None => Ok(None),
        }
    }

    fn write_value(
        &mut self,
        ks: u32,
        key: &[u8],
        value: StoredValue,
        expires_at: Option<u64>,
    ) -> Result<()> {
        if expires_at.is_some_and(|at| at <= self.now()) {
            return self.remove(ks, key).map(drop);
        }
        match value {
            StoredValue::String(value) => self.put(ks, key, value, expires_at),
            StoredValue::List(items) => self.write_list(ks, key, items, expires_at),
        }
    }

    fn savepoint(&mut self) -> usize {
        self.txn.savepoint()
    }

    fn rollback_to(&mut self, mark: usize) {
        self.txn.rollback_to(mark);
    }
}
