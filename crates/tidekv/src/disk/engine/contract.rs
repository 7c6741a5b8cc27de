//! [`Engine`] for [`DiskEngine`]: every call goes to [`Inner`]; closing and dropping live here.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;

use super::rmw::DiskTx;
use super::{DiskEngine, Inner};
use crate::engine::{
    End, Engine, EngineDump, EngineScan, KeyExpiry, KeyKind, KeyRange, Record, Tx, TxKey,
};
use crate::error::Result;
use crate::stats::BackendStats;

impl fmt::Debug for DiskEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskEngine")
            .field("path", &self.inner.dir)
            .field("durability", &self.inner.options.durability)
            .finish()
    }
}

impl DiskEngine {
    /// Stops the background threads (after the jobs they are running; the flush thread first
    /// drains the frozen memtables unless `abandon`) and waits for them.
    fn stop_threads(&self, abandon: bool) {
        {
            let mut bg = self.inner.background.state.lock();
            bg.shutdown = true;
            bg.abandoned |= abandon;
            self.inner.background.wake.notify_all();
        }
        self.inner.resolver.stop();
        for thread in self.threads.lock().drain(..) {
            let _ = thread.join();
        }
    }

    /// The first half of `close` and of a simulated crash: stop every compaction and wait until
    /// no manual compaction or load is running. Afterwards only flushes change the tree.
    fn stop_jobs(&self) {
        self.inner.lifecycle.stopping.store(true, Ordering::SeqCst);
        {
            let _bg = self.inner.background.state.lock();
            self.inner.background.wake.notify_all();
        }
        drop(self.inner.lifecycle.jobs.write());
    }
}

impl Inner {
    /// Freezes the active memtable and waits until every frozen memtable is flushed.
    pub(crate) fn flush_memtables(&self) -> Result<()> {
        self.rotate(&mut self.writer.lock())?;
        let mut bg = self.background.state.lock();
        loop {
            if let Some(why) = &bg.error {
                return Err(super::background_error(why));
            }
            if self.current().imms.is_empty() {
                return Ok(());
            }
            if bg.shutdown {
                // Nothing will flush them now; they stay in the log, replayed on the next open.
                return Err(crate::error::Error::Closed);
            }
            self.background.wake.notify_all();
            self.background
                .wake
                .wait_for(&mut bg, Duration::from_millis(20));
        }
    }
}

impl Drop for DiskEngine {
    fn drop(&mut self) {
        // Without `close`, unflushed writes stay in the log and are replayed on the next open.
        self.stop_threads(false);
        // The lock goes with `Inner`; tables an iterator still holds must not be removed then.
        self.inner.tables.close_files();
    }
}

impl Engine for DiskEngine {
    fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        self.inner.get(ks, key)
    }
    fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        self.inner.get_many(ks, keys)
    }
    fn put(&self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        self.inner.put(ks, key, &value, expires_at)
    }
    fn put_slice(&self, ks: u32, key: &[u8], value: &[u8], expires_at: Option<u64>) -> Result<()> {
        self.inner.put(ks, key, value, expires_at)
    }
    fn remove(&self, ks: u32, key: &[u8]) -> Result<bool> {
        self.inner.remove(ks, key)
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
    fn push(&self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        self.inner.push(ks, key, end, values)
    }
    fn pop(&self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        self.inner.pop(ks, key, end)
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
        let watches = &self.inner.watches;
        self.inner
            .write(|txn| body(&mut DiskTx::new(txn, keys, watches)))
    }

    fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan> {
        self.inner.scan(ks, range)
    }
    fn capabilities(&self) -> crate::engine::Capabilities {
        crate::engine::Capabilities {
            backend: "disk",
            point_in_time_scans: true,
            survives_crashes: true,
            survives_restarts: true,
            compaction: true,
            exclusive: true,
            expiry_by_store_clock: true,
            exact_len: true,
            single_keyspace: false,
            f64_float_increments: true,
            counts_bytes: false,
        }
    }
    fn settle(&self) -> Result<()> {
        self.inner.settle()
    }
    fn watches(&self) -> &std::sync::Arc<crate::watch::WatchRegistry> {
        &self.inner.watches
    }
    fn clear(&self, ks: u32) -> Result<()> {
        self.inner.clear(ks)
    }
    fn random_key(&self, ks: u32, seed: u64) -> Result<Option<Bytes>> {
        self.inner.random_key(ks, seed)
    }
    fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()> {
        self.inner.swap_keyspaces(a, b)
    }
    fn dump(&self) -> Result<EngineDump> {
        self.inner.dump()
    }
    fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        self.inner.load(records)
    }
    fn flush(&self) -> Result<()> {
        self.inner.sync_all()
    }
    fn has_unflushed_writes(&self) -> bool {
        self.inner.writer.lock().last_seq > self.inner.group.synced()
    }
    fn compact(&self) -> Result<()> {
        self.inner.compact_all()
    }
    fn compact_range(&self, ks: u32, range: crate::engine::KeyRange) -> Result<()> {
        let (lower, upper) = &range;
        let lower = lower.as_ref().map(|k| &k[..]);
        let upper = upper.as_ref().map(|k| &k[..]);
        self.inner.compact_range(ks, lower, upper)
    }
    fn checkpoint(&self, dir: &std::path::Path) -> Result<Option<crate::CheckpointReport>> {
        self.inner.checkpoint(dir).map(Some)
    }
    fn stats(&self) -> Result<BackendStats> {
        Ok(BackendStats::Disk(Box::new(self.inner.disk_stats())))
    }
    fn keyspace_usage(&self, keyspaces: u32) -> Result<Vec<crate::stats::KeyspaceStats>> {
        self.inner.keyspace_usage(keyspaces)
    }
    fn seal(&self) -> Result<()> {
        self.inner.writer.lock().sealed = true;
        Ok(())
    }
    fn unseal(&self) -> Result<()> {
        self.inner.writer.lock().sealed = false;
        Ok(())
    }
    fn close(&self) -> Result<()> {
        if self.inner.lifecycle.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        // No compaction or load may install anything once the lock is released: stop them all
        // and wait for the manual ones (the background threads are joined below).
        self.stop_jobs();
        // Flush everything so the next open replays nothing, then stop the workers.
        let flushed = self.inner.flush_memtables();
        let synced = self.inner.sync_all();
        self.stop_threads(false);
        // Nothing touches the directory any more — not even the drop of a table this store's
        // objects still hold — so another open may proceed.
        self.inner.tables.close_files();
        self.inner.lifecycle.dir_lock.lock().take();
        flushed.and(synced)
    }

    #[cfg(feature = "test-util")]
    fn abandon(&self) {
        if self.inner.lifecycle.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.inner.writer.lock().sealed = true;
        self.stop_jobs();
        self.stop_threads(true);
        self.inner.tables.close_files();
        self.inner.lifecycle.dir_lock.lock().take();
    }
}
