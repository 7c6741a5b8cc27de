//! The snapshot decoder never panics and never half-loads: any byte string, and any mutation of a
//! valid snapshot, either loads completely or is rejected with a typed error leaving the store as it
//! was. (A cargo-fuzz target needs a nightly toolchain; this property test runs in every CI run.)

use proptest::prelude::*;
use tidekv::{Config, Error, Store};

fn valid_snapshot() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Config::memory()).unwrap();
    store.insert("a", "1").unwrap();
    store.insert(b"\x00\xff", vec![9u8; 300]).unwrap();
    store.push_back_all("q", ["x", "y", "z"]).unwrap();
    store
        .insert_with_ttl("t", "v", std::time::Duration::from_secs(3600))
        .unwrap();
    store.keyspace(2).unwrap().insert("k", "v").unwrap();
    let path = dir.path().join("s.tkv");
    store.save_snapshot(&path).unwrap();
    std::fs::read(path).unwrap()
}

fn bystander() -> Store {
    let store = Store::open(Config::memory()).unwrap();
    store.insert("mine", "kept").unwrap();
    store
}

fn load_bytes(store: &Store, bytes: &[u8]) -> tidekv::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.tkv");
    std::fs::write(&path, bytes).unwrap();
    store.load_snapshot(&path)
}

fn assert_rejected_cleanly(store: &Store, result: tidekv::Result<()>) {
    match result {
        Ok(()) => {}
        Err(Error::Corruption { .. }) | Err(Error::InvalidArgument { .. }) => {
            assert_eq!(store.get("mine").unwrap().as_deref(), Some(&b"kept"[..]));
            assert_eq!(store.len().unwrap(), 1);
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_rejected_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let store = bystander();
        let result = load_bytes(&store, &bytes);
        prop_assert!(result.is_err(), "random bytes are not a snapshot");
        assert_rejected_cleanly(&store, result);
    }

    #[test]
    fn mutated_snapshots_load_whole_or_not_at_all(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = valid_snapshot();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let store = bystander();
        let result = load_bytes(&store, &bytes);
        if result.is_ok() {
            // Only an edit that wrote the same byte back can pass every checksum.
            prop_assert_eq!(store.len().unwrap(), 4);
        }
        assert_rejected_cleanly(&store, result);
    }
}
