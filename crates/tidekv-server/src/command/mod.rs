//! The commands: one family per file, each command parsed from its arguments and applied to the
//! store, and [`table`], the command table that finds a command by name, checks its arity and
//! answers `COMMAND`.
//!
//! A command is one of three kinds ([`Handler`]):
//!
//! - **data** commands run on [`crate::data::Data`], so the same function runs alone and
//!   inside `EXEC`;
//! - **session** commands work on the connection or the server ([`crate::session::Session`]);
//! - **blocking** commands parse into a [`blocking::BlockRequest`] that the connection waits on
//!   without a thread (inside `EXEC` they do not wait, as in Redis).

pub(crate) mod args;
pub(crate) mod blocking;
mod client;
mod command_info;
mod config_cmd;
mod config_set;
mod connection;
mod expire;
pub(crate) mod fail;
mod info;
mod keys;
mod list_edits;
mod lists;
pub(crate) mod multi;
mod redis_docs;
mod scan;
mod server;
mod slowlog_cmd;
mod string_edits;
mod strings;
pub(crate) mod table;

use bytes::Bytes;

use crate::data::Data;
use crate::session::Session;
use fail::{CmdResult, Fail};

/// A command that reads or writes data (see the module docs).
pub(crate) type DataFn = fn(&mut dyn Data, &[Bytes]) -> CmdResult;
/// A command on the connection or the server.
pub(crate) type SessionFn = fn(&mut Session, &[Bytes]) -> CmdResult;
/// A command that may wait for a list.
pub(crate) type BlockingFn = fn(&[Bytes]) -> Result<blocking::BlockRequest, Fail>;

/// How a command runs.
#[derive(Clone, Copy)]
pub(crate) enum Handler {
    /// On the data of the connection's keyspace (or of the transaction).
    Data(DataFn),
    /// On the connection or the server.
    Session(SessionFn),
    /// May wait for an element.
    Blocking(BlockingFn),
}

/// What a command does when it arrives between `MULTI` and `EXEC`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum InMulti {
    /// Queued, run by `EXEC` inside the transaction.
    Queue,
    /// Runs at once (`EXEC`, `DISCARD`, `MULTI`, `WATCH`, `QUIT`, `RESET`).
    Now,
    /// Refused, which makes `EXEC` fail: it works on a whole keyspace or the server, which a
    /// transaction over declared keys cannot hold still (`docs/protocol.md`, intended
    /// differences).
    Refuse,
    /// Refused as Redis refuses its `no_multi` commands (`SAVE`, `SHUTDOWN`), with its words.
    NotAllowed,
}

/// Where a command's keys are among its arguments (argument 0 is the name), for `EXEC` to
/// declare them and for `COMMAND INFO`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum KeyPositions {
    /// No keys.
    None,
    /// From `first` to `last` (negative: counted from the end, -1 the last argument) by `step`.
    Range { first: i32, last: i32, step: i32 },
    /// `LMPOP numkeys key ...`: the count is at `count_at`, the keys follow it.
    Counted { count_at: usize },
}

/// One row of the command table.
pub(crate) struct CommandSpec {
    /// The name, lower case.
    pub(crate) name: &'static str,
    /// Redis's arity: `n` exactly `n` arguments (name included), `-n` at least `n`.
    pub(crate) arity: i32,
    /// A container's subcommands (`CLIENT`, `CONFIG`, `COMMAND`, `OBJECT`) with their arities,
    /// which Redis checks before the command runs (or is queued by `MULTI`).
    pub(crate) subcommands: &'static [(&'static str, i32)],
    pub(crate) keys: KeyPositions,
    pub(crate) in_multi: InMulti,
    /// Allowed before `AUTH` when a password is set.
    pub(crate) no_auth: bool,
    pub(crate) handler: Handler,
}

/// Whether `argc` arguments (name included) fit `arity`.
fn fits(arity: i32, argc: usize) -> bool {
    let argc = i64::try_from(argc).unwrap_or(i64::MAX);
    let arity = i64::from(arity);
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

impl CommandSpec {
    /// Whether `argc` arguments (name included) fit the arity.
    pub(crate) fn arity_ok(&self, argc: usize) -> bool {
        fits(self.arity, argc)
    }

    /// Redis's checks before a command runs: a container's subcommand must exist, and the
    /// arguments must fit the (sub)command's arity. `Ok` is the name the client list shows
    /// (`client|list`).
    pub(crate) fn check(&self, args: &[Bytes]) -> Result<std::borrow::Cow<'static, str>, Fail> {
        let sub = match (self.subcommands, args.get(1)) {
            ([], _) | (_, None) => None,
            (subs, Some(sub)) => Some(
                subs.iter()
                    .find(|(name, _)| sub.eq_ignore_ascii_case(name.as_bytes()))
                    .ok_or_else(|| {
                        let typed = args.first().map(|n| args::text(n)).unwrap_or_default();
                        let sub = args::text(sub.get(..sub.len().min(128)).unwrap_or_default());
                        Fail::new(format!(
                            "ERR unknown subcommand '{sub}'. Try {} HELP.",
                            typed.to_ascii_uppercase()
                        ))
                    })?,
            ),
        };
        let (name, arity) = match sub {
            Some((sub, arity)) => (format!("{}|{sub}", self.name).into(), *arity),
            None => (self.name.into(), self.arity),
        };
        if fits(arity, args.len()) {
            Ok(name)
        } else {
            Err(Fail::arity(&name))
        }
    }

    /// The keys among `args` (argument 0 is the name).
    pub(crate) fn keys_of<'a>(&self, args: &'a [Bytes]) -> Vec<&'a Bytes> {
        match self.keys {
            KeyPositions::None => Vec::new(),
            KeyPositions::Range { first, last, step } => {
                let n = args.len() as i64;
                let last = if last < 0 {
                    n + i64::from(last)
                } else {
                    i64::from(last)
                };
                let step = usize::try_from(step.max(1)).unwrap_or(1);
                let first = usize::try_from(first).unwrap_or(0);
                let last = usize::try_from(last.min(n - 1)).unwrap_or(0);
                if first == 0 || first > last {
                    return Vec::new();
                }
                args.get(first..=last)
                    .unwrap_or_default()
                    .iter()
                    .step_by(step)
                    .collect()
            }
            KeyPositions::Counted { count_at } => {
                let count = args
                    .get(count_at)
                    .and_then(|c| args::int(c))
                    .and_then(|c| usize::try_from(c).ok())
                    .unwrap_or(0);
                args.iter().skip(count_at + 1).take(count).collect()
            }
        }
    }
}

/// A table row with the defaults most commands share: a data command, queued in `MULTI`, keys
/// from argument 1.
pub(crate) const fn data(
    name: &'static str,
    arity: i32,
    keys: KeyPositions,
    run: DataFn,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        subcommands: &[],
        keys,
        in_multi: InMulti::Queue,
        no_auth: false,
        handler: Handler::Data(run),
    }
}

/// A table row for a session command.
pub(crate) const fn session(
    name: &'static str,
    arity: i32,
    in_multi: InMulti,
    run: SessionFn,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        subcommands: &[],
        keys: KeyPositions::None,
        in_multi,
        no_auth: false,
        handler: Handler::Session(run),
    }
}

/// A container command: `spec` with its subcommands and their arities.
pub(crate) const fn container(
    spec: CommandSpec,
    subcommands: &'static [(&'static str, i32)],
) -> CommandSpec {
    CommandSpec {
        subcommands,
        ..spec
    }
}

/// Key positions `first..=last` by 1.
pub(crate) const fn keys(first: i32, last: i32) -> KeyPositions {
    KeyPositions::Range {
        first,
        last,
        step: 1,
    }
}

/// One key, argument 1.
pub(crate) const KEY1: KeyPositions = keys(1, 1);
