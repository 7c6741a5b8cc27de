//! Sorted string tables: immutable files of sorted key-value entries. Format:
//! `docs/format/sstable.md`; the block cache their readers share: `docs/block-cache.md`.

pub(crate) mod block;
pub(crate) mod block_builder;
pub(crate) mod bloom;
pub(crate) mod bloom_partitioned;
pub(crate) mod bloom_standard;
pub(crate) mod builder;
pub(crate) mod cache;
pub(crate) mod compression;
pub(crate) mod index_builder;
pub(crate) mod metadata_budget;
pub(crate) mod reader;
pub(crate) mod table_cache;
mod zstd_contexts;
