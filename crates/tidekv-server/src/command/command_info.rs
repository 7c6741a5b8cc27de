//! `COMMAND`: what the command table says about each command, in Redis 7's shapes, with its facts and tidekv's words
//! (`redis_docs`) — the bare command and `INFO` (name, arity, flags, key positions, ACL
//! categories, tips), `COUNT`, `LIST`, `DOCS` (summary, version, group, complexity, deprecation,
//! history; no argument lists) and `GETKEYS`.

use bytes::Bytes;

use super::args::{self, is, rest};
use super::fail::{CmdResult, Fail};
use super::redis_docs::{self, RedisDoc};
use super::{container, session, table, CommandSpec, InMulti, KeyPositions};
use crate::resp::Reply;
use crate::session::Session;

fn status(text: &'static str) -> Reply {
    Reply::Simple(text.into())
}

fn bulk(text: &'static str) -> Reply {
    Reply::bulk(text.as_bytes())
}

fn statuses(items: &'static [&'static str]) -> Reply {
    Reply::Set(items.iter().map(|s| status(s)).collect())
}

/// The description of `spec` (every command has one: a unit test of `redis_docs` checks).
fn doc_of(spec: &CommandSpec) -> Option<&'static RedisDoc> {
    redis_docs::of(spec.name)
}

/// A command's `COMMAND INFO` entry. Key specifications and subcommand entries are left empty
/// (`docs/protocol.md`, intended differences).
fn entry(spec: &CommandSpec) -> Reply {
    let (first, last, step) = match spec.keys {
        // A container names no keys itself, as in Redis (its subcommands do).
        _ if !spec.subcommands.is_empty() => (0, 0, 0),
        KeyPositions::None | KeyPositions::Counted { .. } => (0, 0, 0),
        KeyPositions::Range { first, last, step } => (first, last, step),
    };
    let doc = doc_of(spec);
    Reply::Array(vec![
        Reply::bulk(spec.name.as_bytes()),
        Reply::Integer(i64::from(spec.arity)),
        statuses(doc.map_or(&[], |d| d.flags)),
        Reply::Integer(i64::from(first)),
        Reply::Integer(i64::from(last)),
        Reply::Integer(i64::from(step)),
        statuses(doc.map_or(&[], |d| d.categories)),
        Reply::Set(
            doc.map_or(&[][..], |d| d.tips)
                .iter()
                .map(|t| bulk(t))
                .collect(),
        ),
        Reply::Set(Vec::new()),
        Reply::Array(Vec::new()),
    ])
}

/// A command's `COMMAND DOCS` entry, with the fields Redis gives, in its order (no
/// `arguments`, no `subcommands`).
fn docs(spec: &CommandSpec) -> Reply {
    let mut fields = Vec::new();
    if let Some(d) = doc_of(spec) {
        fields.push((bulk("summary"), bulk(d.summary)));
        fields.push((bulk("since"), bulk(d.since)));
        fields.push((bulk("group"), bulk(d.group)));
        fields.push((bulk("complexity"), bulk(d.complexity)));
        if !d.doc_flags.is_empty() {
            fields.push((bulk("doc_flags"), statuses(d.doc_flags)));
        }
        if !d.deprecated_since.is_empty() {
            fields.push((bulk("deprecated_since"), bulk(d.deprecated_since)));
        }
        if !d.replaced_by.is_empty() {
            fields.push((bulk("replaced_by"), bulk(d.replaced_by)));
        }
        if !d.history.is_empty() {
            let history = d.history.iter();
            let history = history.map(|(v, c)| Reply::Array(vec![bulk(v), bulk(c)]));
            fields.push((bulk("history"), Reply::Set(history.collect())));
        }
    }
    Reply::Map(fields)
}

/// `COMMAND GETKEYS command arg ...`, with Redis's checks in its order.
fn getkeys(names: &[Bytes]) -> CmdResult {
    let Some(spec) = names.first().and_then(|n| table::lookup(n)) else {
        return Err(Fail::new("ERR Invalid command specified"));
    };
    if spec.keys == KeyPositions::None {
        return Err(Fail::new("ERR The command has no key arguments"));
    }
    if !spec.arity_ok(names.len()) {
        return Err(Fail::new(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = spec.keys_of(names);
    if keys.is_empty() {
        return Err(Fail::new("ERR Invalid arguments specified for command"));
    }
    Ok(Reply::Array(
        keys.into_iter().cloned().map(Reply::Bulk).collect(),
    ))
}

const HELP: &[&str] = &[
    "COMMAND [<subcommand> [arguments]]: tidekv's subcommands",
    "(none)",
    "    Describes every command: name, arity, flags, key positions.",
    "COUNT",
    "    How many commands this server has.",
    "LIST",
    "    The name of every command.",
    "INFO [<name> ...]",
    "    Describes the named commands (all of them when none is named).",
    "DOCS [<name> ...]",
    "    Summary, group, version and history of the named commands (all when none is named).",
    "GETKEYS <command> [arguments]",
    "    The keys that command line would touch.",
    "HELP",
    "    This list.",
];

fn command(_s: &mut Session, args: &[Bytes]) -> CmdResult {
    let Some(sub) = args.get(1) else {
        return Ok(Reply::Array(table::all().into_iter().map(entry).collect()));
    };
    // The subcommand exists and its arity fits: the session checked (`CommandSpec::check`).
    let names = rest(args, 2);
    if is(sub, "count") {
        Ok(Reply::Integer(table::all().len() as i64))
    } else if is(sub, "list") {
        list(names)
    } else if is(sub, "info") {
        let specs: Vec<Option<&CommandSpec>> = if names.is_empty() {
            table::all().into_iter().map(Some).collect()
        } else {
            names.iter().map(|n| table::lookup(n)).collect()
        };
        Ok(Reply::Array(
            specs
                .into_iter()
                .map(|s| s.map_or(Reply::Null, entry))
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
        getkeys(names)
    } else {
        Ok(Reply::Array(HELP.iter().map(|l| status(l)).collect()))
    }
}

/// `COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]`.
fn list(options: &[Bytes]) -> CmdResult {
    let all = table::all();
    let names: Vec<&CommandSpec> = match options {
        [] => all,
        [filter, kind, value] if is(filter, "filterby") => {
            if is(kind, "module") {
                Vec::new()
            } else if is(kind, "aclcat") {
                let wanted = format!("@{}", args::text(value)).to_ascii_lowercase();
                all.into_iter()
                    .filter(|s| doc_of(s).is_some_and(|d| d.categories.contains(&&*wanted)))
                    .collect()
            } else if is(kind, "pattern") {
                all.into_iter()
                    .filter(|s| super::config_cmd::glob(value, s.name.as_bytes()))
                    .collect()
            } else {
                return Err(Fail::syntax());
            }
        }
        _ => return Err(Fail::syntax()),
    };
    Ok(Reply::Array(
        names
            .into_iter()
            .map(|s| Reply::bulk(s.name.as_bytes()))
            .collect(),
    ))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[container(
    session("command", -1, InMulti::Queue, command),
    &[
        ("count", 2),
        ("docs", -2),
        ("getkeys", -4),
        ("help", 2),
        ("info", -2),
        ("list", -2),
    ],
)];
