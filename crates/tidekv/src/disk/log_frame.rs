//! Framed record logs: the layout shared by the write-ahead log and the manifest (a header naming
//! the file's kind and number, then framed records), and the one place that tells a torn tail from
//! corruption. Specified in `docs/format/wal.md` ("Header", "Record").
//!
//! ```text
//! payload length (u32 LE) | CRC32C of the length | CRC32C of the payload | payload
//! ```

use bytes::{Buf, BufMut, Bytes};

/// Header: magic 8, version 4, file number 8, crc 4.
pub(crate) const HEADER_LEN: usize = 24;
/// The header version this code writes and reads.
pub(crate) const VERSION: u32 = 1;

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
/// file name gives (so a renamed file is caught).
pub(crate) fn decode_header(
    bytes: &[u8],
    magic: &[u8; 8],
    number: u64,
    what: &str,
) -> Result<(), String> {
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
    if version != VERSION {
        return Err(format!(
            "unsupported {what} version {version} (this build reads {VERSION})"
        ));
    }
    let stored = rest.get_u64_le();
    if stored != number {
        return Err(format!(
            "header says {what} {stored}, the file name says {number}"
        ));
    }
    Ok(())
}

/// Frame: payload length 4, crc of the length 4, crc of the payload 4.
pub(crate) const FRAME_LEN: usize = 12;
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

/// Fills in the frame of a buffer made by [`begin`] once its payload is written.
pub(crate) fn seal(out: &mut [u8]) -> Result<(), String> {
    let len = out.len().saturating_sub(FRAME_LEN);
    let len = u32::try_from(len)
        .ok()
        .filter(|&l| l <= MAX_PAYLOAD)
        .ok_or_else(|| format!("record of {len} bytes is over the {MAX_PAYLOAD}-byte maximum"))?;
    let payload_crc = crc32c::crc32c(out.get(FRAME_LEN..).unwrap_or_default());
    let len_bytes = len.to_le_bytes();
    let frame = out
        .get_mut(..FRAME_LEN)
        .ok_or_else(|| "buffer not made by begin()".to_string())?;
    frame[..4].copy_from_slice(&len_bytes);
    frame[4..8].copy_from_slice(&crc32c::crc32c(&len_bytes).to_le_bytes());
    frame[8..12].copy_from_slice(&payload_crc.to_le_bytes());
    Ok(())
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

/// A record that failed: where, why, and whether it looks like a torn tail.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadRecord {
    pub(crate) offset: usize,
    pub(crate) reason: String,
    pub(crate) torn: bool,
}

/// Reads the frames of `bytes` from `start`. At the first bad frame: if `is_last` and it is a torn
/// tail — the frame is cut short by the end of the data, or its (checksummed) length runs past the
/// end, or only zeros follow its start — the frames before it are returned with `torn_at` set;
/// otherwise the bad frame is the error.
pub(crate) fn read_frames(bytes: &Bytes, start: usize, is_last: bool) -> Result<Frames, BadRecord> {
    let all_zero_from = |at: usize| {
        bytes
            .get(at..)
            .is_some_and(|rest| rest.iter().all(|&b| b == 0))
    };
    let mut frames = Frames {
        valid_len: start,
        ..Frames::default()
    };
    let mut at = start;
    while at < bytes.len() {
        let bad = |reason: &str, past_end: bool| BadRecord {
            offset: at,
            reason: reason.to_string(),
            torn: past_end || all_zero_from(at),
        };
        let Some(mut frame) = bytes.get(at..at + FRAME_LEN) else {
            return torn_or_err(frames, bad("record frame cut short", true), is_last);
        };
        let len = frame.get_u32_le();
        let len_crc = frame.get_u32_le();
        let crc = frame.get_u32_le();
        // The length has its own checksum: a damaged length is corruption, not a "torn tail" that
        // would silently drop every record after it.
        if crc32c::crc32c(&len.to_le_bytes()) != len_crc {
            return torn_or_err(
                frames,
                bad("record length checksum mismatch", false),
                is_last,
            );
        }
        if len > MAX_PAYLOAD {
            return Err(BadRecord {
                offset: at,
                reason: format!("record of {len} bytes is over the {MAX_PAYLOAD}-byte maximum"),
                torn: false,
            });
        }
        let end = at + FRAME_LEN + len as usize;
        if end > bytes.len() {
            return torn_or_err(frames, bad("record cut short", true), is_last);
        }
        let payload = bytes.slice(at + FRAME_LEN..end);
        if crc32c::crc32c(&payload) != crc {
            return torn_or_err(frames, bad("record checksum mismatch", false), is_last);
        }
        frames.payloads.push((at, payload));
        at = end;
        frames.valid_len = at;
    }
    Ok(frames)
}

fn torn_or_err(mut frames: Frames, bad: BadRecord, is_last: bool) -> Result<Frames, BadRecord> {
    if is_last && bad.torn {
        frames.torn_at = Some((bad.offset, bad.reason));
        Ok(frames)
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut all = Vec::new();
        for p in payloads {
            let mut out = begin();
            out.extend_from_slice(p);
            seal(&mut out).unwrap();
            all.extend(out);
        }
        all
    }

    #[test]
    fn frames_round_trip_including_empty_payloads() {
        let bytes = Bytes::from(framed(&[b"one", b"", b"three"]));
        let got = read_frames(&bytes, 0, false).unwrap();
        let payloads: Vec<&[u8]> = got.payloads.iter().map(|(_, p)| &p[..]).collect();
        assert_eq!(payloads, [&b"one"[..], b"", b"three"]);
        assert_eq!(got.valid_len, bytes.len());
    }

    #[test]
    fn a_zero_frame_never_passes() {
        assert_ne!(crc32c::crc32c(&[0, 0, 0, 0]), 0);
        let got = read_frames(&Bytes::from(vec![0u8; 40]), 0, true).unwrap();
        assert!(got.payloads.is_empty() && got.torn_at.is_some());
        assert!(read_frames(&Bytes::from(vec![0u8; 40]), 0, false).is_err());
    }
}
