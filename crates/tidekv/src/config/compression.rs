//! The block compression setting of the disk backend (the codec itself is in
//! `disk/table/compression.rs`).

/// How the table builder asks for blocks to be compressed. A block is stored uncompressed whatever
/// is asked when compression saves less than an eighth of it: reading it back would cost CPU for
/// little disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Store blocks as they are.
    None,
    /// LZ4 (block format, size prepended): fast to compress and to read, modest ratio.
    Lz4,
    /// Snappy (raw format, its own length prefix): about as fast as LZ4, for users whose tools or
    /// habits expect it (RocksDB's and LevelDB's default).
    Snappy,
    /// Zstandard at the given level (0 means zstd's default, 3; higher compresses more, slower).
    Zstd(i32),
}
