//! Framed record logs: the layout shared by the write-ahead log and the manifest (a header naming
//! the file's kind, format version and number, then framed records), and the one place that tells
//! a torn tail from corruption. Specified in `docs/format/wal.md` ("Header", "Record", "Recovery").
//!
//! ```text
//! version 2: length (u32) | CRC32C(length) | synced (u64) | CRC32C(number, synced, payload) | payload
//! version 1: length (u32) | CRC32C(length) | CRC32C(payload) | payload          (read, not written)
//! ```
//!
//! `synced` is a *witness*: how many bytes of this file had been made durable by a completed
//! fsync when the record was appended. A bad frame at offset `X` in the newest log is a torn tail
//! — bytes a power cut was free to lose or garble — unless an intact record of this log after it
//! says the file was synced past `X`: then the bytes at `X` were durable and their damage is
//! corruption. The file number is in the checksum, so a stale block of another log (a reused disk
//! block after a power cut) never passes for a record of this one.

use bytes::{Buf, BufMut, Bytes};

/// Header: magic 8, version 4, file number 8, crc 4.
pub(crate) const HEADER_LEN: usize = 24;
/// The header version this code writes. It also reads [`VERSION_1`].
pub(crate) const VERSION: u32 = 2;
/// The first version: frames without a witness or a file number.
pub(crate) const VERSION_1: u32 = 1;

/// The header of a log of kind `magic` with file number `number`.
pub(crate) fn encode_header(magic: &[u8; 8], number: u64) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    let mut buf = &mut out[..];
    buf.put_slice(magic);
    buf.put_u32_le(VERSION);
    buf.put_u64_le(number);
    let crc = crc32c::crc32c(&out[..HEADER_LEN - 4]);
    out[HEADER_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Checks a header: kind (`magic`, named `what` in errors), checksum, version, and the number its
/// file name gives (so a renamed file is caught). Returns the format version.
pub(crate) fn decode_header(
    bytes: &[u8],
    magic: &[u8; 8],
    number: u64,
    what: &str,
) -> Result<u32, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "truncated header: {} of {HEADER_LEN} bytes",
            bytes.len()
        ));
    }
    let (body, mut crc) = bytes.split_at(HEADER_LEN - 4);
    if body.get(..8) != Some(&magic[..]) {
        return Err(format!("not a tidekv {what} (bad magic)"));
    }
    if crc.get_u32_le() != crc32c::crc32c(body) {
        return Err("header checksum mismatch".into());
    }
    let mut rest = body.get(8..).unwrap_or_default();
    let version = rest.get_u32_le();
    if version != VERSION && version != VERSION_1 {
        return Err(format!(
            "unsupported {what} version {version} (this build reads {VERSION_1} and {VERSION})"
        ));
    }
    let stored = rest.get_u64_le();
    if stored != number {
        return Err(format!(
            "header says {what} {stored}, the file name says {number}"
        ));
    }
    Ok(version)
}

/// Frame (version 2): payload length 4, crc of the length 4, synced length 8, crc 4.
pub(crate) const FRAME_LEN: usize = 20;
/// Frame of version 1: payload length 4, crc of the length 4, crc of the payload 4.
const FRAME_LEN_V1: usize = 12;
/// No payload is larger.
pub(crate) const MAX_PAYLOAD: u32 = 1 << 30;

/// A buffer ready to receive one payload after its (not yet filled) frame.
pub(crate) fn begin() -> Vec<u8> {
    vec![0u8; FRAME_LEN]
}

/// Makes `out` what [`begin`] returns, keeping its allocation.
pub(crate) fn begin_in(out: &mut Vec<u8>) {
    out.clear();
    out.resize(FRAME_LEN, 0);
}

/// The checksum of a version-2 payload: bound to its file and its witness.
fn payload_crc(number: u64, synced: u64, payload: &[u8]) -> u32 {
    let mut bound = [0u8; 16];
    bound[..8].copy_from_slice(&number.to_le_bytes());
    bound[8..].copy_from_slice(&synced.to_le_bytes());
    crc32c::crc32c_append(crc32c::crc32c(&bound), payload)
}

/// Fills in the frame of a buffer made by [`begin`] once its payload is written, for file
/// `number`, witnessing that `synced` bytes of it are durable. `max` bounds the payload.
pub(crate) fn seal(out: &mut [u8], number: u64, synced: u64, max: u32) -> Result<(), String> {
    let len = out.len().saturating_sub(FRAME_LEN);
    let len = u32::try_from(len)
        .ok()
        .filter(|&l| l <= max.min(MAX_PAYLOAD))
        .ok_or_else(|| format!("record of {len} bytes is over the {max}-byte maximum"))?;
    let crc = payload_crc(number, synced, out.get(FRAME_LEN..).unwrap_or_default());
    let len_bytes = len.to_le_bytes();
    let frame = out
        .get_mut(..FRAME_LEN)
        .ok_or_else(|| "buffer not made by begin()".to_string())?;
    frame[..4].copy_from_slice(&len_bytes);
    frame[4..8].copy_from_slice(&crc32c::crc32c(&len_bytes).to_le_bytes());
    frame[8..16].copy_from_slice(&synced.to_le_bytes());
    frame[16..20].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Which log a read is of: its number and format version (from its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogId {
    pub(crate) number: u64,
    pub(crate) version: u32,
}

/// The checked payloads of a log, each with the offset of its frame.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Frames {
    pub(crate) payloads: Vec<(usize, Bytes)>,
    /// Bytes up to the end of the last good frame.
    pub(crate) valid_len: usize,
    /// Where a torn tail starts and why it failed, if there is one.
    pub(crate) torn_at: Option<(usize, String)>,
}

/// A record that failed: where and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadRecord {
    pub(crate) offset: usize,
    pub(crate) reason: String,
}

/// One frame read at an offset.
enum Frame {
    Intact {
        payload: Bytes,
        synced: u64,
        end: usize,
    },
    /// Damaged or incomplete; `past_end`: cut short by the end of the data (version 1's rule).
    Bad {
        reason: &'static str,
        past_end: bool,
    },
}

fn read_frame(bytes: &Bytes, at: usize, log: LogId) -> Frame {
    let frame_len = if log.version == VERSION_1 {
        FRAME_LEN_V1
    } else {
        FRAME_LEN
    };
    let Some(mut frame) = bytes.get(at..at.saturating_add(frame_len)) else {
        return Frame::Bad {
            reason: "record frame cut short",
            past_end: true,
        };
    };
    let len = frame.get_u32_le();
    // The length has its own checksum: a damaged length is never read as "runs past the end".
    if crc32c::crc32c(&len.to_le_bytes()) != frame.get_u32_le() {
        return Frame::Bad {
            reason: "record length checksum mismatch",
            past_end: false,
        };
    }
    if len > MAX_PAYLOAD {
        return Frame::Bad {
            reason: "record length over the 1 GiB maximum",
            past_end: false,
        };
    }
    let synced = if log.version == VERSION_1 {
        0
    } else {
        frame.get_u64_le()
    };
    let crc = frame.get_u32_le();
    let end = at + frame_len + len as usize;
    let Some(payload) = bytes.get(at + frame_len..end) else {
        return Frame::Bad {
            reason: "record cut short",
            past_end: true,
        };
    };
    let ok = if log.version == VERSION_1 {
        crc32c::crc32c(payload) == crc
    } else {
        payload_crc(log.number, synced, payload) == crc
    };
    if !ok {
        return Frame::Bad {
            reason: "record checksum mismatch",
            past_end: false,
        };
    }
    Frame::Intact {
        payload: bytes.slice(at + frame_len..end),
        synced,
        end,
    }
}

/// Reads the frames of `bytes` from `start`. At the first bad frame, at offset `X`: in an older
/// log (`!is_last`) it is corruption. In the newest log it is a torn tail — the frames before it
/// are returned with `torn_at` set — unless, for version 2, an intact frame of this log after `X`
/// witnesses that more than `X` bytes had been synced (then the damage hit durable bytes and is
/// corruption); for version 1, unless it is neither cut short by the end of the data nor followed
/// by zeros only.
pub(crate) fn read_frames(
    bytes: &Bytes,
    start: usize,
    is_last: bool,
    log: LogId,
) -> Result<Frames, BadRecord> {
    let mut frames = Frames {
        valid_len: start,
        ..Frames::default()
    };
    let mut at = start;
    while at < bytes.len() {
        match read_frame(bytes, at, log) {
            Frame::Intact { payload, end, .. } => {
                frames.payloads.push((at, payload));
                at = end;
                frames.valid_len = at;
            }
            Frame::Bad { reason, past_end } => {
                let bad = |reason: String| BadRecord { offset: at, reason };
                if !is_last {
                    return Err(bad(reason.to_string()));
                }
                if log.version == VERSION_1 {
                    let zeros = bytes.get(at..).is_some_and(|r| r.iter().all(|&b| b == 0));
                    if !(past_end || zeros) {
                        return Err(bad(reason.to_string()));
                    }
                } else if let Some((witness_at, synced)) = later_witness(bytes, at, log) {
                    return Err(bad(format!(
                        "{reason}; the record at {witness_at} says {synced} bytes were synced, \
                         so this is damage to durable data, not a torn tail"
                    )));
                }
                frames.torn_at = Some((at, reason.to_string()));
                return Ok(frames);
            }
        }
    }
    Ok(frames)
}

/// The first intact frame of this log after `bad` whose witness covers `bad`, as (offset, synced).
/// Scans every offset: after a power cut, intact records may follow garbage (pages reach the disk
/// out of order), and only their witness tells whether the damage could be a cut.
fn later_witness(bytes: &Bytes, bad: usize, log: LogId) -> Option<(usize, u64)> {
    let mut at = bad + 1;
    while at + FRAME_LEN <= bytes.len() {
        match read_frame(bytes, at, log) {
            Frame::Intact { synced, end, .. } => {
                if synced > bad as u64 {
                    return Some((at, synced));
                }
                at = end;
            }
            Frame::Bad { .. } => at = next_candidate(bytes, at + 1),
        }
    }
    None
}

/// The first offset from `from` on where an intact frame could start. An offset whose first 8
/// bytes are all zero holds a zero length under a zero length checksum, which never verifies
/// (CRC32C of four zero bytes is not zero), so a run of zeros — a log's reserved space, a mebibyte
/// at most — is skipped up to 7 bytes before its end instead of offset by offset.
fn next_candidate(bytes: &Bytes, from: usize) -> usize {
    match bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b != 0))
    {
        Some(nonzero) => (from + nonzero).saturating_sub(7).max(from),
        None => bytes.len(),
    }
}

#[cfg(test)]
#[path = "log_frame_tests.rs"]
mod tests;
