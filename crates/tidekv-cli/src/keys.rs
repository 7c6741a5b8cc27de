//! `tidekv get`, `set`, `del`, `scan`, `ttl`: single keys of a store directory (opened
//! read-only by the commands that only read) or of a running server (`--url`, through the remote
//! backend).

use std::time::Duration;

use clap::Args;
use tidekv::{KeyKind, Store, Ttl};

use crate::target::{open_store, Keyspace, Target};

/// Exit status of `get` and `ttl` when the key does not exist.
pub(crate) const NOT_FOUND: u8 = 3;

/// What a command prints, and its exit status.
pub(crate) struct Printed {
    pub(crate) out: Vec<u8>,
    pub(crate) status: u8,
}

impl Printed {
    fn ok(out: impl Into<Vec<u8>>) -> Printed {
        Printed {
            out: out.into(),
            status: 0,
        }
    }
}

/// `tidekv get`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints a string value as it is, then a newline; a list one element per \
line. A missing key prints nothing and exits with status 3.

Examples:
  tidekv get --dir ./tidekv-data greeting
  tidekv get --url redis://127.0.0.1:6379 --db 2 jobs
  tidekv get --dir ./tidekv-data --no-newline image > image.png"
)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    keyspace: Keyspace,
    /// The key.
    key: String,
    /// Print the value's bytes exactly, with no newline after them.
    #[arg(long)]
    no_newline: bool,
}

/// `tidekv set`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tidekv set --dir ./tidekv-data greeting hello
  tidekv set --url redis://127.0.0.1:6379 session abc --ttl-ms 60000")]
pub(crate) struct SetArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    keyspace: Keyspace,
    /// The key.
    key: String,
    /// The value (a string).
    value: String,
    /// Expire the key after this many milliseconds.
    #[arg(long, value_name = "MS")]
    ttl_ms: Option<u64>,
}

/// `tidekv del`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints how many of the keys existed. Each key is removed on its own \
(not as one atomic batch).

Examples:
  tidekv del --dir ./tidekv-data greeting session"
)]
pub(crate) struct DelArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    keyspace: Keyspace,
    /// The keys.
    #[arg(required = true)]
    keys: Vec<String>,
}

/// `tidekv scan`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints one key per line in key order, a tab, then its value (quoted and \
escaped as redis-cli does when it is not plain text) or `(list of N)`.

Examples:
  tidekv scan --dir ./tidekv-data user:
  tidekv scan --url redis://127.0.0.1:6379 --keys-only --limit 100"
)]
pub(crate) struct ScanArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    keyspace: Keyspace,
    /// Only keys that start with this.
    #[arg(default_value = "")]
    prefix: String,
    /// Print the keys only.
    #[arg(long)]
    keys_only: bool,
    /// Stop after this many keys.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

/// `tidekv ttl`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints the milliseconds left, or -1 for a key without an expiry (Redis \
PTTL); a missing key prints -2 and exits with status 3.

Examples:
  tidekv ttl --dir ./tidekv-data session"
)]
pub(crate) struct TtlArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    keyspace: Keyspace,
    /// The key.
    key: String,
}

/// Runs `body` on the keyspace of an opened store, then closes the store whatever happened.
fn with_store(
    target: &Target,
    keyspace: &Keyspace,
    writes: bool,
    body: impl FnOnce(&tidekv::Keyspace) -> tidekv::Result<Printed>,
) -> Result<Printed, String> {
    let store: Store = open_store(target, writes)?;
    let result = store.keyspace(keyspace.db).and_then(|ks| body(&ks));
    let closed = store.close();
    let printed = result.map_err(|e| e.to_string())?;
    closed.map_err(|e| format!("closing the store: {e}"))?;
    Ok(printed)
}

pub(crate) fn get(args: GetArgs) -> Result<Printed, String> {
    with_store(&args.target, &args.keyspace, false, |ks| {
        let mut out = Vec::new();
        match ks.type_of(&args.key)? {
            None => {
                return Ok(Printed {
                    out,
                    status: NOT_FOUND,
                })
            }
            Some(KeyKind::List) => {
                for item in ks.list_range(&args.key, 0, -1)? {
                    out.extend_from_slice(&item);
                    out.push(b'\n');
                }
            }
            Some(_) => {
                // Gone between the two reads (an expiry, another client): not found.
                let Some(value) = ks.get(&args.key)? else {
                    return Ok(Printed {
                        out,
                        status: NOT_FOUND,
                    });
                };
                out.extend_from_slice(&value);
                if !args.no_newline {
                    out.push(b'\n');
                }
            }
        }
        Ok(Printed::ok(out))
    })
}

pub(crate) fn set(args: SetArgs) -> Result<Printed, String> {
    with_store(&args.target, &args.keyspace, true, |ks| {
        match args.ttl_ms {
            Some(ms) => ks.insert_with_ttl(&args.key, &args.value, Duration::from_millis(ms))?,
            None => ks.insert(&args.key, &args.value)?,
        }
        Ok(Printed::ok("OK\n"))
    })
}

pub(crate) fn del(args: DelArgs) -> Result<Printed, String> {
    with_store(&args.target, &args.keyspace, true, |ks| {
        // One key at a time, so that keys in different slots of a Cluster are fine too.
        let mut removed = 0;
        for key in &args.keys {
            removed += usize::from(ks.remove(key)?);
        }
        Ok(Printed::ok(format!("{removed}\n")))
    })
}

pub(crate) fn scan(args: ScanArgs) -> Result<Printed, String> {
    with_store(&args.target, &args.keyspace, false, |ks| {
        let mut out = Vec::new();
        let limit = args.limit.unwrap_or(usize::MAX);
        for key in ks.keys_with_prefix(&args.prefix)?.take(limit) {
            let key = key?;
            out.extend_from_slice(quoted(&key).as_bytes());
            if !args.keys_only {
                out.push(b'\t');
                let shown = match ks.type_of(&key)? {
                    Some(KeyKind::List) => format!("(list of {})", ks.list_len(&key)?),
                    Some(_) => ks.get(&key)?.map_or("(gone)".into(), |v| quoted(&v)),
                    None => "(gone)".into(),
                };
                out.extend_from_slice(shown.as_bytes());
            }
            out.push(b'\n');
        }
        Ok(Printed::ok(out))
    })
}

pub(crate) fn ttl(args: TtlArgs) -> Result<Printed, String> {
    with_store(&args.target, &args.keyspace, false, |ks| {
        Ok(match ks.ttl(&args.key)? {
            None => Printed {
                out: b"-2\n".to_vec(),
                status: NOT_FOUND,
            },
            Some(Ttl::Persistent) => Printed::ok("-1\n"),
            Some(Ttl::ExpiresIn(left)) => Printed::ok(format!("{}\n", left.as_millis())),
        })
    })
}

/// `bytes` as text a terminal shows safely: as it is when it is plain printable ASCII without
/// spaces or quotes, otherwise in double quotes with `\n \r \t \" \\` and `\xHH` escapes
/// (redis-cli's quoting).
pub(crate) fn quoted(bytes: &[u8]) -> String {
    let plain = !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\');
    if plain {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoting_shows_every_byte_safely() {
        assert_eq!(quoted(b"user:1"), "user:1");
        assert_eq!(quoted(b"two words"), "\"two words\"");
        assert_eq!(quoted(b""), "\"\"");
        assert_eq!(quoted(b"a\"b\\c\n\x00\xff"), "\"a\\\"b\\\\c\\n\\x00\\xff\"");
    }
}
