//! The contract every backend fulfils: bytes in, bytes out, one keyspace per call.
//!
//! [`crate::Store`] validates arguments (sizes, TTLs, keyspace numbers), turns typed values into bytes
//! and implements blocking pops; an engine only stores. Every engine must pass the conformance suite
//! in `crates/tidekv/tests/conformance/`.
//!
//! Semantics every engine keeps (they are Redis's, so the server can map commands one to one):
//! 1. A key holds either a string or a list. A string operation on a list (or the reverse) is
//!    [`crate::error::Error::WrongType`]; `put` and `remove` work on either kind and replace or delete it.
//! 2. An expired key is absent for every operation, including `len`, scans and dumps. Expiry times are
//!    absolute Unix milliseconds read from the store's [`crate::Clock`].
//! 3. `put` clears any expiry; `incr_by` and `push` keep it.
//! 4. A list that becomes empty is deleted.
//! 5. `transact` applies all its writes or none of them, and no reader sees a part of them.
//! 6. Scans and dumps see one point in time, sorted by key bytes.

mod capabilities;
mod native;
pub(crate) mod random;
mod read_only;
mod tx;

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::Result;
use crate::stats::BackendStats;
use crate::watch::WatchRegistry;

pub use capabilities::Capabilities;
pub(crate) use native::{Native, NativeExpiry, NativeReply};
pub(crate) use read_only::ReadOnlyEngine;
pub use tx::KeyKind;
pub(crate) use tx::{undeclared, KeyInfo, Tx, TxKey};

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head (index 0): `push_front`, `pop_front`, Redis `LPUSH`/`LPOP`.
    Front,
    /// The tail (index -1): `push_back`, `pop_back`, Redis `RPUSH`/`RPOP`.
    Back,
}

/// The expiry state of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExpiry {
    /// The key does not exist (or has expired).
    Missing,
    /// The key exists and never expires.
    Persistent,
    /// The key exists and expires at this Unix time in milliseconds.
    At(u64),
}

/// A stored value as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    /// A string value.
    String(Bytes),
    /// A list, head first.
    List(Vec<Bytes>),
}

/// One key of a full dump (all keyspaces), as saved in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The keyspace the key lives in.
    pub keyspace: u32,
    /// The key.
    pub key: Bytes,
    /// The value.
    pub value: StoredValue,
    /// Absolute expiry in Unix ms, if any.
    pub expires_at: Option<u64>,
}

/// What a scan yields for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanValue {
    /// A string value.
    String(Bytes),
    /// The key holds a list (its elements are not read by scans).
    List,
}

/// A half-open or bounded key range, in key-byte order.
pub type KeyRange = (Bound<Bytes>, Bound<Bytes>);

/// Whether `(lower, upper)` contains no key at all. Engines check this before handing bounds to an
/// ordered structure whose range call panics on an inverted range.
pub(crate) fn is_empty_range<K: Ord>(lower: &Bound<K>, upper: &Bound<K>) -> bool {
    match (lower, upper) {
        (Bound::Included(l), Bound::Included(u)) => l > u,
        (Bound::Included(l), Bound::Excluded(u))
        | (Bound::Excluded(l), Bound::Included(u))
        | (Bound::Excluded(l), Bound::Excluded(u)) => l >= u,
        _ => false,
    }
}

/// Redis `LRANGE` index rules: inclusive `start..=stop`, negative indexes count from the end,
/// out-of-range ends are clamped. Returns a half-open `from..to`, or `None` when empty.
pub(crate) fn list_window(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    let start = if start < 0 {
        (start + len).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        stop + len
    } else {
        stop.min(len - 1)
    };
    if start > stop || start >= len || stop < 0 {
        return None;
    }
    Some((
        usize::try_from(start).ok()?,
        usize::try_from(stop + 1).ok()?,
    ))
}

/// The error for a string operation on a list.
pub(crate) fn list_is_not_a_string() -> crate::error::Error {
    crate::error::Error::wrong_type("a string value", "a list")
}

/// The error for a list operation on a string.
pub(crate) fn string_is_not_a_list() -> crate::error::Error {
    crate::error::Error::wrong_type("a list", "a string value")
}

/// What a blocked call does once a list has elements.
#[derive(Debug, Clone)]
pub(crate) enum BlockingOp {
    /// Pop up to `count` elements from one end (BLPOP / BRPOP: 1; BLMPOP: `count`).
    Pop { end: End, count: u64 },
    /// Pop one element and push it onto `to` (BLMOVE, BRPOPLPUSH).
    Move {
        to: Bytes,
        from_end: End,
        to_end: End,
    },
}

/// What a blocking pop gives: the list it popped from and the elements (`None`: it timed out).
pub(crate) type Popped = Option<(Bytes, Vec<Bytes>)>;

/// A blocking pop waited for by a server, as a future holding no thread (see
/// [`Engine::server_pop_future`]): the list and the elements.
pub(crate) type ServerPop =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(Bytes, Vec<Bytes>)>> + Send>>;

/// A watch an engine keeps on its server (see [`Engine::watch_keys`]): opaque to `Store`.
pub(crate) struct EngineWatch(pub(crate) Box<dyn std::any::Any + Send + Sync>);

impl fmt::Debug for EngineWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EngineWatch")
    }
}

/// A lazy, sorted, point-in-time scan produced by an engine.
pub type EngineScan = Box<dyn Iterator<Item = Result<(Bytes, ScanValue)>> + Send>;

/// A lazy, point-in-time dump of every keyspace produced by an engine.
pub type EngineDump = Box<dyn Iterator<Item = Result<Record>> + Send>;

/// The storage contract of a backend. See the module docs for the semantics every engine keeps.
pub(crate) trait Engine: Send + Sync + fmt::Debug {
    /// The string value of `key`.
    fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>>;
    /// The string values of `keys`, read at one point in time.
    fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>>;
    /// Sets a string value (replacing any kind, clearing or setting expiry).
    fn put(&self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()>;
    /// [`Engine::put`] from borrowed bytes, for an engine that copies them into memory of its
    /// own anyway (the disk engine's memtable arena): the caller then makes no owned copy first.
    fn put_slice(&self, ks: u32, key: &[u8], value: &[u8], expires_at: Option<u64>) -> Result<()> {
        self.put(ks, key, Bytes::copy_from_slice(value), expires_at)
    }
    /// Removes a key of any kind; `true` if it existed.
    fn remove(&self, ks: u32, key: &[u8]) -> Result<bool>;
    /// What a live key holds, if it exists.
    fn kind(&self, ks: u32, key: &[u8]) -> Result<Option<KeyKind>>;
    /// The exact number of live keys of any kind in the keyspace.
    fn len(&self, ks: u32) -> Result<u64>;
    /// The expiry state of `key`.
    fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry>;
    /// Pushes `values` (in order) onto one end of a list; returns the new length.
    fn push(&self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64>;
    /// Pops one value from one end of a list.
    fn pop(&self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>>;
    /// The length of a list (0 if missing).
    fn list_len(&self, ks: u32, key: &[u8]) -> Result<u64>;
    /// Elements `start..=stop` of a list, with Redis `LRANGE` index rules (negative from the end).
    fn list_range(&self, ks: u32, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>>;
    /// Runs `body` as one atomic read-modify-write over the declared `keys` (see [`Tx`]): no
    /// other call sees those keys between its reads and its writes, nor part of its writes. If
    /// `body` fails, nothing it wrote is kept and its error is returned.
    fn transact(
        &self,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()>;
    /// Returns once every write committed before the call is visible to reads. A `WATCH` calls
    /// it after registering its keys, so that a read after the `WATCH` sees every write whose
    /// change it did not flag (on disk with `Durability::Sync`, a committed write is visible only
    /// once its fsync is done).
    fn settle(&self) -> Result<()>;
    /// What this backend can promise.
    fn capabilities(&self) -> Capabilities;
    /// Watches `keys` of keyspace `ks` on the server, for a backend whose keys other processes
    /// change too (remote: Redis `WATCH` on a connection the watch keeps), adding them to
    /// `watch` when one is given. `None` means the engine's writes all pass through this process
    /// and mark [`Engine::watches`], which serves instead: the default.
    fn watch_keys(
        &self,
        _ks: u32,
        _keys: &[Bytes],
        _watch: Option<&EngineWatch>,
    ) -> Result<Option<EngineWatch>> {
        Ok(None)
    }
    /// Runs a derived command as one command of the backend's own (see `native.rs`); `None`
    /// means the store runs it as a transaction instead: the default.
    fn native(&self, _ks: u32, _op: &Native<'_>) -> Option<Result<NativeReply>> {
        None
    }
    /// Waits on the server for a blocking pop from the first non-empty list of `keys`, for a
    /// backend whose lists other processes push to (remote: `BLMPOP` / `BLMOVE` on a dedicated
    /// connection). `timeout`: `None` waits for ever, zero does not wait. `None` means the
    /// store's in-process waiters serve instead: the default.
    fn server_pop(
        &self,
        _ks: u32,
        _keys: &[Bytes],
        _op: &BlockingOp,
        _timeout: Option<std::time::Duration>,
    ) -> Option<Result<Popped>> {
        None
    }
    /// [`Engine::server_pop`] waiting for ever, as a future that holds no thread; dropping it
    /// cancels the wait and gives back an element that reached it at that moment.
    fn server_pop_future(
        &self,
        _ks: u32,
        _keys: Vec<Bytes>,
        _op: BlockingOp,
    ) -> Option<Result<ServerPop>> {
        None
    }
    /// [`Engine::transact`] under a watch from [`Engine::watch_keys`], once: `Ok(false)` when a
    /// watched key changed since it was watched, and nothing was written. Only an engine that
    /// makes such watches is asked.
    fn transact_watched(
        &self,
        _watch: &EngineWatch,
        _keys: &[TxKey],
        _body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<bool> {
        Err(crate::error::Error::invalid(
            "watch",
            "this backend keeps no watches of its own",
        ))
    }
    /// The registry this engine marks changed keys in (see `crate::watch`), for engines whose
    /// writes all pass through this process.
    fn watches(&self) -> &Arc<WatchRegistry>;
    /// A lazy sorted scan of one keyspace over `range`, at one point in time.
    fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan>;
    /// Removes every key of one keyspace.
    fn clear(&self, ks: u32) -> Result<()>;
    /// A live key of keyspace `ks` chosen at random from `seed`, or `None` if it is empty
    /// (Redis `RANDOMKEY`). Not uniform (see `random.rs`), and never a walk of the keyspace.
    fn random_key(&self, ks: u32, seed: u64) -> Result<Option<Bytes>>;
    /// Swaps the contents of two keyspaces, atomically (Redis `SWAPDB`).
    fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()>;
    /// A lazy point-in-time dump of all keyspaces, keyspace by keyspace, keys sorted.
    fn dump(&self) -> Result<EngineDump>;
    /// Replaces the contents of every keyspace with `records`. If `records` yields an error, the
    /// engine is left exactly as it was and the error is returned.
    fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()>;
    /// Sets each record's key to the record's whole value and expiry, replacing whatever it
    /// held (a list is not appended to), all at once: no reader sees part of the group. The
    /// records are of one keyspace, valid, and not expired. The default runs one transaction; a
    /// backend that cannot make a group atomic says what it does instead.
    fn put_records(&self, records: &[Record]) -> Result<()> {
        let keys: Vec<TxKey> = records
            .iter()
            .map(|r| (r.keyspace, r.key.clone()))
            .collect();
        self.transact(&keys, &mut |tx: &mut dyn Tx| {
            for r in records {
                tx.write_value(r.keyspace, &r.key, r.value.clone(), r.expires_at)?;
            }
            Ok(())
        })
    }
    /// Makes every earlier write durable, as far as this backend can.
    fn flush(&self) -> Result<()>;
    /// Whether [`Engine::flush`] would have a write to make durable now. The default, for a
    /// backend whose writes are never waiting for an fsync, says no.
    fn has_unflushed_writes(&self) -> bool {
        false
    }
    /// Reclaims space held by overwritten, deleted and expired data, as far as this backend can
    /// (the disk backend compacts every level into the last). The default does nothing.
    fn compact(&self) -> Result<()> {
        Ok(())
    }
    /// Reclaims space held by dead data of keys in `range` of keyspace `ks`
    /// (`Keyspace::compact_range`); the default does nothing.
    fn compact_range(&self, _ks: u32, _range: KeyRange) -> Result<()> {
        Ok(())
    }
    /// Writes a checkpoint of the store into the new directory `dir` (`Store::checkpoint`).
    /// `Ok(None)`, the default, says the backend keeps no files of its own to copy: the store
    /// saves a snapshot there instead (memory). A backend that cannot do either refuses.
    fn checkpoint(&self, _dir: &std::path::Path) -> Result<Option<crate::CheckpointReport>> {
        Ok(None)
    }
    /// Backend-specific statistics; `keys`/`bytes` per keyspace come from [`Engine::keyspace_usage`].
    fn stats(&self) -> Result<BackendStats>;
    /// Keys, keys with an expiry and bytes of each non-empty keyspace among the first
    /// `keyspaces`. Cheap on every backend: no walk of the keys.
    fn keyspace_usage(&self, keyspaces: u32) -> Result<Vec<crate::stats::KeyspaceStats>>;
    /// Refuses every later write with [`crate::error::Error::Closed`], once the writes in progress have
    /// finished. `Store::close` seals before its final save, so every write that was acknowledged
    /// is in that save.
    fn seal(&self) -> Result<()>;
    /// Accepts writes again after `seal` (a close whose final save failed leaves the store open).
    fn unseal(&self) -> Result<()>;
    /// Stops background work and releases resources. Called once, by `Store::close`.
    fn close(&self) -> Result<()>;

    /// Stops as a crash would (`test_util::crash`): background work stops without finishing
    /// (no flush, no save), locks are released, and nothing more is written. The default closes.
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    fn abandon(&self) {
        let _ = self.close();
    }
}
