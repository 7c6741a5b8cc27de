//! Close, stats, flush.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Error, WriteBatch};

fn closed<T: std::fmt::Debug>(r: tidekv::Result<T>) -> bool {
    matches!(r, Err(Error::Closed))
}

pub fn every_call_after_close_is_closed(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    let other_handle = s.clone();
    let ks1 = s.keyspace(1).unwrap();
    s.close().unwrap();
    let path = ctx.path("snap");
    assert!(closed(s.insert("k", "v")));
    assert!(closed(s.insert_with_ttl("k", "v", Duration::from_secs(1))));
    assert!(closed(s.get("k")));
    assert!(closed(s.get_as::<String>("k")));
    assert!(closed(s.take("k")));
    assert!(closed(s.remove("k")));
    assert!(closed(s.contains_key("k")));
    assert!(closed(s.len()));
    assert!(closed(s.is_empty()));
    assert!(closed(s.keys().map(|_| ())));
    assert!(closed(s.incr_by("n", 1)));
    assert!(closed(s.expire("k", Duration::from_secs(1))));
    assert!(closed(s.ttl("k")));
    assert!(closed(s.persist("k")));
    assert!(closed(s.push_back("q", "v")));
    assert!(closed(s.push_front("q", "v")));
    assert!(closed(s.pop_back("q")));
    assert!(closed(s.pop_front("q")));
    assert!(closed(s.list_len("q")));
    assert!(closed(s.list_range("q", 0, -1)));
    assert!(closed(s.blocking_pop_front(&["q"], Some(Duration::ZERO))));
    assert!(closed(s.scan_prefix("k").map(|_| ())));
    assert!(closed(s.range::<&str>(..).map(|_| ())));
    assert!(closed(s.get_many(["k"])));
    assert!(closed(s.insert_many([("k", "v")])));
    assert!(closed(s.remove_many(["k"])));
    assert!(closed(s.apply_batch(WriteBatch::new())));
    assert!(closed(s.flush()));
    assert!(closed(s.save_snapshot(&path)));
    assert!(closed(s.load_snapshot(&path)));
    assert!(closed(s.stats()));
    assert!(closed(s.keyspace(1).map(|_| ())));
    assert!(closed(s.clear()));
    assert!(closed(s.set("k", "v", tidekv::SetOptions::default())));
    assert!(closed(s.append("k", "v")));
    assert!(closed(s.rename("k", "j")));
    assert!(closed(s.expire_with(
        "k",
        tidekv::Expiry::Never,
        tidekv::ExpireCondition::Always
    )));
    assert!(closed(s.transaction(["k"], |t| t.insert("k", "v"))));
    assert!(closed(s.watch(["k"]).map(|_| ())));
    assert!(closed(s.scan_keys(
        &tidekv::ScanCursor::start(),
        &tidekv::ScanOptions::default()
    )));
    assert!(closed(s.list_move(
        "q",
        "r",
        tidekv::ListEnd::Front,
        tidekv::ListEnd::Back
    )));
    assert!(closed(
        s.pop_when_ready(&["q"], tidekv::ListEnd::Front, 1)
            .map(|_| ())
    ));
    s.close().expect("a second close succeeds: closing is idempotent");
    other_handle
        .close()
        .expect("and so does one through another handle");
    assert!(
        closed(other_handle.get("k")),
        "clones share the closed state"
    );
    assert!(closed(ks1.get("k")), "keyspace handles share it too");
}

/// Keys on every backend; bytes where the backend counts them (`Capabilities::counts_bytes`),
/// and 0 where it does not.
pub fn stats_count_keys_and_bytes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let counts_bytes = s.capabilities().counts_bytes;
    let bytes = |n: u64| if counts_bytes { n } else { 0 };
    let empty = s.stats().unwrap();
    assert_eq!((empty.keys, empty.bytes), (0, 0));
    s.insert("key", "value").unwrap(); // 3 + 5
    s.push_back_all("q", ["ab", "c"]).unwrap(); // 1 + 3
    let stats = s.stats().unwrap();
    assert_eq!(stats.keys, 2);
    assert_eq!(stats.bytes, bytes(12));
    assert_eq!(stats.keyspaces[0].expires, 0);
    s.pop_front("q").unwrap();
    s.insert("key", "v").unwrap();
    let stats = s.stats().unwrap();
    assert_eq!((stats.keys, stats.bytes), (2, bytes(3 + 1 + 1 + 1)));
    s.remove("key").unwrap();
    s.pop_front("q").unwrap();
    let stats = s.stats().unwrap();
    assert_eq!((stats.keys, stats.bytes), (0, 0));
    assert!(stats.keyspaces.is_empty(), "{:?}", stats.keyspaces);
}

pub fn stats_count_keys_with_an_expiry(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_with_ttl("a", "1", std::time::Duration::from_secs(100))
        .unwrap();
    s.insert("b", "2").unwrap();
    s.push_back("q", "x").unwrap();
    s.expire("q", std::time::Duration::from_secs(100)).unwrap();
    s.keyspace(3)
        .unwrap()
        .insert_with_ttl("c", "3", std::time::Duration::from_secs(100))
        .unwrap();
    let stats = s.stats().unwrap();
    let by_id: Vec<(u32, u64, u64)> = stats
        .keyspaces
        .iter()
        .map(|k| (k.id, k.keys, k.expires))
        .collect();
    assert_eq!(by_id, [(0, 3, 2), (3, 1, 1)]);
    s.persist("a").unwrap();
    assert_eq!(s.stats().unwrap().keyspaces[0].expires, 1);
}

pub fn flush_succeeds(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    ctx.store.insert("k", "v").unwrap();
    ctx.store.flush().unwrap();
    assert_eq!(ctx.store.get("k").unwrap().as_deref(), Some(&b"v"[..]));
}

pub fn capabilities_describe_the_backend(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let caps = ctx.store.capabilities();
    let local = caps.point_in_time_scans
        && caps.exclusive
        && caps.expiry_by_store_clock
        && caps.exact_len
        && !caps.single_keyspace;
    match caps.backend {
        "memory" => assert!(local && !caps.survives_crashes && !caps.compaction),
        "disk" => {
            assert!(local && caps.survives_crashes && caps.survives_restarts && caps.compaction)
        }
        "remote" => {
            // Shared with other clients, judged by the server's clock, scanned with SCAN.
            assert!(!caps.point_in_time_scans && !caps.exclusive && !caps.compaction);
            assert!(!caps.expiry_by_store_clock && !caps.exact_len);
            let single = ctx.store.keyspace(1).is_err();
            assert_eq!(caps.single_keyspace, single, "a Cluster has keyspace 0 only");
        }
        other => panic!("unknown backend {other}"),
    }
}
