//! Blocking list commands: `BLPOP`, `BRPOP`, `BLMPOP`, `BLMOVE`, `BRPOPLPUSH`, and `LMPOP` (the
//! same pop without waiting).
//!
//! Each parses into a [`BlockRequest`]. Outside a transaction the connection waits on the
//! store's thread-free future ([`tidekv::Keyspace::pop_when_ready`]) up to the timeout, so a
//! thousand blocked clients cost a thousand small futures, not a thousand threads; waiters on a
//! list are served in arrival order. Inside `EXEC` the request runs once, without waiting
//! ([`BlockRequest::run_now`]), as Redis's blocking commands do in a transaction.

use std::time::Duration;

use bytes::Bytes;
use tidekv::{KeyKind, ListEnd};

use super::args::{self, is};
use super::fail::{CmdResult, Fail};
use super::{data, keys, CommandSpec, Handler, InMulti, KeyPositions};
use crate::data::Data;
use crate::resp::Reply;

/// What a blocking command waits for.
#[derive(Debug, Clone)]
pub(crate) enum BlockOp {
    /// Pop up to `count` from `end` of the first non-empty list; `many` replies as `BLMPOP`
    /// (key and an array of elements), otherwise as `BLPOP` (key and element).
    Pop {
        end: ListEnd,
        count: usize,
        many: bool,
    },
    /// Move one element to `to` (`BLMOVE`); the reply is the element.
    Move {
        to: Bytes,
        from_end: ListEnd,
        to_end: ListEnd,
    },
}

/// A parsed blocking command.
#[derive(Debug, Clone)]
pub(crate) struct BlockRequest {
    /// The lists to pop from, in order (the source list for a move).
    pub(crate) keys: Vec<Bytes>,
    pub(crate) op: BlockOp,
    /// `None` waits for ever (a timeout of 0).
    pub(crate) timeout: Option<Duration>,
}

impl BlockRequest {
    /// The reply for what a wait returned: the key served and the elements, or nothing on
    /// timeout (a null array for every blocking command, as Redis replies to a timed-out
    /// client).
    pub(crate) fn reply(&self, served: Option<(Bytes, Vec<Bytes>)>) -> Reply {
        match (&self.op, served) {
            (BlockOp::Move { .. }, None) => Reply::NullArray,
            (BlockOp::Move { .. }, Some((_, values))) => {
                values.into_iter().next().map_or(Reply::Null, Reply::Bulk)
            }
            (BlockOp::Pop { .. }, None) => Reply::NullArray,
            (BlockOp::Pop { many: true, .. }, Some((key, values))) => Reply::Array(vec![
                Reply::Bulk(key),
                Reply::Array(values.into_iter().map(Reply::Bulk).collect()),
            ]),
            (BlockOp::Pop { many: false, .. }, Some((key, values))) => {
                let mut reply = vec![Reply::Bulk(key)];
                reply.extend(values.into_iter().next().map(Reply::Bulk));
                Reply::Array(reply)
            }
        }
    }

    /// Runs the request once without waiting: inside `EXEC`, and for `LMPOP`.
    pub(crate) fn run_now(&self, data: &mut dyn Data) -> CmdResult {
        match &self.op {
            BlockOp::Move {
                to,
                from_end,
                to_end,
            } => {
                let from = self.keys.first().ok_or_else(Fail::syntax)?;
                // Not waiting, an empty source is a null string, as `LMOVE`'s.
                let moved = data.list_move(from, to, *from_end, *to_end)?;
                Ok(moved.map_or(Reply::Null, Reply::Bulk))
            }
            BlockOp::Pop { end, count, .. } => {
                for key in &self.keys {
                    match data.kind(key)? {
                        Some(KeyKind::List) => {
                            let values = data.pop(key, *end, *count)?;
                            if !values.is_empty() {
                                return Ok(self.reply(Some((key.clone(), values))));
                            }
                        }
                        Some(_) => return Err(tidekv::Error::wrong_type("list", "string").into()),
                        None => {}
                    }
                }
                Ok(self.reply(None))
            }
        }
    }
}

/// `LEFT` / `RIGHT`, as `LMOVE` and `LMPOP` spell list ends.
pub(crate) fn list_end(arg: &[u8]) -> Result<ListEnd, Fail> {
    if is(arg, "left") {
        Ok(ListEnd::Front)
    } else if is(arg, "right") {
        Ok(ListEnd::Back)
    } else {
        Err(Fail::syntax())
    }
}

fn blpop(args: &[Bytes]) -> Result<BlockRequest, Fail> {
    pop_one(args, ListEnd::Front)
}

fn brpop(args: &[Bytes]) -> Result<BlockRequest, Fail> {
    pop_one(args, ListEnd::Back)
}

fn pop_one(args: &[Bytes], end: ListEnd) -> Result<BlockRequest, Fail> {
    let (timeout, keys) = args.split_last().ok_or_else(Fail::syntax)?;
    Ok(BlockRequest {
        keys: keys.get(1..).unwrap_or_default().to_vec(),
        op: BlockOp::Pop {
            end,
            count: 1,
            many: false,
        },
        timeout: args::timeout(timeout)?,
    })
}

fn blmove(args: &[Bytes]) -> Result<BlockRequest, Fail> {
    let [_, from, to, from_end, to_end, timeout] = args else {
        return Err(Fail::syntax());
    };
    let (from_end, to_end) = (list_end(from_end)?, list_end(to_end)?);
    moving(from, to, from_end, to_end, timeout)
}

fn brpoplpush(args: &[Bytes]) -> Result<BlockRequest, Fail> {
    let [_, from, to, timeout] = args else {
        return Err(Fail::syntax());
    };
    moving(from, to, ListEnd::Back, ListEnd::Front, timeout)
}

fn moving(
    from: &Bytes,
    to: &Bytes,
    from_end: ListEnd,
    to_end: ListEnd,
    timeout: &Bytes,
) -> Result<BlockRequest, Fail> {
    Ok(BlockRequest {
        keys: vec![from.clone()],
        op: BlockOp::Move {
            to: to.clone(),
            from_end,
            to_end,
        },
        timeout: args::timeout(timeout)?,
    })
}

fn blmpop(args: &[Bytes]) -> Result<BlockRequest, Fail> {
    // Redis reads the keys and options first, the timeout last.
    let mut request = mpop(args, 2)?;
    request.timeout = args::timeout(args.get(1).ok_or_else(Fail::syntax)?)?;
    Ok(request)
}

/// `[B]LMPOP ... numkeys key [key ...] LEFT|RIGHT [COUNT count]`, numkeys at `count_at`.
fn mpop(args: &[Bytes], count_at: usize) -> Result<BlockRequest, Fail> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = args
        .get(count_at)
        .and_then(|n| args::int(n))
        .ok_or_else(|| Fail::new(NUMKEYS))?;
    let numkeys = usize::try_from(numkeys)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| Fail::new(NUMKEYS))?;
    let where_at = count_at.saturating_add(numkeys).saturating_add(1);
    let end = list_end(args.get(where_at).ok_or_else(Fail::syntax)?)?;
    let mut count = None;
    let mut options = args::Options::new(args.get(where_at + 1..).unwrap_or_default());
    while let Some(word) = options.next_word() {
        if count.is_none() && is(word, "count") {
            let n = options.value()?;
            const COUNT: &str = "ERR count should be greater than 0";
            let n = args::int(n)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| Fail::new(COUNT))?;
            count = Some(n);
        } else {
            return Err(Fail::syntax());
        }
    }
    Ok(BlockRequest {
        keys: args
            .get(count_at + 1..where_at)
            .unwrap_or_default()
            .to_vec(),
        op: BlockOp::Pop {
            end,
            count: count.unwrap_or(1),
            many: true,
        },
        timeout: None,
    })
}

fn lmpop(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    mpop(args, 1)?.run_now(data)
}

const fn blocking(
    name: &'static str,
    arity: i32,
    keys: KeyPositions,
    parse: super::BlockingFn,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        subcommands: &[],
        keys,
        in_multi: InMulti::Queue,
        no_auth: false,
        handler: Handler::Blocking(parse),
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    blocking("blpop", -3, keys(1, -2), blpop),
    blocking("brpop", -3, keys(1, -2), brpop),
    blocking("blmove", 6, keys(1, 2), blmove),
    blocking("brpoplpush", 4, keys(1, 2), brpoplpush),
    blocking("blmpop", -5, KeyPositions::Counted { count_at: 2 }, blmpop),
    data("lmpop", -4, KeyPositions::Counted { count_at: 1 }, lmpop),
];
