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

mod bit_flips;

use std::path::{Path, PathBuf};

use bit_flips::model::*;
use bit_flips::sweep::*;
use tidekv::test_util::crash;
use tidekv::{Config, Durability, Store};

/// witness says the damaged bytes were synced.
/// A store written with `Durability::Sync`, one log record per write, then abandoned as a crash
/// would leave it: opening it replays the log. A flip in the last record is a torn tail (the store
/// holds the writes before it); anywhere else in the log it is corruption, since the next record's
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
