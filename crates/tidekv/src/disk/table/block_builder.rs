//! Builds one SSTable data block: sorted entries with prefix-compressed keys and a restart array.
//! `docs/format/sstable.md` ("Data block") is the specification; [`super::block`] reads what this
//! writes.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! entry*      shared_len varint32 | unshared_len varint32 | value_len varint32
//!             | key[shared_len..] (unshared_len bytes) | value (value_len bytes)
//! restarts    offset u32 LE, one per restart point, increasing
//! count       number of restarts u32 LE
//! ```

/// Entries between two full keys in a table's blocks. Smaller means faster seeks and larger
/// blocks. LevelDB and RocksDB use 16; a point read then decodes up to 15 entries after its
/// binary search, and random cached reads at 1M keys spent 30 % of their time decoding entry
/// headers in `Block::cursor_at` (`bench/profiles/get-1m-restart-interval-2026-12-05.txt`). With 4,
/// the same reads ran 9 % faster (redb ÷ tidekv 0.808 → 0.880, 5 rounds) for tables 1.8 %
/// larger and inserts within the noise (BENCHMARKS.md, "Restart interval").
pub(crate) const DEFAULT_RESTART_INTERVAL: usize = 4;

/// Accumulates sorted entries and lays them out as one raw (uncompressed) data block.
///
/// Invariants:
/// 1. Keys added so far are strictly increasing bytewise; `last_key` is the latest of them.
/// 2. `restarts[0] == 0` whenever an entry exists, and `restarts` is strictly increasing: a restart
///    point is recorded before the entry it points at is written.
/// 3. Every entry at a restart offset has `shared_len == 0` (its key is written whole), so a
///    reader can start decoding at any restart point without the entries before it.
/// 4. Every offset in `restarts` fits in a `u32`, and so does the restart count (`add` refuses an
///    entry that would break this, so `finish` cannot fail).
#[derive(Debug)]
pub(crate) struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    restart_interval: usize,
    /// Entries written since the last restart point.
    since_restart: usize,
    last_key: Vec<u8>,
    entries: usize,
}

impl BlockBuilder {
    /// A builder writing a full key every `restart_interval` entries. An interval of 0 is taken as 1
    /// (every key whole): there is no block without restart points.
    pub(crate) fn new(restart_interval: usize) -> Self {
        BlockBuilder::with_capacity(restart_interval, 0)
    }

    /// A builder whose buffer starts with room for `bytes`: a block of about that size is built
    /// without growing it step by step.
    pub(crate) fn with_capacity(restart_interval: usize, bytes: usize) -> Self {
        BlockBuilder {
            buf: Vec::with_capacity(bytes),
            restarts: Vec::new(),
            restart_interval: restart_interval.max(1),
            since_restart: 0,
            last_key: Vec::new(),
            entries: 0,
        }
    }

    /// Appends an entry. `key` must be strictly greater (bytewise) than every key added before;
    /// otherwise, or if a length does not fit the format's 32-bit fields, nothing is added and the
    /// error says why.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) -> Result<(), String> {
        if self.entries > 0 && key <= self.last_key.as_slice() {
            return Err(format!(
                "block keys out of order: {} after {}",
                show(key),
                show(&self.last_key)
            ));
        }
        let unshared_key_len = |len: usize| {
            u32::try_from(len).map_err(|_| format!("key of {len} bytes is over the 4 GiB limit"))
        };
        let value_len = u32::try_from(value.len())
            .map_err(|_| format!("value of {} bytes is over the 4 GiB limit", value.len()))?;
        unshared_key_len(key.len())?;
        let restart = self.entries == 0 || self.since_restart >= self.restart_interval;
        let shared = if restart {
            0
        } else {
            common_prefix_len(&self.last_key, key)
        };
        let unshared = key.get(shared..).unwrap_or_default();
        if restart {
            // Invariant 4: the offset must fit now, and it bounds every later one that matters.
            let offset = u32::try_from(self.buf.len())
                .map_err(|_| "block is over 4 GiB: start a new block".to_string())?;
            self.restarts.push(offset);
            self.since_restart = 0;
        }
        // `shared <= key.len()`, which was checked to fit a u32 above.
        put_varint32(&mut self.buf, shared as u32);
        put_varint32(&mut self.buf, unshared_key_len(unshared.len())?);
        put_varint32(&mut self.buf, value_len);
        self.buf.extend_from_slice(unshared);
        self.buf.extend_from_slice(value);
        self.last_key.truncate(shared);
        self.last_key.extend_from_slice(unshared);
        self.since_restart += 1;
        self.entries += 1;
        Ok(())
    }

    /// The number of entries added.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
    }

    /// Whether no entry has been added.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The exact size in bytes `finish` would return now. The table builder compares it with the
    /// target block size to decide when to cut a block.
    pub(crate) fn estimated_size(&self) -> usize {
        self.buf.len() + 4 * self.restarts.len() + 4
    }

    /// The raw block. An empty builder gives a block with no entries and no restart points (four
    /// zero bytes).
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = self.buf;
        out.reserve(4 * self.restarts.len() + 4);
        for offset in &self.restarts {
            out.extend_from_slice(&offset.to_le_bytes());
        }
        // Invariant 4: there are no more restarts than entries, and every entry takes at least 3
        // bytes below a u32 offset, so the count fits.
        let count = u32::try_from(self.restarts.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        out
    }
}

/// Appends `value` as a LEB128 varint: 7 bits per byte, low bits first, high bit set on every byte
/// but the last. At most 5 bytes.
pub(crate) fn put_varint32(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 varint of at most 5 bytes at `*pos` and moves `*pos` past it.
pub(crate) fn get_varint32(data: &[u8], pos: &mut usize) -> Result<u32, String> {
    let start = *pos;
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = *data
            .get(start + i)
            .ok_or_else(|| format!("varint at offset {start} runs past the entries"))?;
        if i == 4 && byte > 0x0F {
            return Err(format!("varint at offset {start} overflows 32 bits"));
        }
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            *pos = start + i + 1;
            return Ok(value);
        }
    }
    Err(format!("varint at offset {start} overflows 32 bits"))
}

fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// A key for an error message: printable ASCII as is, anything else escaped, long keys cut.
fn show(key: &[u8]) -> String {
    const SHOWN: usize = 64;
    let mut out: String = key
        .iter()
        .take(SHOWN)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if key.len() > SHOWN {
        out.push_str(&format!("... ({} bytes)", key.len()));
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compression;
    use crate::disk::table::compression::encode_block;

    #[test]
    fn varints_use_seven_bits_per_byte() {
        let cases: [(u32, &[u8]); 5] = [
            (0, &[0x00]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (300, &[0xAC, 0x02]),
            (u32::MAX, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ];
        for (value, bytes) in cases {
            let mut out = Vec::new();
            put_varint32(&mut out, value);
            assert_eq!(out, bytes, "{value}");
        }
    }

    #[test]
    fn an_empty_block_is_just_a_zero_restart_count() {
        let b = BlockBuilder::new(16);
        assert!(b.is_empty());
        assert_eq!(b.estimated_size(), 4);
        assert_eq!(b.finish(), [0, 0, 0, 0]);
    }

    #[test]
    fn keys_share_prefixes_between_restart_points_only() {
        let mut b = BlockBuilder::new(2);
        b.add(b"abc", b"1").unwrap();
        b.add(b"abd", b"2").unwrap();
        b.add(b"abe", b"3").unwrap();
        assert_eq!(b.len(), 3);
        let raw = b.finish();
        #[rustfmt::skip]
        let expected: &[u8] = &[
            0, 3, 1, b'a', b'b', b'c', b'1', // offset 0: restart, whole key
            2, 1, 1, b'd', b'2',             // offset 7: shares "ab"
            0, 3, 1, b'a', b'b', b'e', b'3', // offset 12: restart, whole key again
            0, 0, 0, 0, 12, 0, 0, 0,         // restart offsets
            2, 0, 0, 0,                      // restart count
        ];
        assert_eq!(raw, expected);
    }

    /// The worked example of `docs/format/sstable.md` ("Data block"), byte for byte.
    #[test]
    fn documented_example_matches_the_encoder() {
        let mut b = BlockBuilder::new(2);
        b.add(b"apple", b"red").unwrap();
        b.add(b"apricot", b"orange").unwrap();
        b.add(b"banana", b"").unwrap();
        b.add(b"band", b"x").unwrap();
        assert_eq!(b.estimated_size(), 51);
        let raw = b.finish();
        #[rustfmt::skip]
        let expected: &[u8] = &[
            // offset 0: restart point 0
            0x00, 0x05, 0x03, b'a', b'p', b'p', b'l', b'e', b'r', b'e', b'd',
            // offset 11
            0x02, 0x05, 0x06, b'r', b'i', b'c', b'o', b't', b'o', b'r', b'a', b'n', b'g', b'e',
            // offset 25: restart point 1
            0x00, 0x06, 0x00, b'b', b'a', b'n', b'a', b'n', b'a',
            // offset 34
            0x03, 0x01, 0x01, b'd', b'x',
            // offset 39: restart offsets 0 and 25, then the count 2
            0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
            0x02, 0x00, 0x00, 0x00,
        ];
        assert_eq!(raw, expected);
        // Stored: LZ4 does not shrink 51 bytes by an eighth, so the block is kept raw (type 0),
        // followed by CRC32C(raw ++ 0x00) = 0x32EA3B33, little-endian.
        let physical = encode_block(&raw, Compression::Lz4).unwrap();
        assert_eq!(physical.get(..51), Some(expected));
        assert_eq!(
            physical.get(51..),
            Some(&[0x00, 0x33, 0x3B, 0xEA, 0x32][..])
        );
    }

    #[test]
    fn estimated_size_is_the_finished_size() {
        let mut b = BlockBuilder::new(3);
        for i in 0u32..50 {
            b.add(&i.to_be_bytes(), &vec![7; i as usize]).unwrap();
            assert_eq!(b.estimated_size(), {
                let mut copy = BlockBuilder::new(3);
                for j in 0..=i {
                    copy.add(&j.to_be_bytes(), &vec![7; j as usize]).unwrap();
                }
                copy.finish().len()
            });
        }
    }

    #[test]
    fn out_of_order_or_duplicate_keys_are_refused_and_leave_the_block_unchanged() {
        let mut b = BlockBuilder::new(16);
        b.add(b"b", b"1").unwrap();
        let size = b.estimated_size();
        let err = b.add(b"a", b"2").unwrap_err();
        assert!(err.contains("out of order"), "{err}");
        assert!(b.add(b"b", b"2").unwrap_err().contains("out of order"));
        // A prefix sorts before the longer key.
        b.add(b"bb", b"3").unwrap();
        assert!(b.add(b"b\xff", b"4").is_ok());
        assert!(b.add(b"b\xff", b"4").is_err());
        assert_eq!(b.len(), 3);
        assert!(b.estimated_size() > size);
    }

    #[test]
    fn the_empty_key_may_come_first() {
        let mut b = BlockBuilder::new(16);
        b.add(b"", b"v").unwrap();
        assert!(b.add(b"", b"v").is_err());
        b.add(b"\x00", b"").unwrap();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn a_zero_interval_restarts_at_every_entry() {
        let mut b = BlockBuilder::new(0);
        b.add(b"aa", b"").unwrap();
        b.add(b"ab", b"").unwrap();
        let raw = b.finish();
        assert_eq!(raw.get(raw.len() - 4..), Some(&[2u8, 0, 0, 0][..]));
    }
}
