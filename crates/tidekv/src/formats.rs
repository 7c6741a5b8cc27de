//! The versions of the file formats this build writes and reads (`tidekv version` prints them).

use std::ops::RangeInclusive;

/// One stored format and the versions of it this build handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatVersion {
    /// Which format: `snapshot`, `wal`, `manifest` or `sstable`.
    pub name: &'static str,
    /// The version this build writes.
    pub writes: u32,
    /// The versions this build reads.
    pub reads: RangeInclusive<u32>,
    /// Where the format is specified, relative to the repository root.
    pub spec: &'static str,
}

/// Every stored format, with the versions this build writes and reads.
pub fn format_versions() -> Vec<FormatVersion> {
    let log = crate::disk::log_frame::VERSION;
    let log_oldest = crate::disk::log_frame::VERSION_1;
    vec![
        FormatVersion {
            name: "snapshot",
            writes: crate::snapshot::format::VERSION,
            reads: crate::snapshot::format::VERSION..=crate::snapshot::format::VERSION,
            spec: "docs/format/snapshot.md",
        },
        FormatVersion {
            name: "wal",
            writes: log,
            reads: log_oldest..=log,
            spec: "docs/format/wal.md",
        },
        FormatVersion {
            name: "manifest",
            writes: log,
            reads: log_oldest..=log,
            spec: "docs/format/manifest.md",
        },
        FormatVersion {
            name: "sstable",
            writes: crate::disk::table::builder::FORMAT_VERSION,
            reads: crate::disk::table::builder::OLDEST_READ_VERSION
                ..=crate::disk::table::builder::FORMAT_VERSION,
            spec: "docs/format/sstable.md",
        },
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_format_reads_what_it_writes() {
        let formats = super::format_versions();
        assert_eq!(formats.len(), 4);
        for f in formats {
            assert!(f.reads.contains(&f.writes), "{f:?}");
            assert!(
                std::path::Path::new("../..").join(f.spec).exists(),
                "{}",
                f.spec
            );
        }
    }
}
