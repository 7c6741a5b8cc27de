//! Commands that walk a keyspace: KEYS, SCAN (MATCH, COUNT, TYPE), RANDOMKEY.

use std::collections::BTreeSet;

use crate::support::{for_each_engine, norm, Client, Pair, Value};

fn load(p: &mut Pair) {
    p.same("MSET one 1 two 2 three 3 four 4 five 5 six 6 seven 7 eight 8 nine 9 ten 10");
    p.same("RPUSH list1 a");
    p.same("RPUSH list2 a b");
    for i in 0..40 {
        p.same(&format!("SET key:{i} {i}"));
    }
}

#[test]
fn keys_matches_glob_patterns() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("KEYS *");
        load(&mut p);
        for pattern in [
            "*",
            "t*",
            "*o*",
            "????",
            "[ot]*",
            "[^o]*",
            "[a-f]*",
            "list?",
            "key:1*",
            "key:[0-2]",
            "nomatch*",
            "*e",
            "\\*",
            "o\\ne",
        ] {
            // Redis lists keys in hash-table order, tidekv in key order: compare as sets.
            p.same_after(&format!("KEYS {pattern}"), norm::sorted);
        }
        p.run(&["KEYS", "KEYS a b"]);
    });
}

/// Every key of a whole SCAN iteration with `options`, or the error that stopped it.
fn scan_all(client: &mut Client, options: &str) -> Result<BTreeSet<Vec<u8>>, Value> {
    let mut keys = BTreeSet::new();
    let mut cursor = "0".to_string();
    for _ in 0..10_000 {
        let reply = client.cmd(&format!("SCAN {cursor} {options}"));
        let [next, page] = reply.items() else {
            return Err(reply);
        };
        for key in page.items() {
            keys.insert(key.as_bytes().expect("a key").to_vec());
        }
        cursor = next.text();
        if cursor == "0" {
            return Ok(keys);
        }
    }
    panic!("SCAN {options} did not finish");
}

#[test]
fn scan_visits_every_key_with_match_count_and_type() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("SCAN 0");
        load(&mut p);
        for options in [
            "",
            "COUNT 1",
            "COUNT 3",
            "COUNT 1000",
            "MATCH key:*",
            "MATCH *e* COUNT 2",
            "MATCH nomatch",
            "TYPE string",
            "TYPE list",
            "TYPE LIST COUNT 5",
            "TYPE hash",
            "TYPE nosuchtype",
            "MATCH list* TYPE list COUNT 1",
            "count 7 match t*",
        ] {
            // Cursor numbers differ (Redis's walk the hash table, tidekv's stand for a key):
            // compare the keys of a whole iteration.
            let redis = scan_all(&mut p.redis, options);
            let tidekv = scan_all(&mut p.tidekv, options);
            let shown = |r: &Result<BTreeSet<Vec<u8>>, Value>| match r {
                Ok(keys) => format!("{} keys", keys.len()),
                Err(e) => e.to_string(),
            };
            p.check(
                redis == tidekv,
                format!(
                    "SCAN … {options}\n    redis:  {}\n    tidekv: {}",
                    shown(&redis),
                    shown(&tidekv)
                ),
            );
        }
        p.run(&[
            "SCAN abc",
            "SCAN \" 0\"",
            "SCAN 0 COUNT 0",
            "SCAN 0 COUNT -1",
            "SCAN 0 COUNT abc",
            "SCAN 0 COUNT",
            "SCAN 0 MATCH",
            "SCAN 0 TYPE",
            "SCAN 0 FOO bar",
            "SCAN 0 COUNT 1 FOO",
            "SCAN",
        ]);
    });
}

#[test]
fn randomkey_picks_an_existing_key() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RANDOMKEY",
            "SET only v",
            "RANDOMKEY",
            "DEL only",
            "RANDOMKEY",
            "RANDOMKEY x",
        ]);
        load(&mut p);
        // Which key is random: check that tidekv's is one that exists.
        for _ in 0..5 {
            let (_, tidekv) = p.both("RANDOMKEY");
            let exists = p
                .tidekv
                .call(&[&b"EXISTS"[..], tidekv.as_bytes().unwrap_or(b"")]);
            p.check(exists == Value::Int(1), format!("RANDOMKEY gave {tidekv}"));
        }
    });
}
