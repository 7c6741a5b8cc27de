//! `COMMAND`: what the command table says about each command, in Redis 7's shapes — the bare
//! command and `INFO` (name, arity, flags, key positions), `COUNT`, `LIST`, `DOCS` (summary and
//! group, no argument lists) and `GETKEYS`.

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{session, table, CommandSpec, InMulti, KeyPositions};
use crate::resp::Reply;
use crate::session::Session;

fn status(text: &'static str) -> Reply {
    Reply::Simple(text.into())
}

/// A command's `COMMAND INFO` entry.
fn entry(spec: &CommandSpec) -> Reply {
    let (first, last, step) = match spec.keys {
        KeyPositions::None | KeyPositions::Counted { .. } => (0, 0, 0),
        KeyPositions::Range { first, last, step } => (first, last, step),
    };
    let mut flags: Vec<Reply> = spec.flags.iter().map(|f| status(f)).collect();
    if matches!(spec.keys, KeyPositions::Counted { .. }) {
        flags.push(status("movablekeys"));
    }
    let category = match spec.group {
        "string" => "@string",
        "list" => "@list",
        "connection" => "@connection",
        "transactions" => "@transaction",
        "server" => "@admin",
        _ => "@keyspace",
    };
    let access = if spec.flags.contains(&"write") {
        "@write"
    } else {
        "@read"
    };
    Reply::Array(vec![
        Reply::bulk(spec.name.as_bytes()),
        Reply::Integer(i64::from(spec.arity)),
        Reply::Array(flags),
        Reply::Integer(i64::from(first)),
        Reply::Integer(i64::from(last)),
        Reply::Integer(i64::from(step)),
        Reply::Array(vec![status(category), status(access)]),
        Reply::Array(Vec::new()),
        Reply::Array(Vec::new()),
        Reply::Array(Vec::new()),
    ])
}

/// A command's `COMMAND DOCS` entry.
fn docs(spec: &CommandSpec) -> Reply {
    let field = |k: &'static str| Reply::bulk(k.as_bytes());
    Reply::Map(vec![
        (field("summary"), Reply::bulk(spec.summary.as_bytes())),
        (field("since"), field("1.0.0")),
        (field("group"), Reply::bulk(spec.group.as_bytes())),
    ])
}

fn command(_s: &mut Session, args: &[Bytes]) -> CmdResult {
    let Some(sub) = args.get(1) else {
        return Ok(Reply::Array(table::all().into_iter().map(entry).collect()));
    };
    let names = rest(args, 2);
    if is(sub, "count") {
        Ok(Reply::Integer(table::all().len() as i64))
    } else if is(sub, "list") {
        Ok(Reply::Array(
            table::all()
                .into_iter()
                .map(|s| Reply::bulk(s.name.as_bytes()))
                .collect(),
        ))
    } else if is(sub, "info") {
        if names.is_empty() {
            return Ok(Reply::Array(table::all().into_iter().map(entry).collect()));
        }
        Ok(Reply::Array(
            names
                .iter()
                .map(|n| table::lookup(n).map_or(Reply::NullArray, entry))
                .collect(),
        ))
    } else if is(sub, "docs") {
        let specs: Vec<&CommandSpec> = if names.is_empty() {
            table::all()
        } else {
            names.iter().filter_map(|n| table::lookup(n)).collect()
        };
        Ok(Reply::Map(
            specs
                .into_iter()
                .map(|s| (Reply::bulk(s.name.as_bytes()), docs(s)))
                .collect(),
        ))
    } else if is(sub, "getkeys") {
        let Some(spec) = names.first().and_then(|n| table::lookup(n)) else {
            return Err(Fail::new("ERR Invalid command specified"));
        };
        if !spec.arity_ok(names.len()) {
            return Err(Fail::new(
                "ERR Invalid number of arguments specified for command",
            ));
        }
        let keys = spec.keys_of(names);
        if keys.is_empty() {
            return Err(Fail::new("ERR The command has no key arguments"));
        }
        Ok(Reply::Array(
            keys.into_iter().cloned().map(Reply::Bulk).collect(),
        ))
    } else if is(sub, "help") {
        Ok(Reply::Array(
            [
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "(no subcommand)",
                "    Return details about all commands.",
                "COUNT",
                "    Return the total number of commands in this server.",
                "LIST",
                "    Return a list of all commands in this server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple commands.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple commands.",
                "GETKEYS <full-command>",
                "    Return the keys from a full command.",
                "HELP",
                "    Print this help.",
            ]
            .into_iter()
            .map(status)
            .collect(),
        ))
    } else {
        Err(Fail::new(format!(
            "ERR unknown subcommand '{}'. Try COMMAND HELP.",
            args::text(arg(args, 1))
        )))
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[session(
    "command",
    -1,
    &["loading", "stale"],
    "server",
    "Returns detailed information about all commands",
    InMulti::Queue,
    command,
)];
