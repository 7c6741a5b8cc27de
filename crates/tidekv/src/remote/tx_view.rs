//! A remote transaction's view of its keys: each key read whole on first touch, the body's
//! writes applied to the local copy (with an undo log for savepoints), and the changed keys'
//! final states sent in one `MULTI` … `EXEC` (see `tx.rs` for the flow around it).

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use redis::aio::MultiplexedConnection;
use redis::Value;

use crate::engine::{undeclared, End, KeyInfo, KeyKind, StoredValue, Tx, TxKey};
use crate::error::{Error, Result};
use crate::remote::connections::Dedicated;
use crate::remote::engine::RemoteEngine;
use crate::remote::errors::{from_redis, Expected};
use crate::remote::read_key::{decode, read_key};
use crate::remote::tx::select;

/// A key as the transaction sees it (with its own writes).
#[derive(Debug, Clone, PartialEq)]
enum Local {
    Missing,
    String(Bytes, Option<u64>),
    List(Vec<Bytes>, Option<u64>),
}

/// One attempt of a transaction on a dedicated connection.
pub(super) struct RemoteTx<'e> {
    engine: &'e RemoteEngine,
    dedicated: &'e mut Dedicated,
    declared: &'e [TxKey],
    now: u64,
    keys: HashMap<TxKey, Local>,
    dirty: HashSet<TxKey>,
    /// Each write's key, its state before, and whether it was dirty before.
    undo: Vec<(TxKey, Local, bool)>,
}

impl<'e> RemoteTx<'e> {
    /// A view over `declared`, judged at the engine's time now.
    pub(super) fn new(
        engine: &'e RemoteEngine,
        dedicated: &'e mut Dedicated,
        declared: &'e [TxKey],
    ) -> RemoteTx<'e> {
        RemoteTx {
            engine,
            dedicated,
            declared,
            now: engine.now(),
            keys: HashMap::new(),
            dirty: HashSet::new(),
            undo: Vec::new(),
        }
    }

    /// Sends the changed keys in `MULTI` … `EXEC`; `Ok(false)` when a watched key changed.
    pub(super) fn commit(&mut self) -> Result<bool> {
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
