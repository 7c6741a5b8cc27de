//! The store's directory and the user's files: a disk store never writes into, truncates or
//! deletes files that are not its own, and never mistakes a damaged store for a new one.

use std::fs;
use std::path::Path;

use tidekv::{Config, Error, Store};

fn config(path: &Path) -> Config {
    Config::disk(path).memtable_size(4096).table_size(4096)
}

/// Every entry under `dir`, as sorted relative paths (what the user would see with `find`).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

fn users_files(dir: &Path) {
    fs::write(dir.join("precious.txt"), "the user's").unwrap();
    fs::create_dir(dir.join("notes")).unwrap();
    fs::write(dir.join("notes").join("a.txt"), "also the user's").unwrap();
}

fn assert_users_files_intact(dir: &Path) {
    assert_eq!(
        fs::read_to_string(dir.join("precious.txt")).unwrap(),
        "the user's"
    );
    assert_eq!(
        fs::read_to_string(dir.join("notes").join("a.txt")).unwrap(),
        "also the user's"
    );
}

#[test]
fn truncate_removes_only_the_stores_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    for i in 0..500 {
        store.insert(format!("key{i}"), "value").unwrap();
    }
    store.close().unwrap();
    users_files(dir.path());
    let store = Store::open(config(dir.path()).truncate(true)).unwrap();
    assert_eq!(store.len().unwrap(), 0, "truncate starts empty");
    store.insert("after", "truncate").unwrap();
    store.close().unwrap();
    assert_users_files_intact(dir.path());
    let store = Store::open(config(dir.path())).unwrap();
    assert_eq!(
        store.get("after").unwrap().as_deref(),
        Some(&b"truncate"[..])
    );
    assert_eq!(store.len().unwrap(), 1);
}

#[test]
fn a_folder_that_is_not_a_store_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    users_files(dir.path());
    let before = listing(dir.path());
    for truncate in [false, true] {
        match Store::open(config(dir.path()).truncate(truncate)) {
            Err(Error::InvalidArgument { what: "path", why }) => {
                assert!(why.contains("not a tidekv store"), "{why}");
                assert!(why.contains("precious.txt"), "{why}");
            }
            other => panic!("truncate={truncate}: expected a refusal, got {other:?}"),
        }
        assert_eq!(
            listing(dir.path()),
            before,
            "truncate={truncate}: the folder changed"
        );
        assert_users_files_intact(dir.path());
    }
}

#[test]
fn a_path_that_is_a_file_is_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data");
    fs::write(&file, "not a store").unwrap();
    for truncate in [false, true] {
        match Store::open(config(&file).truncate(truncate)) {
            Err(Error::InvalidArgument { what: "path", why }) => {
                assert!(why.contains("not a directory"), "{why}")
            }
            other => panic!("expected 'not a directory', got {other:?}"),
        }
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a store");
}

#[test]
fn tables_without_current_are_refused_as_damage_not_opened_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    for i in 0..500 {
        store.insert(format!("key{i}"), "value").unwrap();
    }
    store.close().unwrap();
    let tables = |dir: &Path| {
        listing(dir)
            .into_iter()
            .filter(|n| n.ends_with(".sst"))
            .count()
    };
    let before = tables(dir.path());
    assert!(before > 0, "the store wrote no table");
    fs::remove_file(dir.path().join("CURRENT")).unwrap();
    match Store::open(config(dir.path())) {
        Err(Error::Corruption { file, reason, .. }) => {
            assert_eq!(file, dir.path().join("CURRENT"));
            assert!(reason.contains("is missing"), "{reason}");
        }
        other => panic!("expected corruption naming CURRENT, got {other:?}"),
    }
    assert_eq!(tables(dir.path()), before, "tables were deleted");
}

#[test]
fn an_empty_folder_or_the_leftovers_of_a_first_open_start_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    // What a first open that crashed before writing CURRENT can leave: the lock and an empty log.
    fs::write(dir.path().join("LOCK"), "").unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    store.insert("k", "v").unwrap();
    store.close().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    assert_eq!(store.get("k").unwrap().as_deref(), Some(&b"v"[..]));
}
