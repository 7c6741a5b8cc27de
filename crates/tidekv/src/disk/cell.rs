//! The value stored under an internal key, in the memtable, the log and the tables: a "cell".
//! `docs/format/sstable.md` ("Cells") is the specification; integers are little-endian and tags are
//! never renumbered.
//!
//! | tag | cell | bytes after the tag |
//! |---|---|---|
//! | 0 | tombstone | none |
//! | 1 | string | expires_at u64 (0 = never), value |
//! | 2 | list metadata | expires_at u64, version u64, head u64, len u64 |
//! | 3 | list element | value |
//!
//! A list is one metadata cell under the user key plus one element cell per item under
//! `(key, version, index)` in the list-element space; element `i` (0 = head) sits at index
//! `head + i`. `version` is the sequence number of the write that created the list, unique for all
//! time, so deleting or overwriting a list is one write: elements of other versions are dead, and
//! compaction collects them.

use bytes::{Buf, BufMut, Bytes};

const TAG_TOMBSTONE: u8 = 0;
const TAG_STRING: u8 = 1;
const TAG_LIST: u8 = 2;
const TAG_ITEM: u8 = 3;

/// The index of the first element of a new list: the middle of the `u64` range, so a list can grow
/// 2^63 elements in either direction.
pub(crate) const LIST_START: u64 = 1 << 63;

/// A list's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListMeta {
    pub(crate) expires_at: Option<u64>,
    pub(crate) version: u64,
    pub(crate) head: u64,
    pub(crate) len: u64,
}

impl ListMeta {
    /// Whether element index `index` of list version `version` is one of this list's elements.
    pub(crate) fn holds(&self, version: u64, index: u64) -> bool {
        version == self.version && index.wrapping_sub(self.head) < self.len
    }
}

/// One stored version of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// The key was deleted.
    Tombstone,
    /// A string value.
    Str {
        value: Bytes,
        expires_at: Option<u64>,
    },
    /// A list's metadata.
    List(ListMeta),
    /// One list element.
    Item(Bytes),
}

/// Bytes before a string cell's value: the tag and the expiry.
pub(crate) const STRING_HEADER: usize = 9;

/// Appends the stored form of `Cell::Str { value, expires_at }`, from borrowed bytes: a write
/// encodes its value straight into the memtable's arena, with no owned copy first.
pub(crate) fn encode_string_into(out: &mut impl BufMut, value: &[u8], expires_at: Option<u64>) {
    out.put_u8(TAG_STRING);
    out.put_u64_le(expires_at.unwrap_or(0));
    out.put_slice(value);
}

impl Cell {
    /// When the cell's key expires, if ever (strings and lists only).
    pub(crate) fn expires_at(&self) -> Option<u64> {
        match self {
            Cell::Str { expires_at, .. } => *expires_at,
            Cell::List(meta) => meta.expires_at,
            Cell::Tombstone | Cell::Item(_) => None,
        }
    }

    /// Whether the cell makes its key absent at time `now` (deleted or expired).
    pub(crate) fn is_dead(&self, now: u64) -> bool {
        matches!(self, Cell::Tombstone) || self.expires_at().is_some_and(|at| at <= now)
    }

    /// The cell's stored form (see the module docs).
    pub(crate) fn encode(&self) -> Bytes {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        Bytes::from(out)
    }

    /// The length of [`Cell::encode`]'s result.
    pub(crate) fn encoded_len(&self) -> usize {
        match self {
            Cell::Tombstone => 1,
            Cell::Str { value, .. } => STRING_HEADER + value.len(),
            Cell::List(_) => 33,
            Cell::Item(value) => 1 + value.len(),
        }
    }

    /// Appends what [`Cell::encode`] returns to `out`.
    pub(crate) fn encode_into(&self, out: &mut impl BufMut) {
        match self {
            Cell::Tombstone => out.put_u8(TAG_TOMBSTONE),
            Cell::Str { value, expires_at } => encode_string_into(out, value, *expires_at),
            Cell::List(meta) => {
                out.put_u8(TAG_LIST);
                out.put_u64_le(meta.expires_at.unwrap_or(0));
                out.put_u64_le(meta.version);
                out.put_u64_le(meta.head);
                out.put_u64_le(meta.len);
            }
            Cell::Item(value) => {
                out.put_u8(TAG_ITEM);
                out.put_slice(value);
            }
        }
    }

    /// Decodes a cell; the value bytes are shared with `bytes`, not copied.
    pub(crate) fn decode(mut bytes: Bytes) -> Result<Cell, String> {
        let short = |what: &str| format!("{what} cell cut short");
        let tag = bytes.try_get_u8().map_err(|_| "empty cell".to_string())?;
        let expiry = |at: u64| (at != 0).then_some(at);
        match tag {
            TAG_TOMBSTONE if bytes.is_empty() => Ok(Cell::Tombstone),
            TAG_TOMBSTONE => Err("tombstone cell carries bytes".into()),
            TAG_STRING => {
                let at = bytes.try_get_u64_le().map_err(|_| short("string"))?;
                Ok(Cell::Str {
                    value: bytes,
                    expires_at: expiry(at),
                })
            }
            TAG_LIST => {
                if bytes.len() != 32 {
                    return Err(format!("list cell holds {} bytes, not 32", bytes.len()));
                }
                Ok(Cell::List(ListMeta {
                    expires_at: expiry(bytes.get_u64_le()),
                    version: bytes.get_u64_le(),
                    head: bytes.get_u64_le(),
                    len: bytes.get_u64_le(),
                }))
            }
            TAG_ITEM => Ok(Cell::Item(bytes)),
            other => Err(format!("unknown cell tag {other}")),
        }
    }
}

/// Whether encoded cell bytes are a tombstone, and their expiry — read from the tag and the
/// expiry field alone, without decoding the cell (flushes and compactions count these for every
/// entry they write).
pub(crate) fn peek(cell: &[u8]) -> (bool, Option<u64>) {
    match cell.first() {
        Some(&TAG_TOMBSTONE) => (true, None),
        Some(&(TAG_STRING | TAG_LIST)) => {
            let at = cell
                .get(1..9)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes);
            (false, (at != 0).then_some(at))
        }
        _ => (false, None),
    }
}

/// The suffix of an element's key: version and index, big-endian so that a list's elements sort
/// by index.
pub(crate) fn item_suffix(version: u64, index: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&version.to_be_bytes());
    out[8..].copy_from_slice(&index.to_be_bytes());
    out
}

/// The `(version, index)` of an element key's suffix.
pub(crate) fn parse_item_suffix(suffix: &[u8]) -> Option<(u64, u64)> {
    let version = u64::from_be_bytes(suffix.get(..8)?.try_into().ok()?);
    let index = u64::from_be_bytes(suffix.get(8..16)?.try_into().ok()?);
    (suffix.len() == 16).then_some((version, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cells() -> impl Strategy<Value = Cell> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..20).prop_map(Bytes::from);
        let expiry = prop_oneof![Just(None), (1u64..).prop_map(Some)];
        prop_oneof![
            Just(Cell::Tombstone),
            (bytes.clone(), expiry.clone())
                .prop_map(|(value, expires_at)| Cell::Str { value, expires_at }),
            (expiry, any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
                |(expires_at, version, head, len)| Cell::List(ListMeta {
                    expires_at,
                    version,
                    head,
                    len
                })
            ),
            bytes.prop_map(Cell::Item),
        ]
    }

    proptest! {
        #[test]
        fn cells_round_trip(cell in cells()) {
            let encoded = cell.encode();
            prop_assert_eq!(encoded.len(), cell.encoded_len());
            prop_assert_eq!(Cell::decode(encoded).unwrap(), cell);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = Cell::decode(Bytes::from(bytes));
        }
    }

    #[test]
    fn the_documented_layout_is_what_is_written() {
        let cell = Cell::Str {
            value: Bytes::from_static(b"hi"),
            expires_at: Some(0x0102),
        };
        assert_eq!(&cell.encode()[..], b"\x01\x02\x01\0\0\0\0\0\0hi");
        assert_eq!(&Cell::Tombstone.encode()[..], b"\x00");
        assert_eq!(&Cell::Item(Bytes::from_static(b"x")).encode()[..], b"\x03x");
        assert!(Cell::decode(Bytes::from_static(b"\x02\0")).is_err());
        assert!(Cell::decode(Bytes::from_static(b"\x09")).is_err());
        assert!(Cell::decode(Bytes::new()).is_err());
    }

    proptest! {
        #[test]
        fn peek_agrees_with_decode(cell in cells()) {
            let bytes = cell.encode();
            prop_assert_eq!(peek(&bytes), (cell == Cell::Tombstone, cell.expires_at()));
        }
    }

    #[test]
    fn list_membership_follows_head_and_len_across_wraparound() {
        let meta = ListMeta {
            expires_at: None,
            version: 7,
            head: u64::MAX - 1,
            len: 3,
        };
        assert!(meta.holds(7, u64::MAX - 1));
        assert!(meta.holds(7, u64::MAX));
        assert!(meta.holds(7, 0));
        assert!(!meta.holds(7, 1));
        assert!(!meta.holds(7, u64::MAX - 2));
        assert!(!meta.holds(8, u64::MAX));
        let suffix = item_suffix(7, 42);
        assert_eq!(parse_item_suffix(&suffix), Some((7, 42)));
        assert_eq!(parse_item_suffix(&suffix[..15]), None);
    }

    #[test]
    fn expiry_makes_a_cell_dead_at_and_after_its_time() {
        let cell = Cell::Str {
            value: Bytes::new(),
            expires_at: Some(100),
        };
        assert!(!cell.is_dead(99));
        assert!(cell.is_dead(100));
        assert!(Cell::Tombstone.is_dead(0));
        assert!(!Cell::Item(Bytes::new()).is_dead(u64::MAX));
    }
}
