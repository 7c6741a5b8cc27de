//! The write-ahead log's byte layout, as pure functions. `docs/format/wal.md` is the specification;
//! this file must agree with it. All integers are little-endian; stored kinds are never renumbered.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::{len_u32, take_sized, take_u32, take_u64, take_u8};
use crate::disk::log_frame::{self, BadRecord, LogId};

/// `TIDEKVWL`: the first 8 bytes of every log.
pub(crate) const MAGIC: [u8; 8] = *b"TIDEKVWL";
pub(crate) use crate::disk::log_frame::HEADER_LEN;

/// The smallest encoded entry: kind 1, expiry 8, key length 4, value length 4.
const MIN_ENTRY_LEN: usize = 17;

/// Entry kinds. Never renumber.
const KIND_PUT: u8 = 1;
const KIND_DELETE: u8 = 2;

/// What an entry does to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Put,
    Delete,
}

/// One change, in the engine's internal key space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalEntry {
    pub(crate) kind: EntryKind,
    pub(crate) key: Bytes,
    pub(crate) value: Bytes,
    pub(crate) expires_at: Option<u64>,
}

/// One change as the write path holds it, borrowed: encoding copies each byte once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryRef<'a> {
    pub(crate) kind: EntryKind,
    pub(crate) key: &'a [u8],
    pub(crate) value: &'a [u8],
    pub(crate) expires_at: Option<u64>,
}

#[cfg(test)]
impl WalEntry {
    pub(crate) fn borrowed(&self) -> EntryRef<'_> {
        EntryRef {
            kind: self.kind,
            key: &self.key,
            value: &self.value,
            expires_at: self.expires_at,
        }
    }
}

/// One atomic unit: a single write or a whole batch. Entry `i` has sequence `first_seq + i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalRecord {
    pub(crate) first_seq: u64,
    pub(crate) entries: Vec<WalEntry>,
}

pub(crate) fn encode_header(log_number: u64) -> [u8; HEADER_LEN] {
    log_frame::encode_header(&MAGIC, log_number)
}

/// Checks a header against the log number its file name gives; returns the format version.
pub(crate) fn decode_header(bytes: &[u8], log_number: u64) -> Result<u32, String> {
    log_frame::decode_header(bytes, &MAGIC, log_number, "log")
}

/// The framed bytes of one record of log `number`, witnessing `synced` durable bytes.
#[cfg(test)]
pub(crate) fn encode_record(
    record: &WalRecord,
    number: u64,
    synced: u64,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    encode_record_in(
        &mut out,
        record.first_seq,
        record.entries.iter().map(WalEntry::borrowed),
    )?;
    log_frame::seal(&mut out, number, synced, log_frame::MAX_PAYLOAD)?;
    Ok(out)
}

/// Replaces the contents of `out` with an unsealed frame (see [`log_frame::begin`]) and the
/// payload of the record whose entry `i` is the `i`-th of `entries`, with sequence number
/// `first_seq + i`; `out`'s allocation is reused. The log seals it when it appends it.
pub(crate) fn encode_record_in<'a>(
    out: &mut Vec<u8>,
    first_seq: u64,
    entries: impl ExactSizeIterator<Item = EntryRef<'a>>,
) -> Result<(), String> {
    if entries.len() == 0 {
        return Err("a log record needs at least one entry".into());
    }
    log_frame::begin_in(out);
    out.put_u64_le(first_seq);
    out.put_u32_le(len_u32(entries.len())?);
    for entry in entries {
        out.put_u8(match entry.kind {
            EntryKind::Put => KIND_PUT,
            EntryKind::Delete => KIND_DELETE,
        });
        out.put_u64_le(entry.expires_at.unwrap_or(0));
        out.put_u32_le(len_u32(entry.key.len())?);
        out.put_slice(entry.key);
        out.put_u32_le(len_u32(entry.value.len())?);
        out.put_slice(entry.value);
    }
    Ok(())
}

fn decode_payload(mut buf: Bytes) -> Result<WalRecord, String> {
    let first_seq = take_u64(&mut buf, "payload")?;
    let count = take_u32(&mut buf, "payload")?;
    // Bound the allocation by what is there.
    if count == 0 || count as usize > buf.remaining() / MIN_ENTRY_LEN {
        return Err(format!("entry count {count} does not fit the payload"));
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let kind = match take_u8(&mut buf, "entry")? {
            KIND_PUT => EntryKind::Put,
            KIND_DELETE => EntryKind::Delete,
            other => return Err(format!("unknown entry kind {other}")),
        };
        let expires_at = take_u64(&mut buf, "entry")?;
        let key = take_sized(&mut buf, "entry")?;
        let value = take_sized(&mut buf, "entry")?;
        entries.push(WalEntry {
            kind,
            key,
            value,
            expires_at: Some(expires_at).filter(|&at| at != 0),
        });
    }
    if buf.has_remaining() {
        return Err(format!("{} bytes after the last entry", buf.remaining()));
    }
    Ok(WalRecord { first_seq, entries })
}

/// What reading a whole log found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LogContents {
    pub(crate) records: Vec<WalRecord>,
    /// Bytes of the log up to the end of the last good record (0 if even the header is torn).
    pub(crate) valid_len: usize,
    /// Where a torn tail starts and why it failed, if the log has one.
    pub(crate) torn_at: Option<(usize, String)>,
}

/// Reads every record of a log. `is_last` says whether this is the newest log: only there is a
/// torn tail expected (and cut off by the caller); anywhere else a bad record is an error.
pub(crate) fn decode_log(
    bytes: &Bytes,
    log_number: u64,
    is_last: bool,
) -> Result<LogContents, BadRecord> {
    if is_last && bytes.len() < HEADER_LEN {
        // The crash came while the log was being created.
        return Ok(LogContents {
            torn_at: Some((0, "header cut short".into())),
            ..LogContents::default()
        });
    }
    let version =
        decode_header(bytes, log_number).map_err(|reason| BadRecord { offset: 0, reason })?;
    let log = LogId {
        number: log_number,
        version,
    };
    let frames = log_frame::read_frames(bytes, HEADER_LEN, is_last, log)?;
    let records = frames
        .payloads
        .into_iter()
        .map(|(offset, payload)| {
            // The checksum passed, so a payload that does not decode is damage, never a torn tail.
            decode_payload(payload).map_err(|reason| BadRecord { offset, reason })
        })
        .collect::<Result<_, _>>()?;
    Ok(LogContents {
        records,
        valid_len: frames.valid_len,
        torn_at: frames.torn_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(seq: u64, n: usize) -> WalRecord {
        WalRecord {
            first_seq: seq,
            entries: (0..n)
                .map(|i| WalEntry {
                    kind: if i % 3 == 2 {
                        EntryKind::Delete
                    } else {
                        EntryKind::Put
                    },
                    key: Bytes::from(format!("\x00key-{seq}-{i}")),
                    value: if i % 3 == 2 {
                        Bytes::new()
                    } else {
                        Bytes::from(vec![i as u8; i * 7])
                    },
                    expires_at: (i % 2 == 1).then_some(1_700_000_000_000 + i as u64),
                })
                .collect(),
        }
    }

    /// A log with records of 1, 3 and 5 entries, each synced before the next was appended (as
    /// in `Durability::Sync`): each record's witness is the end of the one before. Returns it and
    /// the end offset of each record.
    fn log() -> (Vec<u8>, Vec<WalRecord>, Vec<usize>) {
        let mut bytes = encode_header(7).to_vec();
        let records = vec![record(1, 1), record(2, 3), record(5, 5)];
        let mut ends = Vec::new();
        for r in &records {
            let synced = bytes.len() as u64;
            bytes.extend(encode_record(r, 7, synced).unwrap());
            ends.push(bytes.len());
        }
        (bytes, records, ends)
    }

    #[test]
    fn records_round_trip() {
        let (bytes, records, ends) = log();
        let got = decode_log(&Bytes::from(bytes), 7, false).unwrap();
        assert_eq!(got.records, records);
        assert_eq!(got.valid_len, *ends.last().unwrap());
        assert_eq!(got.torn_at, None);
    }

    #[test]
    fn a_torn_tail_at_every_offset_recovers_exactly_the_records_before_it() {
        let (bytes, records, ends) = log();
        let last_start = ends[1];
        for cut in last_start..bytes.len() {
            let torn = Bytes::copy_from_slice(&bytes[..cut]);
            let got = decode_log(&torn, 7, true).unwrap();
            assert_eq!(got.records, records[..2], "cut at {cut}");
            assert_eq!(got.valid_len, last_start, "cut at {cut}");
            if cut > last_start {
                assert_eq!(got.torn_at.as_ref().map(|t| t.0), Some(last_start));
            }
            // The same cut in an older log is corruption, never a silent loss.
            if cut > last_start {
                let err = decode_log(&torn, 7, false).unwrap_err();
                assert_eq!(err.offset, last_start);
            }
        }
        // A log cut inside its header (crash during creation) recovers empty.
        for cut in 0..HEADER_LEN {
            let got = decode_log(&Bytes::copy_from_slice(&bytes[..cut]), 7, true).unwrap();
            assert!(got.records.is_empty() && got.valid_len == 0);
        }
    }

    #[test]
    fn a_zero_filled_tail_is_torn() {
        let (mut bytes, records, ends) = log();
        bytes.extend([0u8; 100]);
        let got = decode_log(&Bytes::from(bytes), 7, true).unwrap();
        assert_eq!(got.records, records);
        assert_eq!(got.valid_len, *ends.last().unwrap());
    }

    #[test]
    fn a_flipped_bit_is_corruption_unless_no_later_record_proves_it_durable() {
        let (bytes, _, ends) = log();
        let starts = [HEADER_LEN, ends[0], ends[1]];
        for offset in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[offset] ^= 0x04;
            let damaged = Bytes::from(damaged);
            let record = starts.iter().rposition(|&s| s <= offset);
            let expected = record.map_or(0, |r| starts[r]);
            // In an older log every flip is corruption, reported at the damaged record.
            let err = decode_log(&damaged, 7, false).unwrap_err();
            assert_eq!(err.offset, expected, "flip at {offset}: {}", err.reason);
            // In the newest log, records 0 and 1 are witnessed as synced by the records after
            // them (corruption); the last one is not, so its damage is a torn tail.
            match record {
                Some(2) => {
                    let got = decode_log(&damaged, 7, true).unwrap();
                    assert_eq!(
                        got.torn_at.map(|t| t.0),
                        Some(starts[2]),
                        "flip at {offset}"
                    );
                    assert_eq!(got.records.len(), 2);
                }
                _ => {
                    let err = decode_log(&damaged, 7, true).unwrap_err();
                    assert_eq!(err.offset, expected, "flip at {offset}: {}", err.reason);
                }
            }
        }
    }

    #[test]
    fn a_renamed_log_is_caught() {
        let (bytes, _, _) = log();
        let err = decode_log(&Bytes::from(bytes), 8, true).unwrap_err();
        assert!(err.reason.contains("log 7"), "{}", err.reason);
    }
}
