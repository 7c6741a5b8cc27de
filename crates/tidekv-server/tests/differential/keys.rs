//! Commands on keys of any kind: DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX, COPY, MOVE,
//! OBJECT.

use crate::support::{for_each_engine, v};

#[test]
fn del_unlink_exists_touch_and_type() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "MSET a 1 b 2 c 3",
            "RPUSH l x",
            "EXISTS a b missing a",
            "EXISTS missing",
            "TOUCH a missing l a",
            "TYPE a",
            "TYPE l",
            "TYPE missing",
            "DEL a missing a",
            "EXISTS a",
            "UNLINK b c l missing",
            "EXISTS b c l",
            "DEL missing",
            "DEL",
            "UNLINK",
            "EXISTS",
            "TOUCH",
            "TYPE",
            "TYPE a b",
            "del A",
        ]);
    });
}

#[test]
fn rename_and_renamenx_keep_values_and_ttls() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET a 1",
            "RENAME a b",
            "GET b",
            "EXISTS a",
            "RENAME missing x",
            "RENAMENX missing x",
            "RENAME b b",
            "RENAMENX b b",
            "RENAME missing missing",
            "RENAMENX missing missing",
            "SET c 3",
            "RENAMENX b c",
            "GET c",
            "RENAMENX b d",
            "GET d",
            "RPUSH l x y",
            "RENAME l d",
            "TYPE d",
            "LRANGE d 0 -1",
            "SET t v EX 100",
            "RENAME t t2",
            "SET p v",
            "SET q v EX 100",
            "RENAME p q",
            "TTL q",
            "RENAME a",
            "RENAMENX a b c",
        ]);
        // The TTL moves with the key; it counts down between the two replies.
        p.near("TTL t2", 1);
    });
}

#[test]
fn copy_within_and_across_keyspaces_with_its_options() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET a 1",
            "COPY a b",
            "GET b",
            "COPY a b",
            "SET a 2",
            "COPY a b REPLACE",
            "GET b",
            "COPY missing x",
            "COPY a a",
            "COPY missing missing",
            "COPY a a DB 0",
            "COPY a a DB 1",
            "COPY a c DB 1",
            "SELECT 1",
            "GET c",
            "SELECT 0",
            "COPY a c DB 16",
            "COPY a c DB -1",
            "COPY a c DB abc",
            "COPY a c DB 2147483648",
            "COPY a c DB",
            "COPY a c FOO",
            "COPY a c REPLACE FOO",
            "COPY a c DB 99 FOO",
            "COPY a c FOO DB 99",
            "COPY a b db 0 replace",
            "RPUSH l x y",
            "COPY l l2",
            "LRANGE l2 0 -1",
            "RPUSH l z",
            "LRANGE l2 0 -1",
            "COPY l a",
            "COPY l a REPLACE",
            "TYPE a",
            "SET t v EX 100",
            "COPY t t2",
            "COPY a",
            "SET r1 one",
            "SET r2 two EX 100",
            "COPY r1 r2 REPLACE",
            "TTL r2",
            "COPY r1 r3 DB 1 REPLACE",
            "COPY r1 r3 DB 1",
        ]);
        // The TTL is copied; it counts down between the two replies.
        p.near("TTL t2", 1);
    });
}

#[test]
fn move_between_keyspaces_and_its_errors() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET m v",
            "MOVE m 1",
            "EXISTS m",
            "SELECT 1",
            "GET m",
            "SET m other",
            "SELECT 0",
            "SET m v",
            "MOVE m 1",
            "GET m",
            "MOVE m 0",
            "MOVE missing 0",
            "MOVE missing 1",
            "MOVE m 16",
            "MOVE m -1",
            "MOVE m abc",
            "MOVE m 2147483648",
            "RPUSH l a b",
            "MOVE l 2",
            "SELECT 2",
            "LRANGE l 0 -1",
            "SELECT 0",
            "MOVE m",
        ]);
    });
}

#[test]
fn object_encoding_refcount_freq_and_help() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let long = "x".repeat(45);
        let embstr = "y".repeat(44);
        p.run(&[
            "SET i 123",
            "OBJECT ENCODING i",
            "SET neg -5",
            "OBJECT ENCODING neg",
            "SET e hello",
            "OBJECT ENCODING e",
            "SET z 0123",
            "OBJECT ENCODING z",
            "SET big 123456789012345678901",
            "OBJECT ENCODING big",
            "SET max 9223372036854775807",
            "OBJECT ENCODING max",
            &format!("SET r {long}"),
            "OBJECT ENCODING r",
            &format!("SET es {embstr}"),
            "OBJECT ENCODING es",
            "INCR counter",
            "OBJECT ENCODING counter",
            "RPUSH l a",
            "OBJECT ENCODING l",
            "OBJECT ENCODING missing",
            "OBJECT REFCOUNT e",
            "OBJECT REFCOUNT i",
            "OBJECT REFCOUNT l",
            "SET i2 100000",
            "OBJECT REFCOUNT i2",
            "OBJECT REFCOUNT counter",
            "OBJECT REFCOUNT missing",
            "OBJECT FREQ e",
            "OBJECT FREQ missing",
            "OBJECT IDLETIME missing",
            "object encoding i",
            "OBJECT",
            "OBJECT FOO k",
            "OBJECT ENCODING",
            "OBJECT ENCODING a b",
            "OBJECT HELP x",
        ]);
        // Redis counts whole seconds since the last access: 0 or 1 here.
        let redis = p.tidekv_says("OBJECT IDLETIME e", v::int(0));
        p.check(
            matches!(redis.as_int(), Some(0..=1)),
            format!("OBJECT IDLETIME e on redis: {redis}"),
        );
        let many: Vec<String> = (0..200).map(|i| i.to_string()).collect();
        p.same(&format!("RPUSH long {}", many.join(" ")));
        p.same("OBJECT ENCODING long");
    });
}
