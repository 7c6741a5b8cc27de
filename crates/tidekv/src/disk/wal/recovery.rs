//! Reading logs back on open.

use std::path::Path;

use bytes::Bytes;

use crate::disk::fs::Fs;
use crate::disk::wal::record::{decode_log, WalRecord};
use crate::error::{Error, Result};

/// What recovery found in one log.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) records: Vec<WalRecord>,
    /// The log's length after a torn tail (if any) was cut off; 0 if the log was removed because
    /// even its header was torn. The engine starts a new log on every open; resuming one (tests)
    /// needs the length.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) len: u64,
    /// Whether a torn tail was cut off: bytes other than the zeros of space the log had
    /// reserved past its last record (`log_file.rs`), which are cut off silently.
    pub(crate) cut: bool,
}

/// Reads log `number` at `path`. In the newest log (`is_last`) a torn tail is cut off (the file is
/// truncated and synced, or removed if even its header is torn), and what is kept is synced; any
/// other damage, and any damage in an older log, is `Error::Corruption` naming the file and the
/// record's offset.
pub(crate) fn recover(fs: &dyn Fs, path: &Path, number: u64, is_last: bool) -> Result<Recovered> {
    let bytes = fs
        .read_all(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let bytes = Bytes::from(bytes);
    let contents = decode_log(&bytes, number, is_last)
        .map_err(|bad| Error::corruption(path, bad.offset as u64, bad.reason))?;
    let torn = contents.torn_at.is_some();
    let reserved_only = bytes
        .get(contents.valid_len..)
        .is_some_and(|rest| rest.iter().all(|&b| b == 0));
    let cut = torn && !reserved_only;
    if is_last && !torn && contents.valid_len > 0 {
        // A process that crashed may have left bytes here that the OS holds but never synced.
        // Open is about to create a newer log, and an older log must be durable and whole
        // (docs/format/wal.md, "Recovery"): a power cut after that must not garble this one.
        fs.sync_file(path)
            .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
    }
    if torn {
        let io = |e| Error::io(format!("cutting the torn tail of {}", path.display()), e);
        if contents.valid_len == 0 {
            fs.remove(path).map_err(io)?;
        } else {
            fs.truncate(path, contents.valid_len as u64).map_err(io)?;
        }
    }
    Ok(Recovered {
        records: contents.records,
        len: contents.valid_len as u64,
        cut,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use bytes::Bytes;

    use super::*;
    use crate::disk::file_name::wal_path;
    use crate::disk::fs::{Fault, MemFs};
    use crate::disk::log_frame::MAX_PAYLOAD;
    use crate::disk::wal::record::{EntryKind, WalEntry, HEADER_LEN};
    use crate::disk::wal::writer::WalWriter;

    fn put(seq: u64, key: &str) -> WalRecord {
        WalRecord {
            first_seq: seq,
            entries: vec![WalEntry {
                kind: EntryKind::Put,
                key: Bytes::copy_from_slice(key.as_bytes()),
                value: Bytes::from_static(b"value"),
                expires_at: None,
            }],
        }
    }

    fn dir() -> PathBuf {
        PathBuf::from("/db")
    }

    #[test]
    fn a_crash_keeps_exactly_the_synced_records() {
        let fs = MemFs::new();
        let mut log = WalWriter::create(&fs, &dir(), 1, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        log.append(&put(2, "b")).unwrap();
        log.sync().unwrap();
        log.append(&put(3, "c")).unwrap();
        fs.crash();
        let got = recover(&fs, &wal_path(&dir(), 1), 1, true).unwrap();
        assert_eq!(got.records, vec![put(1, "a"), put(2, "b")]);
        assert!(!got.cut, "nothing unsynced reached the file");
    }

    #[test]
    fn a_short_write_poisons_the_log_and_recovery_cuts_it() {
        let fs = MemFs::new();
        let path = wal_path(&dir(), 4);
        let mut log = WalWriter::create(&fs, &dir(), 4, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        let good_len = log.len();
        fs.inject(Fault::Append { after: 5 });
        assert!(matches!(log.append(&put(2, "b")), Err(Error::Io { .. })));
        // Poisoned: no record can land after the partial one.
        assert!(log.append(&put(3, "c")).is_err());
        assert!(log.sync().is_err());
        let got = recover(&fs, &path, 4, true).unwrap();
        assert_eq!(got.records, vec![put(1, "a")]);
        assert!(got.cut);
        assert_eq!(got.len, good_len);
        assert_eq!(
            fs.read_all(&path).unwrap().len() as u64,
            good_len,
            "the tail was cut off"
        );
        // The log can be continued where the good part ends.
        let mut log = WalWriter::resume(&fs, &path, 4, got.len).unwrap();
        log.append(&put(2, "b")).unwrap();
        log.sync().unwrap();
        let again = recover(&fs, &path, 4, true).unwrap();
        assert_eq!(again.records, vec![put(1, "a"), put(2, "b")]);
    }

    #[test]
    fn a_failed_sync_poisons_the_log() {
        let fs = MemFs::new();
        let mut log = WalWriter::create(&fs, &dir(), 2, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        fs.inject(Fault::Sync);
        assert!(log.sync().is_err());
        assert!(
            log.append(&put(2, "b")).is_err(),
            "no write is accepted after a failed fsync"
        );
    }

    /// Each record synced before the next is appended (`Durability::Sync`): every record but the
    /// last is witnessed as durable by the one after it.
    #[test]
    fn damage_in_the_middle_is_corruption_naming_file_and_offset() {
        let fs = MemFs::new();
        let path = wal_path(&dir(), 3);
        let mut log = WalWriter::create(&fs, &dir(), 3, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        log.sync().unwrap();
        let second = log.len();
        log.append(&put(2, "b")).unwrap();
        log.sync().unwrap();
        log.append(&put(3, "c")).unwrap();
        log.sync().unwrap();
        fs.corrupt(&path, second as usize + 12, 0xEE);
        match recover(&fs, &path, 3, true) {
            Err(Error::Corruption { file, offset, .. }) => {
                assert_eq!(file, path);
                assert_eq!(offset, second);
            }
            other => panic!("expected corruption, got {other:?}"),
        }
        assert!(
            fs.read_all(&path).unwrap().len() as u64 > log.len(),
            "nothing was cut: the space reserved past the records is still there"
        );
    }

    #[test]
    fn a_log_torn_inside_its_header_is_removed() {
        let fs = MemFs::new();
        let path = wal_path(&dir(), 9);
        fs.put(
            &path,
            crate::disk::wal::record::encode_header(9)[..HEADER_LEN / 2].to_vec(),
        );
        let got = recover(&fs, &path, 9, true).unwrap();
        assert!(got.records.is_empty() && got.cut && got.len == 0);
        assert!(fs.read_all(&path).is_err());
        fs.put(
            &path,
            crate::disk::wal::record::encode_header(9)[..HEADER_LEN / 2].to_vec(),
        );
        assert!(matches!(
            recover(&fs, &path, 9, false),
            Err(Error::Corruption { .. })
        ));
    }

    /// What the power-loss sweep once found (in CI, by the timing of a background flush): a new
    /// log's header written under the log's name, the directory synced by a flush on another
    /// thread, and the power cut before the header's own sync. The next open met a log whose
    /// header was garbage and refused to open ("not a tidekv log (bad magic)"). Every log the
    /// cut leaves must recover.
    #[test]
    fn a_power_cut_while_a_log_is_created_leaves_no_log_that_fails_to_recover() {
        use crate::disk::file_name::parse_wal;
        use crate::disk::fs::Damage;
        for seed in 0..32 {
            let fs = MemFs::new();
            fs.inject(Fault::Sync);
            assert!(WalWriter::create(&fs, &dir(), 7, MAX_PAYLOAD).is_err());
            fs.sync_dir(&dir()).unwrap();
            fs.power_cut(Damage::Garbage { seed });
            for path in fs.list(&dir()).unwrap() {
                if let Some(number) = parse_wal(&path) {
                    let recovered = recover(&fs, &path, number, true);
                    assert!(recovered.is_ok(), "seed {seed}: {recovered:?}");
                }
            }
        }
    }

    #[test]
    fn a_log_on_real_files_round_trips_and_cuts_a_torn_tail() {
        use crate::disk::fs::StdFs;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let path = wal_path(dir, 1);
        let mut log = WalWriter::create(&StdFs, dir, 1, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        let good = log.len();
        log.append(&put(2, "b")).unwrap();
        log.sync().unwrap();
        drop(log);
        // Tear the last record as a crash mid-append would.
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(good + 5).unwrap();
        let got = recover(&StdFs, &path, 1, true).unwrap();
        assert_eq!(got.records, vec![put(1, "a")]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
    }

    /// The log reserves space past its records; a crash leaves zeros there, which recovery cuts
    /// off without reporting a torn tail. Real garbage there is still a torn tail.
    #[test]
    fn reserved_space_is_zeros_that_recovery_cuts_without_calling_them_torn() {
        use crate::disk::wal::writer::RESERVE_AHEAD;
        let fs = MemFs::new();
        let path = wal_path(&dir(), 5);
        let mut log = WalWriter::create(&fs, &dir(), 5, MAX_PAYLOAD).unwrap();
        let first_end = log.append(&put(1, "a")).unwrap();
        log.append(&put(2, "b")).unwrap();
        log.sync().unwrap();
        let records = log.len();
        // The first append reserved RESERVE_AHEAD past its own end; the second fit in it.
        assert_eq!(fs.file_size(&path).unwrap(), first_end + RESERVE_AHEAD);
        fs.crash();
        let got = recover(&fs, &path, 5, true).unwrap();
        assert_eq!(got.records, vec![put(1, "a"), put(2, "b")]);
        assert!(!got.cut, "only reserved zeros followed the records");
        assert_eq!(
            fs.file_size(&path).unwrap(),
            records,
            "the zeros are cut off"
        );

        // Garbage in the reserved space is a torn tail, as anywhere else.
        let mut log = WalWriter::create(&fs, &dir(), 6, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        log.sync().unwrap();
        drop(log);
        let path = wal_path(&dir(), 6);
        let mut bytes = fs.read_all(&path).unwrap();
        let at = bytes.len() - 10;
        bytes[at] = 0x5A;
        fs.put(&path, bytes);
        let got = recover(&fs, &path, 6, true).unwrap();
        assert_eq!(got.records, vec![put(1, "a")]);
        assert!(got.cut);
    }

    /// `complete` leaves the log ending at its last record, so it reads as an older log; without
    /// it the reserved zeros after the records are corruption in an older log.
    #[test]
    fn a_completed_log_ends_at_its_last_record_and_reads_as_an_older_log() {
        let fs = MemFs::new();
        let mut log = WalWriter::create(&fs, &dir(), 8, MAX_PAYLOAD).unwrap();
        log.append(&put(1, "a")).unwrap();
        log.sync().unwrap();
        let path = wal_path(&dir(), 8);
        let err = recover(&fs, &path, 8, false).unwrap_err();
        assert!(matches!(err, Error::Corruption { .. }), "{err:?}");
        log.complete().unwrap();
        assert_eq!(fs.file_size(&path).unwrap(), log.len());
        fs.crash();
        assert_eq!(
            fs.file_size(&path).unwrap(),
            log.len(),
            "the trim was synced"
        );
        let got = recover(&fs, &path, 8, false).unwrap();
        assert_eq!(got.records, vec![put(1, "a")]);
    }
}
