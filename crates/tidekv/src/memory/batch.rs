//! Operations that span shards: atomic batches and consistent multi-gets.
//!
//! Both lock every shard they touch, in ascending index order, for their whole duration, so they
//! are atomic with respect to each other and to views (which lock all shards in the same order).

use std::collections::BTreeMap;

use bytes::Bytes;
use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use crate::engine::Op;
use crate::error::Result;
use crate::memory::engine::MemoryData;
use crate::memory::entry::Entry;
use crate::memory::keyspace::Shards;
use crate::memory::shard::{op_key, ShardState};

/// The shard index of each key, and the distinct indexes in lock order (ascending).
fn shard_plan<'k>(
    data: &MemoryData,
    shards: &Shards,
    keys: impl Iterator<Item = &'k Bytes>,
) -> (Vec<usize>, Vec<usize>) {
    let indexes: Vec<usize> = keys.map(|k| shards.index_of(data.hasher(), k)).collect();
    let mut wanted = indexes.clone();
    wanted.sort_unstable();
    wanted.dedup();
    (indexes, wanted)
}

/// Write-locks the `wanted` shards in ascending order, for a change (refused once sealed).
fn write_locks<'s>(
    shards: &'s Shards,
    wanted: Vec<usize>,
) -> Result<BTreeMap<usize, RwLockWriteGuard<'s, ShardState>>> {
    wanted
        .into_iter()
        .map(|i| Ok((i, shards.shard(i).write()?)))
        .collect()
}

/// Reads `keys` under the read locks of all their shards at once: one point in time.
pub(crate) fn get_many(
    data: &MemoryData,
    shards: &Shards,
    keys: &[Bytes],
) -> Result<Vec<Option<Bytes>>> {
    let (indexes, wanted) = shard_plan(data, shards, keys.iter());
    let guards: BTreeMap<usize, RwLockReadGuard<'_, ShardState>> = wanted
        .into_iter()
        .map(|i| (i, shards.shard(i).state.read()))
        .collect();
    let clock = &*data.clock;
    keys.iter()
        .zip(indexes)
        .map(|(key, i)| match guards.get(&i) {
            Some(state) => state.get(key, clock),
            None => Ok(None),
        })
        .collect()
}

/// Applies `ops` all or nothing. Each op records what its key held before; if any op fails, the
/// records are replayed backwards to put every touched key back, and only then are locks released,
/// so no reader ever sees the partial state.
pub(crate) fn write_batch(data: &MemoryData, shards: &Shards, ops: &[Op]) -> Result<()> {
    let (indexes, wanted) = shard_plan(data, shards, ops.iter().map(op_key));
    let mut guards = write_locks(shards, wanted)?;
    let clock = &*data.clock;
    let mut undo: Vec<(usize, Bytes, Option<Entry>)> = Vec::with_capacity(ops.len());
    for (op, i) in ops.iter().zip(indexes) {
        let Some(state) = guards.get_mut(&i) else {
            continue;
        };
        let key = op_key(op);
        undo.push((i, key.clone(), state.map.get(key).cloned()));
        if let Err(e) = state.apply(op, clock) {
            for (i, key, before) in undo.into_iter().rev() {
                if let Some(state) = guards.get_mut(&i) {
                    state.restore(&key, before);
                }
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Removes `keys` under the write locks of all their shards at once; returns how many existed.
pub(crate) fn remove_many(data: &MemoryData, shards: &Shards, keys: &[Bytes]) -> Result<u64> {
    let (indexes, wanted) = shard_plan(data, shards, keys.iter());
    let mut guards = write_locks(shards, wanted)?;
    let clock = &*data.clock;
    let mut removed = 0;
    for (key, i) in keys.iter().zip(indexes) {
        if let Some(state) = guards.get_mut(&i) {
            removed += u64::from(state.remove(key, clock));
        }
    }
    Ok(removed)
}
