//! String commands that edit in place: APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, and the
//! counters INCR, INCRBY, DECR, DECRBY, INCRBYFLOAT.

use crate::support::for_each_engine;

#[test]
fn append_strlen_getrange_and_substr() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&["APPEND k hello"]);
        p.same_args(&["APPEND", "k", " world"]);
        p.run(&[
            "GET k",
            "STRLEN k",
            "STRLEN missing",
            "APPEND empty \"\"",
            "EXISTS empty",
            "GETRANGE k 0 4",
            "GETRANGE k -5 -1",
            "GETRANGE k 0 -1",
            "GETRANGE k 5 3",
            "GETRANGE k -1 -5",
            "GETRANGE k -100 2",
            "GETRANGE k 0 -100",
            "GETRANGE k 100 200",
            "GETRANGE k 0 100",
            "GETRANGE k 10 10",
            "GETRANGE k -9223372036854775808 9223372036854775807",
            "GETRANGE missing 0 -1",
            "GETRANGE missing a 1",
            "GETRANGE k a 1",
            "GETRANGE k 0 b",
            "GETRANGE k 0 9223372036854775808",
            "GETRANGE k 0",
            "SUBSTR k 0 3",
            "SUBSTR k -3 -1",
            "SUBSTR k x 1",
            "SUBSTR k",
            "SET n 12345",
            "APPEND n 6",
            "GET n",
            "STRLEN n",
            "GETRANGE n 1 2",
            "RPUSH l x",
            "APPEND l x",
            "STRLEN l",
            "GETRANGE l 0 1",
            "GETRANGE l a b",
            "APPEND k",
            "STRLEN",
        ]);
    });
}

#[test]
fn setrange_pads_patches_and_refuses_bad_offsets() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET k \"Hello World\"",
            "SETRANGE k 6 Redis",
            "GET k",
            "SETRANGE k 15 x",
            "GET k",
            "STRLEN k",
            "SETRANGE new 3 abc",
            "GET new",
            "SETRANGE empty 5 \"\"",
            "EXISTS empty",
            "SETRANGE k 0 \"\"",
            "SETRANGE k 100 \"\"",
            "SETRANGE k -1 x",
            "SETRANGE k abc x",
            "SETRANGE k 1.5 x",
            "SETRANGE k 536870912 x",
            "SETRANGE k 536870911 xy",
            "SETRANGE k 9223372036854775807 x",
            "SETRANGE missing 536870912 x",
            "SETRANGE missing 536870912 \"\"",
            "EXISTS missing",
            "SET n 100",
            "SETRANGE n 1 5",
            "GET n",
            "SETRANGE n 0 x",
            "GET n",
            "SET t v EX 100",
            "SETRANGE t 0 w",
            "APPEND t x",
            "GET t",
            "RPUSH l x",
            "SETRANGE l 0 x",
            "SETRANGE l 0 \"\"",
            "SETRANGE l -1 x",
            "SETRANGE k 0",
        ]);
        // SETRANGE and APPEND keep the TTL; it counts down between the two replies.
        p.near("TTL t", 1);
    });
}

#[test]
fn integer_counters_with_overflow_and_bad_values() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "INCR c",
            "INCR c",
            "INCRBY c 10",
            "INCRBY c -20",
            "DECR c",
            "DECRBY c 5",
            "DECRBY c -5",
            "GET c",
            "SET s abc",
            "INCR s",
            "INCRBY s 1",
            "DECR s",
            "DECRBY s 1",
            "SET sp \" 1\"",
            "INCR sp",
            "SET z 010",
            "INCR z",
            "SET f 1.5",
            "INCR f",
            "SET e \"\"",
            "INCR e",
            "SET big 9223372036854775807",
            "INCR big",
            "INCRBY big 1",
            "INCRBY big 0",
            "DECRBY big -1",
            "SET small -9223372036854775808",
            "DECR small",
            "DECRBY small 1",
            "INCRBY small -1",
            "GET small",
            "DECRBY c -9223372036854775808",
            "DECRBY c 9223372036854775807",
            "INCRBY c abc",
            "INCRBY c 1.5",
            "INCRBY c 9223372036854775808",
            "INCRBY c +1",
            "INCRBY c 01",
            "INCRBY c \"\"",
            "INCR",
            "INCRBY c",
            "DECR c d",
            "RPUSH l x",
            "INCR l",
            "DECRBY l 1",
            "SET t 5 EX 100",
            "INCR t",
        ]);
        // The TTL survives INCR; it counts down between the two replies.
        p.near("TTL t", 1);
    });
}

#[test]
fn incrbyfloat_results_and_errors() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "INCRBYFLOAT x 1.5",
            "INCRBYFLOAT x 0.1",
            "INCRBYFLOAT x -1.6",
            "SET mykey 10.50",
            "INCRBYFLOAT mykey 0.1",
            "INCRBYFLOAT mykey -5",
            "SET mykey 5.0e3",
            "INCRBYFLOAT mykey 2.0e2",
            "SET n 5",
            "INCRBYFLOAT n 3",
            "INCRBYFLOAT n -8",
            "GET n",
            "SET q 1.10",
            "INCRBYFLOAT q 0",
            "INCRBYFLOAT q 1e1",
            "INCRBYFLOAT mykey abc",
            "INCRBYFLOAT mykey \" 1\"",
            "INCRBYFLOAT mykey \"1 \"",
            "INCRBYFLOAT mykey \"\"",
            "INCRBYFLOAT mykey nan",
            "INCRBYFLOAT mykey inf",
            "INCRBYFLOAT mykey -inf",
            "SET s abc",
            "INCRBYFLOAT s 1",
            "SET s2 \"1 \"",
            "INCRBYFLOAT s2 1",
            "RPUSH l x",
            "INCRBYFLOAT l 1",
            "INCRBYFLOAT l abc",
            "INCRBYFLOAT mykey",
            "INCRBYFLOAT",
            "SET t 5 EX 100",
            "INCRBYFLOAT t 1",
        ]);
        p.near("TTL t", 1);
    });
}
