//! Sorted, lazy, point-in-time scans.

use std::ops::{Bound, RangeBounds};

use bytes::Bytes;

use crate::engine::{EngineScan, ScanValue};
use crate::error::Result;
use crate::store::keyspace::Keyspace;

/// A sorted scan of string entries, from [`Store::scan_prefix`] or [`Store::range`].
///
/// It sees the store as it was when the scan was created: later writes, batches and expiries do not
/// change what it yields. It is lazy: entries are read as the iterator advances.
pub struct Scan {
    inner: EngineScan,
}

impl Iterator for Scan {
    type Item = Result<(Bytes, Bytes)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next()? {
                Ok((key, ScanValue::String(value))) => return Some(Ok((key, value))),
                Ok((_, ScanValue::List)) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scan")
    }
}

/// A sorted scan of keys of every kind, from [`Store::keys`] or [`Store::keys_with_prefix`].
pub struct Keys {
    inner: EngineScan,
}

impl Iterator for Keys {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|item| item.map(|(key, _)| key))
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys")
    }
}

/// The smallest key greater than every key that starts with `prefix`, or `None` if there is none
/// (an empty prefix, or one made only of `0xFF` bytes).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Bytes> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut end = prefix.get(..=last)?.to_vec();
    if let Some(b) = end.last_mut() {
        *b += 1;
    }
    Some(Bytes::from(end))
}

fn owned_bound<K: AsRef<[u8]>>(bound: Bound<&K>) -> Bound<Bytes> {
    match bound {
        Bound::Included(k) => Bound::Included(Bytes::copy_from_slice(k.as_ref())),
        Bound::Excluded(k) => Bound::Excluded(Bytes::copy_from_slice(k.as_ref())),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Keyspace {
    /// Every string entry whose key starts with `prefix`, sorted by key bytes. Lists are skipped
    /// (use [`Store::keys_with_prefix`] to see keys of every kind).
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// store.insert("user:2", "Bob")?;
    /// store.insert("user:1", "Ada")?;
    /// store.insert("order:1", "...")?;
    /// let users: Vec<_> = store.scan_prefix("user:")?.collect::<Result<_, _>>()?;
    /// assert_eq!(users[0].0, "user:1");
    /// assert_eq!(users.len(), 2);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        Ok(Scan {
            inner: self.prefix_scan(prefix.as_ref())?,
        })
    }

    /// Every string entry with a key in `range`, sorted by key bytes.
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// for k in ["a", "b", "c", "d"] { store.insert(k, k)?; }
    /// let keys: Vec<_> = store.range("b".."d")?.map(|e| e.map(|(k, _)| k)).collect::<Result<_, _>>()?;
    /// assert_eq!(keys, vec!["b", "c"]);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn range<K: AsRef<[u8]>>(&self, range: impl RangeBounds<K>) -> Result<Scan> {
        let bounds = (
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
        );
        self.check_bounds(&bounds)?;
        Ok(Scan {
            inner: self.shared.engine.scan(self.ks, bounds)?,
        })
    }

    /// Reclaims the space of overwritten, deleted and expired data of the keys in `range` now,
    /// as [`crate::Store::compact`] does for the whole store (disk backend; elsewhere nothing to
    /// do). Every level's tables holding keys of the range are merged down into the last level;
    /// the rest of the store is rewritten only where a table spans the range's edge.
    pub fn compact_range<K: AsRef<[u8]>>(&self, range: impl RangeBounds<K>) -> Result<()> {
        let bounds = (
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
        );
        self.check_bounds(&bounds)?;
        self.shared.engine.compact_range(self.ks, bounds)
    }

    /// Every key of this keyspace (strings and lists), sorted.
    pub fn keys(&self) -> Result<Keys> {
        self.check_open()?;
        Ok(Keys {
            inner: self
                .shared
                .engine
                .scan(self.ks, (Bound::Unbounded, Bound::Unbounded))?,
        })
    }

    /// Every key starting with `prefix` (strings and lists), sorted.
    pub fn keys_with_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Keys> {
        Ok(Keys {
            inner: self.prefix_scan(prefix.as_ref())?,
        })
    }

    fn prefix_scan(&self, prefix: &[u8]) -> Result<EngineScan> {
        self.check_key(prefix)?;
        let upper = prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
        let lower = Bound::Included(Bytes::copy_from_slice(prefix));
        self.shared.engine.scan(self.ks, (lower, upper))
    }

    fn check_bounds(&self, (lower, upper): &(Bound<Bytes>, Bound<Bytes>)) -> Result<()> {
        for bound in [lower, upper] {
            if let Bound::Included(k) | Bound::Excluded(k) = bound {
                self.check_key(k)?;
            }
        }
        self.check_open()
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_key_after_the_prefix_range() {
        assert_eq!(prefix_end(b"abc").as_deref(), Some(&b"abd"[..]));
        assert_eq!(prefix_end(b"a\xff").as_deref(), Some(&b"b"[..]));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
