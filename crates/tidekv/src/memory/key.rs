//! [`Key`]: how the memory backend holds a key.
//!
//! A shard keeps every key twice — in its hash map and in its sorted key set — and a third time in
//! the expiry index when the key has an expiry. All of these share one allocation: a reference
//! count of 8 bytes followed by the key's bytes, behind a 16-byte handle. A [`Bytes`] key cost more
//! at every one of those places: a 32-byte handle, and on its first clone a second allocation (the
//! shared header `bytes` promotes a `Vec`-backed buffer to). For 10M keys of 16 bytes that is about
//! 80 bytes a key (`BENCHMARKS.md`, memory backend).

use std::borrow::Borrow;
use std::fmt;

use bytes::Bytes;

/// An immutable, reference-counted key. Clones share the bytes. Hashes, compares and orders as
/// its bytes do, so maps keyed by `Key` are searched with a plain `&[u8]`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key(triomphe::Arc<[u8]>);

impl Key {
    /// A copy of the key as [`Bytes`], for callers outside the backend (one allocation).
    pub(crate) fn to_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(&self.0)
    }
}

impl From<&[u8]> for Key {
    fn from(bytes: &[u8]) -> Self {
        Key(triomphe::Arc::from(bytes))
    }
}

impl std::ops::Deref for Key {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Bytes::copy_from_slice(&self.0), f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};
    use std::hash::BuildHasher;

    use super::*;
    use crate::memory::key_hash::KeyHashBuilder;

    #[test]
    fn a_key_hashes_and_orders_as_its_bytes() {
        let hasher = KeyHashBuilder::default();
        let key = Key::from(&b"user:42"[..]);
        assert_eq!(hasher.hash_one(&key), hasher.hash_one(&b"user:42"[..]));
        let mut map = HashMap::with_hasher(hasher);
        map.insert(key.clone(), 1);
        assert_eq!(map.get(&b"user:42"[..]), Some(&1));
        assert_eq!(map.get(&b"user:43"[..]), None);
        let set: BTreeSet<Key> = [&b"b"[..], b"", b"ab", b"a"]
            .into_iter()
            .map(Key::from)
            .collect();
        let sorted: Vec<&[u8]> = set.iter().map(|k| &k[..]).collect();
        assert_eq!(sorted, [&b""[..], b"a", b"ab", b"b"]);
        assert_eq!(key.to_bytes(), Bytes::from_static(b"user:42"));
    }

    #[test]
    fn a_key_handle_is_two_words() {
        assert_eq!(std::mem::size_of::<Key>(), 16);
        assert_eq!(std::mem::size_of::<Option<Key>>(), 16);
    }
}
