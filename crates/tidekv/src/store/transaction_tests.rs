//! Savepoints: an operation that fails inside a transaction leaves nothing behind.

use bytes::Bytes;

use crate::engine::End;
use crate::{Config, Error, Store};

/// An operation that writes and then fails leaves nothing: the savepoint taken before it is
/// rolled back, on every engine, also past the point where a disk transaction indexes its
/// writes (16 of them).
fn a_failed_operation_is_rolled_back(store: &Store) {
    store.insert("k", "before").unwrap();
    store.push_back_all("q", ["a", "b"]).unwrap();
    store
        .transaction(["k", "q", "new"], |t| {
            t.insert("new", "kept")?;
            let items: Vec<Bytes> = (0..40).map(|i| Bytes::from(format!("x{i}"))).collect();
            let failed = t.op(|tx, ks| {
                tx.put(ks, b"k", Bytes::from_static(b"during"), None)?;
                tx.list_pop(ks, b"q", End::Front)?;
                tx.list_push(ks, b"q", End::Back, &items)?;
                tx.remove(ks, b"new")?;
                Err::<(), _>(Error::NoSuchKey)
            });
            assert!(matches!(failed, Err(Error::NoSuchKey)));
            assert_eq!(t.get("k")?.as_deref(), Some(&b"before"[..]));
            assert_eq!(t.list_range("q", 0, -1)?, vec!["a", "b"]);
            assert_eq!(t.get("new")?.as_deref(), Some(&b"kept"[..]));
            t.push_back("q", "c")?;
            Ok(())
        })
        .unwrap();
    assert_eq!(store.get("k").unwrap().as_deref(), Some(&b"before"[..]));
    assert_eq!(store.list_range("q", 0, -1).unwrap(), vec!["a", "b", "c"]);
    assert_eq!(store.get("new").unwrap().as_deref(), Some(&b"kept"[..]));
}

#[test]
fn a_failed_operation_is_rolled_back_on_memory() {
    let store = Store::open(Config::memory().shards(2)).unwrap();
    a_failed_operation_is_rolled_back(&store);
}

#[test]
fn a_failed_operation_is_rolled_back_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Config::disk(dir.path())).unwrap();
    a_failed_operation_is_rolled_back(&store);
    store.close().unwrap();
    let store = Store::open(Config::disk(dir.path())).unwrap();
    assert_eq!(store.list_range("q", 0, -1).unwrap(), vec!["a", "b", "c"]);
}
