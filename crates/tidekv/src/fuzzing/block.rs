//! SSTable blocks: the physical block trailer (compression type and checksum, `block_trailer`)
//! and the raw data or index block (restart array, prefix-compressed entries, `sstable_block`).

use bytes::Bytes;

use super::shared::{broken, MAX_PROBES};
use crate::config::Compression;
use crate::disk::table::block::Block;
use crate::disk::table::block_builder::{BlockBuilder, DEFAULT_RESTART_INTERVAL};
use crate::disk::table::compression::{decode_block, encode_block, MAX_BLOCK_SIZE};

/// `decode_block` (the physical block trailer: compression type and checksum) over `data` as a
/// physical block, and over `data` sealed with a valid checksum (so that arbitrary bytes reach
/// the decompressors); plus the encoder's round trip of `data` as a raw block.
pub fn block_trailer(data: &[u8]) {
    let _ = check_physical(data);
    let mut sealed = data.to_vec();
    sealed.extend_from_slice(&crc32c::crc32c(data).to_le_bytes());
    if let Ok(raw) = check_physical(&sealed) {
        if let Some((&0, stored)) = data.split_last() {
            assert_eq!(
                &raw[..],
                stored,
                "an uncompressed block is not its stored bytes"
            );
        }
    }
    for compression in [
        Compression::None,
        Compression::Lz4,
        Compression::Snappy,
        Compression::Zstd(1),
    ] {
        if let Ok(physical) = encode_block(data, compression) {
            let decoded = decode_block(Bytes::from(physical));
            assert_eq!(
                decoded.as_deref().ok(),
                Some(data),
                "{compression:?} round trip"
            );
        }
    }
}

/// Decodes a physical block: what decodes is at most the maximum block size, and a block stored
/// uncompressed re-encodes to exactly itself.
fn check_physical(physical: &[u8]) -> Result<Bytes, String> {
    let raw = decode_block(Bytes::copy_from_slice(physical))?;
    assert!(raw.len() <= MAX_BLOCK_SIZE);
    if physical.get(physical.len().wrapping_sub(5)) == Some(&0) {
        let again = encode_block(&raw, Compression::None);
        assert_eq!(
            again.as_deref().ok(),
            Some(physical),
            "stored block is not canonical"
        );
    }
    Ok(raw)
}

/// `Block` (the raw data or index block: restart array, prefix-compressed entries) over `data`,
/// and over what `data` decodes to as a physical block: construction, iteration, seeks and finds.
pub fn sstable_block(data: &[u8]) {
    check_block(Bytes::copy_from_slice(data));
    if let Ok(raw) = decode_block(Bytes::copy_from_slice(data)) {
        check_block(raw);
    }
}

fn check_block(raw: Bytes) {
    let Ok(block) = Block::new(raw.clone()) else {
        return;
    };
    let mut entries: Vec<(Bytes, Bytes)> = Vec::new();
    let mut whole = true;
    for entry in block.iter() {
        match entry {
            Ok(entry) => entries.push(entry),
            Err(_) => {
                whole = false;
                break;
            }
        }
    }
    for pair in entries.windows(2) {
        if let [(a, _), (b, _)] = pair {
            assert!(a < b, "a block iterator yielded keys out of order");
        }
    }
    // `Block::new` checked that every restart point starts an entry, so in a block that reads
    // whole every seek must agree with the scan.
    let well_formed = whole;
    for target in probe_targets(&entries, &raw) {
        let sought = block.seek(&target);
        let found = block.find(&target, |k, v| (Bytes::copy_from_slice(k), v));
        if !well_formed {
            // A block that turns out malformed: any answer but a panic will do.
            continue;
        }
        // Every entry decoded: seeks and finds must agree with the scan.
        let at = entries.partition_point(|(k, _)| k.as_ref() < target.as_slice());
        let expected: Vec<_> = entries.iter().skip(at).take(2).cloned().collect();
        match sought {
            Ok(iter) => {
                let got: Result<Vec<_>, _> = iter.take(2).collect();
                assert_eq!(
                    got.ok(),
                    Some(expected.clone()),
                    "seek disagrees with the scan"
                );
            }
            Err(why) => broken(&format!("seek in a well-formed block failed: {why}")),
        }
        assert_eq!(
            found.ok(),
            Some(expected.first().cloned()),
            "find disagrees with the scan"
        );
    }
    if whole && !entries.is_empty() {
        let mut builder = BlockBuilder::new(DEFAULT_RESTART_INTERVAL);
        for (k, v) in &entries {
            assert!(
                builder.add(k, v).is_ok(),
                "a decoded entry does not re-encode"
            );
        }
        let rebuilt = Block::new(Bytes::from(builder.finish()));
        let again: Option<Vec<_>> = rebuilt
            .ok()
            .and_then(|b| b.iter().collect::<Result<Vec<_>, _>>().ok());
        assert_eq!(again, Some(entries), "a rebuilt block reads differently");
    }
}

/// Keys to seek: a sample of the entries' keys, a key just after each, the empty key, a key
/// after everything, and a key taken from the input (so the fuzzer can choose one).
pub(super) fn probe_targets(entries: &[(Bytes, Bytes)], input: &[u8]) -> Vec<Vec<u8>> {
    let step = (entries.len() / MAX_PROBES).max(1);
    let mut targets = vec![
        Vec::new(),
        vec![0xFF; 16],
        input.iter().take(24).copied().collect(),
    ];
    for (key, _) in entries.iter().step_by(step) {
        targets.push(key.to_vec());
        let mut after = key.to_vec();
        after.push(0);
        targets.push(after);
    }
    targets
}

/// The raw block a physical block decodes to, if it does.
pub fn raw_block(physical: &[u8]) -> Option<Vec<u8>> {
    decode_block(Bytes::copy_from_slice(physical))
        .ok()
        .map(|raw| raw.to_vec())
}
