//! The files of a store directory, for tests that damage them and check what changed.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file of `dir` with its bytes.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// The files of `dir` whose extension is `ext`, sorted.
pub fn with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = files(dir)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    found.sort();
    found
}

/// The live manifest of `dir` (a store has one after a clean close or a crash).
pub fn manifest(dir: &Path) -> PathBuf {
    files(dir)
        .into_keys()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("MANIFEST-")
        })
        .unwrap()
}

/// Flips bits of the byte at `at` of `path`.
pub fn flip(path: &Path, at: usize, bits: u8) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= bits;
    std::fs::write(path, bytes).unwrap();
}
