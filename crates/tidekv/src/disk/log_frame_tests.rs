//! Tests of `log_frame.rs`: round trips, and the torn-tail rule with its witness.

use super::*;

const LOG: LogId = LogId {
    number: 7,
    version: VERSION,
};

/// Frames of `payloads`, each witnessing `synced[i]`; returns the bytes (after a fake header)
/// and each frame's start.
fn framed(payloads: &[&[u8]], synced: &[u64]) -> (Vec<u8>, Vec<usize>) {
    let mut all = vec![0xAB; HEADER_LEN];
    let mut starts = Vec::new();
    for (p, &s) in payloads.iter().zip(synced) {
        starts.push(all.len());
        let mut out = begin();
        out.extend_from_slice(p);
        seal(&mut out, LOG.number, s, MAX_PAYLOAD).unwrap();
        all.extend(out);
    }
    (all, starts)
}

fn read(bytes: &[u8], is_last: bool) -> Result<Frames, BadRecord> {
    read_frames(&Bytes::copy_from_slice(bytes), HEADER_LEN, is_last, LOG)
}

#[test]
fn frames_round_trip_including_empty_payloads() {
    let (bytes, _) = framed(&[b"one", b"", b"three"], &[24, 24, 24]);
    let got = read(&bytes, false).unwrap();
    let payloads: Vec<&[u8]> = got.payloads.iter().map(|(_, p)| &p[..]).collect();
    assert_eq!(payloads, [&b"one"[..], b"", b"three"]);
    assert_eq!(got.valid_len, bytes.len());
}

#[test]
fn a_zero_frame_never_passes() {
    assert_ne!(crc32c::crc32c(&[0, 0, 0, 0]), 0);
    let zeros = vec![0u8; HEADER_LEN + 40];
    let got = read(&zeros, true).unwrap();
    assert!(got.payloads.is_empty() && got.torn_at.is_some());
    assert!(read(&zeros, false).is_err());
}

#[test]
fn a_record_is_bound_to_its_log_and_its_witness() {
    let (bytes, _) = framed(&[b"payload"], &[24]);
    let other = LogId { number: 8, ..LOG };
    let err = read_frames(&Bytes::from(bytes.clone()), HEADER_LEN, false, other).unwrap_err();
    assert_eq!(
        err.offset, HEADER_LEN,
        "a record of log 7 is not a record of log 8"
    );
    let mut forged = bytes;
    forged[HEADER_LEN + 8] ^= 1; // the witness
    assert!(
        read(&forged, false).is_err(),
        "the checksum covers the witness"
    );
}

#[test]
fn garbage_after_the_last_synced_record_is_a_torn_tail() {
    // Records 0 and 1 synced (the witness of record 2 says so); 2 and 3 were appended after.
    let (mut bytes, starts) = framed(&[b"r0", b"r1", b"r2", b"r3"], &[24, 24, 24, 24]);
    let unsynced_from = starts[2];
    for seed in 0..200u64 {
        let mut damaged = bytes.clone();
        // Garble some bytes of the unsynced part (random offsets from a tiny generator).
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for _ in 0..1 + seed % 5 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = unsynced_from + (x as usize) % (damaged.len() - unsynced_from);
            damaged[at] ^= (x >> 32) as u8 | 1;
        }
        let got = read(&damaged, true).unwrap_or_else(|e| panic!("seed {seed}: {e:?}"));
        assert!(got.payloads.len() >= 2, "seed {seed}: synced records lost");
        // Whatever it kept is a prefix of what was written.
        for (i, (at, _)) in got.payloads.iter().enumerate() {
            assert_eq!(*at, starts[i]);
        }
    }
    // A tail of pure garbage, as a file system that extended the file before its data landed.
    bytes.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let got = read(&bytes, true).unwrap();
    assert_eq!(got.payloads.len(), 4);
    assert_eq!(got.torn_at.map(|t| t.0), Some(starts[3] + FRAME_LEN + 2));
}

#[test]
fn intact_unsynced_records_after_garbage_are_cut_with_it() {
    // Pages reach the disk out of order: record 2 is garbage, record 3 landed intact. Record 3's
    // witness says only records 0 and 1 were synced, so record 2 is a torn tail, and 3 goes too.
    let synced = 24 + 2 * (FRAME_LEN as u64 + 2);
    let (mut bytes, starts) = framed(&[b"r0", b"r1", b"r2", b"r3"], &[24, 24, synced, synced]);
    bytes[starts[2] + FRAME_LEN] ^= 0xFF;
    let got = read(&bytes, true).unwrap();
    assert_eq!(got.payloads.len(), 2);
    assert_eq!(got.torn_at.map(|t| t.0), Some(starts[2]));
    assert_eq!(got.valid_len, starts[2]);
}

#[test]
fn damage_a_later_record_proves_durable_is_corruption() {
    // Record 3's witness says records 0..=2 were synced: damage in record 1 is not a cut.
    let (mut bytes, starts) = framed(&[b"r0", b"r1", b"r2", b"r3"], &[24, 24, 24, 0]);
    let end_of_2 = starts[3] as u64;
    let (mut witnessed, _) = framed(&[b"r0", b"r1", b"r2", b"r3"], &[24, 24, 24, end_of_2]);
    witnessed[starts[1] + FRAME_LEN] ^= 0x10;
    let err = read(&witnessed, true).unwrap_err();
    assert_eq!(err.offset, starts[1]);
    assert!(err.reason.contains("synced"), "{}", err.reason);
    // Without the witness the same damage is indistinguishable from a cut.
    bytes[starts[1] + FRAME_LEN] ^= 0x10;
    assert_eq!(
        read(&bytes, true).unwrap().torn_at.map(|t| t.0),
        Some(starts[1])
    );
}

#[test]
fn version_1_frames_are_read_with_version_1_rules() {
    let v1 = LogId {
        number: 7,
        version: VERSION_1,
    };
    let mut bytes = vec![0xAB; HEADER_LEN];
    for payload in [&b"old"[..], b"format"] {
        let len = payload.len() as u32;
        bytes.extend(len.to_le_bytes());
        bytes.extend(crc32c::crc32c(&len.to_le_bytes()).to_le_bytes());
        bytes.extend(crc32c::crc32c(payload).to_le_bytes());
        bytes.extend(payload);
    }
    let whole = bytes.len();
    bytes.extend([0u8; 30]);
    let got = read_frames(&Bytes::from(bytes.clone()), HEADER_LEN, true, v1).unwrap();
    let payloads: Vec<&[u8]> = got.payloads.iter().map(|(_, p)| &p[..]).collect();
    assert_eq!(payloads, [&b"old"[..], b"format"]);
    assert_eq!(got.valid_len, whole);
    bytes[HEADER_LEN + 13] ^= 1;
    assert!(read_frames(&Bytes::from(bytes), HEADER_LEN, true, v1).is_err());
}

#[test]
fn a_witness_after_a_run_of_zeros_is_still_found() {
    // Damage in record 1, then zeros (a log's reserved space, in miniature), then an intact
    // empty record whose zero length field touches the zeros and whose witness covers record 1.
    let (mut bytes, starts) = framed(&[b"r0", b"r1"], &[24, 24]);
    bytes[starts[1] + FRAME_LEN] ^= 0x10;
    bytes.extend(std::iter::repeat_n(0u8, 5000));
    let mut witness = begin();
    seal(&mut witness, LOG.number, bytes.len() as u64, MAX_PAYLOAD).unwrap();
    let witness_at = bytes.len();
    bytes.extend(witness);
    let err = read(&bytes, true).unwrap_err();
    assert_eq!(err.offset, starts[1]);
    assert!(
        err.reason.contains(&format!("record at {witness_at}")),
        "{}",
        err.reason
    );
    // With only zeros after the damage, it is a torn tail.
    bytes.truncate(witness_at);
    assert_eq!(
        read(&bytes, true).unwrap().torn_at.map(|t| t.0),
        Some(starts[1])
    );
}
