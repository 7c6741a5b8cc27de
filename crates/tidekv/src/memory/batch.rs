//! Consistent multi-gets: every shard the keys live in is read-locked, in ascending index order,
//! for the whole read, so it is one point in time with respect to transactions and views (which
//! lock shards in the same order). Atomic multi-key writes are transactions (`tx.rs`).

use std::collections::BTreeMap;

use bytes::Bytes;
use parking_lot::RwLockReadGuard;

use crate::error::Result;
use crate::memory::data::MemoryData;
use crate::memory::keyspace::Shards;
use crate::memory::shard::ShardState;

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
