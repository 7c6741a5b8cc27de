//! Commands on keys of any kind: `DEL` (and `DELETE`), `UNLINK`, `EXISTS`, `TOUCH`, `TYPE`,
//! `RENAME`, `RENAMENX`, `COPY`, `MOVE`, `OBJECT`.

use bytes::Bytes;
use tidekv::KeyKind;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{container, data, keys, CommandSpec, KeyPositions, KEY1};
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

/// A `DB` argument (`COPY … DB n`, `MOVE key n`): an `int`, then a keyspace the server has.
fn db_index(data: &dyn Data, arg: &[u8]) -> Result<u32, Fail> {
    let n = args::int32(arg)?;
    u32::try_from(n)
        .ok()
        .filter(|&n| n < data.keyspaces())
        .ok_or_else(|| Fail::new("ERR DB index is out of range"))
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
            db = Some(db_index(data, options.value()?)?);
        } else {
            return Err(Fail::syntax());
        }
    }
    let copied = data.copy(from, db, to, replace).map_err(out_of_range)?;
    Ok(Reply::Integer(i64::from(copied)))
}

fn move_(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let db = db_index(data, arg(args, 2))?;
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
                "OBJECT <subcommand> <key>: tidekv's subcommands",
                "ENCODING <key>",
                "    How Redis would store a value of this shape (int, embstr, raw, quicklist).",
                "FREQ <key>",
                "    Refused: tidekv counts no accesses (no LFU policy).",
                "IDLETIME <key>",
                "    Always 0: tidekv keeps no access times.",
                "REFCOUNT <key>",
                "    What Redis would report for a value of this shape.",
                "HELP",
                "    This list.",
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
        _ => Reply::Integer(refcount(data, key, kind)?),
    })
}

/// Redis shares one object for each of the integers 0 to 9,999 a string holds, and reports its
/// reference count as `i32::MAX`; every other value has one reference.
fn refcount(data: &mut dyn Data, key: &Bytes, kind: KeyKind) -> Result<i64, Fail> {
    if kind == KeyKind::String {
        let value = data.get(key)?.unwrap_or_default();
        if args::int(&value).is_some_and(|n| (0..10_000).contains(&n)) {
            return Ok(i64::from(i32::MAX));
        }
    }
    Ok(1)
}

/// The encoding Redis 7.0 would give a value of this shape written by `SET` (a list is always a
/// quicklist in 7.0).
fn encoding(data: &mut dyn Data, key: &Bytes, kind: KeyKind) -> Result<&'static str, Fail> {
    Ok(match kind {
        KeyKind::List => "quicklist",
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

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("del", -2, keys(1, -1), del),
    data("delete", -2, keys(1, -1), del),
    data("unlink", -2, keys(1, -1), del),
    data("exists", -2, keys(1, -1), exists),
    data("touch", -2, keys(1, -1), exists),
    data("type", 2, KEY1, type_),
    data("rename", 3, keys(1, 2), rename),
    data("renamenx", 3, keys(1, 2), renamenx),
    data("copy", -3, keys(1, 2), copy),
    data("move", 3, KEY1, move_),
    container(
        data(
            "object",
            -2,
            KeyPositions::Range {
                first: 2,
                last: 2,
                step: 1,
            },
            object,
        ),
        &[
            ("encoding", 3),
            ("freq", 3),
            ("help", 2),
            ("idletime", 3),
            ("refcount", 3),
        ],
    ),
];
