//! String, expiry and batch operations of the disk engine: reads through a [`super::view::View`],
//! writes through [`Inner::write`].

use bytes::Bytes;

use super::write::Staged;
use super::Inner;
use crate::disk::cell::{encode_string_into, Cell, STRING_HEADER};
use crate::disk::key::{put_prefix, Space};
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
        value: &[u8],
        expires_at: Option<u64>,
    ) -> Result<()> {
        // A blind write needs no transaction: it reads nothing, and its one cell is encoded
        // straight from the caller's bytes into the writer's arena (a `Txn` would first own a
        // copy of the value, the prefix and a list of writes, three allocations per write).
        let (mut writer, sources) = self.begin_write()?;
        let mut prefix = std::mem::take(&mut writer.prefix_buf);
        prefix.clear();
        put_prefix(&mut prefix, ks, Space::User, key, b"");
        let stored = writer.arena.alloc(STRING_HEADER + value.len(), |out| {
            encode_string_into(out, value, expires_at)
        });
        self.watches.touch(ks, key);
        let committed = {
            let mut staged = [Staged {
                prefix: &prefix,
                stored,
                tombstone: false,
                expires_at,
                before: None,
            }];
            self.commit(&mut writer, &sources, &mut staged)
        };
        writer.prefix_buf = prefix;
        let last = committed.inspect_err(|e| self.fail_on_io(e))?;
        self.make_visible(writer, last)
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
