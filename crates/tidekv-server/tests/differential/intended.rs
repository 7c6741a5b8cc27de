//! The intended differences from Redis 7 (`docs/protocol.md`, "Intended differences from Redis
//! 7"): for each, tidekv's reply is asserted exactly, next to what Redis says.

use crate::support::{for_each_engine, v, Value};

/// Commands that work on a whole keyspace or the server, which tidekv refuses inside MULTI.
const REFUSED_IN_MULTI: &[(&str, &str)] = &[
    ("KEYS *", "keys"),
    ("SCAN 0", "scan"),
    ("DBSIZE", "dbsize"),
    ("FLUSHDB", "flushdb"),
    ("FLUSHALL", "flushall"),
    ("SWAPDB 0 1", "swapdb"),
    ("CONFIG GET timeout", "config"),
    ("BGSAVE", "bgsave"),
    ("RANDOMKEY", "randomkey"),
];

#[test]
fn whole_keyspace_commands_are_refused_inside_multi() {
    for_each_engine(|d| {
        let mut p = d.pair();
        for (line, name) in REFUSED_IN_MULTI {
            p.same("MULTI");
            let refused = v::err(&format!(
                "ERR '{name}' is not allowed inside MULTI on tidekv: it works on a whole \
                 keyspace or the server, not on declared keys"
            ));
            let redis = p.tidekv_says(line, refused);
            p.check(
                redis == v::status("QUEUED"),
                format!("{line} in MULTI on redis: {redis}"),
            );
            p.same("DISCARD");
        }
        p.run(&["SET a 1", "MULTI", "SET a 2"]);
        p.both("KEYS *");
        let redis = p.tidekv_says(
            "EXEC",
            v::err("EXECABORT Transaction discarded because of previous errors."),
        );
        p.check(redis.items().len() == 2, format!("EXEC on redis: {redis}"));
    });
}

#[test]
fn error_text_is_utf8_so_other_bytes_become_replacement_characters() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let (redis, tidekv) = p.both_args(&[&b"NOSUCH"[..], b"\xff"]);
        p.check(
            tidekv == v::err("ERR unknown command 'NOSUCH', with args beginning with: '\u{fffd}' "),
            format!("tidekv: {tidekv}"),
        );
        p.check(
            redis == v::err("ERR unknown command 'NOSUCH', with args beginning with: '\\xff' "),
            format!("redis: {redis}"),
        );
    });
}

#[test]
fn incrbyfloat_is_f64_so_some_sums_print_more_digits() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("SET f 1.1");
        let redis = p.tidekv_says("INCRBYFLOAT f 2.2", v::bulk("3.3000000000000003"));
        p.check(
            redis == v::bulk("3.3"),
            format!("redis's long double sum: {redis}"),
        );
        let redis = p.tidekv_says(
            "INCRBYFLOAT f 1e400",
            v::err("ERR increment would produce NaN or Infinity"),
        );
        p.check(redis.text().len() > 400, format!("redis's 1e400: {redis}"));
    });
}

#[test]
fn the_delete_alias_exists_only_on_tidekv() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("MSET a 1 b 2");
        let redis = p.tidekv_says("DELETE a b c", v::int(2));
        p.check(redis.is_error(), format!("DELETE on redis: {redis}"));
    });
}

#[test]
fn info_keyspace_lines_count_keys_and_bytes() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("MSET a 1 b 2");
        let (redis, tidekv) = p.both("INFO keyspace");
        let line = tidekv.text();
        let bytes = line
            .strip_prefix("# Keyspace\r\ndb0:keys=2,expires=0,bytes=")
            .and_then(|rest| rest.strip_suffix("\r\n"));
        p.check(
            bytes.is_some_and(|b| b.parse::<u64>().is_ok()),
            format!("INFO keyspace on tidekv: {tidekv}"),
        );
        p.check(
            redis.text() == "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n",
            format!("INFO keyspace on redis: {redis}"),
        );
    });
}

#[test]
fn command_count_and_info_cover_tidekv_commands_only() {
    for_each_engine(|d| {
        let mut p = d.pair();
        // Redis's commands tidekv has, and DELETE.
        let count = crate::server::COMMANDS.len() as i64 + 1;
        p.tidekv_says("COMMAND COUNT", v::int(count));
        let (_, tidekv) = p.both("COMMAND INFO get");
        let entry = tidekv.items().first().cloned().unwrap_or(Value::Null);
        p.check(
            entry.items().len() == 10
                && entry.items()[8..]
                    .iter()
                    .all(|f| f == &Value::Array(vec![])),
            format!("COMMAND INFO get on tidekv, no key specs or subcommands: {entry}"),
        );
        let (_, tidekv) = p.both("COMMAND DOCS set");
        p.check(
            !tidekv.to_string().contains("arguments"),
            format!("COMMAND DOCS set on tidekv, no arguments: {tidekv}"),
        );
        // HELP is in tidekv's words and lists the subcommands tidekv has: each one's line starts
        // with its name, and one Redis has but tidekv lacks is absent.
        for (line, subcommands, lacks) in [
            (
                "COMMAND HELP",
                &["COUNT", "LIST", "INFO", "DOCS", "GETKEYS", "HELP"][..],
                "GETKEYSANDFLAGS",
            ),
            (
                "CLIENT HELP",
                &[
                    "GETNAME", "ID", "INFO", "KILL", "LIST", "SETNAME", "SETINFO", "NO-EVICT",
                    "NO-TOUCH", "HELP",
                ][..],
                "TRACKINGINFO",
            ),
            (
                "CONFIG HELP",
                &["GET", "SET", "RESETSTAT", "REWRITE", "HELP"][..],
                "no such",
            ),
            (
                "OBJECT HELP",
                &["ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP"][..],
                "no such",
            ),
        ] {
            let (redis, tidekv) = p.both(line);
            let lines = |v: &Value| v.items().iter().map(Value::text).collect::<Vec<_>>();
            let (redis, tidekv) = (lines(&redis), lines(&tidekv));
            for sub in subcommands {
                p.check(
                    tidekv.iter().any(|l| l.starts_with(sub)),
                    format!("{line} on tidekv lacks {sub}: {tidekv:?}"),
                );
            }
            p.check(
                !tidekv.iter().any(|l| l.starts_with(lacks)),
                format!("{line} on tidekv lists {lacks}: {tidekv:?}"),
            );
            p.check(
                redis
                    .first()
                    .is_some_and(|l| l.ends_with("Subcommands are:")),
                format!("{line} on redis: {redis:?}"),
            );
        }
    });
}

#[test]
fn client_setinfo_and_no_touch_of_redis_7_2_are_accepted() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let redis = p.tidekv_says("CLIENT SETINFO lib-name mylib", v::ok());
        p.check(
            redis.is_error(),
            format!("CLIENT SETINFO on redis 7.0: {redis}"),
        );
        p.tidekv_says("CLIENT SETINFO LIB-VER 1.2.3", v::ok());
        p.tidekv_says(
            "CLIENT SETINFO lib-name \"has space\"",
            v::err("ERR lib-name cannot contain spaces, newlines or special characters."),
        );
        p.tidekv_says(
            "CLIENT SETINFO nosuch x",
            v::err("ERR Unrecognized option 'nosuch'"),
        );
        let (_, info) = p.both("CLIENT INFO");
        p.check(
            info.text().contains(" lib-name=mylib lib-ver=1.2.3"),
            format!("CLIENT INFO on tidekv: {info}"),
        );
        p.tidekv_says("CLIENT NO-TOUCH on", v::ok());
    });
}

#[test]
fn object_encoding_follows_the_value_not_its_history() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&["SET s hello", "APPEND s x"]);
        let redis = p.tidekv_says("OBJECT ENCODING s", v::bulk("embstr"));
        p.check(redis == v::bulk("raw"), format!("redis: {redis}"));
    });
}

#[test]
fn scan_refuses_a_cursor_it_did_not_hand_out() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.same("MSET a 1 b 2");
        let redis = p.tidekv_says("SCAN 12345", v::err("ERR invalid cursor"));
        p.check(redis.items().len() == 2, format!("redis: {redis}"));
        p.tidekv_says("SCAN -1", v::err("ERR invalid cursor"));
    });
}

#[test]
fn config_reflects_tidekv_engines_and_refuses_redis_persistence_settings() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let appendonly = match d.engine {
            tidekv_server::EngineKind::Disk => "yes",
            tidekv_server::EngineKind::Memory => "no",
        };
        p.tidekv_says(
            "CONFIG GET appendonly",
            v::bulks(&["appendonly", appendonly]),
        );
        p.tidekv_says("CONFIG GET loglevel", v::bulks(&["loglevel", "info"]));
        for setting in ["appendonly yes", "save \"\"", "maxmemory 100mb"] {
            let name = setting.split(' ').next().unwrap_or_default();
            let redis = p.tidekv_says(
                &format!("CONFIG SET {setting}"),
                v::err(&format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - not \
                     changeable on tidekv: persistence is the engine's durability setting"
                )),
            );
            p.check(
                redis == v::ok(),
                format!("CONFIG SET {setting} on redis: {redis}"),
            );
        }
        for setting in ["port 1234", "bind 0.0.0.0"] {
            // Redis would rebind: ask tidekv only.
            let name = setting.split(' ').next().unwrap_or_default();
            let tidekv = p.tidekv.cmd(&format!("CONFIG SET {setting}"));
            p.check(
                tidekv
                    == v::err(&format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name}') - can't \
                         set immutable config"
                    )),
                format!("CONFIG SET {setting} on tidekv: {tidekv}"),
            );
        }
        let redis = p.tidekv_says(
            "CONFIG SET protected-mode no",
            v::err(
                "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - can't \
                 set immutable config",
            ),
        );
        p.check(
            redis == v::ok(),
            format!("CONFIG SET protected-mode on redis: {redis}"),
        );
        // The string limit is the store's 512 MiB, not proto-max-bulk-len.
        p.same("CONFIG SET proto-max-bulk-len 2mb");
        let redis = p.tidekv_says("SETRANGE big 3000000 x", v::int(3_000_001));
        p.check(
            redis.is_error(),
            format!("SETRANGE past proto-max-bulk-len on redis: {redis}"),
        );
        let (redis, tidekv) = p.both("CONFIG GET *");
        p.check(
            redis.items().len() > tidekv.items().len() && tidekv.items().len() >= 30,
            format!(
                "CONFIG GET *: redis {}, tidekv {}",
                redis.items().len(),
                tidekv.items().len()
            ),
        );
    });
}

#[test]
fn save_and_bgsave_take_a_checkpoint_name_with_dir() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let invalid = v::err(
            "ERR invalid checkpoint name: use letters, digits, '.', '_' and '-', not starting \
             with '.' (it is a directory inside the server's checkpoint-dir)",
        );
        let redis = p.tidekv_says("SAVE DIR ../up", invalid.clone());
        p.check(
            redis == v::err("ERR wrong number of arguments for 'save' command"),
            format!("SAVE DIR on redis: {redis}"),
        );
        let redis = p.tidekv_says("BGSAVE DIR .hidden", invalid);
        p.check(
            redis == v::err("ERR syntax error"),
            format!("BGSAVE DIR on redis: {redis}"),
        );
        let (redis, tidekv) = p.both("COMMAND INFO save");
        let arity = |reply: &Value| {
            reply
                .items()
                .first()
                .and_then(|entry| entry.items().get(1).cloned())
        };
        p.check(
            arity(&redis) == Some(v::int(1)) && arity(&tidekv) == Some(v::int(-1)),
            format!("COMMAND INFO save: redis {redis}, tidekv {tidekv}"),
        );
    });
}
