//! The blocking connections the remote backend lends to calls made from plain threads, on one
//! server (`src/remote/sync_pool.rs`): never more of them than `pool_size`, each call on the
//! database of its keyspace, a connection kept after an error reply, calls beyond the pool
//! served by the shared connection, and none left open once the store closes.

mod remote;

use std::collections::BTreeSet;

use remote::servers::{Flavor, ServerProcess};
use tidekv::{Config, Error, Store};

/// The ids of the server's clients, except the one asking.
fn other_clients(server: &ServerProcess) -> BTreeSet<i64> {
    let mut client = server.client();
    let me: i64 = redis::cmd("CLIENT").arg("ID").query(&mut client).unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut client).unwrap();
    list.lines()
        .filter_map(|line| line.strip_prefix("id=")?.split(' ').next()?.parse().ok())
        .filter(|&id| id != me)
        .collect()
}

#[test]
fn more_threads_than_connections_stay_within_the_pool_and_lose_no_update() {
    let server = ServerProcess::start(Flavor::Redis, &[]);
    let store = Store::open(Config::remote(server.url()).pool_size(2)).unwrap();
    store.insert("shared", 0).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..300 {
                    store.incr_by("shared", 1).unwrap();
                    store.insert(format!("t{t}:{i}"), i).unwrap();
                    assert_eq!(store.get_as::<i64>(format!("t{t}:{i}")).unwrap(), Some(i));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(store.get_as::<i64>("shared").unwrap(), Some(2400));
    // Two blocking connections and keyspace 0's shared one; a leak or a pool that ignores its
    // size would show more.
    let clients = other_clients(&server);
    assert!(
        clients.len() <= 3,
        "{} connections: {clients:?}",
        clients.len()
    );
    store.close().unwrap();
    // A closed store holds no connection (the server notices a closed socket within moments).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !other_clients(&server).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "connections left open after close: {:?}",
            other_clients(&server)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn each_call_reaches_the_database_of_its_keyspace() {
    let server = ServerProcess::start(Flavor::Redis, &[]);
    // One blocking connection, traded between the keyspaces as the calls alternate.
    let store = Store::open(Config::remote(server.url()).keyspaces(3).pool_size(1)).unwrap();
    let spaces: Vec<_> = (0..3).map(|ks| store.keyspace(ks).unwrap()).collect();
    for round in 0..20 {
        for (ks, space) in spaces.iter().enumerate() {
            space.insert("k", format!("{ks}:{round}")).unwrap();
        }
        for (ks, space) in spaces.iter().enumerate() {
            let expected = format!("{ks}:{round}");
            assert_eq!(
                space.get("k").unwrap().as_deref(),
                Some(expected.as_bytes())
            );
        }
    }
    let mut client = server.client();
    for ks in 0..3 {
        let _: () = redis::cmd("SELECT").arg(ks).query(&mut client).unwrap();
        let value: String = redis::cmd("GET").arg("k").query(&mut client).unwrap();
        assert_eq!(value, format!("{ks}:19"));
    }
    store.close().unwrap();
}

#[test]
fn an_error_reply_keeps_the_connection() {
    let server = ServerProcess::start(Flavor::Redis, &[]);
    let store = Store::open(Config::remote(server.url()).pool_size(1)).unwrap();
    store.insert("word", "abc").unwrap();
    store.push_back("list", "x").unwrap();
    let before = other_clients(&server);
    for _ in 0..5 {
        assert!(matches!(store.get("list"), Err(Error::WrongType { .. })));
        assert!(matches!(store.incr_by("word", 1), Err(Error::NotAnInteger)));
        assert_eq!(store.get("word").unwrap().as_deref(), Some(&b"abc"[..]));
    }
    // The same connections, none opened again: the error replies were read in full.
    assert_eq!(other_clients(&server), before);
    store.close().unwrap();
}
