//! [`Watch`]: keys watched for an optimistic transaction (Redis `WATCH`), checked by
//! [`Store::transaction_watched`].

use std::sync::Arc;

use bytes::Bytes;

use crate::engine::EngineWatch;
use crate::error::{Error, Result};
use crate::store::keyspace::Keyspace;
use crate::watch::{Registered, WatchRegistry};

/// Keys watched since a moment: [`Store::transaction_watched`] runs only if none of them changed
/// or expired since. Dropping a `Watch` stops watching (Redis `UNWATCH`).
#[derive(Debug, Default)]
pub struct Watch {
    registry: Option<Arc<WatchRegistry>>,
    keys: Vec<WatchedKey>,
    /// The watch the engine keeps on its server, on a backend that has one (remote).
    pub(crate) server: Option<EngineWatch>,
}

#[derive(Debug)]
struct WatchedKey {
    ks: u32,
    key: Bytes,
    flag: Registered,
    /// The key's deadline when it was watched, if it existed then and had one: reaching it is a
    /// change too (the key expired), as in Redis 7.
    deadline: Option<u64>,
}

impl Keyspace {
    /// Starts watching `keys` of this handle's keyspace (Redis `WATCH`).
    pub fn watch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Watch> {
        let mut watch = Watch::default();
        self.watch_more(&mut watch, keys)?;
        Ok(watch)
    }

    /// Adds `keys` of this handle's keyspace to `watch` (a second `WATCH` before `EXEC`).
    pub fn watch_more<K: AsRef<[u8]>>(
        &self,
        watch: &mut Watch,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<()> {
        self.check_open()?;
        let registry = Arc::clone(self.shared.engine.watches());
        if watch.registry.is_none() {
            watch.registry = Some(Arc::clone(&registry));
        }
        watch.check_store(self)?;
        // Flags first, reads second: a change after its flag exists sets it; a change before is
        // visible to every read after `settle` (the deadlines below, and the caller's reads of the
        // values a watched transaction is computed from).
        let mut flags = Vec::new();
        for key in keys {
            let key = self.owned_key(key.as_ref())?;
            flags.push((registry.watch(self.ks, key.clone()), key));
        }
        let named: Vec<Bytes> = flags.iter().map(|(_, key)| key.clone()).collect();
        if let Some(server) =
            self.shared
                .engine
                .watch_keys(self.ks, &named, watch.server.as_ref())?
        {
            watch.server = Some(server);
        }
        self.shared.engine.settle()?;
        for (flag, key) in flags {
            let deadline = match self.shared.engine.expiry(self.ks, &key)? {
                crate::engine::KeyExpiry::At(at) => Some(at),
                _ => None,
            };
            watch.keys.push(WatchedKey {
                ks: self.ks,
                key,
                flag,
                deadline,
            });
        }
        Ok(())
    }
}

impl Watch {
    /// Whether no key is watched.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The watched keys, as `(keyspace, key)`.
    pub fn keys(&self) -> impl Iterator<Item = (u32, &Bytes)> {
        self.keys.iter().map(|k| (k.ks, &k.key))
    }

    /// Whether a watched key changed, or reached the deadline it had, judged at `now`.
    pub(crate) fn changed(&self, now: u64) -> bool {
        self.keys
            .iter()
            .any(|k| k.flag.flag().is_set() || k.deadline.is_some_and(|at| at <= now))
    }

    /// A watch belongs to the store that made it: another store's writes never reach its flags.
    pub(crate) fn check_store(&self, store: &Keyspace) -> Result<()> {
        match &self.registry {
            Some(registry) if !Arc::ptr_eq(registry, store.shared.engine.watches()) => {
                Err(Error::invalid("watch", "it was made by another store"))
            }
            _ => Ok(()),
        }
    }
}
