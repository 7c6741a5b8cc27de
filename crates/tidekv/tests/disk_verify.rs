//! `verify_store` on real store directories: a sound store (with a torn log tail, which is not
//! damage) is sound and left unchanged; a flipped byte in a table, the manifest or a synced log
//! record,
//! and a table the manifest names but which is gone, are each reported with the file and the
//! offset; an orphan table is reported as such; a store a writer holds, and a directory that is
//! not a store, are errors.

#[path = "support/store_files.rs"]
mod store_files;

use std::path::Path;

use store_files::{files, manifest, with_ext};
use tidekv::test_util::crash;
use tidekv::{verify_store, Config, Durability, Error, Finding, Store, StoreFile, VerifyReport};

/// A store left by a crash with tables, two logs (the older one complete) and a manifest.
fn store(dir: &Path) {
    // Small tables: compactions that run meanwhile leave several, whatever they merge.
    let store = Store::open(
        Config::disk(dir)
            .memtable_size(16 << 10)
            .table_size(16 << 10),
    )
    .unwrap();
    for i in 0..3000u32 {
        store
            .insert(format!("key{i:05}"), format!("value {i}"))
            .unwrap();
    }
    crash(&store);
}

/// `store`, then 50 writes with `Durability::Sync`: each record of the newest log is synced and
/// witnessed by the next one, so damage inside it is damage, not a torn tail.
fn store_with_synced_log(dir: &Path) {
    store(dir);
    let store = Store::open(
        Config::disk(dir)
            .durability(Durability::Sync)
            .memtable_size(16 << 10)
            .table_size(16 << 10),
    )
    .unwrap();
    for i in 0..50u32 {
        store
            .insert(format!("late{i:02}"), "x".repeat(100))
            .unwrap();
    }
    crash(&store);
}

fn verify(dir: &Path) -> VerifyReport {
    verify_store(dir, &mut |_, _| {}).unwrap()
}

fn finding(report: &VerifyReport, path: &Path) -> Finding {
    report
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.finding.clone())
        .unwrap_or_else(|| panic!("{} not in the report: {report:#?}", path.display()))
}

#[test]
fn a_sound_store_is_sound_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let newest = with_ext(dir.path(), "wal").pop().unwrap();
    let mut torn = std::fs::read(&newest).unwrap();
    torn.extend_from_slice(&[0x5A; 21]);
    std::fs::write(&newest, &torn).unwrap();
    let before = files(dir.path());
    let mut calls = Vec::new();
    let report = verify_store(dir.path(), &mut |done, total| calls.push((done, total))).unwrap();
    assert!(report.is_sound(), "{report:#?}");
    let kinds: Vec<StoreFile> = report.files.iter().map(|f| f.kind).collect();
    for kind in [
        StoreFile::Current,
        StoreFile::Manifest,
        StoreFile::Table,
        StoreFile::Log,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not checked: {report:#?}");
    }
    let entries: u64 = report
        .files
        .iter()
        .filter(|f| f.kind == StoreFile::Table)
        .map(|f| f.entries)
        .sum();
    assert!(entries > 0);
    assert!(matches!(
        finding(&report, &newest),
        Finding::TornTail { .. }
    ));
    let (done, total) = *calls.last().unwrap();
    assert_eq!(done, total);
    assert_eq!(files(dir.path()), before, "verify changed the directory");
}

#[test]
fn damage_is_reported_with_its_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    store_with_synced_log(dir.path());
    let tables = with_ext(dir.path(), "sst");
    let newest = with_ext(dir.path(), "wal").pop().unwrap();
    assert!(tables.len() >= 2, "{tables:?}");

    // A data block of a table (its first block starts at 0).
    store_files::flip(&tables[0], 20, 0x10);
    // A record early in the newest log (its 50 records take about 7 KiB; the file is longer,
    // with space reserved past them), synced and witnessed by the records after it.
    store_files::flip(&newest, 2000, 0x10);
    // A table the manifest names, gone.
    std::fs::remove_file(&tables[1]).unwrap();

    let report = verify(dir.path());
    assert!(!report.is_sound());
    match finding(&report, &tables[0]) {
        Finding::Damaged { offset, reason } => assert_eq!(offset, 0, "{reason}"),
        other => panic!("table: {other:?}"),
    }
    match finding(&report, &newest) {
        Finding::Damaged { offset, .. } => assert!(offset > 0 && offset <= 2000, "{offset}"),
        other => panic!("newest log: {other:?}"),
    }
    assert_eq!(finding(&report, &tables[1]), Finding::Missing);
    assert_eq!(report.problems().count(), 3, "{report:#?}");
}

#[test]
fn a_damaged_manifest_and_an_orphan_table_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let tables = with_ext(dir.path(), "sst");
    let orphan = dir.path().join("999999.sst");
    std::fs::copy(&tables[0], &orphan).unwrap();
    let report = verify(dir.path());
    assert!(report.is_sound(), "{report:#?}");
    // Its own number is not the one it was written under: still sound as a file.
    assert_eq!(finding(&report, &orphan), Finding::Orphan);

    let manifest = manifest(dir.path());
    store_files::flip(&manifest, 30, 0x10);
    let report = verify(dir.path());
    assert!(
        matches!(finding(&report, &manifest), Finding::Damaged { .. }),
        "{report:#?}"
    );
    assert!(!report.is_sound());
}

#[test]
fn a_store_in_use_or_no_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let writer = Store::open(Config::disk(dir.path())).unwrap();
    writer.insert("k", "v").unwrap();
    let locked = verify_store(dir.path(), &mut |_, _| {}).unwrap_err();
    assert!(matches!(locked, Error::Locked { .. }), "{locked}");
    writer.close().unwrap();
    // Beside a read-only open it runs.
    let reader = Store::open(Config::disk(dir.path()).read_only(true)).unwrap();
    assert!(verify(dir.path()).is_sound());
    reader.close().unwrap();

    let empty = tempfile::tempdir().unwrap();
    let none = verify_store(empty.path(), &mut |_, _| {}).unwrap_err();
    assert!(none.to_string().contains("not a tidekv store"), "{none}");
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}
