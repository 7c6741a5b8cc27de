//! `CONFIG GET`, `CONFIG RESETSTAT`, `CONFIG REWRITE`, `CONFIG HELP`: the server's settings
//! under Redis's names. `CONFIG SET` has a file of its own (`config_set.rs`).

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::args::{arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{container, session, CommandSpec, InMulti};
use crate::config::{DurabilityMode, EngineKind, ServerConfig};
use crate::resp::Reply;
use crate::session::Session;

/// Every setting `CONFIG GET` knows, with its current value.
pub(crate) fn settings(c: &ServerConfig) -> Vec<(&'static str, String)> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        ("bind", c.bind.to_string()),
        ("port", c.port.to_string()),
        ("dir", c.dir.display().to_string()),
        ("checkpoint-dir", c.checkpoint_root().display().to_string()),
        ("requirepass", c.requirepass.clone().unwrap_or_default()),
        ("timeout", c.timeout.to_string()),
        ("maxclients", c.maxclients.to_string()),
        ("tcp-keepalive", c.tcp_keepalive.to_string()),
        ("proto-max-bulk-len", c.proto_max_bulk_len.to_string()),
        ("client-output-limit", c.client_output_limit.to_string()),
        ("databases", c.databases.to_string()),
        ("protected-mode", yes_no(c.protected_mode)),
        ("appendonly", yes_no(c.engine == EngineKind::Disk)),
        (
            "appendfsync",
            match c.durability {
                DurabilityMode::Sync => "always",
                DurabilityMode::Periodic => "everysec",
                DurabilityMode::Buffered => "no",
            }
            .to_string(),
        ),
        ("save", String::new()),
        ("maxmemory", "0".to_string()),
        ("maxmemory-policy", "noeviction".to_string()),
        ("loglevel", c.log_level.clone()),
        (
            "slowlog-log-slower-than",
            c.slowlog_log_slower_than.to_string(),
        ),
        ("slowlog-max-len", c.slowlog_max_len.to_string()),
    ]
}

/// `*` and `?` glob matching, as `CONFIG GET` patterns use it (case-insensitive).
pub(crate) fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => {
            (0..=name.len()).any(|i| glob(rest, name.get(i..).unwrap_or_default()))
        }
        Some((&p, rest)) => match name.split_first() {
            Some((&n, name_rest)) if p == b'?' || p.eq_ignore_ascii_case(&n) => {
                glob(rest, name_rest)
            }
            _ => false,
        },
    }
}

/// `CONFIG GET pattern ...`: a name without glob characters is looked up and answered under
/// the name as given; a pattern answers each setting it matches under its own name. Each
/// setting is listed once.
fn get(s: &Session, patterns: &[Bytes]) -> CmdResult {
    let all = settings(&s.shared.settings());
    let mut found: Vec<(&str, Reply, Reply)> = Vec::new();
    for pattern in patterns {
        let literal = !pattern.iter().any(|b| b"[*?".contains(b));
        for (name, value) in &all {
            let matched = if literal {
                is(pattern, name)
            } else {
                glob(pattern, name.as_bytes())
            };
            if matched && !found.iter().any(|(n, ..)| n == name) {
                let shown = if literal {
                    Reply::Bulk(pattern.clone())
                } else {
                    Reply::bulk(name.as_bytes())
                };
                found.push((name, shown, Reply::bulk(value.clone())));
            }
        }
    }
    Ok(Reply::Map(
        found.into_iter().map(|(_, n, v)| (n, v)).collect(),
    ))
}

const HELP: &[&str] = &[
    "CONFIG <subcommand> [arguments]: tidekv's subcommands",
    "GET <pattern> [<pattern> ...]",
    "    Each setting whose name matches a pattern (* and ?), with its value.",
    "SET <name> <value> [<name> <value> ...]",
    "    Changes settings that can change while the server runs.",
    "RESETSTAT",
    "    Sets INFO's counters back to zero.",
    "REWRITE",
    "    Refused: tidekv does not write its config file.",
    "HELP",
    "    This list.",
];

fn config(s: &mut Session, args: &[Bytes]) -> CmdResult {
    // The subcommand exists and its arity fits: the session checked (`CommandSpec::check`).
    let sub = arg(args, 1);
    if is(sub, "get") {
        get(s, rest(args, 2))
    } else if is(sub, "set") {
        super::config_set::set(s, rest(args, 2))
    } else if is(sub, "resetstat") {
        let c = &s.shared.stats;
        for counter in [
            &c.commands_processed,
            &c.connections_received,
            &c.rejected_connections,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        s.shared.observe.commands.reset();
        Ok(Reply::ok())
    } else if is(sub, "rewrite") {
        Err(Fail::new("ERR The server is running without a config file"))
    } else {
        Ok(Reply::Array(
            HELP.iter().map(|l| Reply::Simple((*l).into())).collect(),
        ))
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[container(
    session("config", -2, InMulti::Refuse, config),
    &[
        ("get", -3),
        ("help", 2),
        ("resetstat", 2),
        ("rewrite", 2),
        ("set", -4),
    ],
)];

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn config_patterns_glob_as_redis_does() {
        assert!(glob(b"*", b"maxclients"));
        assert!(glob(b"max*", b"maxclients"));
        assert!(glob(b"MAXCLIENTS", b"maxclients"));
        assert!(glob(b"p?rt", b"port"));
        assert!(!glob(b"port", b"ports"));
        assert!(!glob(b"*x", b"port"));
    }
}
