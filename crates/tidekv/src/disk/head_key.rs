//! The memtable's key type: an internal key whose first [`HEAD_LEN`] bytes are also kept inline,
//! as three big-endian words, so most comparisons in the skip list never leave the node.
//!
//! A skip-list search compares the sought key with a node's key at every step. With a plain
//! `Bytes` key each comparison first follows the node's pointer to the key bytes, one more cache
//! miss per step on a memtable larger than the CPU caches; the insert profile in `BENCHMARKS.md`
//! showed the search and its `memcmp` as the biggest cost of a write. Internal keys start with the
//! keyspace, the key space and the user key, so the first 24 bytes usually decide.
//!
//! Ordering is exactly the byte order of the whole keys (a property test checks it):
//! - heads are the first 24 bytes padded with zeros, compared as numbers, which is their byte order;
//! - if two heads differ, they differ first at some byte `i`. If both keys have a byte at `i`, those
//!   bytes decide, as they would for the whole keys. Otherwise the shorter key ends before `i` and
//!   its padding zero is below the other key's byte there, which is not zero (the heads differ at
//!   `i`); the two keys agree on every byte before `i`, so the shorter is a prefix of the longer and
//!   sorts first, as its zero says;
//! - if the heads are equal, the whole keys are compared.

use std::cmp::Ordering;

use bytes::Bytes;

/// Bytes of a key kept inline.
pub(crate) const HEAD_LEN: usize = 24;

/// An internal key with its head inline. Invariant: `head` is `head_of(&bytes)`.
///
/// `repr(C)`, head first: the memtable's skip list keeps a node's links right before its key,
/// so that a search step reads the link and the head from one cache line.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct HeadKey {
    head: [u64; 3],
    bytes: Bytes,
}

impl HeadKey {
    pub(crate) fn new(bytes: Bytes) -> HeadKey {
        HeadKey {
            head: head_of(&bytes),
            bytes,
        }
    }

    /// The whole key.
    pub(crate) fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// How this key compares with the key `bytes`, whose head is `head` (`head_of(bytes)`,
    /// computed once by a caller that compares many keys with it).
    pub(crate) fn cmp_with(&self, head: &[u64; 3], bytes: &[u8]) -> Ordering {
        self.head.cmp(head).then_with(|| self.bytes[..].cmp(bytes))
    }

    /// Whether both keys are at least `n` bytes long and agree on their first `n`. Decided from
    /// the inline heads alone (no pointer chasing) whenever those differ within `n` bytes, as
    /// they do for two different keys of a search's neighbourhood.
    pub(crate) fn starts_equal(&self, other: &HeadKey, n: usize) -> bool {
        if self.bytes.len() < n || other.bytes.len() < n {
            return false;
        }
        let inline = n.min(HEAD_LEN);
        let (a, b) = (head_bytes(&self.head), head_bytes(&other.head));
        if a.get(..inline) != b.get(..inline) {
            return false;
        }
        n <= HEAD_LEN || self.bytes.get(..n) == other.bytes.get(..n)
    }
}

fn head_bytes(head: &[u64; 3]) -> [u8; HEAD_LEN] {
    let mut out = [0u8; HEAD_LEN];
    for (chunk, word) in out.chunks_exact_mut(8).zip(head) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The first [`HEAD_LEN`] bytes of `key`, zero-padded, as big-endian words.
pub(crate) fn head_of(key: &[u8]) -> [u64; 3] {
    let mut padded = [0u8; HEAD_LEN];
    let n = key.len().min(HEAD_LEN);
    if let (Some(to), Some(from)) = (padded.get_mut(..n), key.get(..n)) {
        to.copy_from_slice(from);
    }
    let mut words = [0u64; 3];
    for (word, chunk) in words.iter_mut().zip(padded.chunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(chunk);
        *word = u64::from_be_bytes(be);
    }
    words
}

impl Ord for HeadKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.head
            .cmp(&other.head)
            .then_with(|| self.bytes.cmp(&other.bytes))
    }
}

impl PartialOrd for HeadKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for HeadKey {
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head && self.bytes == other.bytes
    }
}

impl Eq for HeadKey {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Keys made of few distinct bytes (zero among them) and of lengths around `HEAD_LEN`, so
    /// that shared prefixes, prefixes of each other and trailing zeros are common.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![Just(0u8), Just(1u8), Just(0xFF)],
            0..HEAD_LEN + 8,
        )
    }

    proptest! {
        #[test]
        fn starts_equal_is_equality_of_the_first_bytes(a in key(), b in key(), n in 0..HEAD_LEN + 8) {
            let (ha, hb) = (HeadKey::new(Bytes::from(a.clone())), HeadKey::new(Bytes::from(b.clone())));
            let expected = a.len() >= n && b.len() >= n && a[..n] == b[..n];
            prop_assert_eq!(ha.starts_equal(&hb, n), expected);
        }

        #[test]
        fn order_is_the_byte_order_of_the_whole_keys(a in key(), b in key()) {
            let (ha, hb) = (HeadKey::new(Bytes::from(a.clone())), HeadKey::new(Bytes::from(b.clone())));
            prop_assert_eq!(ha.cmp(&hb), a.cmp(&b));
            prop_assert_eq!(ha.cmp_with(&head_of(&b), &b), a.cmp(&b));
            prop_assert_eq!(ha == hb, a == b);
        }
    }

    #[test]
    fn a_key_sorts_before_the_same_key_with_zeros_appended() {
        let short = HeadKey::new(Bytes::from_static(b"ab"));
        let long = HeadKey::new(Bytes::from_static(b"ab\0"));
        assert!(short < long);
        let at_head = HeadKey::new(Bytes::from(vec![7u8; HEAD_LEN]));
        let past_head = HeadKey::new(Bytes::from([vec![7u8; HEAD_LEN], vec![0]].concat()));
        assert!(at_head < past_head);
    }
}
