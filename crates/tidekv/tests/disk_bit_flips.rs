//! Every bit of every file of two small disk stores and of a snapshot, flipped one at a time
//! (on a fresh copy each time): the store is opened, or the snapshot loaded, and everything is
//! read back. The rule is never a panic and never a wrong value; each flip must end in one of:
//!
//! - (a) `Error::Corruption` naming the damaged file, at an offset at or before the flipped byte
//!   (the start of the damaged record, block or chunk), from the open or load, or, for a table,
//!   from the read that reaches the damaged block;
//! - (b) everything reads back exactly as written;
//! - (c) only for a flip inside the last record of the newest write-ahead log: that record is a
//!   torn tail (docs/format/wal.md, "Recovery": no later record witnesses it as synced), and the
//!   store holds exactly the writes before it.
//!
//! A missing key, an extra key, a wrong value, list or expiry without an error fails the test, as
//! does any other error. The stores are a few hundred bytes per file so that the whole sweep (some
//! fifteen thousand opens and loads) runs in seconds; the three sweeps are separate tests so they
//! run in parallel.
//!

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tidekv::test_util::crash;
use tidekv::{Config, Durability, Error, Store, Ttl, WriteBatch};

const HOUR: Duration = Duration::from_secs(3600);
/// The keyspaces the workloads write to.
const KEYSPACES: [u32; 2] = [0, 1];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    /// What a read found that no write makes (a key listed but unreadable, a bad expiry).
    Odd(&'static str),
}

/// What a store holds: (keyspace, key) to (value, whether it has an expiry).
type Contents = BTreeMap<(u32, Vec<u8>), (Value, bool)>;

/// One write; each is one record of the write-ahead log.
#[derive(Debug, Clone, Copy)]
enum Write {
    Insert(u32, &'static str, &'static str),
    InsertWithTtl(&'static str, &'static str),
    PushBack(&'static str, &'static str),
    /// An atomic batch: an insert and a removal.
    Batch((&'static str, &'static str), &'static str),
}

fn apply(store: &Store, model: &mut Contents, write: Write) {
    let key = |ks: u32, k: &str| (ks, k.as_bytes().to_vec());
    let string = |v: &str| Value::Str(v.as_bytes().to_vec());
    match write {
        Write::Insert(ks, k, v) => {
            store.keyspace(ks).unwrap().insert(k, v).unwrap();
            model.insert(key(ks, k), (string(v), false));
        }
        Write::InsertWithTtl(k, v) => {
            store.insert_with_ttl(k, v, HOUR).unwrap();
            model.insert(key(0, k), (string(v), true));
        }
        Write::PushBack(k, v) => {
            store.push_back(k, v).unwrap();
            let entry = model
                .entry(key(0, k))
                .or_insert((Value::List(Vec::new()), false));
            if let (Value::List(items), _) = entry {
                items.push(v.as_bytes().to_vec());
            }
        }
        Write::Batch((k, v), removed) => {
            let mut batch = WriteBatch::new();
            batch.insert(k, v);
            batch.remove(removed);
            store.apply_batch(batch).unwrap();
            model.insert(key(0, k), (string(v), false));
            model.remove(&key(0, removed));
        }
    }
}

/// Everything `store` holds, read through every path: the key scan of each keyspace, a point
/// read (or a list read) and an expiry read of each key, and the string scan.
fn observe(store: &Store) -> tidekv::Result<Contents> {
    let mut out = Contents::new();
    for ks in KEYSPACES {
        let handle = store.keyspace(ks)?;
        let keys = handle.keys()?.collect::<tidekv::Result<Vec<_>>>()?;
        for key in keys {
            let value = match handle.get(&key) {
                Ok(Some(v)) => Value::Str(v.to_vec()),
                Ok(None) => Value::Odd("listed by the scan, missing for a read"),
                Err(Error::WrongType { .. }) => Value::List(
                    handle
                        .list_range(&key, 0, -1)?
                        .iter()
                        .map(|item| item.to_vec())
                        .collect(),
                ),
                Err(e) => return Err(e),
            };
            let (value, expiring) = match handle.ttl(&key)? {
                Some(Ttl::Persistent) => (value, false),
                Some(Ttl::ExpiresIn(left)) if left <= HOUR && left > HOUR / 2 => (value, true),
                Some(Ttl::ExpiresIn(_)) => (Value::Odd("an expiry no write set"), true),
                None => (Value::Odd("listed by the scan, no expiry state"), false),
            };
            out.insert((ks, key.to_vec()), (value, expiring));
        }
        // The string scan yields exactly the strings the point reads found.
        let scanned = handle
            .range::<&[u8]>(..)?
            .collect::<tidekv::Result<Vec<_>>>()?;
        let read: Vec<_> = out
            .iter()
            .filter(|((k, _), (v, _))| *k == ks && matches!(v, Value::Str(_)))
            .map(|((_, key), (v, _))| (key.clone(), v.clone()))
            .collect();
        let scanned: Vec<_> = scanned
            .iter()
            .map(|(k, v)| (k.to_vec(), Value::Str(v.to_vec())))
            .collect();
        if scanned != read {
            out.insert(
                (ks, b"?".to_vec()),
                (Value::Odd("string scan disagrees"), false),
            );
        }
    }
    Ok(out)
}

#[derive(Debug, Default)]
struct Tally {
    intact: u64,
    torn_tail: u64,
    corruption: u64,
}

/// Checks the outcome of one flip of bit `bit` of byte `byte` of `damaged` against the rule:
/// corruption naming `damaged` at or before `byte`, or exactly `expected`, or exactly `torn` (the
/// state a torn tail leaves) where that is allowed.
fn judge(
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
fn scratch() -> tempfile::TempDir {
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

fn copy_dir(from: &Path, to: &Path) {
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
fn store_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() > 0)
        .collect();
    files.sort();
    files
}

fn flip(path: &Path, byte: usize, bit: u8) {
    let mut data = std::fs::read(path).unwrap();
    data[byte] ^= 1 << bit;
    std::fs::write(path, data).unwrap();
}

/// Opens a copy of the store in `pristine` with bit `bit` of byte `byte` of `file` flipped, reads
/// everything, and stops the store without writing anything more.
fn open_flipped(
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
struct TailCut<'a> {
    file: &'a str,
    from: u64,
    state: &'a Contents,
}

/// Flips every bit of every file of the store in `pristine`, one at a time, and judges each;
/// `cuts` are the torn tails allowed.
fn sweep_store(
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
fn the_log(dir: &Path) -> PathBuf {
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
fn record_bounds(log: &Path) -> (Vec<u64>, u64) {
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
const RESERVED_SWEPT: u64 = 64;

/// A store written with `Durability::Sync`, one log record per write, then abandoned as a crash
/// would leave it: opening it replays the log. A flip in the last record is a torn tail (the store
/// holds the writes before it); anywhere else in the log it is corruption, since the next record's
/// witness says the damaged bytes were synced.
#[test]
fn every_bit_flip_in_a_crashed_store_is_caught_or_cut_as_a_torn_tail() {
    let writes = [
        Write::Insert(0, "a", "1"),
        Write::InsertWithTtl("t", "tv"),
        Write::PushBack("q", "x"),
        Write::Batch(("b", "2"), "a"),
        Write::Insert(1, "k", "v"),
        Write::PushBack("q", "y"),
        Write::Insert(0, "c", "3"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("crashed");
    let store = Store::open(Config::disk(&pristine).durability(Durability::Sync)).unwrap();
    let log = the_log(&pristine);
    let mut model = Contents::new();
    let mut before_last = Contents::new();
    let mut last_record_at = 0;
    for (i, write) in writes.iter().enumerate() {
        if i + 1 == writes.len() {
            before_last = model.clone();
            last_record_at = record_bounds(&log).1;
        }
        apply(&store, &mut model, *write);
    }
    assert_eq!(observe(&store).unwrap(), model);
    crash(&store);
    drop(store);
    let (starts, records) = record_bounds(&log);
    assert_eq!(starts.last(), Some(&last_record_at));
    let log_len = records + RESERVED_SWEPT;
    assert!(
        std::fs::metadata(&log).unwrap().len() >= log_len,
        "the log reserved space past its records"
    );
    let file = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    file.set_len(log_len).unwrap();
    drop(file);

    let name = log.file_name().unwrap().to_str().unwrap();
    let cut = TailCut {
        file: name,
        from: last_record_at,
        state: &before_last,
    };
    let tallies = sweep_store(&pristine, &model, &[cut]);
    // Every flip in the last record is a torn tail (no record after it witnesses it), every
    // other flip in the records is corruption (each record is witnessed by the next), and a
    // flip in the reserved zeros after them is cut off with them, every write kept.
    let tally = &tallies[name];
    assert_eq!(tally.torn_tail, 8 * (records - last_record_at), "{tally:?}");
    assert_eq!(tally.corruption, 8 * last_record_at, "{tally:?}");
    assert_eq!(tally.intact, 8 * RESERVED_SWEPT, "{tally:?}");
}

/// A store closed cleanly after a compaction, reopened (a new manifest), written to and closed
/// again: two tables, a manifest of three edits, an empty log. Returns the directory, what it
/// holds, the manifest's name, where the edit the last close appended starts, and what the store
/// holds without that edit (the first table alone).
fn closed_store(dir: &Path) -> (PathBuf, Contents, String, u64, Contents) {
    let pristine = dir.join("closed");
    let store = Store::open(Config::disk(&pristine)).unwrap();
    let mut model = Contents::new();
    for write in [
        Write::Insert(0, "a", "1"),
        Write::InsertWithTtl("t", "tv"),
        Write::PushBack("q", "x"),
    ] {
        apply(&store, &mut model, write);
    }
    store.compact().unwrap();
    store.close().unwrap();
    let first_table = model.clone();
    let store = Store::open(Config::disk(&pristine)).unwrap();
    for write in [
        Write::Batch(("b", "2"), "a"),
        Write::Insert(1, "k", "v"),
        Write::PushBack("q", "y"),
    ] {
        apply(&store, &mut model, write);
    }
    let manifest = store_files(&pristine)
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("MANIFEST-")
        })
        .unwrap();
    let before_close = std::fs::metadata(&manifest).unwrap().len();
    assert_eq!(observe(&store).unwrap(), model);
    store.close().unwrap();
    drop(store);
    assert!(std::fs::metadata(&manifest).unwrap().len() > before_close);
    let tables = store_files(&pristine)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .count();
    assert_eq!(tables, 2, "{:?}", store_files(&pristine));
    let name = manifest.file_name().unwrap().to_str().unwrap().to_string();
    (pristine, model, name, before_close, first_table)
}

/// Every file of a cleanly closed store. Table damage may surface only when the damaged block is
/// read. In the manifest every edit is followed by a synced *witness* record (an empty edit), so a
/// flip in any edit — the last one too — is corruption; a flip in the final witness (the last 20
/// bytes, a frame with no payload) cuts it as a torn tail and loses nothing: the store reads back
/// whole.
///
/// Found by this test before the witness existed: a flip in the last edit (the one `close`
/// appends) was cut as a torn tail, and the store silently lost the table that edit added (a
/// removed key came back).
#[test]
fn every_bit_flip_in_a_closed_store_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (pristine, model, manifest, _, _) = closed_store(dir.path());
    let tallies = sweep_store(&pristine, &model, &[]);
    for (name, tally) in &tallies {
        assert_eq!(tally.torn_tail, 0, "{name}: {tally:?}");
        // Every byte of every file is under a checksum, but the manifest's final witness carries
        // nothing to lose.
        let harmless = if *name == manifest { 20 * 8 } else { 0 };
        assert_eq!(tally.intact, harmless, "{name}: {tally:?}");
    }
}

/// The rule for the last manifest edit in particular: a flip there is corruption, or (in its
/// witness) harmless — never a silent loss of the table it added.
#[test]
fn a_bit_flip_in_the_last_manifest_edit_never_loses_a_table_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (pristine, model, manifest, last_edit_at, _) = closed_store(dir.path());
    let scratch = scratch();
    let work = scratch.path().join("store");
    let len = std::fs::metadata(pristine.join(&manifest)).unwrap().len();
    let mut tally = Tally::default();
    for byte in last_edit_at..len {
        for bit in 0..8u8 {
            let result = open_flipped(&pristine, &work, &manifest, byte as usize, bit);
            judge(
                result,
                &work.join(&manifest),
                byte,
                bit,
                &model,
                None,
                &mut tally,
            );
        }
    }
    assert!(tally.corruption > 0, "{tally:?}");
}

/// A snapshot saved by a disk store, loaded into a memory store after each flip.
#[test]
fn every_bit_flip_in_a_snapshot_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Config::disk(dir.path().join("store"))).unwrap();
    let mut model = Contents::new();
    for write in [
        Write::Insert(0, "a", "1"),
        Write::InsertWithTtl("t", "tv"),
        Write::PushBack("q", "x"),
        Write::PushBack("q", "y"),
        Write::Batch(("b", "2"), "a"),
        Write::Insert(1, "k", "v"),
    ] {
        apply(&store, &mut model, write);
    }
    let pristine = dir.path().join("snapshot.tkv");
    store.save_snapshot(&pristine).unwrap();
    store.close().unwrap();

    let damaged = dir.path().join("damaged.tkv");
    let bytes = std::fs::read(&pristine).unwrap();
    let mut tally = Tally::default();
    for byte in 0..bytes.len() {
        for bit in 0..8u8 {
            let mut data = bytes.clone();
            data[byte] ^= 1 << bit;
            std::fs::write(&damaged, &data).unwrap();
            let memory = Store::open(Config::memory()).unwrap();
            let result = memory
                .load_snapshot(&damaged)
                .and_then(|()| observe(&memory));
            judge(result, &damaged, byte as u64, bit, &model, None, &mut tally);
        }
    }
    eprintln!("snapshot of {} bytes: {tally:?}", bytes.len());
    assert_eq!(tally.intact, 0, "{tally:?}");
}
