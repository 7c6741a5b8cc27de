//! The remote backend shares its data with every other client of the server: what another
//! client (another process, `redis-cli`, another store) does is seen, and what tidekv writes is
//! plain Redis data. On each of the four deployments.

mod remote;

use std::time::Duration;

use remote::Deployment;
use tidekv::{BackendStats, Error, Store, Ttl};

fn on_each_deployment(test: impl Fn(&Store, &remote::Lease)) {
    for deployment in Deployment::ALL {
        let lease = deployment.lease();
        let store = Store::open(lease.config()).expect("open a store");
        test(&store, &lease);
        store.close().unwrap();
    }
}

/// A plain `redis` crate connection to the node that owns `key`.
fn client_for(lease: &remote::Lease, key: &str) -> redis::Connection {
    for node in lease.running.nodes() {
        let mut client = node.client();
        let owner: redis::RedisResult<redis::Value> =
            redis::cmd("EXISTS").arg(key).query(&mut client);
        if owner.is_ok() {
            return client;
        }
    }
    panic!("no node answers for {key}");
}

#[test]
fn numbers_lists_and_ttls_are_plain_redis_data() {
    on_each_deployment(|store, lease| {
        store.insert("n", 41).unwrap();
        let mut redis = client_for(lease, "n");
        let n: i64 = redis::cmd("INCR").arg("n").query(&mut redis).unwrap();
        assert_eq!(n, 42);
        assert_eq!(store.get_as::<i64>("n").unwrap(), Some(42));
        store.push_back_all("q", ["a", "b"]).unwrap();
        let mut redis = client_for(lease, "q");
        let items: Vec<String> = redis::cmd("LRANGE")
            .arg("q")
            .arg(0)
            .arg(-1)
            .query(&mut redis)
            .unwrap();
        assert_eq!(items, ["a", "b"]);
        store
            .insert_with_ttl("t", "v", Duration::from_secs(100))
            .unwrap();
        let mut redis = client_for(lease, "t");
        let pttl: i64 = redis::cmd("PTTL").arg("t").query(&mut redis).unwrap();
        // The clocks' offset is measured to the millisecond at open, so a deadline may land a
        // few milliseconds either side on the server's clock.
        assert!((99_000..=100_010).contains(&pttl), "PTTL {pttl}");
        let _: () = redis::cmd("PEXPIRE")
            .arg("t")
            .arg(50_000)
            .query(&mut redis)
            .unwrap();
        let Some(Ttl::ExpiresIn(left)) = store.ttl("t").unwrap() else {
            panic!("t has a TTL");
        };
        assert!(
            left <= Duration::from_secs(50) && left > Duration::from_secs(49),
            "{left:?}"
        );
    });
}

#[test]
fn a_write_by_another_client_aborts_a_watched_transaction() {
    on_each_deployment(|store, lease| {
        store.insert("{w}:k", "v").unwrap();
        let watch = store.watch(["{w}:k"]).unwrap();
        // Another process: not this store, so no in-process flag can see it; only the server.
        let mut other = client_for(lease, "{w}:k");
        let _: () = redis::cmd("SET")
            .arg("{w}:k")
            .arg("changed")
            .query(&mut other)
            .unwrap();
        let ran = store
            .transaction_watched(&watch, [(0, "{w}:done")], |t| t.insert("{w}:done", "yes"))
            .unwrap();
        assert_eq!(ran, None, "the watched key changed on the server");
        assert_eq!(store.get("{w}:done").unwrap(), None);
        // A second store is another client too.
        let watch = store.watch(["{w}:k"]).unwrap();
        let second = Store::open(lease.config()).unwrap();
        second.insert("{w}:k", "again").unwrap();
        let ran = store
            .transaction_watched(&watch, [(0, "{w}:done")], |t| t.insert("{w}:done", "yes"))
            .unwrap();
        assert_eq!(ran, None);
        second.close().unwrap();
    });
}

#[test]
fn a_key_of_a_type_tidekv_does_not_store_is_a_clear_error() {
    on_each_deployment(|store, lease| {
        let mut redis = client_for(lease, "h");
        let _: () = redis::cmd("HSET")
            .arg("h")
            .arg("f")
            .arg("v")
            .query(&mut redis)
            .unwrap();
        let Err(Error::WrongType { found, .. }) = store.type_of("h") else {
            panic!("a hash is not a string or a list");
        };
        assert_eq!(found, "a hash");
        assert!(matches!(store.get("h"), Err(Error::WrongType { .. })));
        assert!(matches!(
            store.push_back("h", "x"),
            Err(Error::WrongType { .. })
        ));
    });
}

#[test]
fn stats_report_keys_expiries_and_the_servers() {
    on_each_deployment(|store, lease| {
        store.insert("a", "1").unwrap();
        store
            .insert_with_ttl("b", "2", Duration::from_secs(60))
            .unwrap();
        store.push_back("c", "x").unwrap();
        let stats = store.stats().unwrap();
        assert_eq!((stats.keys, stats.keyspaces[0].expires), (3, 1));
        let BackendStats::Remote(remote) = stats.backend else {
            panic!("remote stats");
        };
        assert_eq!(remote.primaries as usize, lease.running.nodes().len());
        assert_eq!(remote.cluster, lease.running.nodes().len() > 1);
        assert!(remote.used_memory > 0 && !remote.server_version.is_empty());
    });
}

#[test]
fn the_server_expires_keys_on_its_own_clock() {
    on_each_deployment(|store, _| {
        store
            .insert_with_ttl("soon", "v", Duration::from_millis(100))
            .unwrap();
        store.push_back("q", "x").unwrap();
        store.expire("q", Duration::from_millis(100)).unwrap();
        assert!(store.contains_key("soon").unwrap());
        // Waiting past the deadline is the thing tested here: the server's own expiry.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(store.get("soon").unwrap(), None);
        assert_eq!(store.list_len("q").unwrap(), 0);
        assert_eq!(store.ttl("soon").unwrap(), None);
    });
}

#[test]
fn a_push_by_another_client_wakes_a_blocked_pop() {
    on_each_deployment(|store, lease| {
        let blocked_now = |store: &Store| match store.stats().unwrap().backend {
            BackendStats::Remote(remote) => remote.blocked_clients,
            _ => unreachable!("a remote store"),
        };
        let worker = {
            let store = store.clone();
            std::thread::spawn(move || store.blocking_pop_front(&["jobs"], None))
        };
        // The server holds it blocked: only the server can hand it what another process pushes.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while blocked_now(store) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the pop never blocked"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let mut other = client_for(lease, "jobs");
        let _: () = redis::cmd("RPUSH")
            .arg("jobs")
            .arg("job-1")
            .query(&mut other)
            .unwrap();
        let (key, job) = worker.join().unwrap().unwrap().expect("woken with the job");
        assert_eq!((&key[..], &job[..]), (&b"jobs"[..], &b"job-1"[..]));
        assert_eq!(store.list_len("jobs").unwrap(), 0);
    });
}

#[test]
fn a_checkpoint_is_refused_and_writes_nothing() {
    let lease = Deployment::RedisServer.lease();
    let store = Store::open(lease.config()).expect("open a store");
    let root = tempfile::tempdir().unwrap();
    let refused = store.checkpoint(root.path().join("backup")).unwrap_err();
    assert!(
        matches!(refused, Error::InvalidArgument { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("tidekv export"), "{refused}");
    assert!(!root.path().join("backup").exists());
    assert!(!root.path().join("backup.checkpoint-tmp").exists());
    store.close().unwrap();
}
