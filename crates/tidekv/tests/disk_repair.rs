//! `repair_store` on real damaged stores: a damaged table is left out and every other key comes
//! through; a damaged log record keeps the writes before it; a damaged manifest is rebuilt from
//! the tables and loses nothing; the damaged store is never changed; a target that holds
//! anything is refused.

#[path = "support/store_files.rs"]
mod store_files;

use std::path::Path;

use store_files::{files, manifest, with_ext};
use tidekv::test_util::crash;
use tidekv::{repair_store, verify_store, Config, Durability, Store};

const KEYS: u32 = 3000;

fn value(i: u32) -> String {
    format!("value {i}")
}

/// A closed store whose keys are all in last-level tables, each table a range of keys.
fn compacted_store(dir: &Path) {
    let store = Store::open(
        Config::disk(dir)
            .memtable_size(16 << 10)
            .table_size(16 << 10),
    )
    .unwrap();
    for i in 0..KEYS {
        store.insert(format!("key{i:05}"), value(i)).unwrap();
    }
    store.compact().unwrap();
    store.close().unwrap();
}

/// Which of the keys `0..KEYS` the store holds, each checked to have its value.
fn held(dir: &Path) -> Vec<u32> {
    let store = Store::open(Config::disk(dir)).unwrap();
    (0..KEYS)
        .filter(
            |i| match store.get_as::<String>(format!("key{i:05}")).unwrap() {
                Some(v) => {
                    assert_eq!(v, value(*i));
                    true
                }
                None => false,
            },
        )
        .collect()
}

#[test]
fn a_damaged_table_is_left_out_and_every_other_key_comes_through() {
    let root = tempfile::tempdir().unwrap();
    let (src, dst) = (root.path().join("src"), root.path().join("dst"));
    compacted_store(&src);
    let tables = with_ext(&src, "sst");
    assert!(tables.len() >= 3, "{tables:?}");
    let damaged = &tables[1];
    store_files::flip(damaged, 30, 0x20);
    let before = files(&src);
    assert!(!verify_store(&src, &mut |_, _| {}).unwrap().is_sound());

    let report = repair_store(&src, &dst, &mut |_, _| {}).unwrap();
    assert!(!report.manifest_rebuilt);
    assert_eq!(report.dropped.len(), 1, "{report:#?}");
    assert_eq!(&report.dropped[0].path, damaged);
    assert!(
        report.dropped[0].what.contains("damaged at offset 0"),
        "{report:#?}"
    );
    assert_eq!(report.tables_kept, tables.len() as u64 - 1);
    let kept = held(&dst);
    assert_eq!(kept.len() as u64, report.keys);
    // What is missing is the damaged table's keys: one range, neither the first nor the last.
    let missing: Vec<u32> = (0..KEYS).filter(|i| !kept.contains(i)).collect();
    assert!(!missing.is_empty());
    assert!(
        missing.windows(2).all(|w| w[1] == w[0] + 1),
        "not one range: {missing:?}"
    );
    assert!(missing[0] > 0 && *missing.last().unwrap() < KEYS - 1);
    assert_eq!(files(&src), before, "repair changed the damaged store");
}

#[test]
fn a_damaged_log_record_keeps_the_writes_before_it() {
    let root = tempfile::tempdir().unwrap();
    let (src, dst) = (root.path().join("src"), root.path().join("dst"));
    let store = Store::open(Config::disk(&src).durability(Durability::Sync)).unwrap();
    for i in 0..100u32 {
        store.insert(format!("key{i:05}"), value(i)).unwrap();
    }
    crash(&store);
    let log = with_ext(&src, "wal").pop().unwrap();
    store_files::flip(&log, 3000, 0x20);
    let report = repair_store(&src, &dst, &mut |_, _| {}).unwrap();
    assert_eq!(report.dropped.len(), 1, "{report:#?}");
    assert!(
        report.dropped[0]
            .what
            .starts_with("the records from offset"),
        "{report:#?}"
    );
    let kept = held(&dst);
    // A prefix of the writes: keys 0..n, n > 0, n < 100.
    let n = kept.len() as u32;
    assert!(n > 0 && n < 100, "{n}");
    assert_eq!(kept, (0..n).collect::<Vec<_>>());
}

#[test]
fn a_damaged_manifest_is_rebuilt_from_the_tables_and_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (src, dst) = (root.path().join("src"), root.path().join("dst"));
    compacted_store(&src);
    let manifest = manifest(&src);
    store_files::flip(&manifest, 40, 0x20);
    assert!(
        Store::open(Config::disk(&src)).is_err(),
        "the store no longer opens"
    );
    let report = repair_store(&src, &dst, &mut |_, _| {}).unwrap();
    assert!(report.manifest_rebuilt, "{report:#?}");
    assert_eq!(held(&dst).len() as u32, KEYS);
}

#[test]
fn a_target_that_holds_anything_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (src, dst) = (root.path().join("src"), root.path().join("dst"));
    compacted_store(&src);
    std::fs::create_dir(&dst).unwrap();
    std::fs::write(dst.join("keep"), b"mine").unwrap();
    let err = repair_store(&src, &dst, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(std::fs::read(dst.join("keep")).unwrap(), b"mine");
}
