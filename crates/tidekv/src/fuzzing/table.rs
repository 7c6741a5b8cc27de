//! A whole SSTable file (`sstable_table`): opened through `TableReader`, scanned, read point by
//! point and sought, checked against its own scan; and where its blocks lie, for the checksum
//! repair and for seeding the block targets.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::block::probe_targets;
use super::shared::{broken, check_file_error, put, read_u64, MAX_PROBES};
use crate::disk::fs::{Fs, MemFs};
use crate::disk::key::split_seq;
use crate::disk::lookup::LookupKey;
use crate::disk::table::block::Block;
use crate::disk::table::bloom_partitioned::{FilterShape, DESCRIPTOR_LEN};
use crate::disk::table::builder::{footer_crc, FOOTER_LEN, HANDLE_LEN};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::compression::{decode_block, TRAILER_LEN};
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::disk::table::reader::TableReader;
use crate::error::Error;

/// A whole table from arbitrary file bytes, opened with `TableReader::open` from an in-memory file
/// system: footer, properties, filter and index, then every entry in order, point reads of a
/// sample of entries at several snapshots, and seeks. Each file is read twice: with room to keep
/// a partitioned filter whole, and with none (a lookup then reads one partition).
pub fn sstable_table(data: &[u8]) {
    let mut fixed = data.to_vec();
    fix_table(&mut fixed);
    for metadata_budget in [usize::MAX, 0] {
        check_table(data, metadata_budget);
        if fixed != data {
            check_table(&fixed, metadata_budget);
        }
    }
}

fn check_table(data: &[u8], metadata_budget: usize) {
    let path = PathBuf::from("/db/000007.sst");
    let fs = MemFs::default();
    let written = fs
        .create(&path)
        .and_then(|mut file| file.append(data).and_then(|()| file.sync()));
    if written.is_err() {
        broken("an in-memory file could not be written");
    }
    let budget = MetadataBudget::new(BlockCache::new(256 << 10), metadata_budget);
    let table = match TableReader::open(&fs, &path, 7, budget) {
        Ok(table) => table,
        Err(e) => return check_file_error(&e, &path, data.len()),
    };
    let mut entries: Vec<(Bytes, Bytes)> = Vec::new();
    let mut whole = true;
    for entry in table.iter() {
        match entry {
            Ok(entry) => entries.push(entry),
            Err(e) => {
                check_file_error(&e, &path, data.len());
                whole = false;
                break;
            }
        }
    }
    for pair in entries.windows(2) {
        if let [(a, _), (b, _)] = pair {
            assert!(a < b, "a table iterator yielded keys out of order");
        }
    }
    let min_seq = properties_min_seq(data).unwrap_or(0);
    let step = (entries.len() / MAX_PROBES).max(1);
    for (key, _) in entries.iter().step_by(step) {
        let Some((prefix, seq)) = split_seq(key) else {
            continue;
        };
        for snapshot in [seq, seq.saturating_sub(1), u64::MAX] {
            let skips = AtomicU64::new(0);
            let got = table.get(&LookupKey::new(prefix.to_vec(), snapshot), &skips);
            if let Err(Error::Corruption { offset, .. }) = &got {
                // A partitioned filter is read as lookups need it, not at open: damage there
                // shows first in a point read, as corruption inside the filter.
                if filter_region(data).is_some_and(|r| r.contains(offset)) {
                    continue;
                }
            }
            // The filter, or the table's lowest sequence number, may rule a read out at once.
            let ruled_out = skips.load(Ordering::Relaxed) > 0 || snapshot < min_seq;
            if whole {
                check_point_read(&entries, prefix, snapshot, got, ruled_out);
            } else if let Err(e) = got {
                check_file_error(&e, &path, data.len());
            }
        }
    }
    for target in probe_targets(&entries, data) {
        let got: Vec<_> = table.seek(&target).take(2).collect();
        if whole {
            let at = entries.partition_point(|(k, _)| k.as_ref() < target.as_slice());
            let expected: Vec<_> = entries.iter().skip(at).take(2).cloned().collect();
            let got: Result<Vec<_>, _> = got.into_iter().collect();
            assert_eq!(
                got.ok(),
                Some(expected),
                "a table seek disagrees with the scan"
            );
        }
    }
}

/// A point read of a table whose every entry was read agrees with the scan: the newest version
/// of `prefix` at or below `snapshot`, or nothing if the read was `ruled_out` before any block
/// was read (the filter, or the table's sequence range, says the key is not there: a damaged
/// filter can hide a key, never change its value).
pub(super) fn check_point_read(
    entries: &[(Bytes, Bytes)],
    prefix: &[u8],
    snapshot: u64,
    got: crate::error::Result<Option<(u64, Bytes)>>,
    ruled_out: bool,
) {
    let mut target = prefix.to_vec();
    target.extend_from_slice(&(!snapshot).to_be_bytes());
    let at = entries.partition_point(|(k, _)| k.as_ref() < target.as_slice());
    let expected = entries
        .get(at)
        .and_then(|(key, value)| match split_seq(key) {
            Some((found, seq)) if found == prefix => Some((seq, value.clone())),
            _ => None,
        });
    match got {
        Ok(None) if ruled_out => {}
        Ok(answer) => assert_eq!(answer, expected, "a point read disagrees with the scan"),
        Err(e) => {
            // Only a key too short to hold a sequence number is refused.
            let short = entries.get(at).is_some_and(|(k, _)| split_seq(k).is_none());
            assert!(short, "a point read of a readable table failed: {e}");
        }
    }
}

/// The lowest sequence number the properties block of the table `data` records (`entries u64 |
/// min_seq u64 | ...`, docs/format/sstable.md); the reader skips reads below it.
fn properties_min_seq(data: &[u8]) -> Option<u64> {
    let footer_at = data.len().checked_sub(FOOTER_LEN)?;
    let offset = usize::try_from(read_u64(data, footer_at + HANDLE_LEN)?).ok()?;
    let size = usize::try_from(read_u64(data, footer_at + HANDLE_LEN + 8)?).ok()?;
    let physical = data.get(offset..offset.checked_add(size)?)?;
    let raw = decode_block(Bytes::copy_from_slice(physical)).ok()?;
    read_u64(&raw, 8)
}

/// Recomputes the footer's checksum, the trailer checksum of the filter, properties and index
/// blocks it names, and that of each data block the index names.
fn fix_table(data: &mut [u8]) {
    let Some(footer_at) = data.len().checked_sub(FOOTER_LEN) else {
        return;
    };
    let crc_at = footer_at + FOOTER_LEN - 12;
    let head = data.get(footer_at..crc_at).unwrap_or_default();
    let magic = data.get(crc_at + 4..).unwrap_or_default();
    let crc = footer_crc(head, magic);
    put(data, crc_at, &crc.to_le_bytes());
    // Three times: the data blocks are found through the index partitions, found through the top
    // level (format 4), and each decodes only once its checksum is fixed.
    for _ in 0..3 {
        let layout = table_layout(data);
        for (start, end) in layout.meta.into_iter().chain(layout.data) {
            let crc = crc32c::crc32c(data.get(start..end - 4).unwrap_or_default());
            put(data, end - 4, &crc.to_le_bytes());
        }
    }
}

/// Where the physical blocks of a table lie, as far as its footer and index say: the filter,
/// properties and index blocks (from format 4, the top level and the index partitions), and the
/// data blocks (each at least 5 bytes, inside the file).
struct Layout {
    meta: Vec<(usize, usize)>,
    data: Vec<(usize, usize)>,
}

/// The filter region's bytes, as the footer places them.
fn filter_region(data: &[u8]) -> Option<std::ops::Range<u64>> {
    let footer_at = data.len().checked_sub(FOOTER_LEN)?;
    let offset = read_u64(data, footer_at)?;
    Some(offset..offset.checked_add(read_u64(data, footer_at + 8)?)?)
}

/// The physical blocks of a partitioned filter (format version 3) at `start..end`: its
/// partitions, as its descriptor (its trailer unchecked) places them, and the descriptor.
fn filter_blocks(data: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
    let Some(descriptor_at) = end.checked_sub(DESCRIPTOR_LEN).filter(|&at| at >= start) else {
        return vec![(start, end)];
    };
    let mut blocks = Vec::new();
    let shape = data
        .get(descriptor_at..end - TRAILER_LEN)
        .and_then(|raw| FilterShape::parse(raw).ok());
    if let Some(shape) = shape.filter(|s| s.partitions_len() == (descriptor_at - start) as u64) {
        for partition in 0..shape.partitions() {
            let (at, len) = shape.partition_span(partition);
            let from = start + at as usize;
            blocks.push((from, from + len));
        }
    }
    blocks.push((descriptor_at, end));
    blocks
}

fn table_layout(data: &[u8]) -> Layout {
    let mut layout = Layout {
        meta: Vec::new(),
        data: Vec::new(),
    };
    let Some(footer_at) = data.len().checked_sub(FOOTER_LEN) else {
        return layout;
    };
    let block_at = |bytes: &[u8], at: usize| {
        let offset = usize::try_from(read_u64(bytes, at)?).ok()?;
        let size = usize::try_from(read_u64(bytes, at + 8)?).ok()?;
        let end = offset.checked_add(size)?;
        (size >= 5 && end <= footer_at).then_some((offset, end))
    };
    layout.meta = (0..3)
        .filter_map(|i| block_at(data, footer_at + i * HANDLE_LEN))
        .collect();
    let version = data
        .get(footer_at + 3 * HANDLE_LEN..footer_at + 3 * HANDLE_LEN + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes);
    if version >= 3 {
        if let Some((start, end)) = block_at(data, footer_at) {
            layout.meta.retain(|&block| block != (start, end));
            layout.meta.extend(filter_blocks(data, start, end));
        }
    }
    let decode = |(start, end): (usize, usize)| {
        data.get(start..end)
            .and_then(|physical| decode_block(Bytes::copy_from_slice(physical)).ok())
            .and_then(|raw| Block::new(raw).ok())
    };
    // Handles named by the entries of an index-format block (the first 16 bytes of each value).
    let named = |block: Block| {
        let mut handles = Vec::new();
        for entry in block.iter().take(100_000) {
            let Ok((_, value)) = entry else { break };
            if value.len() >= HANDLE_LEN {
                handles.extend(block_at(&value, 0));
            }
        }
        handles
    };
    let index = block_at(data, footer_at + 2 * HANDLE_LEN);
    let data_indexes = match (version >= 4, index.and_then(decode)) {
        // Format 4: the footer names the top level, whose entries name the index partitions.
        (true, Some(top)) => {
            let partitions = named(top);
            layout.meta.extend(partitions.iter().copied());
            partitions.into_iter().filter_map(decode).collect()
        }
        (false, Some(index)) => vec![index],
        (_, None) => Vec::new(),
    };
    for index in data_indexes {
        layout.data.extend(named(index));
    }
    layout
}

/// The physical blocks of a table file (filter, properties, index, data blocks), for seeding the
/// block targets from real tables.
pub fn table_blocks(table: &[u8]) -> Vec<Vec<u8>> {
    let layout = table_layout(table);
    layout
        .meta
        .into_iter()
        .chain(layout.data)
        .filter_map(|(start, end)| table.get(start..end).map(<[u8]>::to_vec))
        .collect()
}
