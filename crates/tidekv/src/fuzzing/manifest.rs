//! The manifest: one record's payload (`manifest_edit`, `VersionEdit::decode`) and a whole
//! manifest recovered from a store directory (`manifest_recover`).

use std::path::Path;

use bytes::Bytes;

use super::log::fix_log;
use super::shared::{broken, check_file_error, read_u64, HEADER_NUMBER_AT};
use crate::disk::file_name::{current_path, manifest_path};
use crate::disk::fs::{Fs, MemFs};
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::manifest;

/// `VersionEdit::decode` over `data` as one manifest record's payload; an edit that decodes
/// re-encodes to bytes that decode to the same edit and re-encode to themselves.
pub fn manifest_edit(data: &[u8]) {
    let Ok(edit) = VersionEdit::decode(Bytes::copy_from_slice(data)) else {
        return;
    };
    for table in &edit.added {
        assert!(
            table.smallest <= table.largest,
            "a table's key range is reversed"
        );
    }
    let mut encoded = Vec::new();
    assert!(
        edit.encode(&mut encoded).is_ok(),
        "a decoded edit does not encode"
    );
    let again = VersionEdit::decode(Bytes::from(encoded.clone()));
    assert_eq!(
        again.as_ref().ok(),
        Some(&edit),
        "an edit does not round-trip"
    );
    let mut twice = Vec::new();
    if let Ok(again) = again {
        assert!(again.encode(&mut twice).is_ok());
    }
    assert_eq!(twice, encoded, "encoding is not canonical");
}

/// `manifest::recover` over an in-memory store directory whose `CURRENT` names a manifest holding
/// `data` (numbered as its header says, so real manifests recover), as given and with its
/// checksums recomputed; then again over what recovery left.
pub fn manifest_recover(data: &[u8]) {
    check_recover(data, false);
    let mut fixed = data.to_vec();
    let whole = fix_log(&mut fixed);
    if fixed != data {
        check_recover(&fixed, whole);
    }
}

fn check_recover(data: &[u8], whole: bool) {
    let dir = Path::new("/db");
    let number = read_u64(data, HEADER_NUMBER_AT).unwrap_or(1);
    let path = manifest_path(dir, number);
    let fs = MemFs::default();
    let current = format!("MANIFEST-{number:06}\n");
    for (file, bytes) in [
        (current_path(dir), current.as_bytes()),
        (path.clone(), data),
    ] {
        let written = fs
            .create(&file)
            .and_then(|mut f| f.append(bytes).and_then(|()| f.sync()));
        if written.is_err() {
            broken("an in-memory file could not be written");
        }
    }
    let first = match manifest::recover(&fs, dir) {
        Ok(Some(first)) => first,
        Ok(None) => broken("a directory with CURRENT recovered as new"),
        Err(e) => return check_file_error(&e, &path, data.len()),
    };
    assert_eq!(first.number, number);
    assert!(
        !first.edits.is_empty(),
        "a manifest recovered without edits"
    );
    let len = usize::try_from(first.len).unwrap_or(usize::MAX);
    assert!(len <= data.len());
    if whole {
        assert_eq!(
            len,
            data.len(),
            "a manifest whose every frame verifies was cut"
        );
    }
    assert_eq!(
        fs.file_size(&path).ok(),
        Some(first.len),
        "the torn tail was not cut off"
    );
    // The next open reads the same version from what this one left.
    match manifest::recover(&fs, dir) {
        Ok(Some(again)) => {
            assert_eq!(again.edits, first.edits, "recovery is not stable");
            assert_eq!(again.len, first.len);
        }
        _ => broken("a recovered manifest does not recover again"),
    }
}
