//! Commands on keys of any kind: `DEL` (and `DELETE`), `UNLINK`, `EXISTS`, `TOUCH`, `TYPE`,
//! `RENAME`, `RENAMENX`, `COPY`, `MOVE`, `OBJECT`.

use bytes::Bytes;
use tidekv::KeyKind;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{data, keys, CommandSpec, KeyPositions, KEY1};
use crate::data::Data;
use crate::resp::Reply;

fn del(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(data.remove_many(rest(args, 1))? as i64))
}

fn exists(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let mut found = 0;
    for key in rest(args, 1) {
        found += i64::from(data.kind(key)?.is_some());
    }
    Ok(Reply::Integer(found))
}

/// Redis's name for a kind of value.
pub(crate) fn kind_name(kind: Option<KeyKind>) -> &'static str {
    match kind {
        Some(KeyKind::String) => "string",
        Some(KeyKind::List) => "list",
        _ => "none",
    }
}

fn type_(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let kind = data.kind(arg(args, 1))?;
    Ok(Reply::Simple(kind_name(kind).into()))
}

fn rename(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    renaming(data, args, false)
}

fn renamenx(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    renaming(data, args, true)
}

fn renaming(data: &mut dyn Data, args: &[Bytes], only_if_absent: bool) -> CmdResult {
    let (from, to) = (arg(args, 1), arg(args, 2));
    let done = if from == to {
        // Redis: renaming a key onto itself succeeds (RENAMENX says nothing was done).
        if data.kind(from)?.is_none() {
            return Err(tidekv::Error::NoSuchKey.into());
        }
        !only_if_absent
    } else {
        data.rename(from, to, only_if_absent)?
    };
    Ok(if only_if_absent {
        Reply::Integer(i64::from(done))
    } else {
        Reply::ok()
    })
}

/// A `DB` argument (`COPY … DB n`, `MOVE key n`).
fn db_index(arg: &[u8]) -> Result<u32, Fail> {
    let n = args::integer(arg)?;
    if i32::try_from(n).is_err() {
        return Err(Fail::not_integer());
    }
    u32::try_from(n).map_err(|_| Fail::new("ERR DB index is out of range"))
}

fn copy(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let (from, to) = (arg(args, 1), arg(args, 2));
    let mut db = None;
    let mut replace = false;
    let mut options = args::Options::new(rest(args, 3));
    while let Some(word) = options.next_word() {
        if is(word, "replace") {
            replace = true;
        } else if is(word, "db") {
            db = Some(db_index(options.value()?)?);
        } else {
            return Err(Fail::syntax());
        }
    }
    let copied = data.copy(from, db, to, replace).map_err(out_of_range)?;
    Ok(Reply::Integer(i64::from(copied)))
}

fn move_(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let db = db_index(arg(args, 2))?;
    let moved = data.move_to(arg(args, 1), db).map_err(out_of_range)?;
    Ok(Reply::Integer(i64::from(moved)))
}

/// A keyspace number the store refused is Redis's "DB index is out of range".
fn out_of_range(e: tidekv::Error) -> Fail {
    match e {
        tidekv::Error::InvalidArgument {
            what: "keyspace", ..
        } => Fail::new("ERR DB index is out of range"),
        other => other.into(),
    }
}

/// `OBJECT`: tidekv does not keep Redis's per-object bookkeeping, so it answers with what Redis
/// would show for a fresh object of the same shape (`docs/protocol.md`).
fn object(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let sub = arg(args, 1);
    if is(sub, "help") {
        return Ok(Reply::Array(
            [
                "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
                "HELP",
                "    Prints this help.",
            ]
            .into_iter()
            .map(|line| Reply::Simple(line.into()))
            .collect(),
        ));
    }
    let known = ["encoding", "freq", "idletime", "refcount"];
    let Some(name) = known.into_iter().find(|n| is(sub, n)) else {
        return Err(Fail::new(format!(
            "ERR unknown subcommand '{}'. Try OBJECT HELP.",
            args::text(sub)
        )));
    };
    if args.len() != 3 {
        return Err(Fail::arity(&format!("object|{name}")));
    }
    let key = arg(args, 2);
    let Some(kind) = data.kind(key)? else {
        return Ok(Reply::Null);
    };
    Ok(match name {
        "encoding" => Reply::bulk(encoding(data, key, kind)?),
        "freq" => {
            return Err(Fail::new(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. \
                 Please note that when switching between policies at runtime LRU and LFU data \
                 will take some time to adjust.",
            ))
        }
        "idletime" => Reply::Integer(0),
        _ => Reply::Integer(1),
    })
}

/// The encoding Redis 7 would give a value of this shape.
fn encoding(data: &mut dyn Data, key: &Bytes, kind: KeyKind) -> Result<&'static str, Fail> {
    Ok(match kind {
        KeyKind::List => {
            if data.list_len(key)? <= 128 {
                "listpack"
            } else {
                "quicklist"
            }
        }
        _ => {
            let value = data.get(key)?.unwrap_or_default();
            if value.len() <= 20 && args::int(&value).is_some() {
                "int"
            } else if value.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
    })
}

const G: &str = "generic";
const DEL_FLAGS: &[&str] = &["write"];

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("del", -2, DEL_FLAGS, G, "Deletes one or more keys", keys(1, -1), del),
    data("delete", -2, DEL_FLAGS, G, "Deletes one or more keys (tidekv: DEL, under the name kv-store's nc users type)", keys(1, -1), del),
    data("unlink", -2, &["write", "fast"], G, "Asynchronously deletes one or more keys", keys(1, -1), del),
    data("exists", -2, &["readonly", "fast"], G, "Determines whether one or more keys exist", keys(1, -1), exists),
    data("touch", -2, &["readonly", "fast"], G, "Returns the number of existing keys out of those specified after updating the time they were last accessed", keys(1, -1), exists),
    data("type", 2, &["readonly", "fast"], G, "Determines the type of value stored at a key", KEY1, type_),
    data("rename", 3, &["write"], G, "Renames a key and overwrites the destination", keys(1, 2), rename),
    data("renamenx", 3, &["write", "fast"], G, "Renames a key only when the target key name doesn't exist", keys(1, 2), renamenx),
    data("copy", -3, &["write", "denyoom"], G, "Copies the value of a key to a new key", keys(1, 2), copy),
    data("move", 3, &["write", "fast"], G, "Moves a key to another database", KEY1, move_),
    data("object", -2, &["readonly"], "generic", "A container for object introspection commands", KeyPositions::Range { first: 2, last: 2, step: 1 }, object),
];
