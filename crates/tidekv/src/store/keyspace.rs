//! [`Keyspace`]: a handle on one keyspace of a store, with every per-key operation (the files
//! of this module add them by family), and the checks every call shares.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use crate::engine::{Tx, TxKey};
use crate::error::{Error, Result};
use crate::store::handle::Shared;

/// A handle on one keyspace of a store (Redis `SELECT n`): strings, typed values, expiry, lists,
/// scans, transactions and blocking pops, all in this keyspace. Made by
/// [`crate::Store::keyspace`]; a [`crate::Store`] dereferences to the handle of keyspace 0.
///
/// Cheap to clone and shareable between threads. Whole-store operations (close, flush,
/// snapshots, `clear_all`, `swap_keyspaces`, stats) are on [`crate::Store`] only:
///
/// ```compile_fail
/// # use tidekv::{Config, Store};
/// let store = Store::open(Config::memory())?;
/// // Replacing every keyspace from a handle on one of them does not compile.
/// store.keyspace(3)?.load_snapshot("dump.tkv")?;
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Clone)]
pub struct Keyspace {
    pub(crate) shared: Arc<Shared>,
    pub(crate) ks: u32,
}

impl fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyspace")
            .field("engine", &self.shared.engine)
            .field("keyspace", &self.ks)
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl Keyspace {
    /// The keyspace this handle works on.
    pub fn keyspace_id(&self) -> u32 {
        self.ks
    }

    /// Removes every key of this handle's keyspace (Redis `FLUSHDB`).
    pub fn clear(&self) -> Result<()> {
        self.check_open()?;
        self.shared.engine.clear(self.ks)
    }

    /// A random live key of this keyspace, `None` if it is empty (Redis `RANDOMKEY`).
    ///
    /// Cost and spread:
    /// - memory: a shard chosen by its size, then a uniform position in it: O(keys / shards)
    ///   iterator steps (about 15,000 for a million keys in the default 64 shards); uniform.
    /// - disk: a table or memtable chosen by its entries, a data block through the table's
    ///   index, then a random number of keys within it: a seek and at most a block's worth of
    ///   keys, whatever the store's size. Close to uniform for a table's keys; within a memtable
    ///   the pick is among the first 256 keys of its span.
    pub fn random_key(&self) -> Result<Option<Bytes>> {
        self.check_open()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ RANDOM_CALLS.fetch_add(0x9E37_79B9, Ordering::Relaxed);
        self.shared.engine.random_key(self.ks, seed)
    }

    /// `id` if it names a keyspace of this (open) store.
    pub(crate) fn checked_keyspace(&self, id: u32) -> Result<u32> {
        self.check_open()?;
        if id >= self.shared.keyspaces && self.shared.engine.capabilities().single_keyspace {
            return Err(Error::invalid(
                "keyspace",
                format!(
                    "{id}: a Redis Cluster has one database, so this store has keyspace 0 only \
                     (namespace keys with a prefix instead)"
                ),
            ));
        }
        if id >= self.shared.keyspaces {
            return Err(Error::invalid(
                "keyspace",
                format!(
                    "{id} is not below the configured {} keyspaces",
                    self.shared.keyspaces
                ),
            ));
        }
        Ok(id)
    }

    /// `op` as one command of the backend's own, if it has one (`engine::native`): `None`
    /// sends the caller to its transaction path.
    pub(crate) fn native(
        &self,
        op: &crate::engine::Native<'_>,
    ) -> Option<Result<crate::engine::NativeReply>> {
        if let Err(e) = self.check_open() {
            return Some(Err(e));
        }
        self.shared.engine.native(self.ks, op)
    }

    /// Runs `body` as one atomic read-modify-write over `keys` (see `crate::engine::Tx`) and
    /// returns what it returned. `body` may run more than once on a backend that retries.
    pub(crate) fn atomic<T>(
        &self,
        keys: &[TxKey],
        mut body: impl FnMut(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        self.check_open()?;
        let mut out = None;
        self.shared.engine.transact(keys, &mut |tx| {
            out = Some(body(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::invalid("transaction", "the engine never ran the body"))
    }

    /// Runs `body` as one atomic read-modify-write of `key` in this handle's keyspace; `body`
    /// gets the transaction, the keyspace and the key.
    pub(crate) fn atomic_on<T>(
        &self,
        key: &[u8],
        mut body: impl FnMut(&mut dyn Tx, u32, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let tx_key = self.tx_key(key)?;
        let ks = self.ks;
        self.atomic(std::slice::from_ref(&tx_key), |tx| body(tx, ks, &tx_key.1))
    }

    /// One key of this handle's keyspace, as a transaction declares it.
    pub(crate) fn tx_key(&self, key: &[u8]) -> Result<TxKey> {
        Ok((self.ks, self.owned_key(key)?))
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    pub(crate) fn check_key(&self, key: &[u8]) -> Result<()> {
        self.check_open()?;
        check_size("key", key.len(), self.shared.max_key_size)
    }

    pub(crate) fn check_value(&self, value: &[u8]) -> Result<()> {
        check_size("value", value.len(), self.shared.max_value_size)
    }

    /// Checks a key and copies it into shared bytes for an engine that keeps it.
    pub(crate) fn owned_key(&self, key: &[u8]) -> Result<Bytes> {
        self.check_key(key)?;
        Ok(Bytes::copy_from_slice(key))
    }
}

/// Spreads the seeds of `random_key` calls made in the same nanosecond.
static RANDOM_CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `TooLarge` naming `what` if `len` is over `limit`.
fn check_size(what: &'static str, len: usize, limit: usize) -> Result<()> {
    if len > limit {
        return Err(Error::TooLarge {
            what,
            len: len as u64,
            limit: limit as u64,
        });
    }
    Ok(())
}
