//! Internal keys: how a user key, its keyspace and a sequence number become one byte string whose
//! plain bytewise order is the order the LSM tree needs.
//!
//! ```text
//! keyspace (u32 BE) | space (u8) | escaped user key | 0x00 0x01 | suffix | !seq (u64 BE)
//! ```
//!
//! - **keyspace** first, big-endian, so each keyspace is one contiguous range (all keyspaces share
//!   one WAL and one tree).
//! - **space** separates user keys (`0`: strings and list metadata) from list elements (`1`), the
//!   keyspace's key count (`2`) and its expiry index (`3`), so none of them collide with user keys
//!   or appear in user scans (see `disk/engine/key_count.rs` for the last two).
//! - **escaped user key**: every `0x00` byte becomes `0x00 0xFF`, and the key ends with `0x00 0x01`.
//!   This keeps bytewise order for keys of different lengths: where a shorter key ends, it has
//!   `0x00 0x01`, which sorts before any continuation (`0x00 0xFF` or a byte `>= 0x01`).
//! - **suffix**: empty for user keys; for list elements the list's version and the element's
//!   position (see the list code), both fixed-width big-endian.
//! - **!seq**: the bitwise complement of the sequence number, big-endian, so that for one key the
//!   newest version sorts first and a seek to `(key, S)` lands on the newest version `<= S`.
//!
//! Stored spaces are numbers in files: never renumber them.

use bytes::{BufMut, Bytes};

/// Which kind of key a user key is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Space {
    /// A user's key: a string value or a list's metadata.
    User = 0,
    /// One element of a list.
    ListItem = 1,
    /// The keyspace's number of keys: one entry, with an empty user key.
    KeyCount = 2,
    /// The expiry index: one entry per key with an expiry time, user key `at (u64 BE) | key`.
    ExpiryIndex = 3,
}

/// Length of the sequence trailer.
pub(crate) const SEQ_LEN: usize = 8;

/// Appends the part of an internal key that comes before the sequence number: everything that
/// identifies the key. Two internal keys are versions of the same key iff these bytes are equal.
///
/// Reserves room for the sequence number too, so reads and writes can append it without a
/// reallocation. The reservation is exact unless the key holds zero bytes (each is escaped to
/// two): a vector whose capacity equals its length becomes `Bytes` with no further allocation.
pub(crate) fn put_prefix(out: &mut Vec<u8>, ks: u32, space: Space, user_key: &[u8], suffix: &[u8]) {
    out.reserve_exact(4 + 1 + user_key.len() + 2 + suffix.len() + SEQ_LEN);
    out.put_u32(ks);
    out.put_u8(space as u8);
    put_escaped(out, user_key);
    out.put_slice(&[0x00, 0x01]);
    out.put_slice(suffix);
}

/// Appends `bytes` escaped (every `0x00` becomes `0x00 0xFF`). Escaping maps byte by byte, so the
/// escape of a concatenation is the concatenation of the escapes.
pub(crate) fn put_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.put_u8(b);
        if b == 0 {
            out.put_u8(0xFF);
        }
    }
}

/// `prefix` (see [`put_prefix`]) followed by the inverted sequence number: an internal key.
pub(crate) fn with_seq(prefix: &[u8], seq: u64) -> Bytes {
    let mut key = Vec::with_capacity(prefix.len() + SEQ_LEN);
    key.put_slice(prefix);
    key.put_u64(!seq);
    Bytes::from(key)
}

/// The internal key of version `seq` of a key.
#[cfg(test)]
pub(crate) fn internal_key(
    ks: u32,
    space: Space,
    user_key: &[u8],
    suffix: &[u8],
    seq: u64,
) -> Bytes {
    let mut prefix = Vec::new();
    put_prefix(&mut prefix, ks, space, user_key, suffix);
    with_seq(&prefix, seq)
}

/// Splits an internal key into its identifying prefix and its sequence number.
pub(crate) fn split_seq(internal: &[u8]) -> Option<(&[u8], u64)> {
    let at = internal.len().checked_sub(SEQ_LEN)?;
    let (prefix, seq) = internal.split_at(at);
    let seq: [u8; SEQ_LEN] = seq.try_into().ok()?;
    Some((prefix, !u64::from_be_bytes(seq)))
}

/// A decoded key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyParts<'a> {
    pub(crate) ks: u32,
    pub(crate) space: Space,
    pub(crate) user_key: Vec<u8>,
    pub(crate) suffix: &'a [u8],
}

/// Decodes a prefix made by [`put_prefix`]; `None` if it is not well formed.
pub(crate) fn decode_prefix(prefix: &[u8]) -> Option<KeyParts<'_>> {
    let ks = u32::from_be_bytes(prefix.get(..4)?.try_into().ok()?);
    let space = match prefix.get(4)? {
        0 => Space::User,
        1 => Space::ListItem,
        2 => Space::KeyCount,
        3 => Space::ExpiryIndex,
        _ => return None,
    };
    let mut user_key = Vec::new();
    let mut i = 5;
    loop {
        match (prefix.get(i)?, prefix.get(i + 1)) {
            (0, Some(0x01)) => break,
            (0, Some(0xFF)) => {
                user_key.push(0);
                i += 2;
            }
            (0, _) => return None,
            (&b, _) => {
                user_key.push(b);
                i += 1;
            }
        }
    }
    Some(KeyParts {
        ks,
        space,
        user_key,
        suffix: prefix.get(i + 2..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Parts = (u32, Space, Vec<u8>, Vec<u8>, u64);

    fn encode((ks, space, key, suffix, seq): &Parts) -> Bytes {
        internal_key(*ks, *space, key, suffix, *seq)
    }

    fn parts() -> impl Strategy<Value = Parts> {
        let byte = prop_oneof![Just(0u8), Just(1u8), Just(0xFFu8), any::<u8>()];
        (
            0u32..3,
            prop_oneof![
                Just(Space::User),
                Just(Space::ListItem),
                Just(Space::KeyCount),
                Just(Space::ExpiryIndex)
            ],
            proptest::collection::vec(byte.clone(), 0..6),
            proptest::collection::vec(byte, 0..3),
            prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        )
    }

    proptest! {
        /// Bytewise order of internal keys is (keyspace, space, user key, suffix) ascending, then
        /// sequence descending — for list items with equal-length suffixes, as the engine uses them.
        #[test]
        fn bytewise_order_is_the_tree_order(a in parts(), b in parts()) {
            let (ea, eb) = (encode(&a), encode(&b));
            let same_key = (a.0, a.1, &a.2, &a.3) == (b.0, b.1, &b.2, &b.3);
            let expected = if same_key {
                b.4.cmp(&a.4)
            } else if (a.0, a.1, &a.2) == (b.0, b.1, &b.2) && a.3.len() != b.3.len() {
                // Suffixes are fixed-width in real use; different widths are not compared.
                return Ok(());
            } else {
                (a.0, a.1, &a.2, &a.3).cmp(&(b.0, b.1, &b.2, &b.3))
            };
            prop_assert_eq!(ea.cmp(&eb), expected);
        }

        #[test]
        fn keys_decode_back(p in parts()) {
            let encoded = encode(&p);
            let (prefix, seq) = split_seq(&encoded).unwrap();
            prop_assert_eq!(seq, p.4);
            let decoded = decode_prefix(prefix).unwrap();
            prop_assert_eq!(decoded.ks, p.0);
            prop_assert_eq!(decoded.space, p.1);
            prop_assert_eq!(&decoded.user_key, &p.2);
            prop_assert_eq!(decoded.suffix, &p.3[..]);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = split_seq(&bytes).map(|(p, _)| decode_prefix(p));
        }
    }

    #[test]
    fn a_shorter_key_sorts_before_its_extensions() {
        let k = |key: &[u8]| internal_key(0, Space::User, key, b"", 5);
        assert!(k(b"a") < k(b"a\x00"));
        assert!(k(b"a\x00") < k(b"a\x00\x00"));
        assert!(k(b"a\x00") < k(b"a\x01"));
        assert!(k(b"a") < k(b"ab"));
        assert!(k(b"") < k(b"\x00"));
        assert!(internal_key(0, Space::ListItem, b"", b"", 0) > k(b"\xff\xff"));
    }
}
