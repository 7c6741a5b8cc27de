//! Moving data between backends through the portable snapshot format: a memory store and a disk
//! store saved with `save_snapshot` load into a remote store (each of the four deployments), and
//! the remote store's own snapshot loads back into memory and disk, with every key, kind, value
//! and deadline kept (deadlines are absolute, so they survive the trips exactly).

mod remote;

use std::time::Duration;

use remote::Deployment;
use tidekv::{Config, Expiry, Store};

/// One key as every backend shows it: keyspace, key, kind, value(s), deadline.
type Seen = (u32, Vec<u8>, String, Vec<Vec<u8>>, Option<Expiry>);

/// Everything a store holds in keyspaces `0..keyspaces`, through the public API.
fn contents(store: &Store, keyspaces: u32) -> Vec<Seen> {
    let mut seen = Vec::new();
    for ks in 0..keyspaces {
        let handle = store.keyspace(ks).unwrap();
        for key in handle.keys().unwrap() {
            let key = key.unwrap();
            let kind = handle.type_of(&key).unwrap().expect("a listed key exists");
            let values = match kind {
                tidekv::KeyKind::String => vec![handle.get(&key).unwrap().unwrap().to_vec()],
                tidekv::KeyKind::List => handle
                    .list_range(&key, 0, -1)
                    .unwrap()
                    .into_iter()
                    .map(|v| v.to_vec())
                    .collect(),
            };
            let deadline = handle.expires_at(&key).unwrap();
            seen.push((ks, key.to_vec(), kind.redis_name().into(), values, deadline));
        }
    }
    seen
}

/// Strings, numbers, JSON-ish text, binary keys, a long list, deadlines, and (with two
/// keyspaces) keys in keyspace 1.
fn fill(store: &Store, keyspaces: u32) {
    store.insert("user:1:name", "Ada").unwrap();
    store.insert("counter", 41).unwrap();
    store.insert("pi", 3.5).unwrap();
    store
        .insert(b"\x00bin\xff".as_slice(), b"\x01\x02".as_slice())
        .unwrap();
    store.insert("empty", "").unwrap();
    store
        .insert_with_ttl("session", "token", Duration::from_secs(600))
        .unwrap();
    let items: Vec<String> = (0..1_000).map(|i| format!("job-{i}")).collect();
    store.push_back_all("jobs", &items).unwrap();
    store.expire("jobs", Duration::from_secs(900)).unwrap();
    if keyspaces > 1 {
        let one = store.keyspace(1).unwrap();
        one.insert("user:1:name", "in keyspace 1").unwrap();
        one.push_back("q", "x").unwrap();
    }
}

fn round_trip(source: Store, deployment: Deployment) {
    let keyspaces = if deployment.is_cluster() { 1 } else { 2 };
    fill(&source, keyspaces);
    let expected = contents(&source, keyspaces);
    assert_eq!(expected.len(), 7 + if keyspaces > 1 { 2 } else { 0 });
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("source.tkv");
    source.save_snapshot(&saved).unwrap();

    let lease = deployment.lease();
    let remote = Store::open(lease.config()).unwrap();
    remote.insert("stale", "replaced by the load").unwrap();
    remote.load_snapshot(&saved).unwrap();
    assert_eq!(
        contents(&remote, keyspaces),
        expected,
        "into {deployment:?}"
    );
    // Plain Redis data: INCR on what came from a snapshot.
    assert_eq!(remote.incr_by("counter", 1).unwrap(), 42);
    remote.incr_by("counter", -1).unwrap();

    let back = dir.path().join("remote.tkv");
    remote.save_snapshot(&back).unwrap();
    for target in [
        Store::open(Config::memory()).unwrap(),
        Store::open(Config::disk(dir.path().join("disk"))).unwrap(),
    ] {
        target.load_snapshot(&back).unwrap();
        assert_eq!(
            contents(&target, keyspaces),
            expected,
            "back from {deployment:?}"
        );
        target.close().unwrap();
    }
    remote.close().unwrap();
    source.close().unwrap();
}

#[test]
fn memory_and_disk_snapshots_move_to_every_remote_deployment_and_back() {
    for deployment in Deployment::ALL {
        round_trip(Store::open(Config::memory()).unwrap(), deployment);
        let dir = tempfile::tempdir().unwrap();
        round_trip(Store::open(Config::disk(dir.path())).unwrap(), deployment);
    }
}

#[test]
fn a_snapshot_with_several_keyspaces_does_not_load_into_a_cluster() {
    let source = Store::open(Config::memory()).unwrap();
    source.keyspace(3).unwrap().insert("k", "v").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("source.tkv");
    source.save_snapshot(&saved).unwrap();
    let lease = Deployment::RedisCluster.lease();
    let remote = Store::open(lease.config()).unwrap();
    remote.insert("kept", "v").unwrap();
    let Err(tidekv::Error::InvalidArgument { why, .. }) = remote.load_snapshot(&saved) else {
        panic!("keyspace 3 does not exist on a Cluster");
    };
    assert!(why.contains("cannot be loaded"), "{why}");
    assert_eq!(remote.get("kept").unwrap().as_deref(), Some(&b"v"[..]));
}
