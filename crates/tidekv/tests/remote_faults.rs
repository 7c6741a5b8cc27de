//! The remote backend when the server or the network fails: a server down at open, killed during
//! a workload and restarted, a connection that stalls or is cut (a TCP proxy run by the test),
//! and a Cluster slot moved to another node while a store uses it. Every failure is an
//! `Error::Remote` within a bound — never a hang, never a panic — and work resumes once the server
//! is back.

mod remote;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use remote::proxy::Proxy;
use remote::servers::{free_port, Flavor, ServerProcess};
use tidekv::{Config, Error, Store};

/// How long any one failing call may take before the test calls it a hang: far above the
/// timeouts below, so that only a call that never returns trips it.
const HANG: Duration = Duration::from_secs(30);

/// Short timeouts, so that failures come quickly.
fn quick(config: Config) -> Config {
    config
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_millis(500))
        .retries(1, Duration::from_millis(20))
}

/// Runs `call` on a thread and returns what it returned, failing the test if it never returns.
fn bounded<T: Send + 'static>(what: &str, call: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(call());
    });
    result
        .recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("{what} hung (no answer in {} s)", HANG.as_secs()))
}

fn is_remote<T: std::fmt::Debug>(result: &tidekv::Result<T>) -> bool {
    matches!(result, Err(Error::Remote { .. }))
}

/// Retries `call` until it succeeds (the server came back), failing the test after [`HANG`].
fn eventually<T>(what: &str, mut call: impl FnMut() -> tidekv::Result<T>) -> T {
    let deadline = Instant::now() + HANG;
    loop {
        match call() {
            Ok(value) => return value,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("{what} never worked again: {e}"),
        }
    }
}

#[test]
fn a_server_that_is_down_at_open_is_a_remote_error() {
    let url = format!("redis://127.0.0.1:{}", free_port());
    let opened = bounded("opening a store on a closed port", move || {
        Store::open(quick(Config::remote(url)))
    });
    let Err(Error::Remote { context, cause }) = opened else {
        panic!("expected Error::Remote, got {opened:?}");
    };
    assert!(
        context.contains("connecting to redis://127.0.0.1:"),
        "{context}"
    );
    assert!(!cause.is_empty());
}

#[test]
fn a_server_killed_during_a_workload_gives_errors_then_work_resumes() {
    for flavor in [Flavor::Redis, Flavor::Valkey] {
        let mut server = ServerProcess::start(flavor, &[]);
        let store = Store::open(quick(Config::remote(server.url()))).unwrap();
        for i in 0..100 {
            store.insert(format!("k{i}"), i).unwrap();
        }
        store.push_back("q", "x").unwrap();
        // A waiter blocked when the server dies.
        let waiter = {
            let store = store.clone();
            std::thread::spawn(move || store.blocking_pop_front(&["empty"], None))
        };
        std::thread::sleep(Duration::from_millis(100));
        server.kill();
        let blocked = bounded("a blocked pop whose server died", move || {
            waiter.join().unwrap()
        });
        assert!(is_remote(&blocked), "{blocked:?}");
        for call in 0..5 {
            let s = store.clone();
            let got = bounded("a read on a dead server", move || s.get("k1"));
            assert!(is_remote(&got), "call {call}: {got:?}");
            let s = store.clone();
            let pushed = bounded("a push on a dead server", move || s.push_back("q", "y"));
            assert!(is_remote(&pushed), "call {call}: {pushed:?}");
            let s = store.clone();
            let counted = bounded("a transaction on a dead server", move || s.incr_by("n", 1));
            assert!(is_remote(&counted), "call {call}: {counted:?}");
        }
        server.restart();
        // The server came back empty (no persistence): the same store works again.
        eventually("an insert after the restart", || {
            store.insert("back", "yes")
        });
        assert_eq!(store.get("back").unwrap().as_deref(), Some(&b"yes"[..]));
        assert_eq!(store.incr_by("n", 2).unwrap(), 2);
        assert_eq!(store.push_back("q", "z").unwrap(), 1);
        store.close().unwrap();
    }
}

#[test]
fn a_stalled_connection_times_out_and_a_cut_one_reconnects() {
    let server = ServerProcess::start(Flavor::Redis, &[]);
    let proxy = Proxy::start(server.port);
    let store = Store::open(quick(Config::remote(proxy.url()))).unwrap();
    store.insert("k", "v").unwrap();

    proxy.stall();
    for _ in 0..3 {
        let s = store.clone();
        let got = bounded("a read through a stalled connection", move || s.get("k"));
        let Err(Error::Remote { cause, .. }) = &got else {
            panic!("expected a timeout, got {got:?}");
        };
        assert!(
            cause.to_lowercase().contains("timed out") || cause.contains("timeout"),
            "{cause}"
        );
        let s = store.clone();
        let tx = bounded("a transaction through a stalled connection", move || {
            s.incr_by("n", 1)
        });
        assert!(is_remote(&tx), "{tx:?}");
    }
    proxy.forward();
    eventually("a read after the stall", || store.get("k"));

    proxy.cut();
    let s = store.clone();
    let got = bounded("a read through a cut connection", move || s.get("k"));
    assert!(is_remote(&got), "{got:?}");
    proxy.forward();
    let value = eventually("a read after the cut", || store.get("k"));
    assert_eq!(value.as_deref(), Some(&b"v"[..]));
    // The three increments that timed out while stalled may each have run when the bytes went
    // through (a timed-out call's effect is unknown, as `Error::Remote` says): 5 plus 0 to 3.
    let n = store.incr_by("n", 5).unwrap_or_else(|e| panic!("{e}"));
    assert!((5..=8).contains(&n), "n = {n}");
    store.close().unwrap();
}

#[test]
fn a_slot_moved_to_another_node_is_followed() {
    let cluster = remote::servers::Cluster::start(Flavor::Redis);
    let store = Store::open(Config::remote(cluster.url())).unwrap();
    // A hash tag whose slot is among the first of the first node's range: reshard moves those.
    let tag = (0..)
        .map(|i| format!("{{t{i}}}"))
        .find(|tag| {
            let slot: u16 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(tag.as_str())
                .query(&mut cluster.nodes[0].client())
                .unwrap();
            slot < 100
        })
        .unwrap();
    let (a, b) = (format!("{tag}:a"), format!("{tag}:b"));
    store.insert(&a, 10).unwrap();
    // A transaction first, so that the store knows the slot's owner before it moves.
    store.transaction([&a, &b], |t| t.incr_by(&b, 1)).unwrap();
    // A pop blocked on the first node when the slot leaves it.
    let jobs = format!("{tag}:jobs");
    let waiter = {
        let (store, jobs) = (store.clone(), jobs.clone());
        std::thread::spawn(move || {
            store.blocking_pop_front(&[&jobs], Some(Duration::from_secs(60)))
        })
    };
    let blocked_on_first_node = || {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query(&mut cluster.nodes[0].client())
            .unwrap();
        info.lines()
            .any(|l| l.starts_with("blocked_clients:") && l != "blocked_clients:0")
    };
    let start = Instant::now();
    while !blocked_on_first_node() {
        assert!(
            start.elapsed() < HANG,
            "the pop never blocked on the first node"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    cluster.move_slots(0, 1, 100);
    // Plain calls follow MOVED in the client; a transaction learns the new owner and runs again.
    assert_eq!(store.get_as::<i64>(&a).unwrap(), Some(10));
    let moved = store.transaction([&a, &b], |t| {
        let from = t.get_as::<i64>(&a)?.unwrap_or(0);
        t.insert(&a, from - 3)?;
        t.incr_by(&b, 3)
    });
    assert_eq!(moved.unwrap(), 4);
    assert_eq!(store.get_as::<i64>(&a).unwrap(), Some(7));
    // The blocked pop followed the slot to its new node and is served there.
    store.push_back(&jobs, "job").unwrap();
    let popped = bounded("a blocked pop whose slot moved", move || {
        waiter.join().unwrap()
    });
    let (key, value) = popped.unwrap().expect("the pop is served, not timed out");
    assert_eq!(
        (key.as_ref(), value.as_ref()),
        (jobs.as_bytes(), &b"job"[..])
    );
    assert_eq!(store.list_len(&jobs).unwrap(), 0);
    store.close().unwrap();
}
