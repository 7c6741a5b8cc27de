//! List commands that edit in place or move: `LSET`, `LINSERT`, `LREM`, `LTRIM`, `LPOS`,
//! `LMOVE`, `RPOPLPUSH`.

use bytes::Bytes;
use tidekv::{KeyKind, ListEnd, ListInsert, Side};

use super::args::{self, arg, is, rest};
use super::blocking::list_end;
use super::fail::{CmdResult, Fail};
use super::{data, keys, CommandSpec, KEY1};
use crate::data::Data;
use crate::resp::Reply;

fn lset(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    // Redis looks the key up (and checks its type) before it reads the index.
    match data.kind(arg(args, 1))? {
        None => return Err(tidekv::Error::NoSuchKey.into()),
        Some(KeyKind::List) => {}
        Some(_) => return Err(tidekv::Error::wrong_type("list", "string").into()),
    }
    let index = args::integer(arg(args, 2))?;
    data.list_set(arg(args, 1), index, arg(args, 3).clone())?;
    Ok(Reply::ok())
}

fn linsert(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let side = if is(arg(args, 2), "before") {
        Side::Before
    } else if is(arg(args, 2), "after") {
        Side::After
    } else {
        return Err(Fail::syntax());
    };
    let outcome = data.list_insert(arg(args, 1), side, arg(args, 3), arg(args, 4).clone())?;
    Ok(Reply::Integer(match outcome {
        ListInsert::NoList => 0,
        ListInsert::NoPivot => -1,
        ListInsert::Inserted(len) => i64::try_from(len).unwrap_or(i64::MAX),
    }))
}

fn lrem(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let count = args::integer(arg(args, 2))?;
    let removed = data.list_remove(arg(args, 1), count, arg(args, 3))?;
    Ok(Reply::Integer(removed as i64))
}

fn ltrim(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let start = args::integer(arg(args, 2))?;
    let stop = args::integer(arg(args, 3))?;
    data.list_trim(arg(args, 1), start, stop)?;
    Ok(Reply::ok())
}

fn lpos(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let (mut rank, mut count, mut max_len) = (1i64, None, 0usize);
    let mut options = args::Options::new(rest(args, 3));
    while let Some(word) = options.next_word() {
        if is(word, "rank") {
            rank = args::integer(options.value()?)?;
            if rank == 0 {
                return Err(Fail::new(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(word, "count") {
            count = Some(args::count(
                options.value()?,
                "ERR COUNT can't be negative",
            )?);
        } else if is(word, "maxlen") {
            max_len = args::count(options.value()?, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(Fail::syntax());
        }
    }
    let key = arg(args, 1);
    if data.kind(key)?.is_none() {
        return Ok(match count {
            Some(_) => Reply::Array(Vec::new()),
            None => Reply::Null,
        });
    }
    let items = data.list_range(key, 0, -1)?;
    let positions = positions(&items, arg(args, 2), rank, count.unwrap_or(1), max_len);
    Ok(match count {
        Some(_) => Reply::Array(
            positions
                .into_iter()
                .map(|i| Reply::Integer(i as i64))
                .collect(),
        ),
        None => positions
            .first()
            .map_or(Reply::Null, |&i| Reply::Integer(i as i64)),
    })
}

/// `LPOS`'s matches: from the head for a positive rank, the tail for a negative one, skipping
/// `|rank| - 1` matches, at most `count` (0: all), comparing at most `max_len` (0: all).
///
/// Redis negates the rank in a `long`, so the lowest one stays negative: every match from the
/// tail qualifies, and no count stops them.
fn positions(items: &[Bytes], value: &[u8], rank: i64, count: usize, max_len: usize) -> Vec<usize> {
    let lowest = rank == i64::MIN;
    let skip = if lowest {
        0
    } else {
        usize::try_from(rank.unsigned_abs().saturating_sub(1)).unwrap_or(usize::MAX)
    };
    let limit = if count == 0 || lowest {
        usize::MAX
    } else {
        count
    };
    let compared = if max_len == 0 { usize::MAX } else { max_len };
    let order: Box<dyn Iterator<Item = usize>> = if rank > 0 {
        Box::new(0..items.len())
    } else {
        Box::new((0..items.len()).rev())
    };
    order
        .take(compared)
        .filter(|&i| items.get(i).is_some_and(|item| item.as_ref() == value))
        .skip(skip)
        .take(limit)
        .collect()
}

fn lmove(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let (from_end, to_end) = (list_end(arg(args, 3))?, list_end(arg(args, 4))?);
    moving(data, args, from_end, to_end)
}

fn rpoplpush(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    moving(data, args, ListEnd::Back, ListEnd::Front)
}

fn moving(data: &mut dyn Data, args: &[Bytes], from_end: ListEnd, to_end: ListEnd) -> CmdResult {
    let moved = data.list_move(arg(args, 1), arg(args, 2), from_end, to_end)?;
    Ok(moved.map_or(Reply::Null, Reply::Bulk))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("lset", 4, KEY1, lset),
    data("linsert", 5, KEY1, linsert),
    data("lrem", 4, KEY1, lrem),
    data("ltrim", 4, KEY1, ltrim),
    data("lpos", -3, KEY1, lpos),
    data("lmove", 5, keys(1, 2), lmove),
    data("rpoplpush", 3, keys(1, 2), rpoplpush),
];
