//! String, expiry and batch operations of the disk engine: reads through a [`super::view::View`],
//! writes through [`Inner::write`].

use bytes::Bytes;

use super::Inner;
use crate::disk::cell::Cell;
use crate::engine::{list_is_not_a_string, KeyExpiry, KeyKind};
use crate::error::Result;

impl Inner {
    pub(crate) fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        match self.view().key_cell(ks, key)? {
            None => Ok(None),
            Some(Cell::Str { value, .. }) => Ok(Some(value)),
            Some(_) => Err(list_is_not_a_string()),
        }
    }

    pub(crate) fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        let view = self.view();
        keys.iter()
            .map(|key| match view.key_cell(ks, key)? {
                None => Ok(None),
                Some(Cell::Str { value, .. }) => Ok(Some(value)),
                Some(_) => Err(list_is_not_a_string()),
            })
            .collect()
    }

    pub(crate) fn kind(&self, ks: u32, key: &[u8]) -> Result<Option<KeyKind>> {
        Ok(match self.view().key_cell(ks, key)? {
            Some(Cell::Str { .. }) => Some(KeyKind::String),
            Some(Cell::List(_)) => Some(KeyKind::List),
            Some(Cell::Tombstone | Cell::Item(_)) | None => None,
        })
    }

    pub(crate) fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry> {
        Ok(match self.view().key_cell(ks, key)? {
            None => KeyExpiry::Missing,
            Some(cell) => cell
                .expires_at()
                .map_or(KeyExpiry::Persistent, KeyExpiry::At),
        })
    }

    pub(crate) fn put(
        &self,
        ks: u32,
        key: &[u8],
        value: Bytes,
        expires_at: Option<u64>,
    ) -> Result<()> {
        self.write(|txn| {
            txn.set_key(ks, key, Cell::Str { value, expires_at });
            self.watches.touch(ks, key);
            Ok(())
        })
    }

    pub(crate) fn remove(&self, ks: u32, key: &[u8]) -> Result<bool> {
        self.write(|txn| {
            let removed = txn.remove(ks, key)?;
            if removed {
                self.watches.touch(ks, key);
            }
            Ok(removed)
        })
    }
}
