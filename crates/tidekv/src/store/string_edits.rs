//! Conditional and derived string writes: SET with options, insert-if-absent, get-and-set,
//! compare-and-swap, GETEX, APPEND, SETRANGE, GETRANGE, STRLEN, INCRBYFLOAT, MSETNX. Each is one
//! atomic step on every backend (built once in `crate::ops::strings`).

use bytes::Bytes;

use crate::engine::{Native, NativeExpiry};
use crate::error::{Error, Result};
use crate::expiry::Expiry;
use crate::ops::strings::{self, SetCondition, SetOptions, SetOutcome};
use crate::store::keyspace::Keyspace;
use crate::value::Encode;

/// What [`Store::compare_and_swap`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareAndSwap {
    /// The key held the expected value and now holds the new one (or is removed).
    Swapped,
    /// The key held something else (`None`: it did not exist); nothing changed.
    Mismatch(Option<Bytes>),
}

impl Keyspace {
    /// Sets `key` to `value` as `options` say (Redis `SET` with `NX` / `XX` / `GET` / `EX` …
    /// `KEEPTTL`), atomically.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use tidekv::{Config, Expiry, SetCondition, SetOptions, Store};
    /// let store = Store::open(Config::memory())?;
    /// let nx = SetOptions { condition: SetCondition::IfAbsent, ..SetOptions::default() };
    /// assert!(store.set("lock", "owner-1", nx)?.written);
    /// assert!(!store.set("lock", "owner-2", nx)?.written);
    /// let swap = SetOptions { get: true, expiry: Expiry::In(Duration::from_secs(30)), ..nx };
    /// let swap = SetOptions { condition: SetCondition::Always, ..swap };
    /// assert_eq!(store.set("lock", "owner-3", swap)?.previous.as_deref(), Some(&b"owner-1"[..]));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn set(
        &self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
        options: SetOptions,
    ) -> Result<SetOutcome> {
        if options == SetOptions::default() {
            // A plain set reads nothing: the blind write of `insert` skips the read-modify-write
            // step, about a third of a SET's time on the memory engine
            // (bench/profiles/server-memory-set-P16.txt).
            self.insert(key, value)?;
            return Ok(SetOutcome {
                written: true,
                previous: None,
            });
        }
        let value = self.checked_value(value)?;
        let key = key.as_ref();
        self.check_key(key)?;
        let now = self.shared.clock.now_ms();
        let expires_at = match options.expiry {
            Expiry::Never => Some(NativeExpiry::Never),
            Expiry::Keep => Some(NativeExpiry::Keep),
            // A deadline already past deletes the key: the transaction path says how.
            deadline => match deadline.resolve(now, None) {
                Some(at) if at > now => Some(NativeExpiry::At(at)),
                _ => None,
            },
        };
        if let Some(expires_at) = expires_at {
            let op = Native::Set {
                key,
                value: &value,
                condition: options.condition,
                expires_at,
                get: options.get,
            };
            if let Some(reply) = self.native(&op) {
                return reply?.set();
            }
        }
        self.atomic_on(key, |tx, ks, key| {
            strings::set(tx, ks, key, value.clone(), options)
        })
    }

    /// Sets `key` only if it does not exist; whether it did (Redis `SETNX`). A cache's
    /// insert-if-absent, and the building block of a lock.
    pub fn insert_if_absent(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<bool> {
        let options = SetOptions {
            condition: SetCondition::IfAbsent,
            ..SetOptions::default()
        };
        Ok(self.set(key, value, options)?.written)
    }

    /// Sets `key` and returns the string it held before (Redis `GETSET`). A list key is
    /// [`crate::error::Error::WrongType`] and is left in place.
    pub fn get_and_set(&self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<Option<Bytes>> {
        let options = SetOptions {
            get: true,
            ..SetOptions::default()
        };
        Ok(self.set(key, value, options)?.previous)
    }

    /// The value at `key`, or `make()` inserted there if the key does not exist. `make` runs
    /// outside any lock, at most once; if another writer inserted first, its value is returned
    /// and `make`'s is dropped.
    pub fn get_or_insert_with<V: Encode>(
        &self,
        key: impl AsRef<[u8]>,
        make: impl FnOnce() -> V,
    ) -> Result<Bytes> {
        let key = key.as_ref();
        if let Some(found) = self.get(key)? {
            return Ok(found);
        }
        let value = self.checked_value(make())?;
        let options = SetOptions {
            condition: SetCondition::IfAbsent,
            get: true,
            ..SetOptions::default()
        };
        Ok(self
            .set(key, value.clone(), options)?
            .previous
            .unwrap_or(value))
    }

    /// Replaces the string at `key` with `new` (or removes the key, for `None`) only if it holds
    /// `expected` (`None`: only if it does not exist). Atomic; the value is compared byte for
    /// byte, and the key's expiry is kept.
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<impl AsRef<[u8]>>,
        new: Option<impl Encode>,
    ) -> Result<CompareAndSwap> {
        let new = new.map(|v| self.checked_value(v)).transpose()?;
        let expected = expected.as_ref().map(AsRef::as_ref);
        self.atomic_on(key.as_ref(), |tx, ks, key| {
            let (current, keep) = match tx.get_with_expiry(ks, key)? {
                Some((value, at)) => (Some(value), at),
                None => (None, None),
            };
            if current.as_deref() != expected {
                return Ok(CompareAndSwap::Mismatch(current));
            }
            match &new {
                Some(value) => {
                    tx.put(ks, key, value.clone(), keep)?;
                }
                None => {
                    tx.remove(ks, key)?;
                }
            }
            Ok(CompareAndSwap::Swapped)
        })
    }

    /// The string at `key`, with its expiry changed as `expiry` says (Redis `GETEX`;
    /// [`Expiry::Keep`] changes nothing, [`Expiry::Never`] is `PERSIST`).
    pub fn get_and_expire(&self, key: impl AsRef<[u8]>, expiry: Expiry) -> Result<Option<Bytes>> {
        self.atomic_on(key.as_ref(), |tx, ks, key| {
            strings::get_and_expire(tx, ks, key, expiry)
        })
    }

    /// Appends `suffix` to the string at `key` (creating it) and returns the new length (Redis
    /// `APPEND`). A result over the value limit is [`crate::error::Error::TooLarge`].
    pub fn append(&self, key: impl AsRef<[u8]>, suffix: impl AsRef<[u8]>) -> Result<usize> {
        let (key, suffix) = (key.as_ref(), suffix.as_ref());
        let max = self.shared.max_value_size;
        self.check_key(key)?;
        let op = Native::Append {
            key,
            suffix,
            max_value: max,
        };
        if let Some(reply) = self.native(&op) {
            return Ok(usize::try_from(reply?.int()?).unwrap_or(usize::MAX));
        }
        let len = self.atomic_on(key, |tx, ks, key| strings::append(tx, ks, key, suffix, max))?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Overwrites the string at `key` from byte `offset` with `patch`, padding with zero bytes,
    /// and returns the new length (Redis `SETRANGE`).
    pub fn set_range(
        &self,
        key: impl AsRef<[u8]>,
        offset: usize,
        patch: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let (key, patch) = (key.as_ref(), patch.as_ref());
        let max = self.shared.max_value_size;
        self.check_key(key)?;
        let op = Native::SetRange {
            key,
            offset: offset as u64,
            patch,
            max_value: max,
        };
        if let Some(reply) = self.native(&op) {
            return Ok(usize::try_from(reply?.int()?).unwrap_or(usize::MAX));
        }
        let len = self.atomic_on(key, |tx, ks, key| {
            strings::set_range(tx, ks, key, offset as u64, patch, max)
        })?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Bytes `start..=end` of the string at `key`, negative offsets counting from the end (Redis
    /// `GETRANGE`); empty for a missing key or an empty window.
    pub fn get_range(&self, key: impl AsRef<[u8]>, start: i64, end: i64) -> Result<Bytes> {
        let Some(value) = self.get(key)? else {
            return Ok(Bytes::new());
        };
        Ok(match strings::string_window(value.len(), start, end) {
            Some((from, to)) => value.slice(from..to),
            None => Bytes::new(),
        })
    }

    /// The length of the string at `key`, 0 if missing (Redis `STRLEN`).
    pub fn value_len(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        Ok(self.get(key)?.map_or(0, |v| v.len()))
    }

    /// Adds `delta` to the number at `key` (0 if missing) and returns the result (Redis
    /// `INCRBYFLOAT`); stored as plain decimal text, so `get_as::<f64>` and Redis read it. A
    /// value that is not a number is [`crate::error::Error::NotAFloat`]; a result that is infinite is
    /// [`crate::error::Error::NotFinite`]. Any expiry is kept.
    pub fn incr_by_float(&self, key: impl AsRef<[u8]>, delta: f64) -> Result<f64> {
        let key = key.as_ref();
        self.check_key(key)?;
        if !delta.is_finite() {
            return Err(Error::NotAFloat);
        }
        if let Some(reply) = self.native(&Native::IncrByFloat { key, delta }) {
            return reply?.float();
        }
        self.atomic_on(key, |tx, ks, key| {
            strings::incr_by_float(tx, ks, key, delta)
        })
    }

    /// Sets every pair only if none of the keys exists, atomically; whether it did (Redis
    /// `MSETNX`).
    pub fn insert_many_if_absent<K: AsRef<[u8]>, V: Encode>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<bool> {
        let mut keys = Vec::new();
        let mut checked = Vec::new();
        for (key, value) in pairs {
            let tx_key = self.tx_key(key.as_ref())?;
            checked.push((tx_key.1.clone(), self.checked_value(value)?));
            keys.push(tx_key);
        }
        if let Some(reply) = self.native(&Native::InsertManyIfAbsent { pairs: &checked }) {
            return reply?.bool();
        }
        let ks = self.ks;
        self.atomic(&keys, |tx| strings::insert_many_if_absent(tx, ks, &checked))
    }

    /// Encodes `value` and checks it against the value limit.
    pub(crate) fn checked_value(&self, value: impl Encode) -> Result<Bytes> {
        let value = value.encode()?;
        self.check_value(&value)?;
        Ok(value)
    }
}
