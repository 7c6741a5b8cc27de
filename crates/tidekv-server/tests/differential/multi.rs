//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH — queued commands, EXECABORT after a
//! queueing error, runtime errors inside EXEC, WATCH broken by another connection, SELECT and
//! blocking pops inside MULTI.

use crate::support::{for_each_engine, v, Client};

#[test]
fn multi_queues_and_exec_runs_in_order() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "MULTI",
            "SET a 1",
            "INCR a",
            "GET a",
            "RPUSH l x y",
            "LPOP l",
            "PING",
            "ECHO hi",
            "EXEC",
            "GET a",
            "MULTI",
            "EXEC",
            "EXEC",
            "DISCARD",
            "MULTI",
            "MULTI",
            "SET b 1",
            "DISCARD",
            "EXISTS b",
            "multi",
            "set c 3",
            "exec",
        ]);
    });
}

#[test]
fn a_queueing_error_aborts_exec_and_a_runtime_error_does_not() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "MULTI",
            "SET a 1",
            "NOSUCHCOMMAND x",
            "SET b 2",
            "EXEC",
            "EXISTS a b",
            "MULTI",
            "SET a",
            "EXEC",
            "MULTI",
            "GET a b",
            "DISCARD",
            "MULTI",
            "OBJECT FOO a",
            "EXEC",
            "MULTI",
            "CLIENT NOSUCH",
            "EXEC",
            "MULTI",
            "CONFIG",
            "EXEC",
            "SET s v",
            "MULTI",
            "SET a 1",
            "LPUSH s x",
            "INCR s",
            "SET b 2",
            "EXPIRE a abc",
            "SET x y z",
            "EXEC",
            "MGET a b s",
            "MULTI",
            "WATCH a",
            "SET a 5",
            "EXEC",
            "GET a",
            "MULTI",
            "SET a 6",
            "SAVE",
            "SHUTDOWN",
            "EXEC",
            "GET a",
        ]);
    });
}

#[test]
fn watch_of_a_key_changed_by_another_connection_makes_exec_null() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let mut others = [
            Client::connect(d.redis.addr),
            Client::connect(d.tidekv.addr),
        ];
        p.run(&["SET w 1", "WATCH w", "MULTI", "INCR w"]);
        for other in &mut others {
            assert_eq!(other.cmd("SET w 10"), v::ok());
        }
        p.run(&["EXEC", "GET w"]);
        // An unchanged watched key lets EXEC run; UNWATCH forgets a changed one.
        p.run(&["WATCH w", "MULTI", "INCR w", "EXEC"]);
        p.run(&["WATCH w"]);
        for other in &mut others {
            other.cmd("SET w 20");
        }
        p.run(&["UNWATCH", "MULTI", "INCR w", "EXEC"]);
        // A watched key created by another connection, or written by this one.
        p.run(&["WATCH fresh gone", "SET gone 1"]);
        p.run(&["WATCH gone", "MULTI", "GET gone", "EXEC"]);
        p.run(&["WATCH fresh", "MULTI", "GET fresh"]);
        for other in &mut others {
            other.cmd("SET fresh 1");
        }
        p.run(&["EXEC", "WATCH", "UNWATCH", "UNWATCH x"]);
        // DISCARD forgets the watched keys too.
        p.run(&["WATCH w", "MULTI", "DISCARD"]);
        for other in &mut others {
            other.cmd("SET w 30");
        }
        p.run(&["MULTI", "GET w", "EXEC"]);
        // A write by the watching connection itself, before MULTI, aborts it too.
        p.run(&["WATCH w", "SET w 40", "MULTI", "GET w", "EXEC"]);
    });
}

#[test]
fn select_and_blocking_pops_inside_multi() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k db0",
            "MULTI",
            "SELECT 1",
            "SET k db1",
            "GET k",
            "SELECT 0",
            "GET k",
            "SELECT 2",
            "EXEC",
            "GET k",
            "SELECT 0",
            "MULTI",
            "SELECT 99",
            "SELECT abc",
            "GET k",
            "EXEC",
            "MULTI",
            "BLPOP empty 0",
            "BRPOP empty 10",
            "BLMOVE empty dst LEFT RIGHT 0",
            "BRPOPLPUSH empty dst 0",
            "BLMPOP 0 1 empty LEFT",
            "RPUSH full a b",
            "BLPOP full 0",
            "BLMOVE full dst LEFT RIGHT 0",
            "BLPOP full -1",
            "EXEC",
            "LRANGE dst 0 -1",
        ]);
    });
}

#[test]
fn other_commands_inside_multi() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "MULTI",
            "PING",
            "TIME x",
            "LASTSAVE x",
            "EXEC",
            "MULTI",
            "UNWATCH",
            "SET q 1",
            "EXEC",
            "MULTI",
            "RESET",
            "EXEC",
            "MULTI",
            "SET m 1",
            "MOVE m 1",
            "COPY q q2 DB 1",
            "EXEC",
            "SELECT 1",
            "MGET m q2",
        ]);
    });
}
