//! The table's metadata as pure functions over bytes: the footer and the properties block (the
//! index is `index.rs`), each checked against the layout of `docs/format/sstable.md` ("Table layout"). Every
//! failure is a reason string; the reader turns it into `Error::Corruption` at the block's offset.

use bytes::Bytes;

use crate::disk::key::split_seq;
use crate::disk::table::builder::{
    footer_crc, BlockHandle, TableInfo, FOOTER_LEN, FORMAT_VERSION, HANDLE_LEN, MAGIC,
    OLDEST_READ_VERSION,
};

/// The three handles of a table's footer.
pub(super) struct Footer {
    pub(super) filter: BlockHandle,
    pub(super) properties: BlockHandle,
    pub(super) index: BlockHandle,
    /// The table's format version (it decides the filter's layout).
    pub(super) version: u32,
}

/// Checks a table's last [`FOOTER_LEN`] bytes: magic, checksum, version.
pub(super) fn parse_footer(footer: &[u8]) -> Result<Footer, String> {
    let (Some(head), Some(crc), Some(magic)) = (
        footer.get(..FOOTER_LEN - 12),
        footer.get(FOOTER_LEN - 12..FOOTER_LEN - 8),
        footer.get(FOOTER_LEN - 8..),
    ) else {
        return Err("footer cut short".into());
    };
    if footer.len() != FOOTER_LEN {
        return Err(format!(
            "footer of {} bytes, not {FOOTER_LEN}",
            footer.len()
        ));
    }
    if magic != MAGIC {
        return Err("footer has no TIDEKVST magic: not a tidekv table, or truncated".into());
    }
    if footer_crc(head, magic) != read_u32(crc, 0) {
        return Err("footer checksum mismatch".into());
    }
    let version = read_u32(head, 3 * HANDLE_LEN);
    if !(OLDEST_READ_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(format!(
            "table format version {version} is not supported (this build reads \
             {OLDEST_READ_VERSION} to {FORMAT_VERSION})"
        ));
    }
    Ok(Footer {
        filter: read_handle(head, 0),
        properties: read_handle(head, HANDLE_LEN),
        index: read_handle(head, 2 * HANDLE_LEN),
        version,
    })
}

/// Decodes the properties block (see `builder::encode_properties`). `size` is left 0.
pub(super) fn parse_properties(raw: &[u8]) -> Result<TableInfo, String> {
    let mut pos = 0;
    let entries = read_u64(take(raw, &mut pos, 8)?, 0);
    let min_seq = read_u64(take(raw, &mut pos, 8)?, 0);
    let max_seq = read_u64(take(raw, &mut pos, 8)?, 0);
    let len = read_u32(take(raw, &mut pos, 4)?, 0) as usize;
    let smallest = Bytes::copy_from_slice(take(raw, &mut pos, len)?);
    let len = read_u32(take(raw, &mut pos, 4)?, 0) as usize;
    let largest = Bytes::copy_from_slice(take(raw, &mut pos, len)?);
    if pos != raw.len() {
        return Err(format!("{} bytes follow the last field", raw.len() - pos));
    }
    if entries == 0 {
        return Err("table records no entries".into());
    }
    let (Some((_, first)), Some((_, last))) = (split_seq(&smallest), split_seq(&largest)) else {
        return Err("smallest or largest key is shorter than a sequence number".into());
    };
    if smallest > largest || min_seq > max_seq {
        return Err("smallest key or sequence is above the largest".into());
    }
    // Reads skip a table whose smallest sequence number is above theirs: it must not claim more
    // than its own first and last keys show.
    if [first, last]
        .iter()
        .any(|&seq| seq < min_seq || seq > max_seq)
    {
        return Err(format!(
            "sequence range {min_seq}..={max_seq} does not hold its first and last keys' ({first}, {last})"
        ));
    }
    Ok(TableInfo {
        size: 0,
        entries,
        smallest,
        largest,
        min_seq,
        max_seq,
    })
}

/// The `n` bytes at `*pos`, moving `*pos` past them.
fn take<'a>(raw: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let start = *pos;
    let bytes = start
        .checked_add(n)
        .and_then(|end| raw.get(start..end))
        .ok_or_else(|| format!("field at offset {start} runs past the block"))?;
    *pos = start + n;
    Ok(bytes)
}

/// The physical block at `handle`, if it lies inside `region`, the bytes of the file from offset
/// `base`.
pub(super) fn physical(region: &[u8], base: u64, handle: BlockHandle) -> Result<&[u8], String> {
    handle
        .offset
        .checked_sub(base)
        .and_then(|start| usize::try_from(start).ok())
        .zip(usize::try_from(handle.size).ok())
        .and_then(|(start, size)| region.get(start..start.checked_add(size)?))
        .ok_or_else(|| {
            format!(
                "block at {}..{} lies outside the table's bytes {}..{}",
                handle.offset,
                handle.end(),
                base,
                base + region.len() as u64
            )
        })
}

pub(super) fn read_handle(bytes: &[u8], at: usize) -> BlockHandle {
    BlockHandle {
        offset: read_u64(bytes, at),
        size: read_u64(bytes, at + 8),
    }
}

/// The little-endian u64 at `at`; callers pass slices long enough (0 otherwise, never a panic).
pub(super) fn read_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The little-endian u32 at `at`; callers pass slices long enough (0 otherwise, never a panic).
fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}
