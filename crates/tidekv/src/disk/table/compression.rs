//! The physical block: a raw block, maybe compressed, followed by a 5-byte trailer naming the
//! compression and carrying a checksum. `docs/format/sstable.md` ("Physical block trailer") is the
//! specification; this file must agree with it.
//!
//! ```text
//! stored bytes (n) | type u8 | crc32c u32 LE of (stored bytes ++ type)
//! ```
//!
//! The checksum is checked before anything is decompressed, so a decompressor only ever sees the
//! bytes the writer produced; the size bounds below still guard against a writer's bug or a file
//! made by something else.

use crate::config::Compression;
use bytes::Bytes;

/// Bytes after the stored bytes: type 1, crc32c 4.
pub(crate) const TRAILER_LEN: usize = 5;
/// No raw block is larger. Bounds what a reader allocates for a block whose header claims a size.
pub(crate) const MAX_BLOCK_SIZE: usize = 64 * 1024 * 1024;

/// Stored compression types. Never renumber.
const TYPE_NONE: u8 = 0;
const TYPE_LZ4: u8 = 1;
const TYPE_ZSTD: u8 = 2;
const TYPE_SNAPPY: u8 = 3;

/// Compresses `raw` as asked and appends the trailer. Refuses a block over [`MAX_BLOCK_SIZE`],
/// since no reader would accept it.
pub(crate) fn encode_block(raw: &[u8], compression: Compression) -> Result<Vec<u8>, String> {
    if raw.len() > MAX_BLOCK_SIZE {
        return Err(format!(
            "block of {} bytes is over the {MAX_BLOCK_SIZE}-byte maximum",
            raw.len()
        ));
    }
    let compressed = match compression {
        Compression::None => None,
        Compression::Lz4 => Some((TYPE_LZ4, lz4_flex::block::compress_prepend_size(raw))),
        Compression::Zstd(level) => Some((
            TYPE_ZSTD,
            super::zstd_contexts::compress(raw, level)
                .map_err(|e| format!("zstd compression failed: {e}"))?,
        )),
        Compression::Snappy => Some((
            TYPE_SNAPPY,
            snap::raw::Encoder::new()
                .compress_vec(raw)
                .map_err(|e| format!("snappy compression failed: {e}"))?,
        )),
    };
    let worth_it = |stored: &[u8]| stored.len() < raw.len() - raw.len() / 8;
    let (kind, stored) = match compressed {
        Some((kind, stored)) if worth_it(&stored) => (kind, stored),
        _ => (TYPE_NONE, raw.to_vec()),
    };
    let mut out = stored;
    out.push(kind);
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Checks the trailer of a physical block and returns the raw block. An uncompressed block is
/// a slice of `physical`, not a copy.
pub(crate) fn decode_block(physical: Bytes) -> Result<Bytes, String> {
    let short = || {
        format!(
            "block of {} bytes is shorter than its {TRAILER_LEN}-byte trailer",
            physical.len()
        )
    };
    let (body, crc) = physical.split_last_chunk::<4>().ok_or_else(short)?;
    let (&kind, stored) = body.split_last().ok_or_else(short)?;
    if crc32c::crc32c(body) != u32::from_le_bytes(*crc) {
        return Err("block checksum mismatch".into());
    }
    match kind {
        TYPE_NONE => {
            check_size(stored.len())?;
            Ok(physical.slice(..stored.len()))
        }
        TYPE_LZ4 => decode_lz4(stored).map(Bytes::from),
        TYPE_ZSTD => decode_zstd(stored).map(Bytes::from),
        TYPE_SNAPPY => decode_snappy(stored).map(Bytes::from),
        other => Err(format!("unknown block compression type {other}")),
    }
}

fn decode_lz4(stored: &[u8]) -> Result<Vec<u8>, String> {
    let (size, compressed) = stored
        .split_first_chunk::<4>()
        .ok_or("lz4 block too short for its size prefix")?;
    let size = u32::from_le_bytes(*size) as usize;
    // Checked before allocating: the prefix is only as trustworthy as the checksum's writer.
    check_size(size)?;
    // Into fresh, unzeroed memory of exactly `size` bytes: the decoder never writes past it.
    let raw = lz4_flex::block::decompress(compressed, size)
        .map_err(|e| format!("lz4 block does not decompress: {e}"))?;
    if raw.len() != size {
        return Err(format!(
            "lz4 block decompressed to {} bytes, its prefix says {size}",
            raw.len()
        ));
    }
    Ok(raw)
}

fn decode_zstd(stored: &[u8]) -> Result<Vec<u8>, String> {
    // `zstd::bulk::compress` records the size in the frame header; read it before allocating.
    let size = zstd::zstd_safe::get_frame_content_size(stored)
        .map_err(|_| "zstd block has no valid frame header".to_string())?
        .ok_or("zstd block does not record its decompressed size")?;
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    check_size(size)?;
    // The capacity bounds the output even if more frames follow the first one.
    let raw = super::zstd_contexts::decompress(stored, size)
        .map_err(|e| format!("zstd block does not decompress: {e}"))?;
    if raw.len() != size {
        return Err(format!(
            "zstd block decompressed to {} bytes, its header says {size}",
            raw.len()
        ));
    }
    Ok(raw)
}

fn decode_snappy(stored: &[u8]) -> Result<Vec<u8>, String> {
    // The raw format begins with the decompressed length as a varint; read it before allocating.
    let size = snap::raw::decompress_len(stored)
        .map_err(|e| format!("snappy block has no valid length header: {e}"))?;
    check_size(size)?;
    let mut raw = vec![0; size];
    let written = snap::raw::Decoder::new()
        .decompress(stored, &mut raw)
        .map_err(|e| format!("snappy block does not decompress: {e}"))?;
    if written != size {
        return Err(format!(
            "snappy block decompressed to {written} bytes, its header says {size}"
        ));
    }
    Ok(raw)
}

fn check_size(size: usize) -> Result<(), String> {
    if size > MAX_BLOCK_SIZE {
        return Err(format!(
            "block claims {size} bytes, over the {MAX_BLOCK_SIZE}-byte maximum"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// [`decode_block`] of a copy of `physical`.
    fn decode(physical: &[u8]) -> Result<Bytes, String> {
        decode_block(Bytes::copy_from_slice(physical))
    }

    const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Lz4,
        Compression::Snappy,
        Compression::Zstd(0),
        Compression::Zstd(19),
    ];

    /// Compressible: a data block's worth of similar keys and repeated values.
    fn compressible() -> Vec<u8> {
        (0..400)
            .flat_map(|i: u32| format!("user:{i:08}=value-{}|", i % 7).into_bytes())
            .collect()
    }

    /// Incompressible: xorshift noise.
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn stored_type(physical: &[u8]) -> u8 {
        physical[physical.len() - TRAILER_LEN]
    }

    /// Seals `stored` with a valid trailer of type `kind`, as a buggy or foreign writer might.
    fn seal(stored: &[u8], kind: u8) -> Vec<u8> {
        let mut out = stored.to_vec();
        out.push(kind);
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    #[test]
    fn every_compression_round_trips_and_compressible_blocks_shrink() {
        let raw = compressible();
        for c in ALL {
            let physical = encode_block(&raw, c).unwrap();
            assert_eq!(decode(&physical).unwrap(), raw, "{c:?}");
            let expected = match c {
                Compression::None => TYPE_NONE,
                Compression::Lz4 => TYPE_LZ4,
                Compression::Zstd(_) => TYPE_ZSTD,
                Compression::Snappy => TYPE_SNAPPY,
            };
            assert_eq!(stored_type(&physical), expected, "{c:?}");
            if c != Compression::None {
                assert!(physical.len() < raw.len() / 2, "{c:?}: {}", physical.len());
            }
        }
    }

    #[test]
    fn a_block_that_compression_does_not_shrink_by_an_eighth_is_stored_raw() {
        for raw in [noise(4096), Vec::new(), b"tiny".to_vec()] {
            for c in ALL {
                let physical = encode_block(&raw, c).unwrap();
                assert_eq!(
                    stored_type(&physical),
                    TYPE_NONE,
                    "{c:?}, {} bytes",
                    raw.len()
                );
                assert_eq!(physical.len(), raw.len() + TRAILER_LEN);
                assert_eq!(decode(&physical).unwrap(), raw);
            }
        }
        // Half noise, half zeros: lz4 saves well over an eighth, so it is kept.
        let mut half = noise(2048);
        half.extend([0u8; 2048]);
        assert_eq!(
            stored_type(&encode_block(&half, Compression::Lz4).unwrap()),
            TYPE_LZ4
        );
    }

    #[test]
    fn the_trailer_is_type_then_crc_of_stored_bytes_and_type() {
        let physical = encode_block(b"abc", Compression::None).unwrap();
        let crc = crc32c::crc32c(b"abc\x00").to_le_bytes();
        assert_eq!(
            physical,
            [b'a', b'b', b'c', 0, crc[0], crc[1], crc[2], crc[3]]
        );
    }

    #[test]
    fn every_flipped_bit_is_detected() {
        for c in ALL {
            let physical = encode_block(&compressible(), c).unwrap();
            for byte in 0..physical.len() {
                for bit in 0..8 {
                    let mut damaged = physical.clone();
                    damaged[byte] ^= 1 << bit;
                    let err = decode(&damaged).unwrap_err();
                    assert!(
                        err.contains("checksum"),
                        "{c:?} byte {byte} bit {bit}: {err}"
                    );
                }
            }
        }
    }

    #[test]
    fn short_blocks_and_unknown_types_are_refused() {
        for len in 0..TRAILER_LEN {
            let err = decode(&vec![0; len]).unwrap_err();
            assert!(err.contains("shorter than"), "{len}: {err}");
        }
        let err = decode(&seal(b"abc", 4)).unwrap_err();
        assert!(err.contains("unknown block compression type 4"), "{err}");
    }

    #[test]
    fn a_claimed_size_over_the_maximum_is_refused_before_allocating() {
        let too_big = (MAX_BLOCK_SIZE as u32 + 1).to_le_bytes();
        let err = decode(&seal(&too_big, TYPE_LZ4)).unwrap_err();
        assert!(err.contains("over the"), "{err}");
        // A 4 GiB claim followed by nothing.
        let err = decode(&seal(&[0xFF; 4], TYPE_LZ4)).unwrap_err();
        assert!(err.contains("over the"), "{err}");
        // A zstd frame whose header claims more than the maximum: compress a larger buffer of zeros
        // (cheap), then read it back.
        let big = zstd::bulk::compress(&vec![0u8; MAX_BLOCK_SIZE + 1], 1).unwrap();
        let err = decode(&seal(&big, TYPE_ZSTD)).unwrap_err();
        assert!(err.contains("over the"), "{err}");
        // A snappy length header (varint) claiming one byte over the maximum, and nothing after it.
        let mut varint = Vec::new();
        let mut n = MAX_BLOCK_SIZE as u64 + 1;
        while n >= 0x80 {
            varint.push((n as u8) | 0x80);
            n >>= 7;
        }
        varint.push(n as u8);
        let err = decode(&seal(&varint, TYPE_SNAPPY)).unwrap_err();
        assert!(err.contains("over the"), "{err}");
        assert!(encode_block(&vec![0u8; MAX_BLOCK_SIZE + 1], Compression::Lz4).is_err());
    }

    #[test]
    fn a_size_prefix_that_lies_is_caught() {
        let raw = compressible();
        let mut stored = lz4_flex::block::compress_prepend_size(&raw);
        // Claim one byte more than the data decompresses to.
        stored[..4].copy_from_slice(&(raw.len() as u32 + 1).to_le_bytes());
        let err = decode(&seal(&stored, TYPE_LZ4)).unwrap_err();
        assert!(err.contains("prefix says"), "{err}");
        // And one byte fewer.
        stored[..4].copy_from_slice(&(raw.len() as u32 - 1).to_le_bytes());
        assert!(decode(&seal(&stored, TYPE_LZ4)).is_err());
        // A zstd frame followed by a second frame: more output than the header claims.
        let mut two = zstd::bulk::compress(&raw, 3).unwrap();
        two.extend(zstd::bulk::compress(&raw, 3).unwrap());
        assert!(decode(&seal(&two, TYPE_ZSTD)).is_err());
        // A snappy block whose length header says one byte more than its data holds.
        let mut snappy = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
        let header = snap::raw::decompress_len(&snappy).unwrap();
        assert_eq!(header, raw.len());
        // The header is a 2-byte varint for this size; rewrite it one larger.
        let lied = header + 1;
        snappy[0] = (lied as u8) | 0x80;
        snappy[1] = (lied >> 7) as u8;
        assert!(decode(&seal(&snappy, TYPE_SNAPPY)).is_err());
    }

    /// A match that reaches back before the first byte written must be an error: a decoder that
    /// copies it anyway hands out whatever the fresh buffer held (RUSTSEC-2026-0041).
    #[test]
    fn an_lz4_match_before_the_start_is_refused() {
        // One sequence: one literal `a`, then a 4-byte match at offset 5; then 8 more literals.
        let mut stored = 13u32.to_le_bytes().to_vec();
        stored.extend([0x10, b'a', 5, 0, 0x80]);
        stored.extend(b"bcdefghi");
        let err = decode(&seal(&stored, TYPE_LZ4)).unwrap_err();
        assert!(err.contains("does not decompress"), "{err}");
        // The same block with offset 1 (repeat the `a`) is valid: the test's block is well formed.
        stored[6] = 1;
        let ok = decode(&seal(&stored, TYPE_LZ4));
        assert_eq!(ok.as_deref(), Ok(&b"aaaaabcdefghi"[..]));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(physical in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&physical);
        }

        /// Past the checksum: arbitrary stored bytes under a valid trailer reach the decompressors.
        #[test]
        fn arbitrary_sealed_bytes_never_panic(
            stored in prop::collection::vec(any::<u8>(), 0..300),
            kind in 0u8..5,
        ) {
            let _ = decode(&seal(&stored, kind));
        }

        #[test]
        fn random_blocks_round_trip(
            raw in prop::collection::vec(prop::sample::select(vec![0u8, 1, b'a', 0xFF]), 0..2000),
            c in prop::sample::select(ALL.to_vec()),
        ) {
            let physical = encode_block(&raw, c).unwrap();
            prop_assert_eq!(decode(&physical).unwrap(), raw);
        }
    }
}
