//! WATCH: knowing whether a key changed since a moment, for optimistic transactions.
//!
//! A [`WatchRegistry`] belongs to an engine whose writes all pass through this process (memory,
//! disk). [`WatchRegistry::watch`] hands out a flag per watched key; the engine calls
//! [`WatchRegistry::touch`] for every key it changes, *inside the critical section of the change*
//! (the shard's write lock, the disk writer lock), and a transaction checks its flags inside its
//! own critical section over the same keys. So a change and an `EXEC` are ordered one way or the
//! other, never interleaved: either the change set the flag before the transaction looked, or the
//! transaction finished before the change began.
//!
//! Cost: a write with no watch alive pays one atomic load.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use parking_lot::Mutex;

/// One watched key's flag: set once the key changes.
#[derive(Debug, Default)]
pub(crate) struct Flag(AtomicBool);

impl Flag {
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The flags of each watched `(keyspace, key)`.
type FlagMap = HashMap<(u32, Bytes), Vec<Weak<Flag>>>;

/// The watched keys of one engine (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct WatchRegistry {
    /// Live flags; writers skip the map while this is zero.
    live: AtomicUsize,
    flags: Mutex<FlagMap>,
}

/// A registered flag; dropping it unregisters it.
#[derive(Debug)]
pub(crate) struct Registered {
    registry: Weak<WatchRegistry>,
    key: (u32, Bytes),
    flag: Arc<Flag>,
}

impl Registered {
    pub(crate) fn flag(&self) -> &Flag {
        &self.flag
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let Some(registry) = self.registry.upgrade() else {
            return;
        };
        let mut flags = registry.flags.lock();
        if let Some(list) = flags.get_mut(&self.key) {
            let me = Arc::as_ptr(&self.flag);
            list.retain(|w| !std::ptr::eq(w.as_ptr(), me) && w.strong_count() > 0);
            if list.is_empty() {
                flags.remove(&self.key);
            }
        }
        registry.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WatchRegistry {
    /// Starts watching `key` of keyspace `ks`.
    pub(crate) fn watch(self: &Arc<Self>, ks: u32, key: Bytes) -> Registered {
        let flag = Arc::new(Flag::default());
        let mut flags = self.flags.lock();
        flags
            .entry((ks, key.clone()))
            .or_default()
            .push(Arc::downgrade(&flag));
        self.live.fetch_add(1, Ordering::SeqCst);
        drop(flags);
        Registered {
            registry: Arc::downgrade(self),
            key: (ks, key),
            flag,
        }
    }

    fn any(&self) -> bool {
        self.live.load(Ordering::SeqCst) > 0
    }

    /// Marks `key` of keyspace `ks` as changed. Call inside the change's critical section.
    pub(crate) fn touch(&self, ks: u32, key: &[u8]) {
        if !self.any() {
            return;
        }
        let flags = self.flags.lock();
        if let Some(list) = flags.get(&(ks, Bytes::copy_from_slice(key))) {
            list.iter()
                .filter_map(Weak::upgrade)
                .for_each(|f| f.0.store(true, Ordering::SeqCst));
        }
    }

    /// Marks every watched key of keyspace `ks` (`None`: of every keyspace) as changed: a clear,
    /// a load, a swap of keyspaces.
    pub(crate) fn touch_all(&self, ks: Option<u32>) {
        if !self.any() {
            return;
        }
        let flags = self.flags.lock();
        for ((watched_ks, _), list) in flags.iter() {
            if ks.is_none_or(|ks| ks == *watched_ks) {
                list.iter()
                    .filter_map(Weak::upgrade)
                    .for_each(|f| f.0.store(true, Ordering::SeqCst));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_sets_the_flags_of_that_key_only() {
        let registry = Arc::new(WatchRegistry::default());
        let a = registry.watch(0, Bytes::from_static(b"a"));
        let a_again = registry.watch(0, Bytes::from_static(b"a"));
        let b = registry.watch(1, Bytes::from_static(b"a"));
        registry.touch(0, b"a");
        assert!(a.flag().is_set() && a_again.flag().is_set());
        assert!(!b.flag().is_set(), "another keyspace");
        registry.touch_all(Some(1));
        assert!(b.flag().is_set());
    }

    #[test]
    fn dropped_watches_cost_nothing() {
        let registry = Arc::new(WatchRegistry::default());
        let a = registry.watch(0, Bytes::from_static(b"a"));
        let b = registry.watch(0, Bytes::from_static(b"a"));
        drop(a);
        assert_eq!(
            registry
                .flags
                .lock()
                .get(&(0, Bytes::from_static(b"a")))
                .map(Vec::len),
            Some(1)
        );
        drop(b);
        assert!(registry.flags.lock().is_empty());
        assert!(!registry.any());
    }
}
