//! The shards of one keyspace and how a key finds its shard.

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::config::ShardHasher;
use crate::error::{Error, Result};
use crate::memory::shard::ShardState;

/// One shard, padded to its own cache lines so that writers to neighbouring shards do not slow each
/// other down through false sharing.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Shard {
    pub(crate) state: RwLock<ShardState>,
}

impl Shard {
    /// The write lock, for a change: refused with `Closed` once the engine is sealed. Every path
    /// that changes data takes its lock here (the seal is checked where the data is guarded).
    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, ShardState>> {
        let state = self.state.write();
        if state.sealed {
            return Err(Error::Closed);
        }
        Ok(state)
    }
}

/// The shards of one keyspace. A key lives in exactly one shard, chosen by [`Shards::index_of`].
pub(crate) struct Shards {
    shards: Box<[Shard]>,
}

impl Shards {
    pub(crate) fn new(count: usize, sealed: bool) -> Self {
        Shards {
            shards: (0..count.max(1))
                .map(|_| {
                    let shard = Shard::default();
                    shard.state.write().sealed = sealed;
                    shard
                })
                .collect(),
        }
    }

    /// The shard of `key`: any hasher output is reduced modulo the shard count, so no hasher can
    /// produce an index out of range.
    pub(crate) fn index_of(&self, hasher: &Option<ShardHasher>, key: &[u8]) -> usize {
        let hash = match hasher {
            Some(h) => h(key),
            None => xxhash_rust::xxh3::xxh3_64(key),
        };
        (hash % self.shards.len() as u64) as usize
    }

    pub(crate) fn shard(&self, index: usize) -> &Shard {
        // NOTE: `new` makes at least one shard, so the modulo is never by zero and the index is
        // always in range.
        &self.shards[index % self.shards.len()]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Shard> {
        self.shards.iter()
    }

    /// Read-locks every shard, in index order (the global lock order, see `MemoryEngine`).
    pub(crate) fn read_all(&self) -> Vec<RwLockReadGuard<'_, ShardState>> {
        self.shards.iter().map(|s| s.state.read()).collect()
    }

    /// Write-locks every shard, in index order, for a change (refused once sealed).
    pub(crate) fn write_all(&self) -> Result<Vec<RwLockWriteGuard<'_, ShardState>>> {
        self.shards.iter().map(Shard::write).collect()
    }

    /// Seals or unseals every shard.
    pub(crate) fn set_sealed(&self, sealed: bool) {
        for shard in self.shards.iter() {
            shard.state.write().sealed = sealed;
        }
    }
}
