//! Moving keys: RENAME, RENAMENX, COPY (within or across keyspaces), MOVE. A key keeps its value,
//! its kind and its expiry wherever it goes, atomically on every backend.

use crate::engine::Native;
use crate::error::Result;
use crate::ops::keys;
use crate::store::keyspace::Keyspace;

impl Keyspace {
    /// Renames `from` to `to`, replacing whatever `to` held (Redis `RENAME`). A missing `from` is
    /// [`crate::error::Error::NoSuchKey`]. Renaming a key onto itself does nothing.
    ///
    /// Cost: O(1) on memory for a string, O(len) for a list on every backend (its elements move
    /// with it).
    pub fn rename(&self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> Result<()> {
        self.rename_inner(from.as_ref(), to.as_ref(), false)
            .map(drop)
    }

    /// Renames `from` to `to` only if `to` does not exist; whether it did (Redis `RENAMENX`). A
    /// missing `from` is [`crate::error::Error::NoSuchKey`].
    pub fn rename_if_absent(&self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> Result<bool> {
        self.rename_inner(from.as_ref(), to.as_ref(), true)
    }

    fn rename_inner(&self, from: &[u8], to: &[u8], only_if_absent: bool) -> Result<bool> {
        let declared = [self.tx_key(from)?, self.tx_key(to)?];
        let op = Native::Rename {
            from,
            to,
            only_if_absent,
        };
        if let Some(reply) = self.native(&op) {
            return reply?.bool();
        }
        let ks = self.ks;
        self.atomic(&declared, |tx| {
            keys::rename(tx, ks, from, to, only_if_absent)
        })
    }

    /// Copies `from` to `to` in this keyspace (Redis `COPY`); whether it did. `false` if `from` is
    /// missing, or `to` exists and `replace` is false. The same key is
    /// [`crate::error::Error::SameObject`].
    pub fn copy(
        &self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        replace: bool,
    ) -> Result<bool> {
        self.copy_to_keyspace(from, self.ks, to, replace)
    }

    /// Copies `from` to `to` in keyspace `keyspace` (Redis `COPY … DB n`), as [`Store::copy`].
    pub fn copy_to_keyspace(
        &self,
        from: impl AsRef<[u8]>,
        keyspace: u32,
        to: impl AsRef<[u8]>,
        replace: bool,
    ) -> Result<bool> {
        let keyspace = self.checked_keyspace(keyspace)?;
        let (from, to) = (from.as_ref(), to.as_ref());
        let declared = [self.tx_key(from)?, (keyspace, self.owned_key(to)?)];
        let op = Native::Copy {
            from,
            to_keyspace: keyspace,
            to,
            replace,
        };
        if let Some(reply) = self.native(&op) {
            return reply?.bool();
        }
        let ks = self.ks;
        self.atomic(&declared, |tx| {
            keys::copy(tx, (ks, from), (keyspace, to), replace)
        })
    }

    /// Moves `key` to keyspace `keyspace` (Redis `MOVE`); whether it did. `false` if the key is
    /// missing here or exists there; this keyspace itself is [`crate::error::Error::SameObject`].
    pub fn move_to_keyspace(&self, key: impl AsRef<[u8]>, keyspace: u32) -> Result<bool> {
        let keyspace = self.checked_keyspace(keyspace)?;
        let key = key.as_ref();
        let declared = [self.tx_key(key)?, (keyspace, self.owned_key(key)?)];
        let op = Native::Move {
            key,
            to_keyspace: keyspace,
        };
        if let Some(reply) = self.native(&op) {
            return reply?.bool();
        }
        let ks = self.ks;
        self.atomic(&declared, |tx| keys::move_key(tx, ks, key, keyspace))
    }
}
