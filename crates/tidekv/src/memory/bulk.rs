//! Whole-store operations: the point-in-time dump behind snapshots, and all-or-nothing load.

use std::ops::Bound;
use std::sync::Arc;

use crate::engine::{EngineDump, Record};
use crate::error::{Error, Result};
use crate::memory::data::MemoryData;
use crate::memory::entry::Entry;
use crate::memory::key::Key;
use crate::memory::keyspace::Shards;
use crate::memory::view::View;

/// The entries of each shard of one keyspace, read from a snapshot and waiting to be swapped in.
type PendingKeyspace = Vec<Vec<(Key, Entry)>>;

/// A lazy dump of every keyspace, all viewed at one instant (see `View::take_many`).
pub(crate) fn dump(data: &Arc<MemoryData>) -> Result<EngineDump> {
    let views = View::take_all(data);
    let iter = views.into_iter().flat_map(|view| {
        let ks = view.keyspace();
        view.scan(Bound::Unbounded, Bound::Unbounded)
            .map(move |(key, e)| {
                Ok(Record {
                    keyspace: ks,
                    key: key.to_bytes(),
                    value: e.to_stored_value(),
                    expires_at: e.expires_at(),
                })
            })
    });
    Ok(Box::new(iter))
}

/// Reads every record first, sorting them into per-shard lists aside; only when `records` ended
/// without error does it take every write lock (global order) and swap all keyspaces at once. An
/// error (a corrupt snapshot) therefore leaves the store exactly as it was.
pub(crate) fn load(
    data: &MemoryData,
    records: &mut dyn Iterator<Item = Result<Record>>,
) -> Result<()> {
    let keyspace_count = data.keyspace_count();
    let shard_count = data.shard_count();
    let mut fresh: Vec<Option<PendingKeyspace>> = (0..keyspace_count).map(|_| None).collect();
    let now = data.clock.now_ms();
    let router = Shards::new(shard_count, false);
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
        let shards = slot.get_or_insert_with(|| (0..shard_count).map(|_| Vec::new()).collect());
        let index = router.index_of(data.hasher(), &record.key);
        if let Some(entries) = shards.get_mut(index) {
            entries.push((
                Key::from(&record.key[..]),
                Entry::from_stored(record.value, record.expires_at),
            ));
        }
    }
    for (ks, shards) in fresh.iter().enumerate() {
        if shards.is_some() {
            data.create(ks as u32)?;
        }
    }
    let mut old = Vec::new();
    {
        let mut targets = data
            .existing_keyspaces()
            .map(|(ks, shards)| Ok((ks, shards.write_all()?)))
            .collect::<Result<Vec<_>>>()?;
        data.watches.touch_all(None);
        for (ks, guards) in &mut targets {
            let mut next = fresh
                .get_mut(*ks as usize)
                .and_then(Option::take)
                .unwrap_or_default()
                .into_iter();
            for guard in guards.iter_mut() {
                old.push(guard.replace_all(next.next().unwrap_or_default()));
            }
        }
    }
    drop(old);
    Ok(())
}
