//! String operations of a shard.

use bytes::Bytes;

use crate::clock::Clock;
use crate::engine::KeyExpiry;
use crate::error::Result;
use crate::memory::entry::Entry;
use crate::memory::shard::ShardState;

impl ShardState {
    pub(crate) fn get(&self, key: &[u8], clock: &dyn Clock) -> Result<Option<Bytes>> {
        self.live(key, clock)
            .map(|e| e.as_str().cloned())
            .transpose()
    }

    pub(crate) fn expiry(&self, key: &[u8], clock: &dyn Clock) -> KeyExpiry {
        match self.live(key, clock).map(|e| e.expires_at()) {
            None => KeyExpiry::Missing,
            Some(None) => KeyExpiry::Persistent,
            Some(Some(at)) => KeyExpiry::At(at),
        }
    }

    /// Sets a string value; returns what it replaced, for the caller to free outside the lock.
    pub(crate) fn put(
        &mut self,
        key: &[u8],
        value: Bytes,
        expires_at: Option<u64>,
    ) -> Option<Entry> {
        self.insert_entry(key, Entry::string(value, expires_at))
    }

    pub(crate) fn remove(&mut self, key: &[u8], clock: &dyn Clock) -> bool {
        self.purge_expired(key, clock).is_some() && self.remove_entry(key).is_some()
    }

    pub(crate) fn set_expiry(
        &mut self,
        key: &[u8],
        expires_at: Option<u64>,
        clock: &dyn Clock,
    ) -> bool {
        if self.purge_expired(key, clock).is_none() {
            return false;
        }
        match expires_at {
            Some(at) if at <= clock.now_ms() => {
                self.remove_entry(key);
            }
            _ => self.retime(key, expires_at),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::clock::ManualClock;
    use crate::memory::key::Key;

    /// Checks invariants 1–3 of `ShardState`.
    fn assert_invariants(s: &ShardState) {
        let keys: Vec<&Key> = s.map.keys().collect();
        assert_eq!(
            keys.len(),
            s.order.len(),
            "order holds exactly the keys of map"
        );
        assert!(keys.iter().all(|k| s.order.contains(*k)));
        let expiring: BTreeSet<(u64, Key)> = s
            .map
            .iter()
            .filter_map(|(k, e)| e.expires_at().map(|at| (at, k.clone())))
            .collect();
        assert_eq!(expiring, s.expiries, "expiries index matches the entries");
        let bytes: u64 = s
            .map
            .iter()
            .map(|(k, e)| k.len() as u64 + e.value_bytes())
            .sum();
        assert_eq!(bytes, s.bytes);
    }

    #[test]
    fn overwriting_with_the_same_expiry_keeps_it_indexed() {
        let clock = ManualClock::new(1_000);
        let mut s = ShardState::default();
        s.put(b"k", Bytes::from_static(b"v1"), Some(2_000));
        s.put(b"k", Bytes::from_static(b"v22"), Some(2_000));
        assert_invariants(&s);
        s.put(b"n", Bytes::from_static(b"1"), None);
        s.set_expiry(b"n", Some(2_000), &clock);
        s.put(b"n", Bytes::from_static(b"2"), Some(2_000));
        assert_invariants(&s);
        assert_eq!(
            s.reap_due(2_000, usize::MAX),
            2,
            "both keys are reaped when due"
        );
        assert_invariants(&s);
        assert!(s.map.is_empty());
    }
}
