//! [`MemoryEngine`]: the in-memory backend's implementation of [`Engine`].
//!
//! Lock order (the one rule that keeps it deadlock-free): shards are always locked in ascending
//! keyspace number, then ascending shard index, and a thread that holds a shard lock never waits for
//! anything else. Single-key operations lock one shard; batches, `get_many` and views lock several
//! in that order.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use crate::clock::Clock;
use crate::config::MemoryOptions;
use crate::engine::random;
use crate::engine::{
    Capabilities, End, Engine, EngineDump, EngineScan, KeyExpiry, KeyKind, KeyRange, Record, Tx,
    TxKey,
};
use crate::error::Result;
use crate::memory::data::MemoryData;
use crate::memory::sweeper::Sweeper;
use crate::memory::tx::MemoryTx;
use crate::memory::view::View;
use crate::stats::{BackendStats, MemoryStats};
use crate::watch::WatchRegistry;

/// The in-memory backend: sharded persistent hash maps, a sorted key index, an expiry index and a
/// background sweeper.
pub(crate) struct MemoryEngine {
    data: Arc<MemoryData>,
    sweeper: Sweeper,
    snapshot_path: Option<std::path::PathBuf>,
}

impl fmt::Debug for MemoryEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryEngine")
            .field("shards", &self.data.shard_count())
            .field("keyspaces", &self.data.keyspace_count())
            .finish()
    }
}

impl MemoryEngine {
    pub(crate) fn open(
        options: &MemoryOptions,
        keyspaces: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let data = Arc::new(MemoryData::new(options, keyspaces, clock));
        let sweeper = Sweeper::start(
            Arc::clone(&data),
            options.sweep_interval,
            options.sweep_batch,
        )?;
        Ok(MemoryEngine {
            data,
            sweeper,
            snapshot_path: options.snapshot_path.clone(),
        })
    }

    fn clock(&self) -> &dyn Clock {
        &*self.data.clock
    }
}

impl Engine for MemoryEngine {
    fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        self.data.check_keyspace(ks)?;
        let clock = self.clock();
        self.data
            .read(ks, key, |s| s.get(key, clock))
            .unwrap_or(Ok(None))
    }

    fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        self.data.check_keyspace(ks)?;
        match self.data.existing(ks) {
            Some(shards) => crate::memory::batch::get_many(&self.data, shards, keys),
            None => Ok(vec![None; keys.len()]),
        }
    }

    fn put(&self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        let shard = self.data.shard_for(ks, key)?;
        let mut state = shard.write()?;
        self.data.watches.touch(ks, key);
        let replaced = state.put(key, value, expires_at);
        drop(state);
        // Free the replaced value after the lock is released.
        drop(replaced);
        Ok(())
    }

    fn remove(&self, ks: u32, key: &[u8]) -> Result<bool> {
        let clock = self.clock();
        let watches = &self.data.watches;
        self.data.write(ks, key, |s| {
            let removed = s.remove(key, clock);
            if removed {
                watches.touch(ks, key);
            }
            removed
        })
    }

    fn kind(&self, ks: u32, key: &[u8]) -> Result<Option<KeyKind>> {
        self.data.check_keyspace(ks)?;
        let clock = self.clock();
        Ok(self
            .data
            .read(ks, key, |s| s.live(key, clock).map(|e| e.kind()))
            .flatten())
    }

    fn len(&self, ks: u32) -> Result<u64> {
        self.data.check_keyspace(ks)?;
        let Some(shards) = self.data.existing(ks) else {
            return Ok(0);
        };
        // Reaping what is due first makes the count exact: afterwards no counted entry is expired.
        self.data.reap_keyspace(shards);
        Ok(shards.iter().map(|s| s.state.read().map.len() as u64).sum())
    }

    fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry> {
        self.data.check_keyspace(ks)?;
        let clock = self.clock();
        Ok(self
            .data
            .read(ks, key, |s| s.expiry(key, clock))
            .unwrap_or(KeyExpiry::Missing))
    }

    fn push(&self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        let clock = self.clock();
        let shard = self.data.shard_for(ks, key)?;
        let mut state = shard.write()?;
        let len = state.push(key, end, values, clock)?;
        self.data.watches.touch(ks, key);
        Ok(len)
    }

    fn pop(&self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        let clock = self.clock();
        let watches = &self.data.watches;
        self.data.write(ks, key, |s| {
            let popped = s.pop(key, end, clock)?;
            if popped.is_some() {
                watches.touch(ks, key);
            }
            Ok(popped)
        })?
    }

    fn list_len(&self, ks: u32, key: &[u8]) -> Result<u64> {
        self.data.check_keyspace(ks)?;
        let clock = self.clock();
        self.data
            .read(ks, key, |s| s.list_len(key, clock))
            .unwrap_or(Ok(0))
    }

    fn list_range(&self, ks: u32, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.data.check_keyspace(ks)?;
        let clock = self.clock();
        self.data
            .read(ks, key, |s| s.list_range(key, start, stop, clock))
            .unwrap_or(Ok(Vec::new()))
    }

    fn transact(
        &self,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        let mut tx = MemoryTx::begin(&self.data, keys)?;
        match body(&mut tx) {
            Ok(()) => Ok(()),
            Err(e) => {
                tx.abort();
                Err(e)
            }
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            backend: "memory",
            point_in_time_scans: true,
            counts_bytes: true,
            survives_crashes: false,
            survives_restarts: self.snapshot_path.is_some(),
            compaction: false,
            exclusive: true,
            expiry_by_store_clock: true,
            exact_len: true,
            single_keyspace: false,
            f64_float_increments: true,
        }
    }

    fn settle(&self) -> Result<()> {
        // A write is visible once its shard lock is released, and a read takes that lock.
        Ok(())
    }

    fn watches(&self) -> &Arc<WatchRegistry> {
        &self.data.watches
    }

    fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan> {
        self.data.check_keyspace(ks)?;
        let Some(view) = View::take(&self.data, ks) else {
            return Ok(Box::new(std::iter::empty()));
        };
        let scan = view.scan(range.0, range.1);
        Ok(Box::new(scan.map(|(key, entry)| {
            Ok((key.to_bytes(), entry.to_scan_value()))
        })))
    }

    fn clear(&self, ks: u32) -> Result<()> {
        self.data.check_keyspace(ks)?;
        let Some(shards) = self.data.existing(ks) else {
            return Ok(());
        };
        // All shards at once, so no reader sees the keyspace half cleared; free after unlocking.
        let mut states = shards.write_all()?;
        self.data.watches.touch_all(Some(ks));
        let old: Vec<_> = states
            .iter_mut()
            .map(|state| state.replace_all(Vec::new()))
            .collect();
        drop(states);
        drop(old);
        Ok(())
    }

    fn random_key(&self, ks: u32, seed: u64) -> Result<Option<Bytes>> {
        self.data.check_keyspace(ks)?;
        let Some(shards) = self.data.existing(ks) else {
            return Ok(None);
        };
        let clock = self.clock();
        let sizes: Vec<u64> = shards
            .iter()
            .map(|s| s.state.read().map.len() as u64)
            .collect();
        let total: u64 = sizes.iter().sum();
        if total == 0 {
            return Ok(None);
        }
        // A shard weighted by its size, then a uniform position in its hash map (the first live
        // entry from there, wrapping). Cost: O(shard size) steps of the map's iterator, which
        // `Store::random_key` documents.
        let (draw, offset) = (random::mix(seed), random::mix(seed ^ 0x5EED));
        let mut left = draw % total;
        let first = sizes
            .iter()
            .position(|&n| {
                let here = left < n;
                left = left.saturating_sub(n);
                here
            })
            .unwrap_or(0);
        let count = sizes.len();
        for i in 0..count {
            let state = shards.shard((first + i) % count).state.read();
            let len = state.map.len();
            if len == 0 {
                continue;
            }
            let at = usize::try_from(offset % len as u64).unwrap_or(0);
            let found = state
                .map
                .iter()
                .skip(at)
                .chain(state.map.iter().take(at))
                .find(|(_, e)| !e.is_expired(clock))
                .map(|(k, _)| k.to_bytes());
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()> {
        if a == b {
            return self.data.check_keyspace(a);
        }
        let (lo, hi) = (a.min(b), a.max(b));
        // Both keyspaces exist from here on (creation takes the `creating` lock, never taken
        // while shard locks are held); all their shards are locked, lower keyspace first.
        let (shards_lo, shards_hi) = (self.data.shards(lo)?, self.data.shards(hi)?);
        let mut states_lo = shards_lo.write_all()?;
        let mut states_hi = shards_hi.write_all()?;
        self.data.watches.touch_all(Some(lo));
        self.data.watches.touch_all(Some(hi));
        // A key's shard index is the same in every keyspace (one hasher, one shard count), so
        // shard i of one keyspace holds exactly the keys shard i of the other must take. Each
        // swap goes through `replace_all`, which keeps what live views of either can see.
        let mut freed = Vec::new();
        for (x, y) in states_lo.iter_mut().zip(states_hi.iter_mut()) {
            let from_x = x.replace_all(Vec::new());
            let from_y = y.replace_all(from_x.into_iter().collect());
            freed.push(x.replace_all(from_y.into_iter().collect()));
        }
        drop(states_hi);
        drop(states_lo);
        drop(freed);
        Ok(())
    }

    fn dump(&self) -> Result<EngineDump> {
        crate::memory::bulk::dump(&self.data)
    }

    fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        crate::memory::bulk::load(&self.data, records)
    }

    fn flush(&self) -> Result<()> {
        // Nothing is buffered: writes are in memory as soon as they return. Snapshot persistence
        // (if configured) is done by the store on flush.
        Ok(())
    }

    fn stats(&self) -> Result<BackendStats> {
        let mut keys_with_expiry = 0;
        let mut reclaimed = 0;
        let mut history = 0;
        for (_, shards) in self.data.existing_keyspaces() {
            for shard in shards.iter() {
                let state = shard.state.read();
                keys_with_expiry += state.expiries.len() as u64;
                reclaimed += state.reclaimed;
                history += state.history_len as u64;
            }
        }
        Ok(BackendStats::Memory(MemoryStats {
            shards: self.data.shard_count(),
            keys_with_expiry,
            expired_reclaimed: reclaimed,
            sweeper_runs: self.data.sweeper_runs.load(Ordering::Relaxed),
            view_history_entries: history,
            snapshot_path: self.snapshot_path.clone(),
        }))
    }

    fn keyspace_usage(&self, _keyspaces: u32) -> Result<Vec<crate::stats::KeyspaceStats>> {
        let mut usage = Vec::new();
        for (ks, shards) in self.data.existing_keyspaces() {
            self.data.reap_keyspace(shards);
            let (mut keys, mut expires, mut bytes) = (0, 0, 0);
            for shard in shards.iter() {
                let state = shard.state.read();
                keys += state.map.len() as u64;
                expires += state.expiries.len() as u64;
                bytes += state.bytes;
            }
            if keys > 0 {
                usage.push(crate::stats::KeyspaceStats {
                    id: ks,
                    keys,
                    expires,
                    bytes,
                });
            }
        }
        Ok(usage)
    }

    fn seal(&self) -> Result<()> {
        self.data.set_sealed(true);
        Ok(())
    }

    fn unseal(&self) -> Result<()> {
        self.data.set_sealed(false);
        Ok(())
    }

    fn close(&self) -> Result<()> {
        self.sweeper.stop();
        Ok(())
    }
}
