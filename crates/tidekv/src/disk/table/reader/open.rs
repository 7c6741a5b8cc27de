//! Opening a table: its footer, then what its format version keeps in memory from the start.
//!
//! - Versions 1 and 2: the filter, the properties and the index, contiguous, in one read; all
//!   pinned at once.
//! - Versions 3 and 4: the filter's descriptor and the properties, contiguous, in one small read.
//!   The index (version 4: its top level) is read on first use (`index_source.rs`), the filter's
//!   partitions as lookups need them (`filter.rs`), so opening a table for one lookup costs two
//!   small reads whatever its size, and from version 4 the lookup itself reads 4 KiB of index.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use super::filter::TableFilter;
use super::index::TableIndex;
use super::index_source::{IndexSource, PARTITIONED_INDEX_FROM};
use super::meta::{parse_footer, parse_properties, physical, Footer};
use super::{read, Charges, Inner, TableReader};
use crate::disk::fs::{Fs, RandomAccessFile};
use crate::disk::table::block::Block;
use crate::disk::table::bloom::BloomFilter;
use crate::disk::table::bloom_partitioned::{FilterShape, DESCRIPTOR_LEN};
use crate::disk::table::builder::{TableInfo, FOOTER_LEN};
use crate::disk::table::compression::decode_block;
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::error::{Error, Result};

/// The first format version with a partitioned filter.
const PARTITIONED_FILTER_FROM: u32 = 3;

impl TableReader {
    /// Opens table number `number` at `path` and checks its footer and layout (see the module
    /// docs for what else is read now). Its data blocks are read later through the budget's
    /// block cache, keyed by `number`; what it pins is charged to `budget`.
    pub(crate) fn open(
        fs: &dyn Fs,
        path: &Path,
        number: u64,
        budget: Arc<MetadataBudget>,
    ) -> Result<TableReader> {
        let file = fs
            .open_read(path)
            .map_err(|e| Error::io(format!("opening table {}", path.display()), e))?;
        let corrupt = |offset: u64, why: String| Error::corruption(path, offset, why);
        let size = file.len();
        let Some(footer_at) = size.checked_sub(FOOTER_LEN as u64) else {
            return Err(corrupt(
                0,
                format!(
                    "file of {size} bytes is shorter than the {FOOTER_LEN}-byte footer (truncated?)"
                ),
            ));
        };
        let footer = parse_footer(&read(&*file, path, footer_at, FOOTER_LEN, "footer")?)
            .map_err(|why| corrupt(footer_at, why))?;
        check_layout(&footer, footer_at).map_err(|why| corrupt(footer_at, why))?;
        let opened = if footer.version >= PARTITIONED_FILTER_FROM {
            open_partitioned(&*file, path, &footer)?
        } else {
            open_whole(&*file, path, &footer)?
        };
        let mut info = opened.info;
        info.size = size;
        let charged =
            opened.pinned + std::mem::size_of::<Inner>() + info.smallest.len() + info.largest.len();
        budget.charge(charged);
        Ok(TableReader {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                number,
                file,
                cache: Arc::clone(budget.blocks()),
                budget,
                charges: Charges {
                    open: charged,
                    ..Charges::default()
                },
                index: opened.index,
                data_end: footer.filter.offset,
                filter: opened.filter,
                info,
            }),
        })
    }
}

/// What an open reads, by format version.
struct Opened {
    filter: TableFilter,
    info: TableInfo,
    index: IndexSource,
    /// Bytes read and kept.
    pinned: usize,
}

/// The blocks follow each other in the order filter, properties, index, ending at the footer.
/// From version 4 the index partitions lie between the properties and the index's top level
/// (which the footer names), checked when the top level is read.
fn check_layout(footer: &Footer, footer_at: u64) -> std::result::Result<(), String> {
    // The index's top level starts past at least one byte of partitions; every other block
    // starts right where the one before it ends.
    let partitioned = footer.version >= PARTITIONED_INDEX_FROM;
    let order = [
        (footer.filter, footer.filter.offset, false, "filter"),
        (
            footer.properties,
            footer.filter.end(),
            false,
            "properties block",
        ),
        (
            footer.index,
            footer.properties.end(),
            partitioned,
            "index block",
        ),
    ];
    for (handle, expected, after, what) in order {
        let placed = match after {
            true => handle.offset > expected,
            false => handle.offset == expected,
        };
        if !placed || handle.end() > footer_at {
            return Err(format!(
                "footer places the {what} at {}..{}, outside the table's layout",
                handle.offset,
                handle.end()
            ));
        }
    }
    if footer.index.end() != footer_at {
        return Err("index block does not end at the footer".into());
    }
    Ok(())
}

/// Versions 1 and 2: filter, properties and index in one read, all checked and pinned.
fn open_whole(file: &dyn RandomAccessFile, path: &Path, footer: &Footer) -> Result<Opened> {
    let corrupt = |offset: u64, why: String| Error::corruption(path, offset, why);
    let meta_start = footer.filter.offset;
    let meta_len = usize::try_from(footer.index.end() - meta_start)
        .map_err(|_| corrupt(meta_start, "table metadata too large to read".into()))?;
    let meta = Bytes::from(read(file, path, meta_start, meta_len, "metadata blocks")?);
    let raw_block = |handle, what: &str| {
        physical(&meta, meta_start, handle)
            .and_then(|block| decode_block(meta.slice_ref(block)))
            .map_err(|why| corrupt(handle.offset, format!("{what}: {why}")))
    };
    let filter = BloomFilter::new(raw_block(footer.filter, "filter")?, footer.version)
        .map_err(|why| corrupt(footer.filter.offset, why))?;
    let info = parse_properties(&raw_block(footer.properties, "properties block")?)
        .map_err(|why| corrupt(footer.properties.offset, format!("properties block: {why}")))?;
    let index = Block::new(raw_block(footer.index, "index block")?)
        .and_then(|block| TableIndex::parse(&block, footer.filter.offset, &info))
        .map_err(|why| corrupt(footer.index.offset, format!("index block: {why}")))?;
    let pinned = meta_len + index.pinned_bytes();
    Ok(Opened {
        filter: TableFilter::Whole(filter),
        info,
        index: IndexSource::Whole {
            handle: footer.index,
            index: OnceLock::from(index),
        },
        pinned,
    })
}

/// Version 3: the filter's descriptor and the properties in one read; the index and the filter's
/// partitions are read later.
fn open_partitioned(file: &dyn RandomAccessFile, path: &Path, footer: &Footer) -> Result<Opened> {
    let corrupt = |offset: u64, why: String| Error::corruption(path, offset, why);
    let filter = footer.filter;
    let Some(descriptor_at) = filter.size.checked_sub(DESCRIPTOR_LEN as u64) else {
        return Err(corrupt(
            filter.offset,
            format!(
                "filter of {} bytes is shorter than its {DESCRIPTOR_LEN}-byte descriptor",
                filter.size
            ),
        ));
    };
    let descriptor_at = filter.offset + descriptor_at;
    let len = usize::try_from(footer.properties.end() - descriptor_at)
        .map_err(|_| corrupt(descriptor_at, "properties block too large to read".into()))?;
    let bytes = Bytes::from(read(file, path, descriptor_at, len, "filter descriptor")?);
    let descriptor = bytes.slice(..DESCRIPTOR_LEN.min(bytes.len()));
    let shape = decode_block(descriptor)
        .and_then(|raw| FilterShape::parse(&raw))
        .map_err(|why| corrupt(descriptor_at, format!("filter descriptor: {why}")))?;
    if shape.partitions_len() != descriptor_at - filter.offset {
        return Err(corrupt(
            descriptor_at,
            format!(
                "filter descriptor names {} bytes of partitions, but {} lie before it",
                shape.partitions_len(),
                descriptor_at - filter.offset
            ),
        ));
    }
    let properties = physical(&bytes, descriptor_at, footer.properties)
        .and_then(|block| decode_block(bytes.slice_ref(block)))
        .and_then(|raw| parse_properties(&raw))
        .map_err(|why| corrupt(footer.properties.offset, format!("properties block: {why}")))?;
    Ok(Opened {
        filter: TableFilter::Partitioned {
            shape,
            offset: filter.offset,
            whole: OnceLock::new(),
        },
        info: properties,
        index: IndexSource::lazy(footer.version, footer.index, footer.properties.end()),
        pinned: 0,
    })
}
