//! List commands that push, pop and read: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP (with a
//! count), LLEN, LRANGE, LINDEX.

use crate::support::for_each_engine;

#[test]
fn pushes_and_pushx_onto_lists() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "LPUSH l a b c",
            "RPUSH l d e",
            "LRANGE l 0 -1",
            "LPUSHX l x y",
            "RPUSHX l z",
            "LRANGE l 0 -1",
            "LPUSHX missing a",
            "RPUSHX missing a b",
            "EXISTS missing",
            "LLEN l",
            "LLEN missing",
            "SET s v",
            "LPUSH s a",
            "RPUSH s a",
            "LPUSHX s a",
            "RPUSHX s a",
            "LLEN s",
            "LPUSH l",
            "RPUSH",
            "LPUSHX l",
            "RPUSHX",
            "LLEN",
            "LLEN a b",
            "RPUSH e \"\"",
            "LRANGE e 0 -1",
        ]);
        p.same_args(&[&b"RPUSH"[..], b"bin", b"\x00\xff", b"a b\r\n"]);
        p.same("LRANGE bin 0 -1");
    });
}

#[test]
fn pops_with_and_without_a_count() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH l a b c d e f",
            "LPOP l",
            "RPOP l",
            "LPOP l 2",
            "RPOP l 1",
            "LPOP l 0",
            "RPOP l 0",
            "LRANGE l 0 -1",
            "LPOP l 10",
            "EXISTS l",
            "LPOP l",
            "RPOP l",
            "LPOP l 2",
            "RPOP l 0",
            "LPOP missing 0",
            "RPUSH l a",
            "LPOP l -1",
            "RPOP l -1",
            "LPOP l abc",
            "RPOP l 1.5",
            "LPOP l 9223372036854775808",
            "LPOP l 9223372036854775807",
            "LPOP l 1 2",
            "RPOP l 1 2 3",
            "LPOP",
            "SET s v",
            "LPOP s",
            "RPOP s 1",
            "LPOP s 0",
            "LPOP s -1",
            "LPOP missing -1",
            "LPOP missing abc",
        ]);
    });
}

#[test]
fn lrange_and_lindex_with_out_of_range_indexes() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH l a b c d e",
            "LRANGE l 0 -1",
            "LRANGE l 1 3",
            "LRANGE l -3 -1",
            "LRANGE l -100 100",
            "LRANGE l 5 10",
            "LRANGE l 3 1",
            "LRANGE l -1 -3",
            "LRANGE l 0 0",
            "LRANGE l -9223372036854775808 9223372036854775807",
            "LRANGE missing 0 -1",
            "LRANGE l a 1",
            "LRANGE l 0 b",
            "LRANGE missing a b",
            "LRANGE l 0",
            "LINDEX l 0",
            "LINDEX l -1",
            "LINDEX l 4",
            "LINDEX l 5",
            "LINDEX l -5",
            "LINDEX l -6",
            "LINDEX l 9223372036854775807",
            "LINDEX l -9223372036854775808",
            "LINDEX missing 0",
            "LINDEX l abc",
            "LINDEX missing abc",
            "LINDEX l",
            "SET s v",
            "LRANGE s 0 -1",
            "LRANGE s a b",
            "LINDEX s 0",
            "LINDEX s abc",
        ]);
    });
}
