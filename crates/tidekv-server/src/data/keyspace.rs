//! [`Data`] on a [`Keyspace`]: a command run on its own.

use bytes::Bytes;
use tidekv::{
    ExpireCondition, Expiry, KeyKind, Keyspace, ListEnd, ListInsert, Result, SetOptions,
    SetOutcome, Side, Ttl,
};

use super::{unix_ms, Data};

/// A keyspace, as the [`Data`] a command runs on outside `EXEC`, and how many keyspaces the
/// server has.
pub(crate) struct KeyspaceData<'k>(pub(crate) &'k Keyspace, pub(crate) u32);

impl Data for KeyspaceData<'_> {
    fn keyspaces(&self) -> u32 {
        self.1
    }
    fn get(&mut self, key: &Bytes) -> Result<Option<Bytes>> {
        self.0.get(key)
    }
    fn get_many(&mut self, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        match self.0.get_many(keys) {
            // The store refuses a list among the keys; MGET answers nil for it. Read them in a
            // transaction then, so the values are still one snapshot.
            Err(tidekv::Error::WrongType { .. }) => self
                .0
                .transaction(keys, |t| super::TransactionData(t, self.1).get_many(keys)),
            other => other,
        }
    }
    fn set(&mut self, key: &Bytes, value: Bytes, options: SetOptions) -> Result<SetOutcome> {
        self.0.set(key, value, options)
    }
    fn set_many(&mut self, pairs: &[(Bytes, Bytes)]) -> Result<()> {
        self.0.insert_many(pairs.iter().cloned())
    }
    fn set_many_if_none_exist(&mut self, pairs: &[(Bytes, Bytes)]) -> Result<bool> {
        self.0.insert_many_if_absent(pairs.iter().cloned())
    }
    fn take(&mut self, key: &Bytes) -> Result<Option<Bytes>> {
        self.0.take(key)
    }
    fn get_and_expire(&mut self, key: &Bytes, expiry: Expiry) -> Result<Option<Bytes>> {
        self.0.get_and_expire(key, expiry)
    }
    fn append(&mut self, key: &Bytes, suffix: &Bytes) -> Result<usize> {
        self.0.append(key, suffix)
    }
    fn set_range(&mut self, key: &Bytes, offset: usize, patch: &Bytes) -> Result<usize> {
        self.0.set_range(key, offset, patch)
    }
    fn incr_by(&mut self, key: &Bytes, delta: i64) -> Result<i64> {
        self.0.incr_by(key, delta)
    }
    fn incr_by_float(&mut self, key: &Bytes, delta: f64) -> Result<f64> {
        self.0.incr_by_float(key, delta)
    }
    fn remove(&mut self, key: &Bytes) -> Result<bool> {
        self.0.remove(key)
    }
    fn remove_many(&mut self, keys: &[Bytes]) -> Result<usize> {
        self.0.remove_many(keys)
    }
    fn kind(&mut self, key: &Bytes) -> Result<Option<KeyKind>> {
        self.0.type_of(key)
    }
    fn rename(&mut self, from: &Bytes, to: &Bytes, only_if_absent: bool) -> Result<bool> {
        if only_if_absent {
            self.0.rename_if_absent(from, to)
        } else {
            self.0.rename(from, to).map(|()| true)
        }
    }
    fn copy(
        &mut self,
        from: &Bytes,
        keyspace: Option<u32>,
        to: &Bytes,
        replace: bool,
    ) -> Result<bool> {
        let target = keyspace.unwrap_or(self.0.keyspace_id());
        self.0.copy_to_keyspace(from, target, to, replace)
    }
    fn move_to(&mut self, key: &Bytes, keyspace: u32) -> Result<bool> {
        self.0.move_to_keyspace(key, keyspace)
    }
    fn expire(&mut self, key: &Bytes, expiry: Expiry, condition: ExpireCondition) -> Result<bool> {
        self.0.expire_with(key, expiry, condition)
    }
    fn ttl(&mut self, key: &Bytes) -> Result<Option<Ttl>> {
        self.0.ttl(key)
    }
    fn expires_at_ms(&mut self, key: &Bytes) -> Result<Option<Option<u64>>> {
        Ok(self.0.expires_at(key)?.map(|expiry| match expiry {
            Expiry::At(at) => Some(unix_ms(at)),
            _ => None,
        }))
    }
    fn persist(&mut self, key: &Bytes) -> Result<bool> {
        self.0.persist(key)
    }
    fn push(
        &mut self,
        key: &Bytes,
        end: ListEnd,
        values: &[Bytes],
        only_if_exists: bool,
    ) -> Result<usize> {
        match (end, only_if_exists, values) {
            (ListEnd::Back, false, _) => self.0.push_back_all(key, values.iter().cloned()),
            (ListEnd::Front, false, _) => self.0.push_front_all(key, values.iter().cloned()),
            // The store pushes one value onto an existing list per call; several are one
            // transaction, so that no reader sees half of them.
            (_, true, [one]) => match end {
                ListEnd::Back => self.0.push_back_if_exists(key, one.clone()),
                ListEnd::Front => self.0.push_front_if_exists(key, one.clone()),
            },
            (_, true, _) => self.0.transaction([key], |t| {
                super::TransactionData(t, self.1).push(key, end, values, true)
            }),
        }
    }
    fn pop(&mut self, key: &Bytes, end: ListEnd, count: usize) -> Result<Vec<Bytes>> {
        match end {
            ListEnd::Front => self.0.pop_front_many(key, count),
            ListEnd::Back => self.0.pop_back_many(key, count),
        }
    }
    fn list_len(&mut self, key: &Bytes) -> Result<usize> {
        self.0.list_len(key)
    }
    fn list_range(&mut self, key: &Bytes, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.0.list_range(key, start, stop)
    }
    fn list_set(&mut self, key: &Bytes, index: i64, value: Bytes) -> Result<()> {
        self.0.list_set(key, index, value)
    }
    fn list_trim(&mut self, key: &Bytes, start: i64, stop: i64) -> Result<()> {
        self.0.list_trim(key, start, stop)
    }
    fn list_insert(
        &mut self,
        key: &Bytes,
        side: Side,
        pivot: &Bytes,
        value: Bytes,
    ) -> Result<ListInsert> {
        self.0.list_insert(key, side, pivot, value)
    }
    fn list_remove(&mut self, key: &Bytes, count: i64, value: &Bytes) -> Result<usize> {
        self.0.list_remove(key, count, value)
    }
    fn list_move(
        &mut self,
        from: &Bytes,
        to: &Bytes,
        from_end: ListEnd,
        to_end: ListEnd,
    ) -> Result<Option<Bytes>> {
        self.0.list_move(from, to, from_end, to_end)
    }
}
