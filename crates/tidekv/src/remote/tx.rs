//! The read-modify-write primitive on Valkey / Redis: optimistic transactions with `WATCH`.
//!
//! A transaction takes a dedicated connection (its `WATCH` state is its own) to the server, or
//! to the Cluster node that owns its keys' slot, and:
//!
//! 1. `WATCH`es every declared key (after `SELECT`ing each keyspace in turn);
//! 2. runs the body against a local copy of each key it touches, read whole on first touch in
//!    one round trip (a small script reads type, expiry and value at once, and does not disturb
//!    the `WATCH`);
//! 3. sends every changed key's final state in `MULTI` … `EXEC`, even when nothing changed, so
//!    that the reads are checked too. `EXEC` answers nil if any watched key changed since
//!    `WATCH`: nothing was written, and the body runs again on fresh reads (rule 6 of
//!    `engine::tx`: a body may run more than once).
//!
//! So the body's reads and writes are one atomic step, as on the other backends. The cost is a
//! round trip per key touched plus two, and O(length) for a list (it is read and written whole):
//! the remote engine sends the common commands (INCRBY, GETDEL, LMOVE …) as single commands and
//! leaves this path to the rest.

use std::time::Duration;

use bytes::Bytes;
use redis::Value;

use parking_lot::Mutex;

use crate::engine::{EngineWatch, Tx, TxKey};
use crate::error::{Error, Result};
use crate::remote::connections::Dedicated;
use crate::remote::engine::RemoteEngine;
use crate::remote::errors::{from_redis, is_slot_moving, Expected};
use crate::remote::slots::common_slot;
use crate::remote::tx_view::RemoteTx;

/// Conflicting transactions retried before giving up.
const MAX_ATTEMPTS: u32 = 1_000;

/// Runs `body` atomically over `keys` (see the module docs).
pub(crate) fn transact(
    engine: &RemoteEngine,
    keys: &[TxKey],
    body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
) -> Result<()> {
    let slot = slot_of_keys(engine, keys)?;
    for attempt in 0..MAX_ATTEMPTS {
        let mut dedicated = take_dedicated(engine, slot)?;
        let outcome = attempt_on(engine, &mut dedicated, keys, body);
        match finish(engine, dedicated, outcome) {
            Ok(true) => return Ok(()),
            Ok(false) => std::thread::sleep(Duration::from_micros(50 << attempt.min(10))),
            // The slot moved to another node (resharding): nothing was committed, so the whole
            // transaction runs again on the node that owns the slot now.
            Err(e) if is_slot_moving(&e) && attempt + 1 < MAX_ATTEMPTS => {
                std::thread::sleep(Duration::from_millis(10 << attempt.min(6)));
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::remote(
        "a transaction",
        format!("its keys kept changing under it: gave up after {MAX_ATTEMPTS} attempts"),
    ))
}

/// A `WATCH` kept on a dedicated connection for `Store::watch` (see `Engine::watch_keys`).
struct RemoteWatch {
    /// The slot of the watched keys, on a Cluster.
    slot: Option<u16>,
    /// The connection holding the `WATCH`; `None` once a transaction used it (`EXEC` ends
    /// every watch of its connection, as in Redis).
    dedicated: Mutex<Option<Dedicated>>,
}

/// `Store::watch` on the remote backend: `WATCH` on a connection the watch keeps.
pub(crate) fn watch_keys(
    engine: &RemoteEngine,
    ks: u32,
    keys: &[Bytes],
    existing: Option<&EngineWatch>,
) -> Result<Option<EngineWatch>> {
    let declared: Vec<TxKey> = keys.iter().map(|k| (ks, k.clone())).collect();
    let slot = slot_of_keys(engine, &declared)?;
    if let Some(existing) = existing {
        let watch = existing
            .0
            .downcast_ref::<RemoteWatch>()
            .ok_or_else(|| Error::invalid("watch", "it was made by another backend"))?;
        if slot.is_some() && watch.slot.is_some() && slot != watch.slot {
            return Err(crate::remote::errors::cross_slot());
        }
        let mut held = watch.dedicated.lock();
        let dedicated = held
            .as_mut()
            .ok_or_else(|| Error::invalid("watch", "a transaction used it already; watch again"))?;
        send_watch(engine, dedicated, &declared)?;
        return Ok(None);
    }
    let mut dedicated = take_dedicated(engine, slot)?;
    send_watch(engine, &mut dedicated, &declared)?;
    Ok(Some(EngineWatch(Box::new(RemoteWatch {
        slot,
        dedicated: Mutex::new(Some(dedicated)),
    }))))
}

/// `Store::transaction_watched` on the remote backend: one try on the watch's connection.
pub(crate) fn transact_watched(
    engine: &RemoteEngine,
    watch: &EngineWatch,
    keys: &[TxKey],
    body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
) -> Result<bool> {
    let watch = watch
        .0
        .downcast_ref::<RemoteWatch>()
        .ok_or_else(|| Error::invalid("watch", "it was made by another backend"))?;
    let slot = slot_of_keys(engine, keys)?;
    if engine.conns.is_cluster() && slot.is_some() && watch.slot.is_some() && slot != watch.slot {
        return Err(crate::remote::errors::cross_slot());
    }
    let mut dedicated = watch
        .dedicated
        .lock()
        .take()
        .ok_or_else(|| Error::invalid("watch", "a transaction used it already; watch again"))?;
    let outcome = attempt_on(engine, &mut dedicated, keys, body);
    finish(engine, dedicated, outcome)
}

/// The one slot of a Cluster transaction's keys (any slot on one server).
fn slot_of_keys(engine: &RemoteEngine, keys: &[TxKey]) -> Result<Option<u16>> {
    if engine.conns.is_cluster() {
        common_slot(keys.iter().map(|(_, k)| k.as_ref()))
    } else {
        Ok(None)
    }
}

fn take_dedicated(engine: &RemoteEngine, slot: Option<u16>) -> Result<Dedicated> {
    let conns = std::sync::Arc::clone(&engine.conns);
    engine
        .bridge
        .run(async move { conns.dedicated(slot.or(Some(0)), false).await })?
}

/// WATCHes `keys`, keyspace by keyspace.
fn send_watch(engine: &RemoteEngine, dedicated: &mut Dedicated, keys: &[TxKey]) -> Result<()> {
    let mut by_keyspace: Vec<(u32, Vec<&Bytes>)> = Vec::new();
    for (ks, key) in keys {
        match by_keyspace.iter_mut().find(|(k, _)| k == ks) {
            Some((_, keys)) => keys.push(key),
            None => by_keyspace.push((*ks, vec![key])),
        }
    }
    for (ks, keys) in by_keyspace {
        select(engine, dedicated, ks)?;
        let mut watch = redis::cmd("WATCH");
        for key in keys {
            watch.arg(key.as_ref());
        }
        send(engine, dedicated, watch)?;
    }
    Ok(())
}

/// WATCH, body, MULTI/EXEC on `dedicated`: `Ok(false)` when a watched key changed.
fn attempt_on(
    engine: &RemoteEngine,
    dedicated: &mut Dedicated,
    keys: &[TxKey],
    body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
) -> Result<bool> {
    send_watch(engine, dedicated, keys)?;
    let mut tx = RemoteTx::new(engine, dedicated, keys);
    body(&mut tx)?;
    tx.commit()
}

/// Returns the connection to the pool in a clean state (or drops it) and passes the outcome on.
fn finish(engine: &RemoteEngine, dedicated: Dedicated, outcome: Result<bool>) -> Result<bool> {
    match outcome {
        Ok(committed) => {
            engine.conns.give_back(dedicated);
            Ok(committed)
        }
        Err(e) => {
            // A connection left in WATCH state would break the next transaction on it.
            let mut connection = dedicated.connection.clone();
            let reset = engine.bridge.run(async move {
                redis::cmd("UNWATCH")
                    .query_async::<Value>(&mut connection)
                    .await
            });
            if matches!(reset, Ok(Ok(_))) {
                engine.conns.give_back(dedicated);
            }
            if is_slot_moving(&e) {
                engine.conns.slots_moved();
            }
            Err(e)
        }
    }
}

/// Sends one command on a dedicated connection.
fn send(engine: &RemoteEngine, dedicated: &mut Dedicated, cmd: redis::Cmd) -> Result<Value> {
    let mut connection = dedicated.connection.clone();
    let name = crate::remote::engine::command_name(&cmd);
    engine
        .bridge
        .run(async move { cmd.query_async::<Value>(&mut connection).await })?
        .map_err(|e| from_redis(&e, &name, Expected::String))
}

/// Selects keyspace `ks` on a dedicated connection (one server; a Cluster has only 0).
pub(super) fn select(engine: &RemoteEngine, dedicated: &mut Dedicated, ks: u32) -> Result<()> {
    if dedicated.db != ks && !engine.conns.is_cluster() {
        send(engine, dedicated, redis::cmd("SELECT").arg(ks).to_owned())?;
        dedicated.db = ks;
    }
    Ok(())
}
