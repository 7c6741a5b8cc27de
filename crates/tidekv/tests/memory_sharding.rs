//! Memory backend: the shard hasher is pluggable, and no hasher can break correctness.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tidekv::{Config, Error, Store};

fn exercise(store: &Store) {
    for i in 0..200 {
        store.insert(format!("k{i:03}"), i).unwrap();
    }
    store.push_back("q", "x").unwrap();
    assert_eq!(store.len().unwrap(), 201);
    assert_eq!(store.get_as::<i64>("k123").unwrap(), Some(123));
    let keys: Vec<_> = store
        .scan_prefix("k")
        .unwrap()
        .map(|r| r.unwrap().0)
        .collect();
    assert_eq!(keys.len(), 200);
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "scan stays sorted across shards"
    );
    assert_eq!(store.remove_many(["k000", "k001", "nope"]).unwrap(), 2);
    assert_eq!(store.len().unwrap(), 199);
}

#[test]
fn custom_hasher_is_used_for_every_key() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let hasher = Arc::new(move |key: &[u8]| {
        counted.fetch_add(1, Ordering::Relaxed);
        key.iter().map(|&b| u64::from(b)).sum::<u64>()
    });
    let store = Store::open(Config::memory().shards(7).shard_hasher(hasher)).unwrap();
    exercise(&store);
    assert!(
        calls.load(Ordering::Relaxed) >= 200,
        "the custom hasher picked the shards"
    );
}

#[test]
fn degenerate_hashers_are_safe() {
    // Everything in one shard, and outputs far beyond the shard count: both are reduced safely.
    let constant = Store::open(
        Config::memory()
            .shards(16)
            .shard_hasher(Arc::new(|_: &[u8]| 0)),
    )
    .unwrap();
    exercise(&constant);
    let huge = Store::open(
        Config::memory()
            .shards(16)
            .shard_hasher(Arc::new(|_: &[u8]| u64::MAX)),
    )
    .unwrap();
    exercise(&huge);
    let one_shard = Store::open(Config::memory().shards(1)).unwrap();
    exercise(&one_shard);
}

#[test]
fn bad_shard_counts_are_rejected_at_open() {
    assert!(matches!(
        Store::open(Config::memory().shards(0)),
        Err(Error::InvalidArgument { what: "shards", .. })
    ));
    assert!(matches!(
        Store::open(Config::memory().shards(1 << 20)),
        Err(Error::InvalidArgument { what: "shards", .. })
    ));
    assert!(Store::open(Config::memory().low_memory()).is_ok());
    assert!(Store::open(Config::memory().high_performance()).is_ok());
}
