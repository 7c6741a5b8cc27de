//! The snapshot byte layout, as pure functions over byte slices. `docs/format/snapshot.md` is the
//! specification; this file must agree with it.
//!
//! All integers are little-endian. Stored enums carry explicit numbers: never renumber them.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::{len_u32, take_sized, take_u32, take_u64, take_u8};

/// `TIDEKVSN`: the first 8 bytes of every snapshot file.
pub(crate) const MAGIC: [u8; 8] = *b"TIDEKVSN";
/// The format version this code writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Header: magic 8, version 4, flags 4, created_ms 8, reserved 4, crc32c 4.
pub(crate) const HEADER_LEN: usize = 32;
/// Chunk header: kind 1, reserved 3, payload length 4, crc32c 4.
pub(crate) const CHUNK_HEADER_LEN: usize = 12;
/// A chunk's payload is flushed once it reaches this size.
pub(crate) const CHUNK_TARGET: usize = 64 * 1024;
/// No valid chunk is larger: one maximum value (512 MiB) plus a maximum key and record framing.
pub(crate) const MAX_CHUNK_PAYLOAD: u32 = 512 * 1024 * 1024 + 128 * 1024;

/// Chunk kinds. Never renumber.
pub(crate) const CHUNK_RECORDS: u8 = 1;
pub(crate) const CHUNK_END: u8 = 2;

/// Record tags inside a records chunk. Never renumber.
pub(crate) const TAG_STRING: u8 = 1;
pub(crate) const TAG_LIST_HEAD: u8 = 2;
pub(crate) const TAG_LIST_ITEMS: u8 = 3;

/// One record as laid out in a records chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawRecord {
    /// A whole string key.
    String {
        keyspace: u32,
        expires_at: Option<u64>,
        key: Bytes,
        value: Bytes,
    },
    /// The start of a list of `items` elements; `ListItems` records carry them.
    ListHead {
        keyspace: u32,
        expires_at: Option<u64>,
        key: Bytes,
        items: u64,
    },
    /// Elements of the list started by the last `ListHead`.
    ListItems(Vec<Bytes>),
}

pub(crate) fn encode_header(created_ms: u64) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    let mut buf = &mut out[..];
    buf.put_slice(&MAGIC);
    buf.put_u32_le(VERSION);
    buf.put_u32_le(0);
    buf.put_u64_le(created_ms);
    buf.put_u32_le(0);
    let crc = crc32c::crc32c(&out[..HEADER_LEN - 4]);
    out[HEADER_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Checks a header and returns its creation time.
pub(crate) fn decode_header(bytes: &[u8]) -> Result<u64, String> {
    let shown = bytes.len().min(MAGIC.len());
    if bytes.get(..shown) != MAGIC.get(..shown) {
        return Err("not a tidekv snapshot (bad magic)".into());
    }
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "truncated header: {} of {HEADER_LEN} bytes",
            bytes.len()
        ));
    }
    let (body, mut crc) = bytes.split_at(HEADER_LEN - 4);
    let mut body_buf = body;
    let magic = body_buf.get(..8).unwrap_or_default();
    if magic != MAGIC {
        return Err("not a tidekv snapshot (bad magic)".into());
    }
    body_buf.advance(8);
    let version = body_buf.get_u32_le();
    if crc.get_u32_le() != crc32c::crc32c(body) {
        return Err("header checksum mismatch".into());
    }
    if version != VERSION {
        return Err(format!(
            "unsupported snapshot version {version} (this build reads {VERSION})"
        ));
    }
    let _flags = body_buf.get_u32_le();
    Ok(body_buf.get_u64_le())
}

/// The 12-byte header of a chunk whose payload is `payload`.
pub(crate) fn encode_chunk_header(kind: u8, payload: &[u8]) -> [u8; CHUNK_HEADER_LEN] {
    let mut out = [0u8; CHUNK_HEADER_LEN];
    out[0] = kind;
    // NOTE: the writer never builds a payload over `MAX_CHUNK_PAYLOAD`, which fits in 32 bits.
    out[4..8].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut hasher = crc32c::crc32c(&out[..8]);
    hasher = crc32c::crc32c_append(hasher, payload);
    out[8..12].copy_from_slice(&hasher.to_le_bytes());
    out
}

/// Splits a chunk header into `(kind, payload_len, crc)` after checking what it can alone.
pub(crate) fn decode_chunk_header(
    bytes: &[u8; CHUNK_HEADER_LEN],
) -> Result<(u8, u32, u32), String> {
    let mut buf = &bytes[..];
    let kind = buf.get_u8();
    let reserved = [buf.get_u8(), buf.get_u8(), buf.get_u8()];
    let len = buf.get_u32_le();
    let crc = buf.get_u32_le();
    if !matches!(kind, CHUNK_RECORDS | CHUNK_END) {
        return Err(format!("unknown chunk kind {kind}"));
    }
    if reserved != [0, 0, 0] {
        return Err(format!(
            "non-zero reserved bytes {reserved:?} in a chunk header"
        ));
    }
    if len > MAX_CHUNK_PAYLOAD {
        return Err(format!(
            "chunk length {len} is over the {MAX_CHUNK_PAYLOAD}-byte maximum"
        ));
    }
    Ok((kind, len, crc))
}

/// Whether `crc` matches the chunk header's first 8 bytes followed by `payload`.
pub(crate) fn chunk_crc_ok(header: &[u8; CHUNK_HEADER_LEN], payload: &[u8], crc: u32) -> bool {
    let c = crc32c::crc32c(header.get(..8).unwrap_or_default());
    crc32c::crc32c_append(c, payload) == crc
}

/// The number of bytes `encode_record` appends for `record`.
pub(crate) fn record_len(record: &RawRecord) -> usize {
    const KEY_HEADER: usize = 1 + 4 + 8 + 4;
    match record {
        RawRecord::String { key, value, .. } => KEY_HEADER + key.len() + 4 + value.len(),
        RawRecord::ListHead { key, .. } => KEY_HEADER + key.len() + 8,
        RawRecord::ListItems(items) => 1 + 4 + items.iter().map(|i| 4 + i.len()).sum::<usize>(),
    }
}

/// Appends one record to a chunk payload. A length that does not fit the format's 32-bit fields
/// is an error (the store's own limits keep every length far below it).
pub(crate) fn encode_record(out: &mut Vec<u8>, record: &RawRecord) -> Result<(), String> {
    match record {
        RawRecord::String {
            keyspace,
            expires_at,
            key,
            value,
        } => {
            out.put_u8(TAG_STRING);
            put_key(out, *keyspace, *expires_at, key)?;
            out.put_u32_le(len_u32(value.len())?);
            out.put_slice(value);
        }
        RawRecord::ListHead {
            keyspace,
            expires_at,
            key,
            items,
        } => {
            out.put_u8(TAG_LIST_HEAD);
            put_key(out, *keyspace, *expires_at, key)?;
            out.put_u64_le(*items);
        }
        RawRecord::ListItems(items) => {
            out.put_u8(TAG_LIST_ITEMS);
            out.put_u32_le(len_u32(items.len())?);
            for item in items {
                out.put_u32_le(len_u32(item.len())?);
                out.put_slice(item);
            }
        }
    }
    Ok(())
}

fn put_key(
    out: &mut Vec<u8>,
    keyspace: u32,
    expires_at: Option<u64>,
    key: &[u8],
) -> Result<(), String> {
    out.put_u32_le(keyspace);
    out.put_u64_le(expires_at.unwrap_or(0));
    out.put_u32_le(len_u32(key.len())?);
    out.put_slice(key);
    Ok(())
}

/// Decodes every record of a checksummed chunk payload. An error carries the offset of the bad
/// record within the payload.
pub(crate) fn decode_records(payload: &Bytes) -> Result<Vec<RawRecord>, (usize, String)> {
    let mut records = Vec::new();
    let mut buf = payload.clone();
    while buf.has_remaining() {
        let at = payload.len() - buf.remaining();
        let record = decode_record(&mut buf).map_err(|why| (at, why))?;
        records.push(record);
    }
    Ok(records)
}

fn decode_record(buf: &mut Bytes) -> Result<RawRecord, String> {
    match take_u8(buf, "record")? {
        TAG_STRING => {
            let (keyspace, expires_at, key) = take_key(buf)?;
            let value = take_sized(buf, "record")?;
            Ok(RawRecord::String {
                keyspace,
                expires_at,
                key,
                value,
            })
        }
        TAG_LIST_HEAD => {
            let (keyspace, expires_at, key) = take_key(buf)?;
            let items = take_u64(buf, "record")?;
            if items == 0 {
                return Err("list with zero items".into());
            }
            Ok(RawRecord::ListHead {
                keyspace,
                expires_at,
                key,
                items,
            })
        }
        TAG_LIST_ITEMS => {
            let count = take_u32(buf, "record")?;
            // Each item needs at least its 4-byte length: bound the allocation by what is there.
            if count as usize > buf.remaining() / 4 {
                return Err(format!("list item count {count} exceeds the chunk"));
            }
            (0..count)
                .map(|_| take_sized(buf, "record"))
                .collect::<Result<_, _>>()
                .map(RawRecord::ListItems)
        }
        tag => Err(format!("unknown record tag {tag}")),
    }
}

fn take_key(buf: &mut Bytes) -> Result<(u32, Option<u64>, Bytes), String> {
    let keyspace = take_u32(buf, "record")?;
    let expires_at = Some(take_u64(buf, "record")?).filter(|&at| at != 0);
    let key = take_sized(buf, "record")?;
    Ok((keyspace, expires_at, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let h = encode_header(1234);
        assert_eq!(decode_header(&h), Ok(1234));
        let mut bad = h;
        bad[20] ^= 1;
        assert!(decode_header(&bad).unwrap_err().contains("checksum"));
        let mut bad = h;
        bad[0] = b'X';
        assert!(decode_header(&bad).unwrap_err().contains("magic"));
        assert!(decode_header(&h[..10]).unwrap_err().contains("truncated"));
    }

    #[test]
    fn records_round_trip() {
        let records = vec![
            RawRecord::String {
                keyspace: 3,
                expires_at: Some(99),
                key: Bytes::from_static(b"\x00\xffk"),
                value: Bytes::from_static(b""),
            },
            RawRecord::ListHead {
                keyspace: 0,
                expires_at: None,
                key: Bytes::from_static(b"q"),
                items: 2,
            },
            RawRecord::ListItems(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]),
        ];
        let mut payload = Vec::new();
        for r in &records {
            let before = payload.len();
            encode_record(&mut payload, r).unwrap();
            assert_eq!(payload.len() - before, record_len(r));
        }
        assert_eq!(
            decode_records(&Bytes::from(payload.clone())).unwrap(),
            records
        );
        // Cutting the payload anywhere inside the last record is an error at that record's offset.
        let cut = Bytes::from(payload[..payload.len() - 1].to_vec());
        let (at, _) = decode_records(&cut).unwrap_err();
        assert!(at > 0);
    }

    #[test]
    fn chunk_header_checks_kind_and_length() {
        let payload = b"abc";
        let h = encode_chunk_header(CHUNK_RECORDS, payload);
        let (kind, len, crc) = decode_chunk_header(&h).unwrap();
        assert_eq!((kind, len), (CHUNK_RECORDS, 3));
        assert!(chunk_crc_ok(&h, payload, crc));
        assert!(!chunk_crc_ok(&h, b"abd", crc));
        let mut bad = h;
        bad[0] = 9;
        assert!(decode_chunk_header(&bad).is_err());
        let mut bad = h;
        bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_chunk_header(&bad).is_err());
    }

    /// The worked example of `docs/format/snapshot.md`, byte for byte (checksums aside).
    #[test]
    fn documented_example_matches_the_encoder() {
        let header = encode_header(1_767_225_600_000);
        assert_eq!(
            &header[..28],
            &[
                0x54, 0x49, 0x44, 0x45, 0x4B, 0x56, 0x53, 0x4E, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xA8,
                0xDA, 0x76, 0x9B, 0x01, 0, 0, 0, 0, 0, 0
            ]
        );
        let mut payload = Vec::new();
        encode_record(
            &mut payload,
            &RawRecord::String {
                keyspace: 0,
                expires_at: None,
                key: Bytes::from_static(b"k"),
                value: Bytes::from_static(b"v"),
            },
        )
        .unwrap();
        assert_eq!(
            payload,
            [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'k', 1, 0, 0, 0, b'v']
        );
        let chunk = encode_chunk_header(CHUNK_RECORDS, &payload);
        assert_eq!(&chunk[..8], &[1, 0, 0, 0, 0x17, 0, 0, 0]);
    }
}
