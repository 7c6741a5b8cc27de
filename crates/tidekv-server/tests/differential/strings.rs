//! String commands that read or replace whole values: GET, SET and its options, SETNX, SETEX,
//! PSETEX, GETDEL, GETEX, GETSET, MGET, MSET, MSETNX.

use crate::support::for_each_engine;

#[test]
fn set_and_get_with_nx_xx_get_and_their_conflicts() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "GET missing",
            "SET k v",
            "GET k",
            "SET k v2 XX",
            "SET k v3 NX",
            "GET k",
            "SET new v NX",
            "SET new2 v XX",
            "GET new2",
            "SET k v4 GET",
            "SET fresh v GET",
            "SET k v5 NX GET",
            "SET k v6 XX GET",
            "SET absent v XX GET",
            "GET k",
            "set k lower nx",
            "SET k v NX XX",
            "SET k v XX NX",
            "SET k v GET GET",
            "SET k v FOO",
            "SET k v PERSIST",
            "SET k",
            "SET",
            "GET",
            "GET a b",
            "RPUSH list a",
            "GET list",
            "SET list v GET",
            "SET list v NX",
            "SET list v",
            "TYPE list",
            "GET list",
        ]);
        p.same_args(&["SET", "spaced key", "a value\r\nwith lines"]);
        p.same_args(&["GET", "spaced key"]);
        p.same_args(&["SET", "", ""]);
        p.same_args(&["GET", ""]);
        p.same_args(&[&b"SET"[..], b"bin\x00\xff", b"\x00\x01\x02"]);
        p.same_args(&[&b"GET"[..], b"bin\x00\xff"]);
    });
}

#[test]
fn set_expiry_options_and_their_errors() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k v EXAT 4102444800",
            "EXPIRETIME k",
            "SET k v PXAT 4102444800123",
            "PEXPIRETIME k",
            "SET k v2 KEEPTTL",
            "PEXPIRETIME k",
            "GET k",
            "SET k v3",
            "TTL k",
            "SET k v EX 10 PX 100",
            "SET k v EX 10 KEEPTTL",
            "SET k v KEEPTTL EX 10",
            "SET k v KEEPTTL PXAT 10",
            "SET k v EX 10 EXAT 100",
            "SET k v PXAT 10 PX 10",
            "SET k v EX",
            "SET k v PX",
            "SET k v EX abc",
            "SET k v EX 1.5",
            "SET k v EX 0",
            "SET k v EX -1",
            "SET k v PX 0",
            "SET k v EXAT 0",
            "SET k v PXAT -5",
            "SET k v EX 9223372036854775807",
            "SET k v EX 9223372036854775",
            "SET k v PX 9223372036854775807",
            "SET k v EXAT 9223372036854775807",
            "SET k v EX 9223372036854775808",
            "SET k v NX EX 0",
            "SET k v EX 0 NX XX",
            "GET k",
            "SET past v EXAT 1",
            "GET past",
            "EXISTS past",
            "SET past v PXAT 1000 GET",
            "EXISTS past",
            "SET k v EX 10 EX 4102444800",
            "SET k v EXAT 4102444800 EXAT 4102444801",
            "EXPIRETIME k",
            "SET k v KEEPTTL KEEPTTL",
            "EXPIRETIME k",
            "SET k v ex 100",
        ]);
        // TTLs count down between the two servers' replies: compare within a second.
        p.near("TTL k", 1);
        p.same("SET k v px 100000");
        p.near("PTTL k", 1000);
        // The largest expiries that still fit once the time now is added.
        p.same("SET far v EX 9000000000000000");
        p.near("TTL far", 1);
        p.same("SET far v PX 9000000000000000000");
        p.near("PTTL far", 1000);
        p.same("EXPIRE far 9000000000000000");
        p.near("TTL far", 1);
        p.same("SET k v NX EX 100 GET");
        p.same("SET k v XX EX 200 GET");
        p.near("TTL k", 1);
    });
}

#[test]
fn setnx_setex_psetex_and_getset() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SETNX k v",
            "SETNX k w",
            "GET k",
            "SETNX k",
            "SETEX s 100 v",
            "GET s",
            "SETEX s 0 v",
            "SETEX s -5 v",
            "SETEX s abc v",
            "SETEX s 9223372036854775807 v",
            "SETEX s 100",
            "PSETEX p 100000 v",
            "PSETEX p 0 v",
            "PSETEX p -1 v",
            "PSETEX p abc v",
            "PSETEX p 9223372036854775807 v",
            "RPUSH l x",
            "SETNX l v",
            "SETEX l 100 v",
            "TYPE l",
            "GETSET g v1",
            "GETSET g v2",
            "GET g",
            "RPUSH gl x",
            "GETSET gl x",
            "GETSET g",
            "SET t v EX 100",
            "GETSET t w",
            "TTL t",
        ]);
        // Seconds and milliseconds left: compare within a second.
        p.near("TTL s", 1);
        p.near("PTTL p", 1000);
    });
}

#[test]
fn getdel_and_getex_with_every_option() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k v",
            "GETDEL k",
            "GETDEL k",
            "EXISTS k",
            "RPUSH l a",
            "GETDEL l",
            "GETDEL",
            "GETDEL a b",
            "SET k v EX 100",
            "GETEX k",
        ]);
        p.near("TTL k", 1);
        p.run(&["GETEX k PERSIST", "TTL k", "GETEX k EX 50"]);
        p.near("TTL k", 1);
        p.same("GETEX k PX 50000");
        p.near("PTTL k", 1000);
        p.run(&[
            "GETEX k EXAT 4102444800",
            "EXPIRETIME k",
            "GETEX k PXAT 4102444800123",
            "PEXPIRETIME k",
            "GETEX missing EX 10",
            "GETEX missing PERSIST",
            "GETEX missing",
            "GETEX k EX 10 PX 10",
            "GETEX k EX 10 PERSIST",
            "GETEX k PERSIST EX 10",
            "GETEX k PERSIST PERSIST",
            "GETEX k KEEPTTL",
            "GETEX k NX",
            "GETEX k XX",
            "GETEX k GET",
            "GETEX k EX",
            "GETEX k EX 0",
            "GETEX k PX -1",
            "GETEX k EX abc",
            "GETEX k EX 9223372036854775807",
            "GETEX k FOO",
            "GETEX l",
            "GETEX l EX 10",
            "GETEX l FOO",
            "GETEX",
            "PEXPIRETIME k",
            "GETEX k EXAT 1",
            "EXISTS k",
        ]);
    });
}

#[test]
fn mget_mset_and_msetnx() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "MSET a 1 b 2 c 3",
            "MGET a b c missing",
            "RPUSH l x",
            "MGET a l missing a",
            "MSET a",
            "MSET a 1 b",
            "MSET",
            "MGET",
            "MSET a 1 a 2",
            "GET a",
            "MSETNX a 1 z 2",
            "EXISTS z",
            "MSETNX y 1 z 2",
            "MGET y z",
            "MSETNX l 1",
            "MSETNX q",
            "MSETNX q 1 r",
            "MSETNX w 1 w 2",
            "GET w",
            "SET e v EX 100",
            "MSET e w",
            "TTL e",
            "MSET l v",
            "TYPE l",
        ]);
    });
}
