//! Flipping one bit of a store's file and judging what the store then reads back
//! (`disk_bit_flips.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tidekv::test_util::crash;
use tidekv::{Config, Error, Store};

use super::model::{observe, Contents};

#[derive(Debug, Default)]
pub struct Tally {
    pub intact: u64,
    pub torn_tail: u64,
    pub corruption: u64,
}

/// Checks the outcome of one flip of bit `bit` of byte `byte` of `damaged` against the rule:
/// corruption naming `damaged` at or before `byte`, or exactly `expected`, or exactly `torn` (the
/// state a torn tail leaves) where that is allowed.
pub fn judge(
    result: tidekv::Result<Contents>,
    damaged: &Path,
    byte: u64,
    bit: u8,
    expected: &Contents,
    torn: Option<&Contents>,
    tally: &mut Tally,
) {
    let at = format!("bit {bit} of byte {byte} of {}", damaged.display());
    match result {
        Ok(got) if got == *expected => tally.intact += 1,
        Ok(got) if Some(&got) == torn => tally.torn_tail += 1,
        Ok(got) => panic!(
            "flip of {at}: the store reads back wrong, without an error\n expected: {expected:?}\n \
             torn tail allowed: {torn:?}\n got: {got:?}"
        ),
        Err(Error::Corruption { file, offset, .. }) if file == damaged && offset <= byte => {
            tally.corruption += 1
        }
        Err(e) => panic!("flip of {at}: {e} (want corruption naming the file at or before it)"),
    }
}

/// A scratch directory, on tmpfs where the machine has one: the sweeps open a store some fifteen
/// thousand times, and each open syncs several files (free on tmpfs, not on a disk).
pub fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("tidekv-bit-flips")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

pub fn copy_dir(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).unwrap();
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// The non-empty files of a store directory, by name.
pub fn store_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() > 0)
        .collect();
    files.sort();
    files
}

pub fn flip(path: &Path, byte: usize, bit: u8) {
    let mut data = std::fs::read(path).unwrap();
    data[byte] ^= 1 << bit;
    std::fs::write(path, data).unwrap();
}

/// Opens a copy of the store in `pristine` with bit `bit` of byte `byte` of `file` flipped, reads
/// everything, and stops the store without writing anything more.
pub fn open_flipped(
    pristine: &Path,
    work: &Path,
    file: &str,
    byte: usize,
    bit: u8,
) -> tidekv::Result<Contents> {
    copy_dir(pristine, work);
    flip(&work.join(file), byte, bit);
    let store = Store::open(Config::disk(work))?;
    let contents = observe(&store);
    crash(&store);
    contents
}

/// A state a flip may leave instead of the full one: a flip in `file` at or after byte `from`
/// may leave exactly `state` (the writes before a record that is cut as a torn tail).
#[derive(Clone, Copy)]
pub struct TailCut<'a> {
    pub file: &'a str,
    pub from: u64,
    pub state: &'a Contents,
}

/// Flips every bit of every file of the store in `pristine`, one at a time, and judges each;
/// `cuts` are the torn tails allowed.
pub fn sweep_store(
    pristine: &Path,
    expected: &Contents,
    cuts: &[TailCut<'_>],
) -> BTreeMap<String, Tally> {
    let scratch = scratch();
    let work = scratch.path().join("store");
    let mut tallies = BTreeMap::new();
    for path in store_files(pristine) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let len = std::fs::metadata(&path).unwrap().len();
        let mut tally = Tally::default();
        for byte in 0..len {
            let cut = cuts
                .iter()
                .find(|c| c.file == name && byte >= c.from)
                .map(|c| c.state);
            for bit in 0..8u8 {
                let result = open_flipped(pristine, &work, &name, byte as usize, bit);
                judge(
                    result,
                    &work.join(&name),
                    byte,
                    bit,
                    expected,
                    cut,
                    &mut tally,
                );
            }
        }
        tallies.insert(name, tally);
    }
    eprintln!("{}: {tallies:?}", pristine.display());
    tallies
}

/// The one write-ahead log of a store directory.
pub fn the_log(dir: &Path) -> PathBuf {
    let logs: Vec<PathBuf> = store_files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    logs.into_iter().next().unwrap()
}

/// Where each record of `log` starts, and where the last one ends: frames walked by their
/// length fields from the 24-byte header (`docs/format/wal.md`) until the zeros of the space the
/// log reserved ahead of its appends (no record has a length of 0).
pub fn record_bounds(log: &Path) -> (Vec<u64>, u64) {
    let bytes = std::fs::read(log).unwrap();
    let (mut starts, mut at) = (Vec::new(), 24usize);
    while let Some(len) = bytes.get(at..at + 4) {
        let len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
        if len == 0 {
            break;
        }
        starts.push(at as u64);
        at += 20 + len;
    }
    (starts, at as u64)
}

/// Bytes of the log's reserved zeros kept for the sweep; the rest is cut off (a mebibyte swept
/// bit by bit would take hours and test nothing more).
pub const RESERVED_SWEPT: u64 = 64;
