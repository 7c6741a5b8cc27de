//! The list operations of a [`Transaction`]: each is the same code as the [`Store`] method of the
//! same name (`crate::ops::lists`), run inside the transaction.

use bytes::Bytes;

use crate::engine::End;
use crate::error::{Error, Result};
use crate::ops::lists::{self, ListInsert, Side};
use crate::store::list_edits::ListEnd;
use crate::store::transaction::Transaction;
use crate::value::Encode;

#[cfg(doc)]
use crate::store::handle::Store;

impl Transaction<'_> {
    fn checked_key<'k>(&self, key: &'k [u8]) -> Result<&'k [u8]> {
        self.store().check_key(key)?;
        Ok(key)
    }

    fn push(&mut self, key: &[u8], end: End, values: Vec<Bytes>, if_exists: bool) -> Result<usize> {
        let key = self.checked_key(key)?;
        if values.is_empty() {
            return Err(Error::invalid("values", "a push needs at least one value"));
        }
        let len = self.run(|tx, ks| {
            if if_exists {
                lists::push_if_exists(tx, ks, key, end, &values)
            } else {
                tx.list_push(ks, key, end, &values)
            }
        })?;
        if len > 0 {
            self.pushed_to(key);
        }
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    fn values<V: Encode>(&self, values: impl IntoIterator<Item = V>) -> Result<Vec<Bytes>> {
        values
            .into_iter()
            .map(|v| self.store().checked_value(v))
            .collect()
    }

    /// [`Store::push_back`] inside the transaction.
    pub fn push_back(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        let values = self.values([value])?;
        self.push(key.as_ref(), End::Back, values, false)
    }

    /// [`Store::push_front`] inside the transaction.
    pub fn push_front(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        let values = self.values([value])?;
        self.push(key.as_ref(), End::Front, values, false)
    }

    /// [`Store::push_back_all`] inside the transaction.
    pub fn push_back_all<V: Encode>(
        &mut self,
        key: impl AsRef<[u8]>,
        values: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        let values = self.values(values)?;
        self.push(key.as_ref(), End::Back, values, false)
    }

    /// [`Store::push_front_all`] inside the transaction.
    pub fn push_front_all<V: Encode>(
        &mut self,
        key: impl AsRef<[u8]>,
        values: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        let values = self.values(values)?;
        self.push(key.as_ref(), End::Front, values, false)
    }

    /// [`Store::push_back_if_exists`] inside the transaction.
    pub fn push_back_if_exists(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
    ) -> Result<usize> {
        let values = self.values([value])?;
        self.push(key.as_ref(), End::Back, values, true)
    }

    /// [`Store::push_front_if_exists`] inside the transaction.
    pub fn push_front_if_exists(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
    ) -> Result<usize> {
        let values = self.values([value])?;
        self.push(key.as_ref(), End::Front, values, true)
    }

    /// [`Store::pop_front_many`] inside the transaction (a count of 1 is `LPOP`).
    pub fn pop_front_many(&mut self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        let key = self.checked_key(key.as_ref())?;
        self.run(|tx, ks| lists::pop_many(tx, ks, key, End::Front, count as u64))
    }

    /// [`Store::pop_back_many`] inside the transaction (a count of 1 is `RPOP`).
    pub fn pop_back_many(&mut self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        let key = self.checked_key(key.as_ref())?;
        self.run(|tx, ks| lists::pop_many(tx, ks, key, End::Back, count as u64))
    }

    /// [`Store::pop_front`] inside the transaction.
    pub fn pop_front(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        Ok(self.pop_front_many(key, 1)?.pop())
    }

    /// [`Store::pop_back`] inside the transaction.
    pub fn pop_back(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        Ok(self.pop_back_many(key, 1)?.pop())
    }

    /// [`Store::list_len`] inside the transaction.
    pub fn list_len(&mut self, key: impl AsRef<[u8]>) -> Result<usize> {
        let key = self.checked_key(key.as_ref())?;
        let len = self.run(|tx, ks| tx.list_len(ks, key))?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// [`Store::list_range`] inside the transaction.
    pub fn list_range(
        &mut self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<Bytes>> {
        let key = self.checked_key(key.as_ref())?;
        self.run(|tx, ks| {
            let len = tx.list_len(ks, key)?;
            match usize::try_from(len)
                .ok()
                .and_then(|len| crate::engine::list_window(len, start, stop))
            {
                Some((from, to)) => tx.list_range(ks, key, from as u64, to as u64),
                None => Ok(Vec::new()),
            }
        })
    }

    /// [`Store::list_index`] inside the transaction.
    pub fn list_index(&mut self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Bytes>> {
        Ok(self.list_range(key, index, index)?.pop())
    }

    /// [`Store::list_set`] inside the transaction.
    pub fn list_set(
        &mut self,
        key: impl AsRef<[u8]>,
        index: i64,
        value: impl Encode,
    ) -> Result<()> {
        let key = self.checked_key(key.as_ref())?;
        let value = self.store().checked_value(value)?;
        self.run(|tx, ks| lists::set(tx, ks, key, index, value))
    }

    /// [`Store::list_trim`] inside the transaction.
    pub fn list_trim(&mut self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        let key = self.checked_key(key.as_ref())?;
        self.run(|tx, ks| lists::trim(tx, ks, key, start, stop))
    }

    /// [`Store::list_insert`] inside the transaction.
    pub fn list_insert(
        &mut self,
        key: impl AsRef<[u8]>,
        side: Side,
        pivot: impl AsRef<[u8]>,
        value: impl Encode,
    ) -> Result<ListInsert> {
        let key = self.checked_key(key.as_ref())?;
        let value = self.store().checked_value(value)?;
        self.run(|tx, ks| lists::insert(tx, ks, key, side, pivot.as_ref(), value))
    }

    /// [`Store::list_remove`] inside the transaction.
    pub fn list_remove(
        &mut self,
        key: impl AsRef<[u8]>,
        count: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let key = self.checked_key(key.as_ref())?;
        let removed = self.run(|tx, ks| lists::remove(tx, ks, key, count, value.as_ref()))?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// [`Store::list_move`] inside the transaction.
    pub fn list_move(
        &mut self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        from_end: ListEnd,
        to_end: ListEnd,
    ) -> Result<Option<Bytes>> {
        let from = self.checked_key(from.as_ref())?;
        let to = self.checked_key(to.as_ref())?;
        let moved = self
            .run(|tx, ks| lists::move_element(tx, ks, from, to, from_end.into(), to_end.into()))?;
        if moved.is_some() {
            self.pushed_to(to);
        }
        Ok(moved)
    }
}
