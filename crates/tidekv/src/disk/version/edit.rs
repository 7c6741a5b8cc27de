//! Version edits: the records of the manifest. Each edit says how the set of tables (and the
//! counters that go with it) changes; replaying every edit of the manifest in order gives the
//! current version. Format: `docs/format/manifest.md`. Stored tags are never renumbered.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::{put_sized, take_sized, take_u64, take_u8};

const TAG_LOG_NUMBER: u8 = 1;
const TAG_NEXT_FILE: u8 = 2;
const TAG_LAST_SEQUENCE: u8 = 3;
const TAG_ADD_TABLE: u8 = 4;
const TAG_REMOVE_TABLE: u8 = 5;
const TAG_TABLE_GARBAGE: u8 = 6;
const TAG_FEATURES: u8 = 7;

/// Feature bit: every record since the store was created (or upgraded) keeps each keyspace's key
/// count and expiry index (`disk/engine/key_count.rs`). A store without it is upgraded on open.
pub(crate) const FEATURE_KEY_COUNTS: u64 = 1;

/// Feature bit: each keyspace's count entry also counts its keys with an expiry
/// (`disk/engine/tally.rs`). A store without it is upgraded on open.
pub(crate) const FEATURE_EXPIRY_COUNTS: u64 = 2;

/// Every feature bit this build knows.
pub(crate) const KNOWN_FEATURES: u64 = FEATURE_KEY_COUNTS | FEATURE_EXPIRY_COUNTS;

/// One table as the manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableMeta {
    pub(crate) level: u8,
    pub(crate) number: u64,
    /// File size in bytes.
    pub(crate) size: u64,
    /// Entries (every version and tombstone) in the table.
    pub(crate) entries: u64,
    /// Smallest and largest internal key.
    pub(crate) smallest: Bytes,
    pub(crate) largest: Bytes,
    /// What in the table may be garbage: compaction uses it to pick tables worth rewriting.
    pub(crate) garbage: Garbage,
}

/// Counts of entries that are, or will become, dead weight in a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Garbage {
    /// Tombstones.
    pub(crate) tombstones: u64,
    /// Entries with an expiry time.
    pub(crate) expiring: u64,
    /// The latest expiry time among them (Unix ms; 0 if none): once it is past, all of them are
    /// expired.
    pub(crate) latest_expiry: u64,
}

/// A change to the current version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VersionEdit {
    /// Every write in logs numbered below this is in tables: those logs can go.
    pub(crate) log_number: Option<u64>,
    /// The next unused file number.
    pub(crate) next_file: Option<u64>,
    /// The highest sequence number in any table.
    pub(crate) last_sequence: Option<u64>,
    pub(crate) added: Vec<TableMeta>,
    /// `(level, file number)` of tables that leave the version.
    pub(crate) removed: Vec<(u8, u64)>,
    /// The store's feature bits from now on (`FEATURE_*`); absent: unchanged.
    pub(crate) features: Option<u64>,
}

impl VersionEdit {
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), String> {
        for (tag, value) in [
            (TAG_LOG_NUMBER, self.log_number),
            (TAG_NEXT_FILE, self.next_file),
            (TAG_LAST_SEQUENCE, self.last_sequence),
            (TAG_FEATURES, self.features),
        ] {
            if let Some(value) = value {
                out.put_u8(tag);
                out.put_u64_le(value);
            }
        }
        for table in &self.added {
            out.put_u8(TAG_ADD_TABLE);
            out.put_u8(table.level);
            out.put_u64_le(table.number);
            out.put_u64_le(table.size);
            out.put_u64_le(table.entries);
            put_sized(out, &table.smallest)?;
            put_sized(out, &table.largest)?;
            let g = table.garbage;
            if g != Garbage::default() {
                out.put_u8(TAG_TABLE_GARBAGE);
                out.put_u64_le(table.number);
                out.put_u64_le(g.tombstones);
                out.put_u64_le(g.expiring);
                out.put_u64_le(g.latest_expiry);
            }
        }
        for (level, number) in &self.removed {
            out.put_u8(TAG_REMOVE_TABLE);
            out.put_u8(*level);
            out.put_u64_le(*number);
        }
        Ok(())
    }

    pub(crate) fn decode(mut buf: Bytes) -> Result<VersionEdit, String> {
        let mut edit = VersionEdit::default();
        while buf.has_remaining() {
            match take_u8(&mut buf, "edit")? {
                TAG_LOG_NUMBER => edit.log_number = Some(take_u64(&mut buf, "edit")?),
                TAG_NEXT_FILE => edit.next_file = Some(take_u64(&mut buf, "edit")?),
                TAG_LAST_SEQUENCE => edit.last_sequence = Some(take_u64(&mut buf, "edit")?),
                TAG_FEATURES => {
                    let features = take_u64(&mut buf, "edit")?;
                    if features & !KNOWN_FEATURES != 0 {
                        return Err(format!(
                            "features {features:#x}: written by a newer build (this one knows {KNOWN_FEATURES:#x})"
                        ));
                    }
                    edit.features = Some(features);
                }
                TAG_ADD_TABLE => {
                    let level = take_u8(&mut buf, "edit")?;
                    let number = take_u64(&mut buf, "edit")?;
                    let size = take_u64(&mut buf, "edit")?;
                    let entries = take_u64(&mut buf, "edit")?;
                    let smallest = take_sized(&mut buf, "edit")?;
                    let largest = take_sized(&mut buf, "edit")?;
                    if smallest > largest {
                        return Err(format!("table {number}: smallest key after largest"));
                    }
                    edit.added.push(TableMeta {
                        level,
                        number,
                        size,
                        entries,
                        smallest,
                        largest,
                        garbage: Garbage::default(),
                    });
                }
                TAG_TABLE_GARBAGE => {
                    let number = take_u64(&mut buf, "edit")?;
                    let garbage = Garbage {
                        tombstones: take_u64(&mut buf, "edit")?,
                        expiring: take_u64(&mut buf, "edit")?,
                        latest_expiry: take_u64(&mut buf, "edit")?,
                    };
                    match edit.added.iter_mut().rev().find(|t| t.number == number) {
                        Some(table) => table.garbage = garbage,
                        None => {
                            return Err(format!(
                                "garbage counts for table {number}, which the edit does not add"
                            ))
                        }
                    }
                }
                TAG_REMOVE_TABLE => {
                    let level = take_u8(&mut buf, "edit")?;
                    edit.removed.push((level, take_u64(&mut buf, "edit")?));
                }
                tag => return Err(format!("unknown version edit tag {tag}")),
            }
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(level: u8, number: u64) -> TableMeta {
        TableMeta {
            level,
            number,
            size: 4096 * number,
            entries: 100 + number,
            smallest: Bytes::from(format!("\x00a{number}")),
            largest: Bytes::from(format!("\x00z{number}")),
            garbage: Garbage {
                tombstones: number % 3,
                expiring: number % 2,
                latest_expiry: number * 1000,
            },
        }
    }

    #[test]
    fn a_feature_this_build_does_not_know_is_refused() {
        let edit = VersionEdit {
            features: Some(KNOWN_FEATURES | 4),
            ..VersionEdit::default()
        };
        let mut out = Vec::new();
        edit.encode(&mut out).unwrap();
        let err = VersionEdit::decode(Bytes::from(out)).unwrap_err();
        assert!(err.contains("newer build"), "{err}");
    }

    #[test]
    fn edits_round_trip() {
        let edits = [
            VersionEdit::default(),
            VersionEdit {
                log_number: Some(7),
                next_file: Some(12),
                last_sequence: Some(u64::MAX),
                added: vec![table(0, 9), table(1, 10)],
                removed: vec![(0, 3), (1, 4)],
                features: Some(FEATURE_KEY_COUNTS),
            },
        ];
        for edit in edits {
            let mut out = Vec::new();
            edit.encode(&mut out).unwrap();
            assert_eq!(VersionEdit::decode(Bytes::from(out)).unwrap(), edit);
        }
    }

    #[test]
    fn damaged_edits_are_errors() {
        let edit = VersionEdit {
            added: vec![table(2, 5)],
            ..VersionEdit::default()
        };
        let mut out = Vec::new();
        edit.encode(&mut out).unwrap();
        for cut in 0..out.len() {
            // Cut inside a field: an error. Cut between fields (before the optional garbage
            // counts): a smaller, valid edit. Never the whole edit.
            if cut > 0 {
                let decoded = VersionEdit::decode(Bytes::copy_from_slice(&out[..cut]));
                assert_ne!(decoded.as_ref().ok(), Some(&edit), "cut {cut}");
                if decoded.is_ok() {
                    assert_eq!(
                        out[cut], TAG_TABLE_GARBAGE,
                        "cut {cut} inside a field decoded"
                    );
                }
            }
        }
        assert!(VersionEdit::decode(Bytes::from_static(&[99]))
            .unwrap_err()
            .contains("tag 99"));
    }

    /// The worked example of `docs/format/manifest.md`, byte for byte.
    #[test]
    fn documented_example_matches_the_encoder() {
        let edit = VersionEdit {
            log_number: Some(11),
            next_file: Some(13),
            last_sequence: Some(1000),
            ..VersionEdit::default()
        };
        let mut out = Vec::new();
        edit.encode(&mut out).unwrap();
        assert_eq!(
            out,
            [
                1, 0x0B, 0, 0, 0, 0, 0, 0, 0, 2, 0x0D, 0, 0, 0, 0, 0, 0, 0, 3, 0xE8, 0x03, 0, 0, 0,
                0, 0, 0
            ]
        );
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = VersionEdit::decode(Bytes::from(bytes));
        }
    }
}
