//! `SLOWLOG GET [count]`, `SLOWLOG LEN`, `SLOWLOG RESET`, `SLOWLOG HELP`: the slow log
//! (`crate::observe::SlowLog`), with Redis's replies. The threshold and the length are the
//! settings `slowlog-log-slower-than` and `slowlog-max-len` (`CONFIG SET` changes them).

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{container, session, CommandSpec, InMulti};
use crate::resp::Reply;
use crate::session::Session;

const HELP: &[&str] = &[
    "SLOWLOG <subcommand> [arguments]: tidekv's subcommands",
    "GET [<count>]",
    "    The newest <count> slow commands (10 by default; -1: all), newest first, each as",
    "    id, Unix time, microseconds taken, arguments, client address, client name.",
    "LEN",
    "    How many entries the log holds.",
    "RESET",
    "    Empty the log.",
    "HELP",
    "    This text.",
];

fn slowlog(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let log = &s.shared.observe.slowlog;
    let sub = arg(args, 1);
    if is(sub, "len") {
        return Ok(Reply::Integer(i64::try_from(log.len()).unwrap_or(i64::MAX)));
    }
    if is(sub, "reset") {
        log.reset();
        return Ok(Reply::ok());
    }
    if is(sub, "get") {
        let count = match rest(args, 2) {
            [] => Some(10),
            [count] => match args::int(count) {
                Some(-1) => None,
                Some(n) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => return Err(Fail::new("ERR count should be greater than or equal to -1")),
            },
            _ => return Err(Fail::syntax()),
        };
        let entries = log
            .get(count)
            .into_iter()
            .map(|e| {
                Reply::Array(vec![
                    Reply::Integer(i64::try_from(e.id).unwrap_or(i64::MAX)),
                    Reply::Integer(e.at),
                    Reply::Integer(i64::try_from(e.micros).unwrap_or(i64::MAX)),
                    Reply::Array(e.args.into_iter().map(Reply::Bulk).collect()),
                    Reply::Bulk(Bytes::from(e.client_addr)),
                    Reply::Bulk(e.client_name),
                ])
            })
            .collect();
        return Ok(Reply::Array(entries));
    }
    Ok(Reply::Array(
        HELP.iter().map(|l| Reply::Simple((*l).into())).collect(),
    ))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[container(
    session("slowlog", -2, InMulti::Queue, slowlog),
    &[("get", -2), ("help", 2), ("len", 2), ("reset", 2)],
)];
