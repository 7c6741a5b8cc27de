//! [`MemoryData`]: the state of a memory engine — its keyspaces of shards, the clock, the watch
//! registry — shared by the engine, its transactions, views, bulk loads and the sweeper thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use crate::clock::Clock;
use crate::config::{MemoryOptions, ShardHasher};
use crate::error::{Error, Result};
use crate::memory::keyspace::{Shard, Shards};
use crate::memory::shard::ShardState;
use crate::watch::WatchRegistry;

/// The data of a memory engine, shared with its sweeper thread.
pub(crate) struct MemoryData {
    /// One slot per keyspace, filled on its first write so that unused keyspaces cost nothing.
    keyspaces: Box<[OnceLock<Shards>]>,
    shard_count: usize,
    hasher: Option<ShardHasher>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sweeper_runs: AtomicU64,
    /// Held for writing while a keyspace is created or the engine is sealed, and for reading while
    /// a dump lists keyspaces and locks their shards: so a dump is one cut even across a keyspace
    /// created meanwhile, and a keyspace created during close is born sealed.
    pub(crate) creating: RwLock<()>,
    sealed: AtomicBool,
    /// How many due keys one write-lock hold reaps (the sweeper's batch).
    reap_batch: usize,
    /// Watched keys; every change marks its key here under the shard's write lock.
    pub(crate) watches: Arc<WatchRegistry>,
}

impl MemoryData {
    pub(crate) fn new(options: &MemoryOptions, keyspaces: u32, clock: Arc<dyn Clock>) -> Self {
        MemoryData {
            keyspaces: (0..keyspaces).map(|_| OnceLock::new()).collect(),
            shard_count: options.shards,
            hasher: options.hasher.clone(),
            clock,
            sweeper_runs: AtomicU64::new(0),
            creating: RwLock::new(()),
            sealed: AtomicBool::new(false),
            reap_batch: options.sweep_batch,
            watches: Arc::default(),
        }
    }

    /// The shards of keyspace `ks` if it has ever been written.
    pub(crate) fn existing(&self, ks: u32) -> Option<&Shards> {
        self.keyspaces.get(ks as usize).and_then(OnceLock::get)
    }

    /// The shards of keyspace `ks`, created on first use.
    pub(crate) fn create(&self, ks: u32) -> Result<&Shards> {
        self.shards(ks)
    }

    pub(crate) fn hasher(&self) -> &Option<ShardHasher> {
        &self.hasher
    }

    pub(crate) fn keyspace_count(&self) -> usize {
        self.keyspaces.len()
    }

    pub(crate) fn shard_count(&self) -> usize {
        self.shard_count
    }

    /// The shards of keyspace `ks`, created on first use.
    pub(crate) fn shards(&self, ks: u32) -> Result<&Shards> {
        let slot = self.keyspaces.get(ks as usize).ok_or_else(|| {
            Error::invalid(
                "keyspace",
                format!(
                    "{ks} is not below the store's {} keyspaces",
                    self.keyspaces.len()
                ),
            )
        })?;
        if let Some(shards) = slot.get() {
            return Ok(shards);
        }
        let _creating = self.creating.write();
        Ok(slot.get_or_init(|| Shards::new(self.shard_count, self.sealed.load(Ordering::SeqCst))))
    }

    /// Seals (or unseals) every keyspace, existing or created later.
    pub(crate) fn set_sealed(&self, sealed: bool) {
        let _creating = self.creating.write();
        self.sealed.store(sealed, Ordering::SeqCst);
        for (_, shards) in self.existing_keyspaces() {
            shards.set_sealed(sealed);
        }
    }

    /// Every keyspace that has been written, with its number.
    pub(crate) fn existing_keyspaces(&self) -> impl Iterator<Item = (u32, &Shards)> {
        self.keyspaces
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| slot.get().map(|s| (i as u32, s)))
    }

    pub(crate) fn shard_for(&self, ks: u32, key: &[u8]) -> Result<&Shard> {
        let shards = self.shards(ks)?;
        Ok(shards.shard(shards.index_of(&self.hasher, key)))
    }

    /// Reads through the shard of `key` without creating the keyspace; `None` if it never existed.
    pub(crate) fn read<T>(
        &self,
        ks: u32,
        key: &[u8],
        f: impl FnOnce(&ShardState) -> T,
    ) -> Option<T> {
        let shards = self.existing(ks)?;
        let shard = shards.shard(shards.index_of(&self.hasher, key));
        let state = shard.state.read();
        Some(f(&state))
    }

    pub(crate) fn write<T>(
        &self,
        ks: u32,
        key: &[u8],
        f: impl FnOnce(&mut ShardState) -> T,
    ) -> Result<T> {
        let shard = self.shard_for(ks, key)?;
        let mut state = shard.write()?;
        Ok(f(&mut state))
    }

    /// Reclaims every due expiry of a keyspace, a bounded batch per write-lock hold, and takes a
    /// shard's write lock only if it has something due.
    pub(crate) fn reap_keyspace(&self, shards: &Shards) {
        let now = self.clock.now_ms();
        let batch = self.reap_batch.max(1);
        for shard in shards.iter() {
            while shard.state.read().next_expiry().is_some_and(|at| at <= now) {
                if shard.state.write().reap_due(now, batch) < batch {
                    break;
                }
            }
        }
    }

    /// Checks `ks` without creating it: reads of an unused keyspace must stay free.
    pub(crate) fn check_keyspace(&self, ks: u32) -> Result<()> {
        if (ks as usize) < self.keyspaces.len() {
            Ok(())
        } else {
            self.shards(ks).map(|_| ())
        }
    }
}
