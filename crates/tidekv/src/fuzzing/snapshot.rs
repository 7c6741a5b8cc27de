//! A snapshot file (`snapshot`): every record through `SnapshotReader`, and the round trip of what
//! was read through `SnapshotWriter`.

use std::path::Path;

use super::shared::{broken, check_file_error, put, read_u32};
use crate::engine::{Record, StoredValue};
use crate::error::Error;
use crate::snapshot::format::{self as snapshot_format, CHUNK_HEADER_LEN};
use crate::snapshot::{SnapshotReader, SnapshotWriter};

/// `SnapshotReader` over `data` as a snapshot file, every record, as given and with its checksums
/// recomputed. A snapshot read to its end re-encodes to a file that reads to the same records.
pub fn snapshot(data: &[u8]) {
    check_snapshot(data);
    let mut fixed = data.to_vec();
    fix_snapshot(&mut fixed);
    if fixed != data {
        check_snapshot(&fixed);
    }
}

fn check_snapshot(data: &[u8]) {
    let path = Path::new("/in.tkv");
    let Some(records) = read_snapshot(data, path) else {
        return;
    };
    for record in &records {
        assert!(record.expires_at != Some(0), "expiry 0 means none");
        if let StoredValue::List(items) = &record.value {
            assert!(!items.is_empty(), "an empty list was read");
        }
    }
    let created = snapshot_format::decode_header(data).unwrap_or(0);
    let mut writer = match SnapshotWriter::new(Vec::new(), created, |e| Error::io("fuzz", e)) {
        Ok(writer) => writer,
        Err(_) => broken("a snapshot writer over memory failed"),
    };
    for record in records.iter().cloned() {
        assert!(
            writer.add(record).is_ok(),
            "a record that was read does not write"
        );
    }
    let written = writer.finish().map(|(bytes, _)| bytes);
    let again = written.ok().and_then(|bytes| read_snapshot(&bytes, path));
    assert_eq!(again, Some(records), "a snapshot does not round-trip");
}

/// Every record of the snapshot `data`, or `None` if reading it stopped at an error (which must be
/// corruption naming `path` at an offset inside the data).
fn read_snapshot(data: &[u8], path: &Path) -> Option<Vec<Record>> {
    let reader = match SnapshotReader::new(data, path.to_path_buf()) {
        Ok(reader) => reader,
        Err(e) => {
            check_file_error(&e, path, data.len());
            return None;
        }
    };
    let mut records = Vec::new();
    for record in reader {
        match record {
            Ok(record) => records.push(record),
            Err(e) => {
                check_file_error(&e, path, data.len());
                return None;
            }
        }
    }
    Some(records)
}

/// Recomputes the header checksum and the checksum of each chunk, as far as their lengths fit.
fn fix_snapshot(data: &mut [u8]) {
    let header = snapshot_format::HEADER_LEN;
    let Some(head) = data.get(..header - 4) else {
        return;
    };
    let crc = crc32c::crc32c(head);
    put(data, header - 4, &crc.to_le_bytes());
    let mut at = header;
    while let Some(len) = read_u32(data, at + 4) {
        let body = at + CHUNK_HEADER_LEN;
        let Some(payload) = data.get(body..body.saturating_add(len as usize)) else {
            return;
        };
        let crc = crc32c::crc32c_append(
            crc32c::crc32c(data.get(at..at + 8).unwrap_or_default()),
            payload,
        );
        put(data, at + 8, &crc.to_le_bytes());
        at = body + len as usize;
    }
}
