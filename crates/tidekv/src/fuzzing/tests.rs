//! Tests of the entry points themselves: the committed seeds pass, the checks can fail, and a
//! finding of the block target stays fixed.

use std::path::Path;

use bytes::Bytes;

use super::table::check_point_read;
use super::*;
use crate::disk::table::block::Block;

/// A block of one entry, key `a`, whose value holds the bytes of two more entries (`0`, then
/// `c` = `C`), with a second restart point at the first of them (offset 4, inside the entry).
fn restart_inside_an_entry() -> Vec<u8> {
    let mut raw = vec![0, 1, 9, b'a'];
    raw.extend([0, 1, 0, b'0', 0, 1, 1, b'c', b'C']);
    for restart in [0u32, 4, 2] {
        raw.extend(restart.to_le_bytes());
    }
    raw
}

/// Found by `sstable_block`: the scan of this block yielded only `a`, yet a seek to `b` returned
/// `c` = `C`, decoded from the middle of `a`'s value, with no error (a restart point after the
/// last entry was never checked). `Block::new` now refuses a restart point inside an entry.
#[test]
fn a_restart_point_inside_an_entry_never_makes_a_seek_return_an_entry_the_block_lacks() {
    let err = Block::new(Bytes::from(restart_inside_an_entry())).unwrap_err();
    assert!(err.contains("falls inside"), "{err}");
    // And the entry point, which compares every seek of a block that reads whole with its scan,
    // takes it without tripping.
    sstable_block(&restart_inside_an_entry());
}

/// Every committed seed (real files and their fragments, `fuzz/corpus/`) passes its entry
/// point: the invariants hold on what tidekv writes.
#[test]
fn every_seed_passes_its_entry_point() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    type EntryPoint = fn(&[u8]);
    let targets: [(&str, EntryPoint); 8] = [
        ("wal_log", wal_log),
        ("log_frames", log_frames),
        ("sstable_block", sstable_block),
        ("block_trailer", block_trailer),
        ("sstable_table", sstable_table),
        ("manifest_edit", manifest_edit),
        ("manifest_recover", manifest_recover),
        ("snapshot", snapshot),
    ];
    for (target, entry_point) in targets {
        let mut seeds = 0;
        for file in std::fs::read_dir(corpus.join(target)).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| entry_point(&data));
            assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
            seeds += 1;
        }
        assert!(seeds > 0, "no seeds for {target}");
    }
}

/// The point-read check can fail: a wrong value, or a miss nothing ruled out, is reported.
#[test]
fn a_point_read_that_disagrees_with_the_scan_is_reported() {
    let mut key = b"k".to_vec();
    key.extend_from_slice(&(!5u64).to_be_bytes());
    let entries = vec![(Bytes::from(key), Bytes::from_static(b"right"))];
    check_point_read(
        &entries,
        b"k",
        5,
        Ok(Some((5, Bytes::from_static(b"right")))),
        false,
    );
    check_point_read(&entries, b"k", 5, Ok(None), true);
    let wrong = std::panic::catch_unwind(|| {
        check_point_read(
            &entries,
            b"k",
            5,
            Ok(Some((5, Bytes::from_static(b"wrong")))),
            true,
        )
    });
    assert!(wrong.is_err(), "a wrong value passed");
    let missing = std::panic::catch_unwind(|| check_point_read(&entries, b"k", 5, Ok(None), false));
    assert!(missing.is_err(), "a missing key passed");
}
