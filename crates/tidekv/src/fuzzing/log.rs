//! The write-ahead log and the framed records it shares with the manifest: `decode_log` over a
//! whole log file (`wal_log`), `read_frames` over framed records in both frame versions
//! (`log_frames`), and the checksum repair both use.

use bytes::Bytes;

use super::shared::{broken, put, read_u32, read_u64, HEADER_NUMBER_AT};
use crate::disk::log_frame::{self, Frames, LogId, FRAME_LEN, HEADER_LEN, MAX_PAYLOAD, VERSION_1};
use crate::disk::wal::record::{decode_log, encode_record_in, EntryRef, LogContents};

/// A version-1 frame: payload length 4, CRC of the length 4, CRC of the payload 4.
const FRAME_LEN_V1: usize = 12;

/// `decode_log` over `data` as a whole log file, newest (`is_last`) and older, as given and with
/// its checksums recomputed. The log number is the one its header names (so real logs decode).
pub fn wal_log(data: &[u8]) {
    check_wal(data, false);
    let mut fixed = data.to_vec();
    let whole = fix_log(&mut fixed);
    if fixed != data {
        check_wal(&fixed, whole);
    }
}

fn check_wal(data: &[u8], whole: bool) {
    let number = read_u64(data, HEADER_NUMBER_AT).unwrap_or(0);
    let bytes = Bytes::copy_from_slice(data);
    let newest = decode_log(&bytes, number, true);
    let older = decode_log(&bytes, number, false);
    check_newest_versus_older(newest.as_ref().ok(), older.as_ref().ok());
    if whole {
        assert!(
            matches!((&newest, &older), (Ok(_), Ok(_)) | (Err(_), Err(_))),
            "a log whose every frame verifies is read differently as newest and as older"
        );
    }
    if data.len() >= HEADER_LEN {
        assert!(
            decode_log(&bytes, number ^ 1, true).is_err(),
            "a log was accepted under another number than its header's"
        );
    }
    for (contents, is_last) in [(&newest, true), (&older, false)] {
        let Ok(contents) = contents else { continue };
        check_log_contents(&bytes, number, is_last, contents, whole);
    }
}

fn check_log_contents(
    bytes: &Bytes,
    number: u64,
    is_last: bool,
    contents: &LogContents,
    whole: bool,
) {
    assert!(contents.valid_len <= bytes.len());
    if !is_last || whole {
        assert!(contents.torn_at.is_none(), "a torn tail where none may be");
        assert_eq!(contents.valid_len, bytes.len());
    }
    if contents.valid_len < HEADER_LEN {
        // Only a header cut short, in the newest log, recovers empty.
        assert!(is_last && contents.valid_len == 0 && contents.records.is_empty());
        return;
    }
    // Each record re-encodes to the payload it was decoded from.
    let Ok(version) = crate::disk::wal::record::decode_header(bytes, number) else {
        broken("a decoded log has a bad header");
    };
    let log = LogId { number, version };
    let Ok(frames) = log_frame::read_frames(bytes, HEADER_LEN, is_last, log) else {
        broken("the frames of a decoded log do not read");
    };
    assert_eq!(frames.payloads.len(), contents.records.len());
    let mut encoded = Vec::new();
    for ((_, payload), record) in frames.payloads.iter().zip(&contents.records) {
        assert!(!record.entries.is_empty(), "a record without entries");
        let entries = record.entries.iter().map(|e| {
            assert!(e.expires_at != Some(0), "expiry 0 means none");
            EntryRef {
                kind: e.kind,
                key: &e.key,
                value: &e.value,
                expires_at: e.expires_at,
            }
        });
        let encoded_ok = encode_record_in(&mut encoded, record.first_seq, entries).is_ok();
        assert!(encoded_ok, "a decoded record does not encode");
        assert_eq!(
            encoded.get(FRAME_LEN..),
            Some(&payload[..]),
            "a record does not re-encode to its payload"
        );
    }
    // What recovery keeps reads back, as an older log, to the same records.
    if is_last && contents.valid_len < bytes.len() {
        let kept = bytes.slice(..contents.valid_len);
        match decode_log(&kept, number, false) {
            Ok(again) => assert_eq!(again.records, contents.records),
            Err(bad) => broken(&format!(
                "the part of a log recovery keeps does not read: {}",
                bad.reason
            )),
        }
    }
}

/// `read_frames` over framed records. Input layout, so that a real log or manifest file is a
/// valid input as it is: bytes `0..24` stand for a header, of which bit 0 of byte 0 selects frame
/// version 1 (set) or 2 (clear) and bytes `12..20` are the log number; frames start at 24.
pub fn log_frames(data: &[u8]) {
    if data.len() < HEADER_LEN {
        return;
    }
    let version = match data.first() {
        Some(flags) if flags & 1 == 1 => VERSION_1,
        _ => log_frame::VERSION,
    };
    let log = LogId {
        number: read_u64(data, HEADER_NUMBER_AT).unwrap_or(0),
        version,
    };
    check_frames(data, log, false);
    let mut fixed = data.to_vec();
    let whole = fix_frames(&mut fixed, log);
    if fixed != data {
        check_frames(&fixed, log, whole);
    }
}

fn check_frames(data: &[u8], log: LogId, whole: bool) {
    let bytes = Bytes::copy_from_slice(data);
    let newest = log_frame::read_frames(&bytes, HEADER_LEN, true, log);
    let older = log_frame::read_frames(&bytes, HEADER_LEN, false, log);
    check_newest_versus_older(newest.as_ref().ok(), older.as_ref().ok());
    if whole {
        assert!(
            older.is_ok() && newest.is_ok(),
            "a frame whose checksums verify was refused"
        );
    }
    for (frames, is_last) in [(&newest, true), (&older, false)] {
        let Ok(frames) = frames else { continue };
        check_frame_layout(data, log, frames);
        if !is_last || whole {
            assert!(frames.torn_at.is_none(), "a torn tail where none may be");
            assert_eq!(frames.valid_len, data.len());
        }
        // What recovery keeps reads back, as an older log, to the same frames.
        if frames.valid_len < data.len() {
            let kept = bytes.slice(..frames.valid_len);
            match log_frame::read_frames(&kept, HEADER_LEN, false, log) {
                Ok(again) => assert_eq!(again.payloads, frames.payloads),
                Err(bad) => broken(&format!(
                    "the part of a log recovery keeps does not read: {}",
                    bad.reason
                )),
            }
        }
    }
}

/// The frames returned tile the log from its header to `valid_len`; each holds exactly the bytes
/// of its place, and (version 2) re-sealing it gives the frame that was read.
fn check_frame_layout(data: &[u8], log: LogId, frames: &Frames) {
    let frame_len = frame_len(log.version);
    let mut at = HEADER_LEN;
    for (offset, payload) in &frames.payloads {
        assert_eq!(*offset, at, "frames are not contiguous");
        let end = at + frame_len + payload.len();
        assert_eq!(data.get(at + frame_len..end), Some(&payload[..]));
        if log.version != VERSION_1 {
            let (Some(original), Some(synced)) = (data.get(at..end), read_u64(data, at + 8)) else {
                broken("a frame lies outside its log");
            };
            let mut sealed = original.to_vec();
            let ok = log_frame::seal(&mut sealed, log.number, synced, MAX_PAYLOAD).is_ok();
            assert!(
                ok && sealed == original,
                "a frame that was read does not re-seal"
            );
        }
        at = end;
    }
    assert_eq!(frames.valid_len, at);
    if let Some((torn, _)) = &frames.torn_at {
        assert_eq!(
            *torn, frames.valid_len,
            "a torn tail that does not start at the cut"
        );
    }
}

/// Newest-log reading is the lenient one: whatever an older log yields, the newest yields too,
/// and a log refused as newest is refused as older.
fn check_newest_versus_older<T: PartialEq + std::fmt::Debug>(
    newest: Option<&T>,
    older: Option<&T>,
) {
    match (newest, older) {
        (Some(n), Some(o)) => assert_eq!(n, o, "newest and older reads disagree"),
        (None, Some(_)) => broken("a log read as older was refused as newest"),
        _ => {}
    }
}

fn frame_len(version: u32) -> usize {
    if version == VERSION_1 {
        FRAME_LEN_V1
    } else {
        FRAME_LEN
    }
}

/// Recomputes the header checksum of a log or manifest and the checksums of its frames (see
/// [`fix_frames`]). Returns whether every byte after the header is in a frame.
pub(super) fn fix_log(data: &mut [u8]) -> bool {
    let Some(head) = data.get(..HEADER_LEN - 4) else {
        return false;
    };
    let crc = crc32c::crc32c(head);
    put(data, HEADER_LEN - 4, &crc.to_le_bytes());
    let version = read_u32(data, 8).unwrap_or(0);
    let number = read_u64(data, HEADER_NUMBER_AT).unwrap_or(0);
    fix_frames(data, LogId { number, version })
}

/// Recomputes the checksums of the frames that follow each other from offset 24, as far as their
/// lengths fit the data. Returns whether the frames end exactly at the end of the data.
fn fix_frames(data: &mut [u8], log: LogId) -> bool {
    let frame_len = frame_len(log.version);
    let mut at = HEADER_LEN;
    loop {
        if at == data.len() {
            return true;
        }
        let Some(len) = read_u32(data, at) else {
            return false;
        };
        if at + frame_len > data.len() {
            return false;
        }
        put(
            data,
            at + 4,
            &crc32c::crc32c(&len.to_le_bytes()).to_le_bytes(),
        );
        let end = at + frame_len + len as usize;
        if len > MAX_PAYLOAD || end > data.len() {
            return false;
        }
        if log.version == VERSION_1 {
            let crc = crc32c::crc32c(data.get(at + frame_len..end).unwrap_or_default());
            put(data, at + 8, &crc.to_le_bytes());
        } else {
            let synced = read_u64(data, at + 8).unwrap_or(0);
            if let Some(frame) = data.get_mut(at..end) {
                // Cannot fail: the length was checked against the maximum above.
                let _ = log_frame::seal(frame, log.number, synced, MAX_PAYLOAD);
            }
        }
        at = end;
    }
}

/// The record payloads of a log or manifest file (frames after its header, in its header's
/// version), for seeding the record targets from real files.
pub fn log_payloads(file: &[u8]) -> Vec<Vec<u8>> {
    let log = LogId {
        number: read_u64(file, HEADER_NUMBER_AT).unwrap_or(0),
        version: read_u32(file, 8).unwrap_or(0),
    };
    let bytes = Bytes::copy_from_slice(file);
    log_frame::read_frames(&bytes, HEADER_LEN, true, log)
        .map(|frames| {
            frames
                .payloads
                .into_iter()
                .map(|(_, p)| p.to_vec())
                .collect()
        })
        .unwrap_or_default()
}
