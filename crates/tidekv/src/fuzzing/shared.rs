//! What every entry point shares: how a broken invariant and a file error are reported, and byte
//! access that never panics.

use std::path::Path;

use crate::error::Error;

/// Where the log number sits in a log or manifest header (after magic 8 and version 4).
pub(super) const HEADER_NUMBER_AT: usize = 12;
/// At most this many entries of a block or table are looked up one by one (bounds the work).
pub(super) const MAX_PROBES: usize = 32;

/// A file error must be corruption naming `path` at an offset inside its `len` bytes.
pub(super) fn check_file_error(e: &Error, path: &Path, len: usize) {
    match e {
        Error::Corruption { file, offset, .. } => {
            assert_eq!(file, path, "corruption names the wrong file: {e}");
            assert!(
                *offset <= len as u64,
                "corruption offset outside the file: {e}"
            );
        }
        other => broken(&format!(
            "a damaged file gave a non-corruption error: {other}"
        )),
    }
}

/// Reports a broken invariant: the fuzzer records the panic as a finding.
#[allow(clippy::panic)] // An entry point reports a broken invariant by panicking: its purpose.
pub(super) fn broken(what: &str) -> ! {
    panic!("fuzz invariant broken: {what}");
}

pub(super) fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

pub(super) fn read_u64(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// Overwrites `data[at..]` with `bytes`, where they fit.
pub(super) fn put(data: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(place) = data.get_mut(at..at.saturating_add(bytes.len())) {
        place.copy_from_slice(bytes);
    }
}
