//! Memory backend: many live scans at once, each seeing exactly the instant it was created, while
//! every kind of write goes on; and the pre-images kept for them are freed when they are dropped.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tidekv::{BackendStats, Config, Scan, Store};

#[derive(Debug, Clone)]
enum Step {
    Insert(u8, u8),
    Remove(u8),
    Push(u8, u8),
    Pop(u8),
    Incr(u8),
    Expire(u8),
    Persist(u8),
    Clear,
    /// Start a scan and remember what it must see.
    OpenScan,
    /// Read a few entries from one of the open scans.
    Advance(prop::sample::Index, u8),
    /// Drop one of the open scans.
    DropScan(prop::sample::Index),
}

fn step() -> impl Strategy<Value = Step> {
    // More keys per shard than a cursor reads per refill (64), so scans read lazily after writes.
    let key = 0u8..150;
    prop_oneof![
        4 => (key.clone(), any::<u8>()).prop_map(|(k, v)| Step::Insert(k, v)),
        2 => key.clone().prop_map(Step::Remove),
        2 => (key.clone(), any::<u8>()).prop_map(|(k, v)| Step::Push(k, v)),
        1 => key.clone().prop_map(Step::Pop),
        1 => key.clone().prop_map(Step::Incr),
        1 => key.clone().prop_map(Step::Expire),
        1 => key.clone().prop_map(Step::Persist),
        1 => Just(Step::Clear),
        2 => Just(Step::OpenScan),
        3 => (any::<prop::sample::Index>(), 1u8..4).prop_map(|(i, n)| Step::Advance(i, n)),
        1 => any::<prop::sample::Index>().prop_map(Step::DropScan),
    ]
}

fn key(k: u8) -> String {
    format!("key:{k:02}")
}

/// The string entries a scan of `key:` must yield, in order.
fn expected(store: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut state = BTreeMap::new();
    for k in store.keys_with_prefix("key:").unwrap() {
        let k = k.unwrap();
        if let Ok(Some(v)) = store.get(&k) {
            state.insert(k.to_vec(), v.to_vec());
        }
    }
    state.into_iter().collect()
}

struct OpenScan {
    scan: Scan,
    expected: Vec<(Vec<u8>, Vec<u8>)>,
    seen: usize,
}

impl OpenScan {
    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            let got = self
                .scan
                .next()
                .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap());
            assert_eq!(
                got.as_ref(),
                self.expected.get(self.seen),
                "entry {} of a live scan",
                self.seen
            );
            if got.is_none() {
                return;
            }
            self.seen += 1;
        }
    }

    fn finish(mut self) {
        self.advance(usize::MAX);
        assert_eq!(self.seen, self.expected.len());
    }
}

fn history(store: &Store) -> u64 {
    match store.stats().unwrap().backend {
        BackendStats::Memory(m) => m.view_history_entries,
        other => panic!("not memory: {other:?}"),
    }
}

fn run(steps: Vec<Step>, shards: usize) {
    let store = Store::open(Config::memory().shards(shards)).unwrap();
    store
        .insert_many((0..150).map(|k| (key(k), "prefilled")))
        .unwrap();
    let mut scans: Vec<OpenScan> = Vec::new();
    for step in steps {
        match step {
            Step::Insert(k, v) => store
                .insert(key(k), vec![v; 1 + usize::from(v % 3)])
                .unwrap(),
            Step::Remove(k) => {
                store.remove(key(k)).unwrap();
            }
            Step::Push(k, v) => {
                let _ = store.push_back(key(k), vec![v]);
            }
            Step::Pop(k) => {
                let _ = store.pop_front(key(k));
            }
            Step::Incr(k) => {
                let _ = store.incr_by(key(k), 1);
            }
            Step::Expire(k) => {
                store
                    .expire(key(k), std::time::Duration::from_secs(3600))
                    .unwrap();
            }
            Step::Persist(k) => {
                store.persist(key(k)).unwrap();
            }
            Step::Clear => store.clear().unwrap(),
            Step::OpenScan => scans.push(OpenScan {
                expected: expected(&store),
                scan: store.scan_prefix("key:").unwrap(),
                seen: 0,
            }),
            Step::Advance(i, n) => {
                if !scans.is_empty() {
                    let i = i.index(scans.len());
                    scans[i].advance(usize::from(n));
                }
            }
            Step::DropScan(i) => {
                if !scans.is_empty() {
                    scans.remove(i.index(scans.len())).finish();
                }
            }
        }
    }
    for scan in scans {
        scan.finish();
    }
    assert_eq!(
        history(&store),
        0,
        "every pre-image is freed once no scan is alive"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn overlapping_scans_each_see_their_instant(steps in proptest::collection::vec(step(), 1..120)) {
        run(steps, 2);
    }

    #[test]
    fn overlapping_scans_on_one_shard(steps in proptest::collection::vec(step(), 1..120)) {
        run(steps, 1);
    }
}

#[test]
fn history_is_kept_only_while_a_scan_lives() {
    let store = Store::open(Config::memory().shards(2)).unwrap();
    for i in 0..200 {
        store.insert(format!("key:{i:03}"), "old").unwrap();
    }
    assert_eq!(history(&store), 0, "no scan: writes keep nothing");
    let scan = store.scan_prefix("key:").unwrap();
    for i in 0..200 {
        store.insert(format!("key:{i:03}"), "new").unwrap();
        store.insert(format!("key:{i:03}"), "newer").unwrap();
    }
    assert_eq!(history(&store), 200, "one pre-image per key, not per write");
    let old: Vec<_> = scan.map(|r| r.unwrap().1).collect();
    assert_eq!(old.len(), 200);
    assert!(old.iter().all(|v| &v[..] == b"old"));
    assert_eq!(history(&store), 0, "dropping the scan freed them");
}

/// Pruning while older scans are alive must keep exactly what those scans still need.
#[test]
fn pruning_keeps_what_live_scans_need() {
    let store = Store::open(Config::memory().shards(1)).unwrap();
    let keys: Vec<String> = (0..300).map(|i| format!("key:{i:03}")).collect();
    store
        .insert_many(keys.iter().map(|k| (k.as_str(), "v0")))
        .unwrap();
    let oldest = store.scan_prefix("key:").unwrap();
    for k in &keys {
        store.insert(k, "v1").unwrap();
    }
    let middle = store.scan_prefix("key:").unwrap();
    for (round, k) in keys.iter().enumerate() {
        store.insert(k, "v2").unwrap();
        // Short-lived scans come and go, each drop a chance to prune.
        if round % 10 == 0 {
            let short = store.scan_prefix("key:1").unwrap();
            drop(short);
        }
    }
    for k in keys.iter().step_by(2) {
        store.remove(k).unwrap();
    }
    let seen = |scan: Scan| -> Vec<Vec<u8>> { scan.map(|r| r.unwrap().1.to_vec()).collect() };
    let oldest = seen(oldest);
    assert_eq!(oldest.len(), 300);
    assert!(
        oldest.iter().all(|v| v == b"v0"),
        "the oldest scan sees v0 everywhere"
    );
    let middle = seen(middle);
    assert_eq!(middle.len(), 300);
    assert!(
        middle.iter().all(|v| v == b"v1"),
        "the middle scan sees v1 everywhere"
    );
    assert_eq!(history(&store), 0);
    let now = seen(store.scan_prefix("key:").unwrap());
    assert_eq!(now.len(), 150);
    assert!(now.iter().all(|v| v == b"v2"));
}
