//! Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX / XX / GT / LT, TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME, PERSIST.

use crate::support::for_each_engine;

/// A Unix time far ahead (2100-01-01), so absolute expiries give equal replies on both.
const LATER: i64 = 4_102_444_800;

#[test]
fn expire_family_sets_relative_and_absolute_expiries() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k v",
            "TTL k",
            "PTTL k",
            "EXPIRETIME k",
            "PEXPIRETIME k",
            "TTL missing",
            "PTTL missing",
            "EXPIRETIME missing",
            "PEXPIRETIME missing",
            "EXPIRE k 100",
        ]);
        // Time passes between the two servers' replies: compare TTLs within a tolerance.
        p.near("TTL k", 1);
        p.near("PTTL k", 1000);
        p.same("PEXPIRE k 100000");
        p.near("PTTL k", 1000);
        p.run(&[
            &format!("EXPIREAT k {LATER}"),
            "EXPIRETIME k",
            "PEXPIRETIME k",
            &format!("PEXPIREAT k {}", LATER * 1000 + 123),
            "EXPIRETIME k",
            "PEXPIRETIME k",
            "PERSIST k",
            "PERSIST k",
            "PERSIST missing",
            "TTL k",
            "EXPIRE missing 100",
            "PEXPIRE missing 100",
            "EXPIREAT missing 100",
            "PEXPIREAT missing 100",
            "RPUSH l a",
            &format!("EXPIREAT l {LATER}"),
            "EXPIRETIME l",
            "PERSIST l",
            "EXPIRETIME l",
            "expire k 100 nx",
        ]);
        p.near("TTL k", 1);
    });
}

#[test]
fn expiring_in_the_past_deletes_the_key() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET a v",
            "EXPIRE a 0",
            "EXISTS a",
            "SET a v",
            "EXPIRE a -10",
            "EXISTS a",
            "SET a v",
            "PEXPIRE a -1",
            "EXISTS a",
            "SET a v",
            "EXPIREAT a 1",
            "EXISTS a",
            "SET a v",
            "PEXPIREAT a 0",
            "EXISTS a",
            "SET a v",
            "EXPIREAT a -5",
            "EXISTS a",
            "RPUSH l x",
            "PEXPIRE l 0",
            "EXISTS l",
        ]);
    });
}

#[test]
fn a_key_past_its_expiry_is_gone_for_every_command() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET s v PX 1",
            "RPUSH l a b",
            "PEXPIRE l 1",
            "SET t v",
            "PEXPIREAT t 1000",
        ]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        p.run(&[
            "GET s",
            "EXISTS s l t",
            "TTL s",
            "PTTL l",
            "EXPIRETIME t",
            "TYPE l",
            "LRANGE l 0 -1",
            "LLEN l",
            "STRLEN s",
            "APPEND s x",
            "GET s",
            "TTL s",
            "RENAME l l2",
            "COPY t t2",
            "MOVE t 1",
            "KEYS *",
            "INCR t",
            "LPUSHX l x",
            "SET s2 v PX 1",
        ]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        p.run(&["SET s2 w NX GET", "GET s2", "SET s3 v PX 1"]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        p.run(&["SET s3 w XX", "GETEX s3 PERSIST", "GETDEL s3", "PERSIST s3"]);
    });
}

#[test]
fn expire_conditions_nx_xx_gt_lt() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let at = |secs: i64, flags: &str| format!("EXPIREAT k {} {flags}", LATER + secs);
        p.run(&[
            "SET k v",
            &at(100, "XX"),
            &at(100, "GT"),
            &at(100, "XX GT"),
            &at(100, "XX LT"),
            "EXPIRETIME k",
            &at(100, "LT"),
            "EXPIRETIME k",
            "PERSIST k",
            &at(100, "NX"),
            &at(200, "NX"),
            "EXPIRETIME k",
            &at(200, "XX"),
            "EXPIRETIME k",
            &at(100, "GT"),
            &at(300, "GT"),
            "EXPIRETIME k",
            &at(300, "GT"),
            &at(400, "LT"),
            &at(250, "LT"),
            "EXPIRETIME k",
            &at(250, "LT"),
            &at(200, "XX LT"),
            &at(500, "XX GT"),
            "EXPIRETIME k",
            &at(100, "lt xx"),
            "EXPIRETIME k",
            &at(600, "gt"),
            &at(700, "NX XX"),
            &at(700, "NX GT"),
            &at(700, "NX LT"),
            &at(700, "XX NX"),
            &at(700, "GT LT"),
            &at(700, "LT GT"),
            &at(700, "NX XX GT LT"),
            &at(700, "FOO"),
            &at(700, "XX FOO"),
            &at(700, "NX NX"),
            "EXPIRETIME k",
            &format!("EXPIREAT missing {LATER} NX"),
            &format!("EXPIREAT missing {LATER} FOO"),
            &format!("PEXPIREAT k {} GT", (LATER + 700) * 1000),
            "PEXPIRETIME k",
            "SET p v",
            "EXPIRE p 100 LT",
            "EXPIRE p 200 LT",
            "EXPIRE p 50 GT",
            "EXPIRE p -1 LT",
            "EXISTS p",
            "SET p v",
            "PEXPIRE p 100000 NX",
            "PEXPIRE p 100000 NX",
            "SET q v",
            "EXPIRE q -1 GT",
            "EXISTS q",
            "EXPIRE q -1 XX",
            "EXISTS q",
            "PEXPIRE q 0 NX",
            "EXISTS q",
            "SET q v EX 100",
            "EXPIRE q -1 GT",
            "EXISTS q",
            "SET q v",
            "TTL q",
            "SET q v EX 100",
            "APPEND q x",
            "PERSIST q",
            "PERSIST q",
        ]);
        p.near("PTTL p", 1000);
    });
}

#[test]
fn expire_arguments_that_are_not_integers_or_overflow() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k v",
            "EXPIRE k abc",
            "EXPIRE k 1.5",
            "EXPIRE k \"\"",
            "EXPIRE k 9223372036854775807",
            "EXPIRE k 9223372036854775",
            "EXPIRE k 9223372036854774",
            "EXPIRE k -9223372036854775808",
            "EXPIRE k -9223372036854775",
            "PEXPIRE k 9223372036854775807",
            "PEXPIRE k 9223372036854775000",
            "EXPIREAT k 9223372036854775807",
            "EXPIREAT k 9223372036854775",
            "PEXPIREAT k 9223372036854775807",
            "PEXPIRETIME k",
            "SET k v",
            "EXPIREAT k -9223372036854775808",
            "EXISTS k",
            "SET k v",
            "PEXPIREAT k -9223372036854775808",
            "EXISTS k",
            "SET k v",
            "EXPIRE k abc FOO",
            "EXPIRE k abc NX XX",
            "EXPIRE missing abc",
            "EXPIRE k",
            "EXPIRE",
            "TTL",
            "TTL a b",
            "PTTL",
            "EXPIRETIME",
            "PEXPIRETIME a b",
            "PERSIST",
            "PERSIST a b",
        ]);
    });
}
