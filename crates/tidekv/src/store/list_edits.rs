//! List edits beyond push and pop: LPUSHX / RPUSHX, pops with a count, LINDEX, LSET, LTRIM,
//! LINSERT, LREM, LPOS, LMOVE. Each is one atomic step on every backend (built once in
//! `crate::ops::lists`).

use bytes::Bytes;

use crate::engine::{End, Native};
use crate::error::{Error, Result};
use crate::ops::lists::{self, ListInsert, Side};
use crate::store::keyspace::Keyspace;
use crate::value::Encode;

impl Keyspace {
    /// Appends `value` only if `key` holds a list; the new length, 0 if it does not (Redis
    /// `RPUSHX`).
    pub fn push_back_if_exists(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        self.push_if_exists(key.as_ref(), End::Back, value)
    }

    /// Prepends `value` only if `key` holds a list; the new length, 0 if it does not (Redis
    /// `LPUSHX`).
    pub fn push_front_if_exists(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        self.push_if_exists(key.as_ref(), End::Front, value)
    }

    fn push_if_exists(&self, key: &[u8], end: End, value: impl Encode) -> Result<usize> {
        let value = self.checked_value(value)?;
        self.check_key(key)?;
        let op = Native::PushIfExists {
            key,
            end,
            value: &value,
        };
        let len = match self.native(&op) {
            Some(reply) => u64::try_from(reply?.int()?).unwrap_or(0),
            None => self.atomic_on(key, |tx, ks, key| {
                lists::push_if_exists(tx, ks, key, end, std::slice::from_ref(&value))
            })?,
        };
        if len > 0 {
            self.serve_borrowed(self.ks, key);
        }
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Removes and returns up to `count` elements from the head, in order (Redis `LPOP key
    /// count`).
    pub fn pop_front_many(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        self.pop_many(key.as_ref(), End::Front, count)
    }

    /// Removes and returns up to `count` elements from the tail, last first (Redis `RPOP key
    /// count`).
    pub fn pop_back_many(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        self.pop_many(key.as_ref(), End::Back, count)
    }

    fn pop_many(&self, key: &[u8], end: End, count: usize) -> Result<Vec<Bytes>> {
        self.check_key(key)?;
        let op = Native::PopMany {
            key,
            end,
            count: count as u64,
        };
        if let Some(reply) = self.native(&op) {
            return reply?.list();
        }
        self.atomic_on(key, |tx, ks, key| {
            lists::pop_many(tx, ks, key, end, count as u64)
        })
    }

    /// Element `index` of the list at `key` (negative counts from the tail); `None` outside the
    /// list or for a missing key (Redis `LINDEX`).
    pub fn list_index(&self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Bytes>> {
        // LRANGE's rules make `index..=index` exactly that element, or nothing outside the list.
        Ok(self.list_range(key, index, index)?.pop())
    }

    /// Replaces element `index` of the list at `key` (negative counts from the tail; Redis
    /// `LSET`). A missing key is [`Error::NoSuchKey`], an index outside the list
    /// [`Error::IndexOutOfRange`].
    pub fn list_set(&self, key: impl AsRef<[u8]>, index: i64, value: impl Encode) -> Result<()> {
        let value = self.checked_value(value)?;
        let key = key.as_ref();
        self.check_key(key)?;
        let op = Native::ListSet {
            key,
            index,
            value: &value,
        };
        if let Some(reply) = self.native(&op) {
            return reply?.unit();
        }
        self.atomic_on(key, |tx, ks, key| {
            lists::set(tx, ks, key, index, value.clone())
        })
    }

    /// Keeps only elements `start..=stop` of the list at `key` (LRANGE's index rules); an empty
    /// window deletes the key (Redis `LTRIM`). O(len).
    pub fn list_trim(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        let key = key.as_ref();
        self.check_key(key)?;
        if let Some(reply) = self.native(&Native::ListTrim { key, start, stop }) {
            return reply?.unit();
        }
        self.atomic_on(key, |tx, ks, key| lists::trim(tx, ks, key, start, stop))
    }

    /// Inserts `value` before or after the first element equal to `pivot` (Redis `LINSERT`).
    /// O(len).
    pub fn list_insert(
        &self,
        key: impl AsRef<[u8]>,
        side: Side,
        pivot: impl AsRef<[u8]>,
        value: impl Encode,
    ) -> Result<ListInsert> {
        let value = self.checked_value(value)?;
        let (key, pivot) = (key.as_ref(), pivot.as_ref());
        self.check_key(key)?;
        let op = Native::ListInsert {
            key,
            side,
            pivot,
            value: &value,
        };
        if let Some(reply) = self.native(&op) {
            return Ok(match reply?.int()? {
                0 => ListInsert::NoList,
                n if n < 0 => ListInsert::NoPivot,
                n => ListInsert::Inserted(n.unsigned_abs()),
            });
        }
        let outcome = self.atomic_on(key, |tx, ks, key| {
            lists::insert(tx, ks, key, side, pivot, value.clone())
        })?;
        Ok(outcome)
    }

    /// Removes elements equal to `value`: the first `count` (`count > 0`), the last `-count`
    /// (`count < 0`) or all (`0`); how many went (Redis `LREM`). O(len).
    pub fn list_remove(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let (key, value) = (key.as_ref(), value.as_ref());
        self.check_key(key)?;
        let removed = match self.native(&Native::ListRemove { key, count, value }) {
            Some(reply) => u64::try_from(reply?.int()?).unwrap_or(0),
            None => self.atomic_on(key, |tx, ks, key| lists::remove(tx, ks, key, count, value))?,
        };
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// The indexes of elements equal to `value` (Redis `LPOS key value RANK rank COUNT count
    /// MAXLEN maxlen`): matches are counted from the head for a positive `rank` and from the tail
    /// for a negative one, starting at the `|rank|`-th match; at most `count` are returned
    /// (0 = all); at most `max_len` elements are compared (0 = all). Indexes are from the head.
    /// A `rank` of 0 is [`Error::InvalidArgument`].
    pub fn list_positions(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        rank: i64,
        count: usize,
        max_len: usize,
    ) -> Result<Vec<usize>> {
        if rank == 0 {
            return Err(Error::invalid(
                "rank",
                "0 is not a rank: 1 starts from the first match, -1 from the last",
            ));
        }
        let value = value.as_ref();
        let items = self.list_range(key, 0, -1)?;
        let skip = rank.unsigned_abs().saturating_sub(1);
        let limit = if count == 0 { usize::MAX } else { count };
        let compared = if max_len == 0 { usize::MAX } else { max_len };
        let indexes: Box<dyn Iterator<Item = usize>> = if rank > 0 {
            Box::new(0..items.len())
        } else {
            Box::new((0..items.len()).rev())
        };
        Ok(indexes
            .take(compared)
            .filter(|&i| items.get(i).is_some_and(|item| item.as_ref() == value))
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(limit)
            .collect())
    }

    /// The index of the first element equal to `value` (Redis `LPOS key value`).
    pub fn list_position(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        Ok(self.list_positions(key, value, 1, 1, 0)?.first().copied())
    }

    /// Pops an element from one end of `from` and pushes it onto one end of `to`, atomically
    /// (Redis `LMOVE`; `from` = `to` rotates the list). `None` if `from` is empty. The reliable
    /// queue pattern: move a job to a processing list, remove it there when done.
    pub fn list_move(
        &self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        from_end: ListEnd,
        to_end: ListEnd,
    ) -> Result<Option<Bytes>> {
        let (from, to) = (from.as_ref(), to.as_ref());
        let declared = [self.tx_key(from)?, self.tx_key(to)?];
        let op = Native::ListMove {
            from,
            to,
            from_end: from_end.into(),
            to_end: to_end.into(),
        };
        if let Some(reply) = self.native(&op) {
            return reply?.value();
        }
        let ks = self.ks;
        let moved = self.atomic(&declared, |tx| {
            lists::move_element(tx, ks, from, to, from_end.into(), to_end.into())
        })?;
        if moved.is_some() {
            self.serve(self.ks, &declared[1].1);
        }
        Ok(moved)
    }
}

/// An end of a list, for [`Store::list_move`] (Redis `LEFT` / `RIGHT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEnd {
    /// The head (`LEFT`).
    Front,
    /// The tail (`RIGHT`).
    Back,
}

impl From<ListEnd> for End {
    fn from(end: ListEnd) -> End {
        match end {
            ListEnd::Front => End::Front,
            ListEnd::Back => End::Back,
        }
    }
}
