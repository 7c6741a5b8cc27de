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

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bytes::Bytes;
use redis::aio::MultiplexedConnection;
use redis::Value;

use parking_lot::Mutex;

use crate::engine::{undeclared, End, EngineWatch, KeyInfo, KeyKind, StoredValue, Tx, TxKey};
use crate::error::{Error, Result};
use crate::remote::connections::Dedicated;
use crate::remote::engine::RemoteEngine;
use crate::remote::errors::{from_redis, is_slot_moving, Expected};
use crate::remote::read_key::{decode, read_key};
use crate::remote::slots::common_slot;

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
    let mut tx = RemoteTx {
        engine,
        dedicated,
        declared: keys,
        now: engine.now(),
        keys: HashMap::new(),
        dirty: HashSet::new(),
        undo: Vec::new(),
    };
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

fn select(engine: &RemoteEngine, dedicated: &mut Dedicated, ks: u32) -> Result<()> {
    if dedicated.db != ks && !engine.conns.is_cluster() {
        send(engine, dedicated, redis::cmd("SELECT").arg(ks).to_owned())?;
        dedicated.db = ks;
    }
    Ok(())
}

/// A key as the transaction sees it (with its own writes).
#[derive(Debug, Clone, PartialEq)]
enum Local {
    Missing,
    String(Bytes, Option<u64>),
    List(Vec<Bytes>, Option<u64>),
}

struct RemoteTx<'e> {
    engine: &'e RemoteEngine,
    dedicated: &'e mut Dedicated,
    declared: &'e [TxKey],
    now: u64,
    keys: HashMap<TxKey, Local>,
    dirty: HashSet<TxKey>,
    /// Each write's key, its state before, and whether it was dirty before.
    undo: Vec<(TxKey, Local, bool)>,
}

impl RemoteTx<'_> {
    fn commit(&mut self) -> Result<bool> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        let mut db = self.dedicated.db;
        let mut dirty: Vec<&TxKey> = self.dirty.iter().collect();
        dirty.sort();
        for key @ (ks, name) in dirty {
            if *ks != db {
                pipe.cmd("SELECT").arg(*ks).ignore();
                db = *ks;
            }
            let name = name.as_ref();
            match self.keys.get(key) {
                None | Some(Local::Missing) => {
                    pipe.cmd("DEL").arg(name).ignore();
                }
                Some(Local::String(value, at)) => {
                    let set = pipe.cmd("SET").arg(name).arg(value.as_ref());
                    if let Some(at) = at {
                        set.arg("PXAT").arg(self.engine.store_ms_to_server(*at));
                    }
                    set.ignore();
                }
                Some(Local::List(items, at)) => {
                    pipe.cmd("DEL").arg(name).ignore();
                    if !items.is_empty() {
                        let push = pipe.cmd("RPUSH").arg(name);
                        for item in items {
                            push.arg(item.as_ref());
                        }
                        push.ignore();
                        if let Some(at) = at {
                            pipe.cmd("PEXPIREAT")
                                .arg(name)
                                .arg(self.engine.store_ms_to_server(*at))
                                .ignore();
                        }
                    }
                }
            }
        }
        if !self.dirty.is_empty() {
            self.engine.check_writable()?;
        }
        let mut connection = self.dedicated.connection.clone();
        let reply = self
            .engine
            .bridge
            .run(async move { pipe.query_async::<Option<Value>>(&mut connection).await })?;
        match reply {
            Ok(committed) => {
                self.dedicated.db = db;
                Ok(committed.is_some())
            }
            Err(e) => Err(from_redis(&e, "EXEC", Expected::String)),
        }
    }

    /// The key's state, read from the server on first touch.
    fn load(&mut self, ks: u32, key: &[u8]) -> Result<&mut Local> {
        let id: TxKey = (ks, Bytes::copy_from_slice(key));
        if !self.declared.contains(&id) {
            return Err(undeclared(ks, key));
        }
        if !self.keys.contains_key(&id) {
            select(self.engine, self.dedicated, ks)?;
            let mut connection: MultiplexedConnection = self.dedicated.connection.clone();
            let name = id.1.clone();
            let reply = self
                .engine
                .bridge
                .run(async move { read_key(&mut connection, &name).await })??;
            let local = match decode(self.engine, reply, self.now)? {
                None => Local::Missing,
                Some((StoredValue::String(value), at)) => Local::String(value, at),
                Some((StoredValue::List(items), at)) => Local::List(items, at),
            };
            self.keys.insert(id.clone(), local);
        }
        self.keys
            .get_mut(&id)
            .ok_or_else(|| Error::remote("a transaction", "a key read was lost"))
    }

    /// Replaces a key's state, remembering the old one for `rollback_to`.
    fn write(&mut self, ks: u32, key: &[u8], next: Local) -> Result<()> {
        let before = self.load(ks, key)?.clone();
        let id: TxKey = (ks, Bytes::copy_from_slice(key));
        let next = match next {
            Local::List(items, _) if items.is_empty() => Local::Missing,
            Local::String(_, Some(at)) | Local::List(_, Some(at)) if at <= self.now => {
                Local::Missing
            }
            other => other,
        };
        let was_dirty = !self.dirty.insert(id.clone());
        self.undo.push((id.clone(), before, was_dirty));
        self.keys.insert(id, next);
        Ok(())
    }

    fn list(&mut self, ks: u32, key: &[u8]) -> Result<(Vec<Bytes>, Option<u64>)> {
        match self.load(ks, key)? {
            Local::Missing => Ok((Vec::new(), None)),
            Local::List(items, at) => Ok((items.clone(), *at)),
            Local::String(..) => Err(crate::engine::string_is_not_a_list()),
        }
    }
}

impl Tx for RemoteTx<'_> {
    fn now(&self) -> u64 {
        self.now
    }

    fn info(&mut self, ks: u32, key: &[u8]) -> Result<Option<KeyInfo>> {
        Ok(match self.load(ks, key)? {
            Local::Missing => None,
            Local::String(_, at) => Some(KeyInfo {
                kind: KeyKind::String,
                expires_at: *at,
            }),
            Local::List(_, at) => Some(KeyInfo {
                kind: KeyKind::List,
                expires_at: *at,
            }),
        })
    }

    fn get_with_expiry(&mut self, ks: u32, key: &[u8]) -> Result<Option<(Bytes, Option<u64>)>> {
        match self.load(ks, key)? {
            Local::Missing => Ok(None),
            Local::String(value, at) => Ok(Some((value.clone(), *at))),
            Local::List(..) => Err(crate::engine::list_is_not_a_string()),
        }
    }

    fn put(&mut self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        self.write(ks, key, Local::String(value, expires_at))
    }

    fn remove(&mut self, ks: u32, key: &[u8]) -> Result<bool> {
        let existed = *self.load(ks, key)? != Local::Missing;
        if existed {
            self.write(ks, key, Local::Missing)?;
        }
        Ok(existed)
    }

    fn set_expiry(&mut self, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool> {
        let next = match self.load(ks, key)?.clone() {
            Local::Missing => return Ok(false),
            Local::String(value, _) => Local::String(value, expires_at),
            Local::List(items, _) => Local::List(items, expires_at),
        };
        self.write(ks, key, next)?;
        Ok(true)
    }

    fn list_len(&mut self, ks: u32, key: &[u8]) -> Result<u64> {
        Ok(self.list(ks, key)?.0.len() as u64)
    }

    fn list_range(&mut self, ks: u32, key: &[u8], from: u64, to: u64) -> Result<Vec<Bytes>> {
        let (items, _) = self.list(ks, key)?;
        let to = usize::try_from(to).unwrap_or(usize::MAX).min(items.len());
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(to);
        Ok(items
            .get(from..to)
            .map(<[Bytes]>::to_vec)
            .unwrap_or_default())
    }

    fn list_push(&mut self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        let (mut items, at) = self.list(ks, key)?;
        for value in values {
            match end {
                End::Front => items.insert(0, value.clone()),
                End::Back => items.push(value.clone()),
            }
        }
        let len = items.len() as u64;
        self.write(ks, key, Local::List(items, at))?;
        Ok(len)
    }

    fn list_pop(&mut self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        let (mut items, at) = self.list(ks, key)?;
        let popped = match end {
            End::Front if !items.is_empty() => Some(items.remove(0)),
            End::Front => None,
            End::Back => items.pop(),
        };
        if popped.is_some() {
            self.write(ks, key, Local::List(items, at))?;
        }
        Ok(popped)
    }

    fn list_set(&mut self, ks: u32, key: &[u8], index: u64, value: Bytes) -> Result<()> {
        let (mut items, at) = self.list(ks, key)?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| items.get_mut(i))
            .ok_or(Error::IndexOutOfRange)?;
        *slot = value;
        self.write(ks, key, Local::List(items, at))
    }

    fn list_replace(&mut self, ks: u32, key: &[u8], items: Vec<Bytes>) -> Result<()> {
        let (_, at) = self.list(ks, key)?;
        self.write(ks, key, Local::List(items, at))
    }

    fn read_value(&mut self, ks: u32, key: &[u8]) -> Result<Option<(StoredValue, Option<u64>)>> {
        Ok(match self.load(ks, key)? {
            Local::Missing => None,
            Local::String(value, at) => Some((StoredValue::String(value.clone()), *at)),
            Local::List(items, at) => Some((StoredValue::List(items.clone()), *at)),
        })
    }

    fn write_value(
        &mut self,
        ks: u32,
        key: &[u8],
        value: StoredValue,
        expires_at: Option<u64>,
    ) -> Result<()> {
        let next = match value {
            StoredValue::String(value) => Local::String(value, expires_at),
            StoredValue::List(items) => Local::List(items, expires_at),
        };
        self.write(ks, key, next)
    }

    fn savepoint(&mut self) -> usize {
        self.undo.len()
    }

    fn rollback_to(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((id, before, was_dirty)) = self.undo.pop() else {
                break;
            };
            if !was_dirty {
                self.dirty.remove(&id);
            }
            self.keys.insert(id, before);
        }
    }
}
