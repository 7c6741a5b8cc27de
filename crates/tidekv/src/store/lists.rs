//! Lists: double-ended queues of values, O(1) at both ends, usable as job queues.

use bytes::Bytes;

use crate::engine::End;
use crate::error::{Error, Result};
use crate::store::keyspace::Keyspace;
use crate::value::Encode;

impl Keyspace {
    /// Appends `value` to the list at `key` (creating it) and returns the new length (Redis `RPUSH`).
    /// A string key is [`crate::error::Error::WrongType`].
    pub fn push_back(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        self.push(key.as_ref(), End::Back, std::iter::once(value))
    }

    /// Prepends `value` to the list at `key` (creating it) and returns the new length (Redis `LPUSH`).
    pub fn push_front(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<usize> {
        self.push(key.as_ref(), End::Front, std::iter::once(value))
    }

    /// Appends every value, in order, in one atomic step; returns the new length.
    pub fn push_back_all<V: Encode>(
        &self,
        key: impl AsRef<[u8]>,
        values: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push(key.as_ref(), End::Back, values)
    }

    /// Prepends every value, one after the other, in one atomic step (so the last one ends up at
    /// the head, as with Redis `LPUSH k a b c`); returns the new length.
    pub fn push_front_all<V: Encode>(
        &self,
        key: impl AsRef<[u8]>,
        values: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push(key.as_ref(), End::Front, values)
    }

    /// Removes and returns the last element of the list at `key`.
    pub fn pop_back(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.pop(key.as_ref(), End::Back)
    }

    /// Removes and returns the first element of the list at `key`.
    pub fn pop_front(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.pop(key.as_ref(), End::Front)
    }

    /// The length of the list at `key` (0 if missing).
    pub fn list_len(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        let key = key.as_ref();
        self.check_key(key)?;
        let n = self.shared.engine.list_len(self.ks, key)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Elements `start..=stop` of the list at `key`, Redis `LRANGE` style: negative indexes count
    /// from the end (-1 is the last), out-of-range ends are clamped, an empty window is empty.
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// store.push_back_all("q", ["a", "b", "c"])?;
    /// assert_eq!(store.list_range("q", 0, -1)?, vec!["a", "b", "c"]);
    /// assert_eq!(store.list_range("q", -2, -1)?, vec!["b", "c"]);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn list_range(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        let key = key.as_ref();
        self.check_key(key)?;
        self.shared.engine.list_range(self.ks, key, start, stop)
    }

    fn push<V: Encode>(
        &self,
        key: &[u8],
        end: End,
        values: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.check_key(key)?;
        let values = values
            .into_iter()
            .map(|v| {
                let v = v.encode()?;
                self.check_value(&v)?;
                Ok(v)
            })
            .collect::<Result<Vec<_>>>()?;
        if values.is_empty() {
            return Err(Error::invalid("values", "a push needs at least one value"));
        }
        let len = self.shared.engine.push(self.ks, key, end, &values)?;
        self.serve_borrowed(self.ks, key);
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    pub(crate) fn pop(&self, key: &[u8], end: End) -> Result<Option<Bytes>> {
        self.check_key(key)?;
        self.shared.engine.pop(self.ks, key, end)
    }
}
