//! Connection commands: PING, ECHO, QUIT, RESET, SELECT, SWAPDB, and unknown commands.

use std::time::Duration;

use crate::support::{for_each_engine, Pair, Value};

#[test]
fn ping_and_echo() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "PING",
            "PING hello",
            "PING \"\"",
            "PING a b",
            "ping",
            "ECHO hi",
            "ECHO \"\"",
            "ECHO",
            "ECHO a b",
        ]);
        p.same_args(&[&b"ECHO"[..], b"bin\x00\r\n\xff"]);
    });
}

#[test]
fn unknown_commands_are_named_with_their_first_arguments() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let long = "a".repeat(200);
        p.run(&[
            "NOSUCHCOMMAND",
            "NOSUCHCOMMAND a b",
            "nosuch \"\" x",
            &format!("NOSUCH {long}"),
            &format!("NOSUCH {long} b"),
            &format!("{long} x"),
            "NOSUCH a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l",
            "GET\u{e9} k",
            "PING",
        ]);
        p.same_args(&[""]);
        p.same_args(&["", "a"]);
        p.same_args(&[&b"\x00x"[..], b"a\x00b"]);
        p.same(&format!("CLIENT {long}"));
        p.same(&format!("config {long} x"));
    });
}

#[test]
fn select_switches_keyspace_and_refuses_bad_indexes() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k db0",
            "SELECT 1",
            "GET k",
            "SET k db1",
            "SELECT 15",
            "GET k",
            "SELECT 16",
            "SELECT -1",
            "SELECT abc",
            "SELECT 1.5",
            "SELECT 2147483648",
            "SELECT",
            "SELECT 1 2",
            "SELECT 0",
            "GET k",
            "select 1",
            "GET k",
        ]);
    });
}

#[test]
fn swapdb_swaps_keyspaces_for_every_connection() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let mut q = d.pair();
        p.run(&["SET a zero", "SELECT 1", "SET a one", "SELECT 0"]);
        q.same("SELECT 1");
        p.run(&["SWAPDB 0 1", "GET a"]);
        q.same("GET a");
        p.run(&[
            "SWAPDB 0 0",
            "GET a",
            "SWAPDB 1 0",
            "GET a",
            "SWAPDB 0 16",
            "SWAPDB 16 0",
            "SWAPDB -1 0",
            "SWAPDB 0 -1",
            "SWAPDB abc 0",
            "SWAPDB 0 abc",
            "SWAPDB abc def",
            "SWAPDB 2147483648 0",
            "SWAPDB 0",
            "SWAPDB 0 1 2",
        ]);
    });
}

/// Both connections of `p` must have been closed by their servers.
fn both_closed(p: &mut Pair, after: &str) {
    let redis = p.redis.is_closed(Duration::from_secs(2));
    let tidekv = p.tidekv.is_closed(Duration::from_secs(2));
    p.check(
        redis && tidekv,
        format!("after {after}: redis closed {redis}, tidekv closed {tidekv}"),
    );
}

#[test]
fn quit_replies_ok_and_closes() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&["SET k v", "QUIT"]);
        both_closed(&mut p, "QUIT");
        let mut p = d.pair();
        p.run(&["QUIT extra args"]);
        both_closed(&mut p, "QUIT extra args");
        let mut p = d.pair();
        p.run(&["MULTI", "SET k w", "QUIT"]);
        both_closed(&mut p, "QUIT inside MULTI");
        let mut p = d.pair();
        p.same("GET k");
    });
}

#[test]
fn reset_returns_the_connection_to_its_first_state() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k db0",
            "SELECT 1",
            "SET k db1",
            "CLIENT SETNAME named",
            "WATCH k",
        ]);
        p.both("HELLO 3");
        p.run(&["MULTI", "SET k queued", "RESET"]);
        p.run(&[
            "EXEC",
            "GET k",
            "GET missing",
            "CLIENT GETNAME",
            "RESET x",
            "reset",
        ]);
        // RESET forgot the watch: a change by another connection does not abort EXEC.
        p.run(&["SELECT 1", "WATCH k", "RESET", "SELECT 1"]);
        let mut q = d.pair();
        q.run(&["SELECT 1", "SET k changed"]);
        p.run(&["MULTI", "GET k", "EXEC"]);
        let (redis, tidekv) = p.both("GET missing");
        p.check(
            redis == Value::NilBulk && tidekv == Value::NilBulk,
            format!("RESP2 again after RESET: redis {redis}, tidekv {tidekv}"),
        );
    });
}
