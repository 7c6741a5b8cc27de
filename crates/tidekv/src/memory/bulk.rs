//! Whole-store operations: the point-in-time dump behind snapshots, and all-or-nothing load.

use bytes::Bytes;

use crate::engine::{EngineDump, Record};
use crate::error::{Error, Result};
use crate::memory::engine::MemoryData;
use crate::memory::entry::Entry;
use crate::memory::keyspace::Shards;
use crate::memory::shard::ShardState;
use std::ops::Bound;

use crate::memory::view::{MergedScan, ShardView};

/// A lazy dump of every keyspace. All keyspaces are viewed under one acquisition of every shard's
/// read lock (keyspaces ascending, shards ascending), so the dump is one point in time.
pub(crate) fn dump(data: &MemoryData) -> Result<EngineDump> {
    let keyspaces: Vec<(u32, &Shards)> = data.existing_keyspaces().collect();
    let guards: Vec<Vec<_>> = keyspaces.iter().map(|(_, s)| s.read_all()).collect();
    let views: Vec<(u32, Vec<ShardView>)> = keyspaces
        .iter()
        .zip(&guards)
        .map(|((ks, _), gs)| (*ks, gs.iter().map(|g| ShardView::of(g)).collect()))
        .collect();
    drop(guards);
    let now = data.clock.now_ms();
    let iter = views.into_iter().flat_map(move |(ks, views)| {
        MergedScan::new(views, Bound::Unbounded, Bound::Unbounded, now).map(move |(key, e)| {
            Ok(Record {
                keyspace: ks,
                key,
                value: e.to_stored_value(),
                expires_at: e.expires_at,
            })
        })
    });
    Ok(Box::new(iter))
}

/// Builds the new contents aside, then swaps them in under every write lock. An error from
/// `records` (a corrupt snapshot) returns before the swap, leaving the store as it was.
pub(crate) fn load(
    data: &MemoryData,
    records: &mut dyn Iterator<Item = Result<Record>>,
) -> Result<()> {
    let keyspace_count = data.keyspace_count();
    let mut fresh: Vec<Option<Vec<ShardState>>> = (0..keyspace_count).map(|_| None).collect();
    let now = data.clock.now_ms();
    let probe = Shards::new(data.shard_count());
    for record in records {
        let record = record?;
        if record.expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        let slot = fresh.get_mut(record.keyspace as usize).ok_or_else(|| {
            Error::invalid(
                "snapshot",
                format!(
                    "it holds keyspace {} but this store has {keyspace_count} keyspaces",
                    record.keyspace
                ),
            )
        })?;
        let states = slot.get_or_insert_with(|| {
            (0..data.shard_count())
                .map(|_| ShardState::default())
                .collect()
        });
        let index = probe.index_of(data.hasher(), &record.key);
        if let Some(state) = states.get_mut(index) {
            let key: Bytes = record.key;
            state.insert_entry(key, Entry::from_stored(record.value, record.expires_at));
        }
    }
    // Every keyspace is replaced (those absent from the snapshot become empty), all under one
    // acquisition of every write lock so that no reader sees some keyspaces old and some new.
    for (ks, states) in fresh.iter().enumerate() {
        if states.is_some() {
            data.create(ks as u32)?;
        }
    }
    let mut old = Vec::new();
    {
        let mut targets: Vec<_> = data
            .existing_keyspaces()
            .map(|(ks, shards)| (ks, shards.write_all()))
            .collect();
        for (ks, guards) in &mut targets {
            let mut next = fresh
                .get_mut(*ks as usize)
                .and_then(Option::take)
                .unwrap_or_default()
                .into_iter();
            for guard in guards.iter_mut() {
                old.push(std::mem::replace(
                    &mut **guard,
                    next.next().unwrap_or_default(),
                ));
            }
        }
    }
    drop(old);
    Ok(())
}
