//! The table format's worked example (`docs/format/sstable.md`, "Table layout"), byte for byte,
//! and tables of the older format versions this build still reads.

use super::test_support::*;
use super::*;
use crate::config::Compression;
use crate::disk::fs::{Fs, MemFs};
use crate::disk::table::builder::{TableOptions, FOOTER_LEN};

/// Writes the table of the worked example: one entry, no compression, no filter bits.
fn write_documented_example(fs: &MemFs) -> TableInfo {
    let options = TableOptions {
        compression: Compression::None,
        bloom_bits_per_key: 0,
        ..TableOptions::default()
    };
    write(fs, &[(key("k", 1), Bytes::from("v"))], options)
}

#[test]
fn documented_example_layout() {
    let fs = MemFs::new();
    let info = write_documented_example(&fs);
    let table = open(&fs).unwrap();
    assert_eq!(layout(&table), (vec![0], 33, 47, 164, 220));
    assert_eq!(info.size, 284);
    let raw = fs.read_all(&path()).unwrap();
    // The filter: no partitions, then the descriptor (k 1, 0 blocks, 64 blocks a partition).
    let descriptor: &[u8] = &[1, 0, 0, 0, 0, 64, 0, 0, 0, 0];
    assert_eq!(&raw[33..43], descriptor);
    assert_eq!(crc32c::crc32c(descriptor), 0x1FDA_E160);
    assert_eq!(&raw[43..47], [0x60, 0xE1, 0xDA, 0x1F]);
    // The one index partition names the data block: its last key, then its handle (0, 33).
    let mut partition = vec![0, 16, 16];
    partition.extend_from_slice(&key("k", 1));
    partition.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0, 0, 0, 0, 0]);
    partition.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(&raw[116..159], partition);
    assert_eq!(raw[159], 0, "partition stored raw");
    // The top level names the partition: the same key, its handle (116, 48), its data start 0.
    let mut top = vec![0, 16, 24];
    top.extend_from_slice(&key("k", 1));
    top.extend_from_slice(&[116, 0, 0, 0, 0, 0, 0, 0, 48, 0, 0, 0, 0, 0, 0, 0]);
    top.extend_from_slice(&[0; 8]);
    top.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(&raw[164..215], top);
    assert_eq!(raw[215], 0, "top level stored raw");
    #[rustfmt::skip]
    let footer: &[u8] = &[
        33, 0, 0, 0, 0, 0, 0, 0,   14, 0, 0, 0, 0, 0, 0, 0,   // filter at 33, 14 bytes
        47, 0, 0, 0, 0, 0, 0, 0,   69, 0, 0, 0, 0, 0, 0, 0,   // properties at 47, 69 bytes
        164, 0, 0, 0, 0, 0, 0, 0,  56, 0, 0, 0, 0, 0, 0, 0,   // top-level index at 164, 56 bytes
        4, 0, 0, 0,                                           // format version 4
    ];
    assert_eq!(&raw[220..272], footer);
    let crc = crc32c::crc32c_append(crc32c::crc32c(footer), b"TIDEKVST");
    assert_eq!(crc, 0xB8E0_C307);
    assert_eq!(&raw[272..276], crc.to_le_bytes());
    assert_eq!(&raw[276..], b"TIDEKVST");
}

/// The table of `documented_example_layout` as a build of format 3 wrote it: the same blocks up
/// to the index partition, which was then the whole index block, and no top level.
fn as_version_3(fs: &MemFs) {
    let raw = fs.read_all(&path()).unwrap();
    let mut out = raw[..164].to_vec();
    out.extend_from_slice(&footer_for([(33, 14), (47, 69), (116, 48)], 3));
    fs.put(&path(), out);
}

/// A footer naming the filter, properties and index at `(offset, size)`, claiming `version`.
fn footer_for(handles: [(u64, u64); 3], version: u32) -> Vec<u8> {
    let mut footer = Vec::new();
    for (offset, size) in handles {
        footer.extend_from_slice(&offset.to_le_bytes());
        footer.extend_from_slice(&size.to_le_bytes());
    }
    footer.extend_from_slice(&version.to_le_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&footer), b"TIDEKVST");
    footer.extend_from_slice(&crc.to_le_bytes());
    footer.extend_from_slice(b"TIDEKVST");
    footer
}

/// The table of `documented_example_layout` as a build of format `version` 1 or 2 wrote it: the
/// same blocks, but a filter of one physical block (here the one byte `k`, no bits), and a
/// footer to match.
fn as_legacy(fs: &MemFs, version: u32) {
    let raw = fs.read_all(&path()).unwrap();
    let mut out = raw[..33].to_vec();
    let filter = crate::disk::table::compression::encode_block(&[1], Compression::None).unwrap();
    out.extend_from_slice(&filter);
    out.extend_from_slice(&raw[47..164]);
    out.extend_from_slice(&footer_for([(33, 6), (39, 69), (108, 48)], version));
    fs.put(&path(), out);
}

/// The table of `documented_example_layout` with its footer claiming `version` (and a footer
/// checksum to match).
fn with_footer_version(fs: &MemFs, version: u32) {
    let mut raw = fs.read_all(&path()).unwrap();
    let footer_at = raw.len() - FOOTER_LEN;
    raw[footer_at + 48..footer_at + 52].copy_from_slice(&version.to_le_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&raw[footer_at..footer_at + 52]), b"TIDEKVST");
    raw[footer_at + 52..footer_at + 56].copy_from_slice(&crc.to_le_bytes());
    fs.put(&path(), raw);
}

/// Tables written before the partitioned filters (format versions 1 and 2) and before the
/// partitioned index (version 3) are still read; a version from a newer build is refused by name.
#[test]
fn version_1_to_3_tables_are_read_and_unknown_versions_refused() {
    let fs = MemFs::new();
    write_documented_example(&fs);
    as_version_3(&fs);
    let raw = fs.read_all(&path()).unwrap();
    // Byte for byte the worked example of the version-3 documentation.
    assert_eq!(raw.len(), 228);
    assert_eq!(&raw[216..220], [0x5C, 0x20, 0x35, 0xAC]);
    let table = open(&fs).unwrap();
    assert_eq!(table.inner.index_held(), (false, false));
    assert_eq!(
        table.get_at(&prefix("k"), u64::MAX).unwrap(),
        Some((1, Bytes::from("v")))
    );
    assert_eq!(table.inner.index_held(), (true, true));
    assert_eq!(layout(&table), (vec![0], 33, 47, 116, 164));
    assert!(table.inner.partitions().unwrap().is_empty());
    assert_eq!(table.get_at(&prefix("j"), u64::MAX).unwrap(), None);
    assert_eq!(collect(table.iter()).unwrap().len(), 1);

    for version in [1, 2] {
        let fs = MemFs::new();
        write_documented_example(&fs);
        as_legacy(&fs, version);
        let table = open(&fs).unwrap();
        assert_eq!(layout(&table), (vec![0], 33, 39, 108, 156));
        assert_eq!(
            table.get_at(&prefix("k"), u64::MAX).unwrap(),
            Some((1, Bytes::from("v")))
        );
        assert_eq!(table.get_at(&prefix("j"), u64::MAX).unwrap(), None);
    }
    let fs = MemFs::new();
    write_documented_example(&fs);
    with_footer_version(&fs, 5);
    let err = open(&fs).unwrap_err().to_string();
    assert!(
        err.contains("table format version 5 is not supported"),
        "{err}"
    );
}
