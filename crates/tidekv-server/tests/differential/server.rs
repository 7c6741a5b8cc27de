//! Server commands: COMMAND (INFO, DOCS, GETKEYS), INFO, DBSIZE, FLUSHDB, FLUSHALL, CONFIG
//! GET/SET, SAVE, BGSAVE, LASTSAVE, TIME.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::{for_each_engine, norm, v, Pair, Value};

/// Every command tidekv has, for COMMAND INFO and COMMAND DOCS.
pub const COMMANDS: &[&str] = &[
    "append",
    "auth",
    "blmove",
    "blmpop",
    "blpop",
    "brpop",
    "brpoplpush",
    "client",
    "command",
    "config",
    "slowlog",
    "copy",
    "dbsize",
    "decr",
    "decrby",
    "del",
    "discard",
    "echo",
    "exec",
    "exists",
    "expire",
    "expireat",
    "expiretime",
    "flushall",
    "flushdb",
    "get",
    "getdel",
    "getex",
    "getrange",
    "getset",
    "hello",
    "incr",
    "incrby",
    "incrbyfloat",
    "info",
    "keys",
    "lastsave",
    "lindex",
    "linsert",
    "llen",
    "lmove",
    "lmpop",
    "lpop",
    "lpos",
    "lpush",
    "lpushx",
    "lrange",
    "lrem",
    "lset",
    "ltrim",
    "mget",
    "move",
    "mset",
    "msetnx",
    "multi",
    "object",
    "persist",
    "pexpire",
    "pexpireat",
    "pexpiretime",
    "ping",
    "psetex",
    "pttl",
    "quit",
    "randomkey",
    "rename",
    "renamenx",
    "reset",
    "rpop",
    "rpoplpush",
    "rpush",
    "rpushx",
    "save",
    "bgsave",
    "scan",
    "select",
    "set",
    "setex",
    "setnx",
    "setrange",
    "shutdown",
    "strlen",
    "substr",
    "swapdb",
    "time",
    "touch",
    "ttl",
    "type",
    "unlink",
    "unwatch",
    "watch",
];

/// A COMMAND INFO entry without its last two fields (key specifications, subcommands), which
/// tidekv leaves empty (an intended difference, `docs/protocol.md`).
pub fn info_without_specs(value: Value) -> Value {
    match value {
        Value::Array(entries) => Value::Array(
            entries
                .into_iter()
                .map(|entry| match entry {
                    Value::Array(mut fields) if fields.len() == 10 => {
                        fields.truncate(8);
                        Value::Array(fields)
                    }
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// Each command's entry of a COMMAND DOCS reply (a RESP3 map, or a RESP2 flat array of
/// names and entries) passed through `f`.
fn each_doc(value: Value, f: impl Fn(Value) -> Value) -> Value {
    match value {
        Value::Map(pairs) => Value::Map(pairs.into_iter().map(|(n, d)| (n, f(d))).collect()),
        Value::Array(items) => Value::Array(
            items
                .chunks(2)
                .flat_map(|p| [p[0].clone(), f(p[1].clone())])
                .collect(),
        ),
        other => other,
    }
}

/// Each field of one command's COMMAND DOCS entry (a RESP3 map, or a RESP2 flat array of
/// fields and values) passed through `f`, which drops the field by answering `None`.
fn each_field(doc: Value, f: impl Fn(&Value, Value) -> Option<Value>) -> Value {
    match doc {
        Value::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .filter_map(|(k, v)| f(&k, v).map(|v| (k, v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .chunks(2)
                .filter_map(|p| f(&p[0], p[1].clone()).map(|v| [p[0].clone(), v]))
                .flatten()
                .collect(),
        ),
        other => other,
    }
}

/// A COMMAND DOCS reply without each command's `arguments` and `subcommands`, which tidekv
/// does not give (an intended difference, `docs/protocol.md`).
pub fn docs_without_arguments(value: Value) -> Value {
    let drop = |f: &Value| ["arguments", "subcommands"].contains(&f.text().as_str());
    each_doc(value, |doc| each_field(doc, |f, v| (!drop(f)).then_some(v)))
}

/// A non-empty string of prose, replaced by a mark; anything else (an empty string, another
/// type) is kept, so that it still has to match.
fn reworded(text: Value) -> Value {
    match text {
        Value::Bulk(b) if !b.is_empty() => Value::Bulk(b"(prose)".to_vec()),
        other => other,
    }
}

/// A COMMAND DOCS reply as [`docs_without_arguments`] gives it, with its prose marked as such:
/// tidekv describes commands in its own words (an intended difference, `docs/protocol.md`).
/// The prose is `summary`, `complexity`, `replaced_by` and what each `history` entry says
/// changed. Every fact is still compared: which fields there are, `since`, `group`,
/// `doc_flags`, `deprecated_since`, and each history entry's version, in order.
pub fn docs_facts(value: Value) -> Value {
    let history_entry = |entry: Value| match entry {
        Value::Array(mut pair) if pair.len() == 2 => {
            pair[1] = reworded(pair[1].clone());
            Value::Array(pair)
        }
        other => other,
    };
    let field = |f: &Value, v: Value| {
        Some(match f.text().as_str() {
            "summary" | "complexity" | "replaced_by" => reworded(v),
            "history" => match v {
                Value::Set(items) => Value::Set(items.into_iter().map(history_entry).collect()),
                Value::Array(items) => Value::Array(items.into_iter().map(history_entry).collect()),
                other => other,
            },
            _ => v,
        })
    };
    each_doc(docs_without_arguments(value), |doc| each_field(doc, field))
}

#[test]
fn command_info_and_docs_describe_each_command_as_redis_does() {
    for_each_engine(|d| {
        let mut p = d.pair();
        for name in COMMANDS {
            // SAVE takes tidekv's `DIR name` (`intended.rs`), so its arity is -1, not 1.
            if *name != "save" {
                p.same_after(&format!("COMMAND INFO {name}"), info_without_specs);
            }
            p.same_after(&format!("COMMAND DOCS {name}"), docs_facts);
        }
        p.same_after("COMMAND INFO get SET nosuch", info_without_specs);
        p.same_after("COMMAND DOCS get nosuch SET", docs_facts);
        // The prose the comparisons above mark is tidekv's own (`redis_docs.rs`): it must be
        // there, as written.
        p.tidekv_says(
            "COMMAND DOCS get",
            v::arr(vec![
                v::bulk("get"),
                v::bulks(&[
                    "summary",
                    "Reads a string key's value",
                    "since",
                    "1.0.0",
                    "group",
                    "string",
                    "complexity",
                    "O(1)",
                ]),
            ]),
        );
        p.run(&[
            "COMMAND INFO nosuch",
            "COMMAND DOCS nosuch",
            "COMMAND GETKEYS SET a b",
            "COMMAND GETKEYS MSET a 1 b 2",
            "COMMAND GETKEYS LMPOP 2 a b LEFT",
            "COMMAND GETKEYS RENAME a b",
            "COMMAND GETKEYS GET",
            "COMMAND GETKEYS nosuch a",
            "COMMAND GETKEYS PING",
            "COMMAND GETKEYS",
            "COMMAND COUNT x",
            "COMMAND NOSUCH",
            "COMMAND INFO x y",
        ]);
        let (redis, tidekv) = p.both("COMMAND");
        p.check(
            redis.items().len() > 100 && tidekv.items().len() == COMMANDS.len() + 1,
            format!(
                "COMMAND: redis {} entries, tidekv {}",
                redis.items().len(),
                tidekv.items().len()
            ),
        );
    });
}

#[test]
fn info_is_text_with_sections() {
    for_each_engine(|d| {
        let mut p = d.pair();
        // INFO's fields and values are each server's own: check the shape and what clients read.
        for line in [
            "INFO",
            "INFO server",
            "INFO SERVER clients",
            "INFO default",
            "INFO all",
        ] {
            let (redis, tidekv) = p.both(line);
            let ok = |v: &Value| match v {
                Value::Bulk(text) => {
                    let text = String::from_utf8_lossy(text);
                    text.starts_with("# ") && text.ends_with("\r\n")
                }
                _ => false,
            };
            p.check(
                ok(&redis) && ok(&tidekv),
                format!("{line}: redis {redis}, tidekv {tidekv}"),
            );
        }
        for field in ["redis_version:7.0.15\r\n", "redis_mode:standalone\r\n"] {
            let (redis, tidekv) = p.both("INFO server");
            p.check(
                redis.text().contains(field) && tidekv.text().contains(field),
                format!("INFO server has {field:?}"),
            );
        }
        p.run(&["INFO nosuchsection"]);
    });
}

#[test]
fn dbsize_flushdb_and_flushall() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "DBSIZE",
            "MSET a 1 b 2 c 3",
            "RPUSH l x",
            "DBSIZE",
            "SELECT 1",
            "SET x 1",
            "DBSIZE",
            "FLUSHDB",
            "DBSIZE",
            "SELECT 0",
            "DBSIZE",
            "FLUSHDB FOO",
            "FLUSHDB ASYNC SYNC",
            "DBSIZE",
            "FLUSHDB async",
            "DBSIZE",
            "SET a 1",
            "FLUSHDB SYNC",
            "DBSIZE",
            "SET a 1",
            "SELECT 2",
            "SET b 2",
            "FLUSHALL",
            "DBSIZE",
            "SELECT 0",
            "DBSIZE",
            "SET a 1",
            "FLUSHALL ASYNC",
            "SET a 1",
            "FLUSHALL sync",
            "FLUSHALL FOO",
            "FLUSHALL ASYNC x",
            "DBSIZE",
            "DBSIZE x",
        ]);
    });
}

/// CONFIG GET of settings both servers have with the same value. Redis lists matches in
/// hash-table order: compare them sorted.
fn config_get(p: &mut Pair, line: &str) {
    p.same_after(line, norm::sorted_map);
}

#[test]
fn config_get_and_set() {
    for_each_engine(|d| {
        let mut p = d.pair();
        for line in [
            "CONFIG GET timeout",
            "CONFIG GET maxmemory",
            "CONFIG GET maxmemory-policy",
            "CONFIG GET databases",
            "CONFIG GET databas?",
            "CONFIG GET proto-max-bulk-le*",
            "CONFIG GET tcp-keepalive",
            "CONFIG GET maxclients",
            "CONFIG GET protected-mode",
            "CONFIG GET requirepass",
            "CONFIG GET save",
            "CONFIG GET bind",
            "CONFIG GET TIMEOUT",
            "CONFIG GET timeout databases maxmemory",
            "CONFIG GET timeout timeout",
            "CONFIG GET nosuch",
            "CONFIG GET nosuch*",
        ] {
            config_get(&mut p, line);
        }
        p.run(&[
            "CONFIG SET timeout 100",
            "CONFIG GET timeout",
            "CONFIG SET TIMEOUT 0 tcp-keepalive 60",
            "CONFIG GET tcp-keepalive",
            "CONFIG SET timeout abc",
            "CONFIG SET timeout -1",
            "CONFIG SET timeout 99999999999",
            "CONFIG SET timeout 1.5",
            "CONFIG SET maxclients 0",
            "CONFIG SET maxclients -1",
            "CONFIG SET maxclients abc",
            "CONFIG SET proto-max-bulk-len 100",
            "CONFIG SET proto-max-bulk-len abc",
            "CONFIG SET proto-max-bulk-len 2mb",
            "CONFIG GET proto-max-bulk-len",
            "CONFIG SET databases 5",
            "CONFIG SET DATABASES 5",
            "CONFIG SET dir /tmp",
            "CONFIG SET nosuch 1",
            "CONFIG SET timeout 5 nosuch 1",
            "CONFIG GET timeout",
            "CONFIG SET timeout 5 timeout 6",
            "CONFIG SET timeout 5 databases 2",
            "CONFIG SET timeout",
            "CONFIG SET timeout 1 maxclients",
            "CONFIG SET",
            "CONFIG GET",
            "CONFIG",
            "CONFIG NOSUCH",
            "config nosuch x",
            "CONFIG RESETSTAT",
            "CONFIG RESETSTAT x",
            "CONFIG REWRITE",
            "CONFIG SET requirepass \"\"",
        ]);
    });
}

#[test]
fn save_bgsave_lastsave_and_time() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        p.run(&[
            "SET k v",
            "SAVE",
            "SAVE x",
            "BGSAVE x",
            "BGSAVE SCHEDULE x",
            "LASTSAVE x",
            "TIME x",
        ]);
        // LASTSAVE and TIME are the clock of each server: both near now.
        let (redis, tidekv) = p.both("LASTSAVE");
        for (who, t) in [("redis", &redis), ("tidekv", &tidekv)] {
            let t = t.as_int().unwrap_or(0);
            p.check(
                (t - now).abs() <= 5,
                format!("LASTSAVE on {who}: {t}, now {now}"),
            );
        }
        let (redis, tidekv) = p.both("TIME");
        for (who, t) in [("redis", &redis), ("tidekv", &tidekv)] {
            let parts: Vec<i64> = t
                .items()
                .iter()
                .filter_map(|x| x.text().parse().ok())
                .collect();
            let ok = matches!(t, Value::Array(_))
                && parts.len() == 2
                && (parts[0] - now).abs() <= 5
                && (0..1_000_000).contains(&parts[1]);
            p.check(ok, format!("TIME on {who}: {t}"));
        }
        p.same("BGSAVE");
    });
}
