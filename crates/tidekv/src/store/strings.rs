//! String keys: insert, read, take, remove, count, and atomic counters.

use bytes::Bytes;

use crate::engine::{KeyKind, Native};
use crate::error::{Error, Result};
use crate::ops::strings;
use crate::store::keyspace::Keyspace;
use crate::value::{Decode, Encode};

impl Keyspace {
    /// Sets `key` to `value`, replacing whatever the key held (a string or a list) and clearing any
    /// expiry, like Redis `SET`.
    ///
    /// `value` is any [`Encode`] type: bytes, strings, numbers (stored as decimal text), `bool`, or a
    /// serde type wrapped in [`crate::Json`].
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<()> {
        let key = key.as_ref();
        self.check_key(key)?;
        if let Some(bytes) = value.as_stored() {
            self.check_value(bytes)?;
            return self.shared.engine.put_slice(self.ks, key, bytes, None);
        }
        let value = value.encode()?;
        self.check_value(&value)?;
        self.shared.engine.put(self.ks, key, value, None)
    }

    /// The string value of `key`, or `None`. A list key is [`crate::error::Error::WrongType`].
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = key.as_ref();
        self.check_key(key)?;
        self.shared.engine.get(self.ks, key)
    }

    /// The value of `key` read as `T`; a value that is not a `T` is [`crate::error::Error::WrongType`].
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// store.insert("n", 42)?;
    /// assert_eq!(store.get_as::<i64>("n")?, Some(42));
    /// store.insert("word", "abc")?;
    /// assert!(store.get_as::<i64>("word").is_err());
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn get_as<T: Decode>(&self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        self.get(key)?.map(T::decode).transpose()
    }

    /// Removes `key` and returns its string value, atomically (Redis `GETDEL`). A list key is
    /// [`crate::error::Error::WrongType`] and is left in place.
    pub fn take(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = key.as_ref();
        self.check_key(key)?;
        if let Some(reply) = self.native(&Native::Take { key }) {
            return reply?.value();
        }
        self.atomic_on(key, |tx, ks, key| strings::take(tx, ks, key))
    }

    /// Removes `key` whatever it holds; `true` if it existed.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        self.shared.engine.remove(self.ks, key)
    }

    /// Whether `key` exists (as a string or a list) and has not expired.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        Ok(self.shared.engine.kind(self.ks, key)?.is_some())
    }

    /// The number of live keys (strings and lists) in this keyspace, exact, not estimated: a key
    /// that had expired when the call started is never counted (Redis's `DBSIZE` counts expired
    /// keys until they are reclaimed; this does not).
    ///
    /// Cost: never a walk of the keyspace. Memory: O(shards) plus the due keys it reclaims.
    /// Disk: a stored count and the part of the expiry index that is due but not yet swept
    /// (`docs/disk.md`, "Key counts and the expiry index").
    pub fn len(&self) -> Result<usize> {
        self.check_open()?;
        let n = self.shared.engine.len(self.ks)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Whether this keyspace has no live keys.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Adds `delta` to the integer at `key` atomically and returns the new value (Redis `INCRBY`).
    ///
    /// A missing key counts as 0. The value must be canonical decimal text of an `i64` (what
    /// inserting an integer stores): anything else is [`Error::NotAnInteger`], a list
    /// [`Error::WrongType`], and a result outside `i64` [`Error::Overflow`]; in each case nothing
    /// changes. Any expiry is kept.
    pub fn incr_by(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        let key = key.as_ref();
        self.check_key(key)?;
        if let Some(reply) = self.native(&Native::IncrBy { key, delta }) {
            return reply?.int();
        }
        self.atomic_on(key, |tx, ks, key| strings::incr_by(tx, ks, key, delta))
    }

    /// Subtracts `delta` from the integer at `key` atomically and returns the new value (Redis
    /// `DECRBY`), with [`Store::incr_by`]'s rules. `i64::MIN` is [`Error::Overflow`]: its negation
    /// is not an `i64`.
    pub fn decr_by(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        let negated = delta.checked_neg().ok_or(Error::Overflow)?;
        self.incr_by(key, negated)
    }

    /// What `key` holds, if it exists (Redis `TYPE`).
    pub fn type_of(&self, key: impl AsRef<[u8]>) -> Result<Option<KeyKind>> {
        let key = key.as_ref();
        self.check_key(key)?;
        self.shared.engine.kind(self.ks, key)
    }
}
