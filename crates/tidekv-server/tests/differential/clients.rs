//! CLIENT: ID, SETNAME, GETNAME, INFO, LIST, KILL, NO-EVICT, and its errors. The lines of CLIENT
//! INFO and CLIENT LIST cannot be equal (addresses, ages, memory); the fields that can are
//! compared one by one.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::{for_each_engine, v, Client, Pair, Value};

/// The fields of a CLIENT LIST line that two servers can agree on.
const COMPARED: &[&str] = &[
    "name", "db", "flags", "multi", "cmd", "user", "resp", "sub", "psub", "ssub", "redir",
];

fn fields(line: &str) -> BTreeMap<String, String> {
    line.split(' ')
        .filter_map(|f| f.split_once('='))
        .filter(|(k, _)| COMPARED.contains(k))
        .map(|(k, x)| (k.to_string(), x.to_string()))
        .collect()
}

/// The compared fields of every line of a CLIENT LIST / INFO reply, by name, or the reply itself
/// if it is not text.
fn lines(reply: &Value) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
    let Value::Bulk(text) = reply else {
        return Err(reply.to_string());
    };
    Ok(String::from_utf8_lossy(text)
        .lines()
        .map(fields)
        .map(|f| (f.get("name").cloned().unwrap_or_default(), f))
        .collect())
}

/// Sends `line` to both; the compared fields of each client line must be equal.
fn same_fields(p: &mut Pair, line: &str) {
    let (redis, tidekv) = p.both(line);
    let (redis, tidekv) = (lines(&redis), lines(&tidekv));
    p.check(
        redis == tidekv,
        format!("{line} (fields {COMPARED:?})\n    redis:  {redis:?}\n    tidekv: {tidekv:?}"),
    );
}

#[test]
fn client_names_ids_info_and_list() {
    for_each_engine(|d| {
        let mut p = d.pair();
        // Each server numbers its clients: compare that both give an integer.
        let (redis, tidekv) = p.both("CLIENT ID");
        p.check(
            redis.as_int().is_some() && tidekv.as_int().is_some(),
            format!("CLIENT ID: redis {redis}, tidekv {tidekv}"),
        );
        p.run(&[
            "CLIENT GETNAME",
            "CLIENT SETNAME first",
            "CLIENT GETNAME",
            "CLIENT SETNAME \"has space\"",
            "CLIENT SETNAME \"new\nline\"",
            "CLIENT SETNAME \u{e9}",
            "CLIENT GETNAME",
            "CLIENT SETNAME \"\"",
            "CLIENT GETNAME",
            "client setname second",
            "CLIENT GETNAME",
        ]);
        same_fields(&mut p, "CLIENT INFO");
        p.same("SELECT 3");
        same_fields(&mut p, "CLIENT INFO");
        let mut q = d.pair();
        q.run(&["CLIENT SETNAME other", "MULTI", "SET a 1", "GET a"]);
        same_fields(&mut p, "CLIENT LIST");
        same_fields(&mut p, "CLIENT LIST TYPE normal");
        same_fields(&mut p, "client list type NORMAL");
        same_fields(&mut p, "CLIENT LIST TYPE replica");
        same_fields(&mut p, "CLIENT LIST TYPE master");
        same_fields(&mut p, "CLIENT LIST TYPE pubsub");
        same_fields(&mut p, "CLIENT LIST ID 999999 -5");
        for (client, line) in [(&mut p.redis, "redis"), (&mut p.tidekv, "tidekv")] {
            let id = client.cmd("CLIENT ID").as_int().unwrap();
            let listed = client.cmd(&format!("CLIENT LIST ID {id} 999999"));
            let text = String::from_utf8_lossy(listed.as_bytes().unwrap_or_default()).into_owned();
            assert!(
                text.starts_with(&format!("id={id} ")) && text.lines().count() == 1,
                "CLIENT LIST ID on {line}: {text}"
            );
        }
        p.run(&[
            "CLIENT LIST TYPE nosuch",
            "CLIENT LIST ID abc",
            "CLIENT LIST ID 1 abc",
            "CLIENT LIST ID",
            "CLIENT LIST TYPE",
            "CLIENT LIST TYPE normal extra",
            "CLIENT LIST FOO",
            "CLIENT LIST FOO bar",
        ]);
        q.run(&["EXEC"]);
    });
}

#[test]
fn client_list_shows_blocked_clients() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let mut waiters = [
            Client::connect(d.redis.addr),
            Client::connect(d.tidekv.addr),
        ];
        for w in &mut waiters {
            assert_eq!(w.cmd("CLIENT SETNAME waiter"), v::ok());
            assert_eq!(w.cmd("SELECT 2"), v::ok());
            w.send(&["BLPOP", "q", "5"]);
        }
        // Wait until each server has the waiter blocked (a loaded machine may take a moment).
        for client in [&mut p.redis, &mut p.tidekv] {
            for _ in 0..200 {
                let list = client.cmd("CLIENT LIST").text();
                if list
                    .lines()
                    .any(|l| l.contains(" name=waiter ") && l.contains(" flags=b "))
                {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        same_fields(&mut p, "CLIENT LIST");
        p.run(&["SELECT 2", "RPUSH q x"]);
        for w in &mut waiters {
            assert_eq!(w.read(), v::bulks(&["q", "x"]));
        }
        same_fields(&mut p, "CLIENT LIST");
    });
}

#[test]
fn client_kill_by_address_id_and_options() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "CLIENT KILL 1.2.3.4:5",
            "CLIENT KILL ID 999999",
            "CLIENT KILL ID 0",
            "CLIENT KILL ID -1",
            "CLIENT KILL ID abc",
            "CLIENT KILL ADDR 1.2.3.4:5",
            "CLIENT KILL LADDR 1.2.3.4:5",
            "CLIENT KILL TYPE master",
            "CLIENT KILL TYPE nosuch",
            "CLIENT KILL USER nosuchuser",
            "CLIENT KILL SKIPME maybe",
            "CLIENT KILL SKIPME yes ID 999999",
            "CLIENT KILL FOO bar",
            "CLIENT KILL ID 5 ADDR",
            "CLIENT KILL",
            "CLIENT KILL ID 999999 USER default",
        ]);
        // Each server kills its own client by its own id and address.
        let mut victims = [
            Client::connect(d.redis.addr),
            Client::connect(d.tidekv.addr),
        ];
        let mut replies = Vec::new();
        for (killer, victim) in [&mut p.redis, &mut p.tidekv].into_iter().zip(&mut victims) {
            let id = victim.cmd("CLIENT ID").as_int().unwrap();
            replies.push(killer.cmd(&format!("CLIENT KILL ID {id}")));
            assert!(
                victim.is_closed(Duration::from_secs(2)),
                "the killed client is closed"
            );
        }
        p.check(
            replies[0] == replies[1] && replies[0] == v::int(1),
            format!("CLIENT KILL ID: {replies:?}"),
        );
        let mut replies = Vec::new();
        for (killer, server) in [(&mut p.redis, d.redis.addr), (&mut p.tidekv, d.tidekv.addr)] {
            let mut victim = Client::connect(server);
            let info = victim.cmd("CLIENT INFO").text();
            let addr = info
                .split(' ')
                .find_map(|f| f.strip_prefix("addr="))
                .unwrap()
                .to_string();
            replies.push(killer.cmd(&format!("CLIENT KILL {addr}")));
            assert!(
                victim.is_closed(Duration::from_secs(2)),
                "the killed client is closed"
            );
        }
        p.check(
            replies[0] == replies[1] && replies[0] == v::ok(),
            format!("CLIENT KILL addr: {replies:?}"),
        );
        // SKIPME no kills the connection itself, after the reply.
        p.run(&["CLIENT KILL USER default SKIPME yes"]);
        p.run(&["CLIENT KILL ID 999999 SKIPME no"]);
        p.same("CLIENT KILL USER default SKIPME no");
        let redis = p.redis.is_closed(Duration::from_secs(2));
        let tidekv = p.tidekv.is_closed(Duration::from_secs(2));
        p.check(
            redis && tidekv,
            format!("killed itself: redis {redis}, tidekv {tidekv}"),
        );
    });
}

#[test]
fn client_no_evict_and_subcommand_errors() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "CLIENT NO-EVICT on",
            "CLIENT NO-EVICT OFF",
            "CLIENT NO-EVICT maybe",
            "CLIENT NO-EVICT",
            "CLIENT NO-EVICT on off",
            "CLIENT",
            "CLIENT NOSUCH",
            "CLIENT nosuch a b",
            "CLIENT ID x",
            "CLIENT SETNAME",
            "CLIENT SETNAME a b",
            "CLIENT GETNAME x",
            "CLIENT INFO x",
        ]);
    });
}
