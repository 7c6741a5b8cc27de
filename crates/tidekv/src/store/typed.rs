//! Typed forms of the reads that return stored bytes: each decodes with [`Decode`], so a value
//! that is not a `T` is [`crate::error::Error::Decode`]. A pop removes the element before decoding it:
//! an element that does not decode is gone (its bytes are in the error's message).

use std::time::Duration;

use bytes::Bytes;

use crate::error::Result;
use crate::store::keyspace::Keyspace;
use crate::value::Decode;

impl Keyspace {
    /// [`Store::get_many`], each value read as `T`.
    pub fn get_many_as<T: Decode, K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<T>>> {
        self.get_many(keys)?
            .into_iter()
            .map(|v| v.map(T::decode).transpose())
            .collect()
    }

    /// [`Store::pop_front`], the element read as `T`.
    pub fn pop_front_as<T: Decode>(&self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        self.pop_front(key)?.map(T::decode).transpose()
    }

    /// [`Store::pop_back`], the element read as `T`.
    pub fn pop_back_as<T: Decode>(&self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        self.pop_back(key)?.map(T::decode).transpose()
    }

    /// [`Store::list_range`], each element read as `T`.
    pub fn list_range_as<T: Decode>(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<T>> {
        self.list_range(key, start, stop)?
            .into_iter()
            .map(T::decode)
            .collect()
    }

    /// [`Store::blocking_pop_front`], the element read as `T`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use tidekv::{Config, Json, Store};
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Job { id: u32 }
    /// let store = Store::open(Config::memory())?;
    /// store.push_back("jobs", Json(Job { id: 7 }))?;
    /// let (_, Json(job)) = store
    ///     .blocking_pop_front_as::<Json<Job>, _>(&["jobs"], Some(Duration::from_secs(1)))?
    ///     .expect("a job");
    /// assert_eq!(job.id, 7);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn blocking_pop_front_as<T: Decode, K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, T)>> {
        decode_pair(self.blocking_pop_front(keys, timeout)?)
    }

    /// [`Store::blocking_pop_back`], the element read as `T`.
    pub fn blocking_pop_back_as<T: Decode, K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, T)>> {
        decode_pair(self.blocking_pop_back(keys, timeout)?)
    }
}

fn decode_pair<T: Decode>(popped: Option<(Bytes, Bytes)>) -> Result<Option<(Bytes, T)>> {
    popped
        .map(|(key, value)| Ok((key, T::decode(value)?)))
        .transpose()
}
