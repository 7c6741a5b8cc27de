//! List operations of the disk engine. A list is a metadata cell plus one cell per element (see
//! `disk/cell.rs`): push and pop write two cells whatever the list's length, and deleting or
//! overwriting a list writes one.

use bytes::Bytes;

use super::txn::{item_prefix, missing_item};
use super::view::View;
use super::Inner;
use crate::disk::cell::{Cell, ListMeta};
use crate::engine::{list_window, string_is_not_a_list, End};
use crate::error::Result;

impl Inner {
    pub(crate) fn push(&self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        self.write(|txn| {
            let len = txn.push(ks, key, end, values)?;
            self.watches.touch(ks, key);
            Ok(len)
        })
    }

    pub(crate) fn pop(&self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        self.write(|txn| {
            let popped = txn.pop(ks, key, end)?;
            if popped.is_some() {
                self.watches.touch(ks, key);
            }
            Ok(popped)
        })
    }

    pub(crate) fn list_len(&self, ks: u32, key: &[u8]) -> Result<u64> {
        Ok(list_meta(&self.view(), ks, key)?.map_or(0, |meta| meta.len))
    }

    pub(crate) fn list_range(
        &self,
        ks: u32,
        key: &[u8],
        start: i64,
        stop: i64,
    ) -> Result<Vec<Bytes>> {
        let view = self.view();
        let Some(meta) = list_meta(&view, ks, key)? else {
            return Ok(Vec::new());
        };
        let Some((from, to)) = usize::try_from(meta.len)
            .ok()
            .and_then(|len| list_window(len, start, stop))
        else {
            return Ok(Vec::new());
        };
        (from..to)
            .map(|i| list_item(&view, ks, key, &meta, i as u64))
            .collect()
    }
}

/// The list under `key` as `view` sees it; a string is `WrongType`.
pub(crate) fn list_meta(view: &View, ks: u32, key: &[u8]) -> Result<Option<ListMeta>> {
    match view.key_cell(ks, key)? {
        None => Ok(None),
        Some(Cell::List(meta)) => Ok(Some(meta)),
        Some(_) => Err(string_is_not_a_list()),
    }
}

/// Element `i` (0 = head) of the list `meta` describes.
pub(crate) fn list_item(
    view: &View,
    ks: u32,
    key: &[u8],
    meta: &ListMeta,
    i: u64,
) -> Result<Bytes> {
    let index = meta.head.wrapping_add(i);
    match view.cell(item_prefix(ks, key, meta.version, index))? {
        Some(Cell::Item(value)) => Ok(value),
        other => Err(missing_item(key, index, other.is_some())),
    }
}

/// Every element of a list, head first.
pub(crate) fn list_items(view: &View, ks: u32, key: &[u8], meta: &ListMeta) -> Result<Vec<Bytes>> {
    (0..meta.len)
        .map(|i| list_item(view, ks, key, meta, i))
        .collect()
}
