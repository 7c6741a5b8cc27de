//! A point lookup's key, built once and used by every source it visits: the memtables, then each
//! table (whose bloom filter and index it probes). Building it once saves an allocation and a
//! hash per table: a read that misses in three L0 tables would otherwise rebuild the same search
//! key and rehash the same prefix three times.

use bytes::{BufMut, Bytes};

use crate::disk::head_key::HeadKey;
use crate::disk::table::bloom::bloom_hash;

/// The newest version of one key at or below a snapshot: its identifying prefix, the internal key
/// to seek to (`prefix` followed by the snapshot's sequence trailer, which sorts before every
/// older version), and the prefix's bloom-filter hash.
///
/// Invariant: `seek` is `prefix ++ !snapshot` (big-endian) and `hash` is `bloom_hash(prefix)`.
#[derive(Debug)]
pub(crate) struct LookupKey {
    seek: HeadKey,
    prefix_len: usize,
    snapshot: u64,
    hash: u64,
}

impl LookupKey {
    /// The lookup of `prefix` at `snapshot`. The sequence trailer is appended to `prefix` in
    /// place (`put_prefix` reserves room for it), so the key is not copied.
    pub(crate) fn new(prefix: Vec<u8>, snapshot: u64) -> LookupKey {
        let hash = bloom_hash(&prefix);
        LookupKey::hashed(prefix, snapshot, hash)
    }

    /// [`LookupKey::hashed`] of a copy of `prefix` (with room for the sequence number).
    pub(crate) fn from_prefix(prefix: &[u8], snapshot: u64, hash: u64) -> LookupKey {
        let mut key = Vec::with_capacity(prefix.len() + crate::disk::key::SEQ_LEN);
        key.extend_from_slice(prefix);
        LookupKey::hashed(key, snapshot, hash)
    }

    /// [`LookupKey::new`] with the prefix's [`bloom_hash`] already known.
    pub(crate) fn hashed(mut prefix: Vec<u8>, snapshot: u64, hash: u64) -> LookupKey {
        let prefix_len = prefix.len();
        prefix.put_u64(!snapshot);
        LookupKey {
            seek: HeadKey::new(Bytes::from(prefix)),
            prefix_len,
            snapshot,
            hash,
        }
    }

    /// The key's identifying prefix (an internal key without its sequence number).
    pub(crate) fn prefix(&self) -> &[u8] {
        self.seek.bytes().get(..self.prefix_len).unwrap_or_default()
    }

    /// The highest sequence number the lookup may see.
    pub(crate) fn snapshot(&self) -> u64 {
        self.snapshot
    }

    /// The internal key to seek to: the first entry at or after it is the answer if its prefix
    /// is [`LookupKey::prefix`].
    pub(crate) fn seek(&self) -> &HeadKey {
        &self.seek
    }

    /// The prefix's hash for [`crate::disk::table::bloom::BloomFilter::may_contain_hash`].
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::key::split_seq;

    #[test]
    fn the_seek_key_is_the_prefix_with_the_snapshot_trailer() {
        let lookup = LookupKey::new(b"prefix".to_vec(), 41);
        assert_eq!(lookup.prefix(), b"prefix");
        assert_eq!(lookup.snapshot(), 41);
        assert_eq!(split_seq(lookup.seek().bytes()), Some((&b"prefix"[..], 41)));
        assert_eq!(lookup.hash(), bloom_hash(b"prefix"));
    }
}
