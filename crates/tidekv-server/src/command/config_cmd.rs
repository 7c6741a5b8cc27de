//! `CONFIG GET`, `CONFIG SET`, `CONFIG RESETSTAT`: the server's settings under Redis's names.
//!
//! `CONFIG SET` changes what can change while running (password, limits, timeouts); a changed
//! `proto-max-bulk-len` or `timeout` applies to connections made after it. Settings fixed when
//! the store opened (engine, dir, durability, databases, bind, port) are refused as Redis
//! refuses its immutable ones.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{session, CommandSpec, InMulti};
use crate::config::{DurabilityMode, EngineKind, ServerConfig};
use crate::resp::Reply;
use crate::session::Session;
use crate::shared::lock;

/// Every setting `CONFIG GET` knows, with its current value.
fn settings(c: &ServerConfig) -> Vec<(&'static str, String)> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        ("bind", c.bind.to_string()),
        ("port", c.port.to_string()),
        ("dir", c.dir.display().to_string()),
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
    ]
}

/// `*` and `?` glob matching, as `CONFIG GET` patterns use it (case-insensitive).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
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

fn get(s: &Session, patterns: &[Bytes]) -> CmdResult {
    if patterns.is_empty() {
        return Err(Fail::arity("config|get"));
    }
    let config = s.shared.settings();
    let mut pairs = Vec::new();
    for (name, value) in settings(&config) {
        if patterns.iter().any(|p| glob(p, name.as_bytes())) {
            pairs.push((Reply::bulk(name.as_bytes()), Reply::bulk(value)));
        }
    }
    Ok(Reply::Map(pairs))
}

fn set(s: &Session, args: &[Bytes]) -> CmdResult {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(Fail::arity("config|set"));
    }
    let mut config = s.shared.settings();
    for pair in args.chunks_exact(2) {
        let [name, value] = pair else {
            return Err(Fail::syntax());
        };
        let text = args::text(value);
        let name_text = args::text(name).to_ascii_lowercase();
        let invalid = |why: &str| {
            Fail::new(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name_text}') - {why}"
            ))
        };
        let number = || {
            text.parse::<u64>()
                .map_err(|_| invalid("argument couldn't be parsed into an integer"))
        };
        match name_text.as_str() {
            "requirepass" => config.requirepass = (!text.is_empty()).then(|| text.clone()),
            "timeout" => config.timeout = number()?,
            "tcp-keepalive" => config.tcp_keepalive = number()?,
            "maxclients" => {
                config.maxclients =
                    usize::try_from(number()?).map_err(|_| invalid("out of range"))?;
                if config.maxclients == 0 {
                    return Err(invalid(
                        "argument must be between 1 and 4294967295 inclusive",
                    ));
                }
            }
            "proto-max-bulk-len" => {
                config.proto_max_bulk_len = number()?;
                if config.proto_max_bulk_len < 1024 * 1024 {
                    return Err(invalid(
                        "argument must be between 1048576 and 9223372036854775807 inclusive",
                    ));
                }
            }
            "client-output-limit" => config.client_output_limit = number()?,
            "loglevel" => config.log_level = text.clone(),
            "save" | "appendonly" | "appendfsync" | "maxmemory" | "maxmemory-policy" => {
                return Err(invalid(
                    "not changeable on tidekv: persistence is the engine's durability setting",
                ))
            }
            _ if settings(&config).iter().any(|(n, _)| *n == name_text) => {
                return Err(invalid("can't set immutable config"))
            }
            _ => {
                return Err(Fail::new(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name_text}'"
                )))
            }
        }
    }
    *lock(&s.shared.config) = config;
    Ok(Reply::ok())
}

fn config(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let sub = arg(args, 1);
    if is(sub, "get") {
        get(s, rest(args, 2))
    } else if is(sub, "set") {
        set(s, rest(args, 2))
    } else if is(sub, "resetstat") {
        let c = &s.shared.stats;
        for counter in [
            &c.commands_processed,
            &c.connections_received,
            &c.rejected_connections,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        Ok(Reply::ok())
    } else if is(sub, "rewrite") {
        Err(Fail::new("ERR The server is running without a config file"))
    } else if is(sub, "help") {
        Ok(Reply::Array(
            [
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "HELP",
                "    Prints this help.",
            ]
            .into_iter()
            .map(|l| Reply::Simple(l.into()))
            .collect(),
        ))
    } else {
        Err(Fail::new(format!(
            "ERR unknown subcommand '{}'. Try CONFIG HELP.",
            args::text(sub)
        )))
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[session(
    "config",
    -2,
    &["admin", "noscript", "loading", "stale"],
    "server",
    "A container for server configuration commands",
    InMulti::Refuse,
    config,
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
