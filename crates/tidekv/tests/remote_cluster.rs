//! The remote backend on a 3-primary Cluster (redis-server 7 and valkey-server 9): what differs
//! from one server. Keys of one call spread over the three nodes; atomic calls on keys that
//! share a hash tag work as on every backend, and atomic calls across slots are refused with an
//! error that names hash tags.

#[path = "support/hash_slot.rs"]
mod hash_slot;
mod remote;

use std::collections::BTreeSet;

use remote::Deployment;
use tidekv::{Error, ListEnd, Store, WriteBatch};

const CLUSTERS: [Deployment; 2] = [Deployment::RedisCluster, Deployment::ValkeyCluster];

fn on_each_cluster(test: impl Fn(&Store, &remote::Lease)) {
    for deployment in CLUSTERS {
        let lease = deployment.lease();
        let store = Store::open(lease.config()).expect("open a store on the Cluster");
        test(&store, &lease);
        store.close().unwrap();
    }
}

/// Keys whose slots belong to all three primaries.
fn spread_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("key:{i:04}")).collect()
}

#[test]
fn scans_reach_every_primary_and_come_back_sorted() {
    on_each_cluster(|store, lease| {
        let keys = spread_keys(600);
        for key in &keys {
            store.insert(key, "v").unwrap();
        }
        store.push_back("key:list", "x").unwrap();
        // The keys really are on every node.
        for node in lease.running.nodes() {
            let size: u64 = redis::cmd("DBSIZE").query(&mut node.client()).unwrap();
            assert!(size > 100, "node {} holds {size} keys", node.port);
        }
        // String entries, then keys of every kind.
        let scanned: Vec<String> = store
            .scan_prefix("key:")
            .unwrap()
            .map(|r| String::from_utf8(r.unwrap().0.to_vec()).unwrap())
            .collect();
        assert_eq!(scanned, keys, "already sorted by construction");
        let all: Vec<String> = store
            .keys_with_prefix("key:")
            .unwrap()
            .map(|r| String::from_utf8(r.unwrap().to_vec()).unwrap())
            .collect();
        let mut expected = keys.clone();
        expected.push("key:list".into());
        assert_eq!(all, expected);
        assert_eq!(
            store.len().unwrap(),
            601,
            "DBSIZE summed over the primaries"
        );
        let range: Vec<_> = store
            .range("key:0100".."key:0110")
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(range.len(), 10);
    });
}

#[test]
fn batches_of_keys_in_many_slots_are_split_by_slot() {
    on_each_cluster(|store, _| {
        let keys = spread_keys(50);
        for (i, key) in keys.iter().enumerate() {
            store.insert(key, i as i64).unwrap();
        }
        let got = store.get_many(&keys).unwrap();
        for (i, value) in got.iter().enumerate() {
            assert_eq!(value.as_deref(), Some(i.to_string().as_bytes()));
        }
        let slots: BTreeSet<u16> = keys.iter().map(|k| slot(k)).collect();
        assert!(slots.len() > 40, "the keys are in many slots");
    });
}

#[test]
fn atomic_calls_on_keys_with_one_hash_tag_work() {
    on_each_cluster(|store, _| {
        store.insert("{acct:1}:from", 100).unwrap();
        store
            .transaction(["{acct:1}:from", "{acct:1}:to"], |t| {
                t.incr_by("{acct:1}:from", -30)?;
                t.incr_by("{acct:1}:to", 30)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(store.get_as::<i64>("{acct:1}:to").unwrap(), Some(30));
        let mut batch = WriteBatch::new();
        batch
            .insert("{b}:x", "1")
            .insert("{b}:y", "2")
            .remove("{b}:w");
        store.apply_batch(batch).unwrap();
        store.rename("{b}:x", "{b}:z").unwrap();
        assert_eq!(store.get("{b}:z").unwrap().as_deref(), Some(&b"1"[..]));
        store.push_back_all("{q}:jobs", ["a", "b"]).unwrap();
        let moved = store
            .list_move("{q}:jobs", "{q}:doing", ListEnd::Front, ListEnd::Back)
            .unwrap();
        assert_eq!(moved.as_deref(), Some(&b"a"[..]));
        assert_eq!(store.remove_many(["{b}:z", "{b}:y", "{b}:w"]).unwrap(), 2);
        assert!(store
            .insert_many_if_absent([("{c}:1", "x"), ("{c}:2", "y")])
            .unwrap());
        assert!(store.copy("{c}:1", "{c}:3", false).unwrap());
        store.rename("{c}:3", "{c}:4").unwrap();
        assert_eq!(store.get("{c}:4").unwrap().as_deref(), Some(&b"x"[..]));
        let watch = store.watch(["{acct:1}:from"]).unwrap();
        let ran = store
            .transaction_watched(&watch, [(0, "{acct:1}:done")], |t| {
                t.insert("{acct:1}:done", 1)
            })
            .unwrap();
        assert!(ran.is_some());
    });
}

#[test]
fn atomic_calls_across_slots_are_refused_and_change_nothing() {
    on_each_cluster(|store, _| {
        assert_ne!(slot("a"), slot("b"));
        store.insert("a", "1").unwrap();
        let names_hash_tags = |e: Error| match e {
            Error::InvalidArgument { why, .. } => assert!(why.contains("hash tag"), "{why}"),
            other => panic!("expected the hash-tag error, got {other:?}"),
        };
        names_hash_tags(store.rename("a", "b").unwrap_err());
        let mut batch = WriteBatch::new();
        batch.insert("a", "2").insert("b", "2");
        names_hash_tags(store.apply_batch(batch).unwrap_err());
        names_hash_tags(
            store
                .transaction(["a", "b"], |t| t.insert("b", "x"))
                .unwrap_err(),
        );
        // DEL would be split by slot, removing "a" alone: refused before it is sent.
        names_hash_tags(store.remove_many(["a", "b"]).unwrap_err());
        // MSETNX and COPY are refused before they are sent too (the server would refuse them).
        names_hash_tags(
            store
                .insert_many_if_absent([("b", "3"), ("a", "3")])
                .unwrap_err(),
        );
        names_hash_tags(store.copy("a", "b", true).unwrap_err());
        assert_eq!(store.get("a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(store.get("b").unwrap(), None);
    });
}

#[test]
fn a_cluster_has_keyspace_zero_only() {
    on_each_cluster(|store, _| {
        assert!(store.capabilities().single_keyspace);
        let Err(Error::InvalidArgument { why, .. }) = store.keyspace(1) else {
            panic!("keyspace 1 on a Cluster must be refused");
        };
        assert!(why.contains("Cluster has one database"), "{why}");
    });
}

/// The hash slot of a key (`support/hash_slot.rs`).
fn slot(key: &str) -> u16 {
    hash_slot::hash_slot(key.as_bytes())
}
