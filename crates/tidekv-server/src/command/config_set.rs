//! `CONFIG SET name value [name value ...]`, checked as Redis 7.0 checks it: first every name
//! (unknown, fixed, or given twice: the first such error wins), then every value with Redis's
//! type for the setting (an `int` in a range, a memory size like `2mb`), and only if all are
//! good is anything changed.
//!
//! What tidekv can change while running: the password, `timeout`, `tcp-keepalive`,
//! `maxclients`, `proto-max-bulk-len`, `client-output-limit`, `loglevel`,
//! `slowlog-log-slower-than`, `slowlog-max-len`; a changed
//! `proto-max-bulk-len` or `timeout` applies to connections made after it. Settings fixed when
//! the store opened are refused as Redis refuses its immutable ones.

use bytes::Bytes;

use super::args::{self, is};
use super::config_cmd::settings;
use super::fail::{CmdResult, Fail};
use crate::config::ServerConfig;
use crate::resp::Reply;
use crate::session::Session;
use crate::shared::lock;

/// What `CONFIG SET` can do with a setting.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// An `int` from `min` to `max` (Redis's numeric configs).
    Int { min: i64, max: i64 },
    /// An unsigned `int` from `min` to `max`: a negative value wraps around, as in Redis.
    UInt { min: u64, max: u64 },
    /// A memory size (`1048576`, `1mb`, `2gb`) from `min` to `max`.
    Memory { min: i64, max: i64 },
    /// Any text.
    Text,
    /// Fixed while the server runs.
    Immutable,
    /// Redis protects it (`dir`).
    Protected,
    /// A Redis persistence setting, which tidekv's engine settings replace.
    Persistence,
}

fn kind_of(name: &str) -> Option<Kind> {
    const INT_MAX: i64 = i32::MAX as i64;
    Some(match name {
        "timeout" | "tcp-keepalive" => Kind::Int {
            min: 0,
            max: INT_MAX,
        },
        "maxclients" => Kind::UInt {
            min: 1,
            max: u64::from(u32::MAX),
        },
        "proto-max-bulk-len" => Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX,
        },
        "client-output-limit" => Kind::Memory {
            min: 0,
            max: i64::MAX,
        },
        "slowlog-log-slower-than" => Kind::Int {
            min: -1,
            max: i64::MAX,
        },
        "slowlog-max-len" => Kind::Int {
            min: 0,
            max: i64::MAX,
        },
        "requirepass" | "loglevel" => Kind::Text,
        "dir" => Kind::Protected,
        "save" | "appendonly" | "appendfsync" | "maxmemory" | "maxmemory-policy" => {
            Kind::Persistence
        }
        "bind" | "port" | "databases" | "protected-mode" => Kind::Immutable,
        _ => return None,
    })
}

/// Redis's `memtoull`: digits and an optional unit (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`).
fn memory(text: &[u8]) -> Option<i64> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let (number, unit) = text.split_at(digits);
    let unit = String::from_utf8_lossy(unit).to_ascii_lowercase();
    let multiplier: i64 = match unit.as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let number: i64 = std::str::from_utf8(number).ok()?.parse().ok()?;
    number.checked_mul(multiplier)
}

fn between(min: impl std::fmt::Display, max: impl std::fmt::Display) -> String {
    format!("argument must be between {min} and {max} inclusive")
}

/// The value of a numeric setting, or why not (Redis's words).
fn number(kind: Kind, value: &[u8]) -> Result<u64, String> {
    let unparsed = || "argument couldn't be parsed into an integer".to_string();
    match kind {
        Kind::Int { min, max } => {
            let n = args::int(value).ok_or_else(unparsed)?;
            if n < min || n > max {
                return Err(between(min, max));
            }
            u64::try_from(n).map_err(|_| between(min, max))
        }
        Kind::UInt { min, max } => {
            // As Redis: the signed value read as unsigned.
            let n = args::int(value).ok_or_else(unparsed)? as u64;
            if n < min || n > max {
                return Err(between(min, max));
            }
            Ok(n)
        }
        Kind::Memory { min, max } => {
            let n = memory(value).ok_or("argument must be a memory value")?;
            if n < min || n > max {
                return Err(between(min, max));
            }
            u64::try_from(n).map_err(|_| between(min, max))
        }
        _ => Err(unparsed()),
    }
}

/// Applies one checked setting to `config`.
fn apply(config: &mut ServerConfig, name: &str, kind: Kind, value: &Bytes) -> Result<(), String> {
    let text = args::text(value);
    match name {
        "requirepass" => config.requirepass = (!text.is_empty()).then_some(text),
        "loglevel" => config.log_level = text,
        "timeout" => config.timeout = number(kind, value)?,
        "tcp-keepalive" => config.tcp_keepalive = number(kind, value)?,
        "maxclients" => {
            config.maxclients = usize::try_from(number(kind, value)?).unwrap_or(usize::MAX);
        }
        "proto-max-bulk-len" => config.proto_max_bulk_len = number(kind, value)?,
        "client-output-limit" => config.client_output_limit = number(kind, value)?,
        "slowlog-max-len" => config.slowlog_max_len = number(kind, value)?,
        // Signed: -1 turns the log off, which `number` (unsigned) cannot carry.
        "slowlog-log-slower-than" => {
            config.slowlog_log_slower_than = match args::int(value) {
                Some(n) if n >= -1 => n,
                Some(_) => return Err(between(-1, i64::MAX)),
                None => return Err("argument couldn't be parsed into an integer".into()),
            }
        }
        _ => return Err("can't set immutable config".into()),
    }
    Ok(())
}

fn failed(name: &str, why: &str) -> Fail {
    Fail::new(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

/// `CONFIG SET`'s name–value pairs (at least one pair: the session checked the arity).
pub(crate) fn set(s: &Session, pairs: &[Bytes]) -> CmdResult {
    if !pairs.len().is_multiple_of(2) {
        return Err(Fail::syntax());
    }
    let mut config = s.shared.settings();
    let names: Vec<&'static str> = settings(&config).into_iter().map(|(n, _)| n).collect();
    let mut chosen: Vec<(&'static str, Kind, &Bytes)> = Vec::new();
    for pair in pairs.chunks_exact(2) {
        let [given, value] = pair else {
            return Err(Fail::syntax());
        };
        let known = names.iter().copied().find(|name| is(given, name));
        let Some((name, kind)) = known.and_then(|n| Some((n, kind_of(n)?))) else {
            return Err(Fail::new(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                args::text(given)
            )));
        };
        let given = args::text(given);
        match kind {
            Kind::Immutable => return Err(failed(&given, "can't set immutable config")),
            Kind::Protected => return Err(failed(&given, "can't set protected config")),
            Kind::Persistence => {
                return Err(failed(
                    &given,
                    "not changeable on tidekv: persistence is the engine's durability setting",
                ))
            }
            _ if chosen.iter().any(|(n, ..)| *n == name) => {
                return Err(failed(&given, "duplicate parameter"))
            }
            _ => chosen.push((name, kind, value)),
        }
    }
    for (name, kind, value) in chosen {
        apply(&mut config, name, kind, value).map_err(|why| failed(name, &why))?;
    }
    s.shared.observe.follow(&config);
    *lock(&s.shared.config) = config;
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_as_redis_reads_them() {
        assert_eq!(memory(b"100"), Some(100));
        assert_eq!(memory(b"2mb"), Some(2 * 1024 * 1024));
        assert_eq!(memory(b"2MB"), Some(2 * 1024 * 1024));
        assert_eq!(memory(b"1k"), Some(1000));
        assert_eq!(memory(b"1gb"), Some(1 << 30));
        assert_eq!(memory(b"abc"), None);
        assert_eq!(memory(b"-1"), None);
        assert_eq!(memory(b"1.5mb"), None);
    }

    #[test]
    fn numbers_out_of_range_name_the_range() {
        let timeout = kind_of("timeout").unwrap();
        assert_eq!(number(timeout, b"5"), Ok(5));
        assert_eq!(
            number(timeout, b"-1"),
            Err("argument must be between 0 and 2147483647 inclusive".into())
        );
        assert_eq!(
            number(timeout, b"x"),
            Err("argument couldn't be parsed into an integer".into())
        );
        let maxclients = kind_of("maxclients").unwrap();
        assert_eq!(
            number(maxclients, b"-1"),
            Err("argument must be between 1 and 4294967295 inclusive".into())
        );
    }
}
