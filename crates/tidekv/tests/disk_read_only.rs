//! Read-only opens of a disk store (`Config::read_only`) on real files: they see every write a
//! crash left in the logs, change no byte of the directory (not even a torn log tail, which a
//! read-write open cuts), refuse every write with `Error::ReadOnly`, share the directory with
//! each other and exclude a writer, and never make a store where there was none.

use std::collections::BTreeMap;
use std::path::Path;

use tidekv::test_util::crash;
use tidekv::{Config, Error, Store};

/// Every file of `dir` with its length and a hash of its bytes.
fn files(dir: &Path) -> BTreeMap<String, (usize, u64)> {
    use std::hash::{Hash, Hasher};
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            (name, (bytes.len(), hasher.finish()))
        })
        .collect()
}

/// A store left by a crash: tables, a frozen and an active log, and garbage after the last
/// record of the newest log (a torn tail).
fn crashed_store(dir: &Path) {
    let store = Store::open(Config::disk(dir).memtable_size(16 << 10)).unwrap();
    for i in 0..3000u32 {
        store
            .insert(format!("key{i:05}"), format!("value {i}"))
            .unwrap();
    }
    store.remove("key00007").unwrap();
    store.push_back("jobs", "one").unwrap();
    store
        .insert_with_ttl("session", "s", std::time::Duration::from_secs(3600))
        .unwrap();
    crash(&store);
    let newest = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wal"))
        .max()
        .unwrap();
    let mut torn = std::fs::read(&newest).unwrap();
    torn.extend_from_slice(&[0xAB; 37]);
    std::fs::write(&newest, torn).unwrap();
}

#[test]
fn a_read_only_open_sees_every_write_and_changes_no_byte_of_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    crashed_store(dir.path());
    let before = files(dir.path());
    assert!(
        before.keys().any(|n| n.ends_with(".sst")),
        "{:?}",
        before.keys()
    );

    let store = Store::open(Config::disk(dir.path()).read_only(true)).unwrap();
    assert_eq!(store.len().unwrap(), 3001);
    assert_eq!(
        store.get_as::<String>("key02999").unwrap().as_deref(),
        Some("value 2999")
    );
    assert_eq!(store.get("key00007").unwrap(), None);
    assert_eq!(store.list_len("jobs").unwrap(), 1);
    assert!(store.ttl("session").unwrap().is_some());
    assert_eq!(store.scan_prefix("key0000").unwrap().count(), 9);
    store.stats().unwrap();
    store.close().unwrap();
    assert_eq!(
        files(dir.path()),
        before,
        "a read-only open changed the directory"
    );

    // A read-write open then recovers the same store (and cuts the torn tail).
    let store = Store::open(Config::disk(dir.path())).unwrap();
    assert_eq!(store.len().unwrap(), 3001);
}

#[test]
fn every_write_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    crashed_store(dir.path());
    let before = files(dir.path());
    let store = Store::open(Config::disk(dir.path()).read_only(true)).unwrap();
    let snapshot = dir.path().with_extension("tkv");
    let refused: Vec<(&str, tidekv::Result<()>)> = vec![
        ("insert", store.insert("key00001", "x")),
        ("remove", store.remove("key00001").map(drop)),
        ("push", store.push_back("jobs", "two").map(drop)),
        ("pop", store.pop_front("jobs").map(drop)),
        ("incr", store.incr_by("n", 1).map(drop)),
        (
            "expire",
            store
                .expire("key00001", std::time::Duration::from_secs(1))
                .map(drop),
        ),
        ("take", store.take("key00001").map(drop)),
        ("clear", store.keyspace(0).unwrap().clear()),
        ("compact", store.compact()),
        (
            "checkpoint",
            store.checkpoint(dir.path().join("cp")).map(drop),
        ),
        ("load", {
            let writer = Store::open(Config::memory()).unwrap();
            writer.save_snapshot(&snapshot).unwrap();
            store.load_snapshot(&snapshot)
        }),
    ];
    for (what, result) in refused {
        assert!(
            matches!(result, Err(Error::ReadOnly { .. })),
            "{what}: {result:?}"
        );
    }
    assert_eq!(
        store.get_as::<String>("key00001").unwrap().as_deref(),
        Some("value 1")
    );
    assert_eq!(store.list_len("jobs").unwrap(), 1);
    store.close().unwrap();
    assert_eq!(files(dir.path()), before);
}

#[test]
fn read_only_opens_share_the_store_and_exclude_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    crashed_store(dir.path());
    let first = Store::open(Config::disk(dir.path()).read_only(true)).unwrap();
    let second = Store::open(Config::disk(dir.path()).read_only(true)).unwrap();
    let writer = Store::open(Config::disk(dir.path())).unwrap_err();
    assert!(matches!(writer, Error::Locked { .. }), "{writer}");
    assert_eq!(first.len().unwrap(), second.len().unwrap());
    first.close().unwrap();
    second.close().unwrap();

    let writer = Store::open(Config::disk(dir.path())).unwrap();
    let reader = Store::open(Config::disk(dir.path()).read_only(true)).unwrap_err();
    assert!(matches!(reader, Error::Locked { .. }), "{reader}");
    writer.close().unwrap();
}

#[test]
fn a_read_only_open_makes_no_store_where_there_is_none() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("missing");
    let err = Store::open(Config::disk(&missing).read_only(true)).unwrap_err();
    assert!(err.to_string().contains("not a tidekv store"), "{err}");
    assert!(!missing.exists());

    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = Store::open(Config::disk(&empty).read_only(true)).unwrap_err();
    assert!(err.to_string().contains("not a tidekv store"), "{err}");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    let truncating = Store::open(Config::disk(&empty).read_only(true).truncate(true)).unwrap_err();
    assert!(
        matches!(
            truncating,
            Error::InvalidArgument {
                what: "truncate",
                ..
            }
        ),
        "{truncating}"
    );
}
