//! A table's bloom filter as its reader holds it: read whole at open (format versions 1 and 2),
//! or partitioned (version 3) and kept whole only if the metadata budget has room for it,
//! otherwise read one partition per lookup (`bloom_partitioned.rs`).

use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use bytes::Bytes;

use super::{read, Inner};
use crate::disk::table::bloom::BloomFilter;
use crate::disk::table::bloom_partitioned::FilterShape;
use crate::disk::table::compression::{decode_block, TRAILER_LEN};
use crate::error::Result;

/// See the module docs.
#[derive(Debug)]
pub(super) enum TableFilter {
    /// Versions 1 and 2: read and checked at open.
    Whole(BloomFilter),
    /// Version 3.
    Partitioned {
        shape: FilterShape,
        /// Where the first partition starts in the file.
        offset: u64,
        /// Every partition, trailers included and checked, once kept whole.
        whole: OnceLock<Bytes>,
    },
}

impl TableFilter {
    /// `false` only if the table holds no key whose prefix hashes to `hash`. May read the
    /// filter (whole, if the budget has room) or one of its partitions.
    pub(super) fn may_contain(&self, table: &Inner, hash: u64) -> Result<bool> {
        let (shape, offset, whole) = match self {
            TableFilter::Whole(filter) => return Ok(filter.may_contain_hash(hash)),
            TableFilter::Partitioned {
                shape,
                offset,
                whole,
            } => (shape, *offset, whole),
        };
        let Some(partition) = shape.partition_of(hash) else {
            return Ok(true);
        };
        let (at, len) = shape.partition_span(partition);
        let region = match whole.get() {
            Some(region) => Some(region),
            None => keep_whole(table, shape, offset, whole)?,
        };
        if let Some(region) = region {
            return Ok(
                partition_bits(region, at, len).is_none_or(|bits| shape.may_contain(bits, hash))
            );
        }
        let physical = read(
            &*table.file,
            &table.path,
            offset + at,
            len,
            "bloom filter partition",
        )?;
        let bits = decode_block(Bytes::from(physical))
            .map_err(|why| table.corrupt(offset + at, format!("bloom filter partition: {why}")))?;
        Ok(shape.may_contain(&bits, hash))
    }

    /// Reads the byte a lookup of `hash` starts at, if the filter is in memory (0 otherwise),
    /// so that a batch of lookups can load every line before it probes.
    pub(super) fn touch(&self, hash: u64) -> u8 {
        match self {
            TableFilter::Whole(filter) => filter.touch(hash),
            TableFilter::Partitioned { shape, whole, .. } => {
                let (Some(region), Some(partition)) = (whole.get(), shape.partition_of(hash))
                else {
                    return 0;
                };
                let (at, len) = shape.partition_span(partition);
                partition_bits(region, at, len).map_or(0, |bits| shape.touch(bits, hash))
            }
        }
    }
}

/// Keeps the whole filter in `whole` if the metadata budget has room for it, and returns it;
/// `None` if it has not.
fn keep_whole<'a>(
    table: &Inner,
    shape: &FilterShape,
    offset: u64,
    whole: &'a OnceLock<Bytes>,
) -> Result<Option<&'a Bytes>> {
    let charge = charge_of(shape);
    if !table.budget.try_charge(charge) {
        return Ok(None);
    }
    match load_whole(table, shape, offset) {
        Ok(region) => {
            if whole.set(region).is_ok() {
                table.charges.filter.store(charge, Ordering::Relaxed);
            } else {
                // Another lookup kept it first.
                table.budget.release(charge);
            }
            Ok(whole.get())
        }
        Err(e) => {
            table.budget.release(charge);
            Err(e)
        }
    }
}

/// The bytes a whole partitioned filter pins.
fn charge_of(shape: &FilterShape) -> usize {
    usize::try_from(shape.partitions_len()).unwrap_or(usize::MAX)
}

/// The raw bits of the partition at `at..at + len` of a checked whole region.
fn partition_bits(region: &Bytes, at: u64, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(at).ok()?;
    region.get(start..start.checked_add(len.checked_sub(TRAILER_LEN)?)?)
}

/// Reads every partition and checks each one's trailer.
fn load_whole(table: &Inner, shape: &FilterShape, offset: u64) -> Result<Bytes> {
    let len = charge_of(shape);
    let region = Bytes::from(read(
        &*table.file,
        &table.path,
        offset,
        len,
        "bloom filter",
    )?);
    for partition in 0..shape.partitions() {
        let (at, len) = shape.partition_span(partition);
        let physical = usize::try_from(at)
            .ok()
            .and_then(|start| region.get(start..start.checked_add(len)?));
        let checked = physical
            .ok_or_else(|| "partition runs past the filter".to_string())
            .and_then(|physical| decode_block(region.slice_ref(physical)).map(|_| ()));
        if let Err(why) = checked {
            return Err(table.corrupt(offset + at, format!("bloom filter partition: {why}")));
        }
    }
    Ok(region)
}
