//! [`ReadOnlyEngine`]: an engine that refuses every call that would change the store, before the
//! engine below sees it, with [`Error::ReadOnly`]. [`crate::Store::open`] puts it around a store
//! opened with [`crate::Config::read_only`]. Reads, scans, dumps and stats pass through; a
//! transaction runs, but a write inside it is refused (and so is the whole transaction).

use std::sync::Arc;

use bytes::Bytes;

use super::{
    BlockingOp, Capabilities, End, Engine, EngineDump, EngineScan, EngineWatch, KeyExpiry, KeyInfo,
    KeyKind, KeyRange, Native, NativeReply, Popped, Record, ServerPop, StoredValue, Tx, TxKey,
};
use crate::error::{Error, Result};
use crate::stats::{BackendStats, KeyspaceStats};
use crate::watch::WatchRegistry;

fn refused<T>(what: &'static str) -> Result<T> {
    Err(Error::ReadOnly { what })
}

/// Refuses writes, passes everything else to `inner`.
#[derive(Debug)]
pub(crate) struct ReadOnlyEngine {
    pub(crate) inner: Box<dyn Engine>,
}

impl Engine for ReadOnlyEngine {
    fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        self.inner.get(ks, key)
    }
    fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        self.inner.get_many(ks, keys)
    }
    fn put(&self, _: u32, _: &[u8], _: Bytes, _: Option<u64>) -> Result<()> {
        refused("a write")
    }
    fn put_slice(&self, _: u32, _: &[u8], _: &[u8], _: Option<u64>) -> Result<()> {
        refused("a write")
    }
    fn remove(&self, _: u32, _: &[u8]) -> Result<bool> {
        refused("a remove")
    }
    fn kind(&self, ks: u32, key: &[u8]) -> Result<Option<KeyKind>> {
        self.inner.kind(ks, key)
    }
    fn len(&self, ks: u32) -> Result<u64> {
        self.inner.len(ks)
    }
    fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry> {
        self.inner.expiry(ks, key)
    }
    fn push(&self, _: u32, _: &[u8], _: End, _: &[Bytes]) -> Result<u64> {
        refused("a push")
    }
    fn pop(&self, _: u32, _: &[u8], _: End) -> Result<Option<Bytes>> {
        refused("a pop")
    }
    fn list_len(&self, ks: u32, key: &[u8]) -> Result<u64> {
        self.inner.list_len(ks, key)
    }
    fn list_range(&self, ks: u32, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.inner.list_range(ks, key, start, stop)
    }
    fn transact(
        &self,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        self.inner.transact(keys, &mut |tx: &mut dyn Tx| {
            body(&mut ReadOnlyTx { inner: tx })
        })
    }
    fn settle(&self) -> Result<()> {
        self.inner.settle()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn watch_keys(
        &self,
        ks: u32,
        keys: &[Bytes],
        watch: Option<&EngineWatch>,
    ) -> Result<Option<EngineWatch>> {
        self.inner.watch_keys(ks, keys, watch)
    }
    fn native(&self, _: u32, _: &Native<'_>) -> Option<Result<NativeReply>> {
        // Every native operation is a derived write; the store's transaction path refuses it.
        None
    }
    fn server_pop(
        &self,
        _: u32,
        _: &[Bytes],
        _: &BlockingOp,
        _: Option<std::time::Duration>,
    ) -> Option<Result<Popped>> {
        Some(refused("a blocking pop"))
    }
    fn server_pop_future(&self, _: u32, _: Vec<Bytes>, _: BlockingOp) -> Option<Result<ServerPop>> {
        Some(refused("a blocking pop"))
    }
    fn transact_watched(
        &self,
        watch: &EngineWatch,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<bool> {
        self.inner
            .transact_watched(watch, keys, &mut |tx: &mut dyn Tx| {
                body(&mut ReadOnlyTx { inner: tx })
            })
    }
    fn watches(&self) -> &Arc<WatchRegistry> {
        self.inner.watches()
    }
    fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan> {
        self.inner.scan(ks, range)
    }
    fn clear(&self, _: u32) -> Result<()> {
        refused("a clear")
    }
    fn random_key(&self, ks: u32, seed: u64) -> Result<Option<Bytes>> {
        self.inner.random_key(ks, seed)
    }
    fn swap_keyspaces(&self, _: u32, _: u32) -> Result<()> {
        refused("a keyspace swap")
    }
    fn dump(&self) -> Result<EngineDump> {
        self.inner.dump()
    }
    fn load(&self, _: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        refused("a snapshot load")
    }
    fn put_records(&self, _: &[Record]) -> Result<()> {
        refused("a write")
    }
    fn flush(&self) -> Result<()> {
        // Nothing this handle wrote waits for durability.
        Ok(())
    }
    fn compact(&self) -> Result<()> {
        refused("a compaction")
    }
    fn compact_range(&self, _: u32, _: KeyRange) -> Result<()> {
        refused("a compaction")
    }
    fn checkpoint(&self, _: &std::path::Path) -> Result<Option<crate::CheckpointReport>> {
        // A read-only open writes nowhere, not even beside the store.
        refused("a checkpoint (open the store for writing, or checkpoint through its server)")
    }
    fn stats(&self) -> Result<BackendStats> {
        self.inner.stats()
    }
    fn keyspace_usage(&self, keyspaces: u32) -> Result<Vec<KeyspaceStats>> {
        self.inner.keyspace_usage(keyspaces)
    }
    fn seal(&self) -> Result<()> {
        self.inner.seal()
    }
    fn unseal(&self) -> Result<()> {
        self.inner.unseal()
    }
    fn close(&self) -> Result<()> {
        self.inner.close()
    }
    #[cfg(feature = "test-util")]
    fn abandon(&self) {
        self.inner.abandon();
    }
}

/// A transaction's view that reads through and refuses writes.
struct ReadOnlyTx<'a> {
    inner: &'a mut dyn Tx,
}

impl Tx for ReadOnlyTx<'_> {
    fn now(&self) -> u64 {
        self.inner.now()
    }
    fn info(&mut self, ks: u32, key: &[u8]) -> Result<Option<KeyInfo>> {
        self.inner.info(ks, key)
    }
    fn get_with_expiry(&mut self, ks: u32, key: &[u8]) -> Result<Option<(Bytes, Option<u64>)>> {
        self.inner.get_with_expiry(ks, key)
    }
    fn put(&mut self, _: u32, _: &[u8], _: Bytes, _: Option<u64>) -> Result<()> {
        refused("a write")
    }
    fn remove(&mut self, _: u32, _: &[u8]) -> Result<bool> {
        refused("a remove")
    }
    fn set_expiry(&mut self, _: u32, _: &[u8], _: Option<u64>) -> Result<bool> {
        refused("an expiry change")
    }
    fn list_len(&mut self, ks: u32, key: &[u8]) -> Result<u64> {
        self.inner.list_len(ks, key)
    }
    fn list_range(&mut self, ks: u32, key: &[u8], from: u64, to: u64) -> Result<Vec<Bytes>> {
        self.inner.list_range(ks, key, from, to)
    }
    fn list_push(&mut self, _: u32, _: &[u8], _: End, _: &[Bytes]) -> Result<u64> {
        refused("a push")
    }
    fn list_pop(&mut self, _: u32, _: &[u8], _: End) -> Result<Option<Bytes>> {
        refused("a pop")
    }
    fn list_set(&mut self, _: u32, _: &[u8], _: u64, _: Bytes) -> Result<()> {
        refused("a list edit")
    }
    fn list_replace(&mut self, _: u32, _: &[u8], _: Vec<Bytes>) -> Result<()> {
        refused("a list edit")
    }
    fn read_value(&mut self, ks: u32, key: &[u8]) -> Result<Option<(StoredValue, Option<u64>)>> {
        self.inner.read_value(ks, key)
    }
    fn write_value(&mut self, _: u32, _: &[u8], _: StoredValue, _: Option<u64>) -> Result<()> {
        refused("a write")
    }
    fn savepoint(&mut self) -> usize {
        self.inner.savepoint()
    }
    fn rollback_to(&mut self, mark: usize) {
        self.inner.rollback_to(mark);
    }
}
