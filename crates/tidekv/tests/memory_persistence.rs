//! Memory backend with `snapshot_path`: a persistent store for local development.

use std::time::Duration;

use tidekv::{Config, Error, Store, Ttl};

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.tkv");
    let store = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    store.insert("name", "tidekv").unwrap();
    store.push_back_all("jobs", ["a", "b"]).unwrap();
    store
        .insert_with_ttl("session", "s", Duration::from_secs(3600))
        .unwrap();
    store.keyspace(2).unwrap().insert("k", "in 2").unwrap();
    assert!(!path.exists(), "nothing is written before flush or close");
    store.close().unwrap();
    assert!(path.exists());

    let reopened = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    assert_eq!(
        reopened.get("name").unwrap().as_deref(),
        Some(&b"tidekv"[..])
    );
    assert_eq!(reopened.list_range("jobs", 0, -1).unwrap(), vec!["a", "b"]);
    assert!(matches!(
        reopened.ttl("session").unwrap(),
        Some(Ttl::ExpiresIn(_))
    ));
    assert_eq!(
        reopened.keyspace(2).unwrap().get("k").unwrap().as_deref(),
        Some(&b"in 2"[..])
    );
}

#[test]
fn flush_saves_and_drop_saves_best_effort() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.tkv");
    let store = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    store.insert("a", "1").unwrap();
    store.flush().unwrap();
    let after_flush = Store::open(Config::memory()).unwrap();
    after_flush.load_snapshot(&path).unwrap();
    assert_eq!(after_flush.len().unwrap(), 1);

    store.insert("b", "2").unwrap();
    drop(store);
    let after_drop = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    assert_eq!(after_drop.len().unwrap(), 2);
}

#[test]
fn corrupt_snapshot_on_open_is_an_error_and_the_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.tkv");
    let store = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    store.insert("precious", "data").unwrap();
    store.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    match Store::open(Config::memory().snapshot_path(&path)) {
        Err(Error::Corruption { file, .. }) => assert_eq!(file, path),
        other => panic!("expected corruption, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged file is left for inspection"
    );
}

#[test]
fn save_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.tkv");
    let store = Store::open(Config::memory()).unwrap();
    store.insert("v", "1").unwrap();
    store.save_snapshot(&path).unwrap();
    store.insert("v", "2").unwrap();
    store.save_snapshot(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left behind: {names:?}");
    let check = Store::open(Config::memory()).unwrap();
    check.load_snapshot(&path).unwrap();
    assert_eq!(check.get("v").unwrap().as_deref(), Some(&b"2"[..]));
    // Saving into a directory that does not exist is an I/O error naming the path.
    let err = store
        .save_snapshot(dir.path().join("no/such/dir/s.tkv"))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}
