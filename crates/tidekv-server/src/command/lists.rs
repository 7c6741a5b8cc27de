//! List commands that push, pop and read: `LPUSH`, `RPUSH`, `LPUSHX`, `RPUSHX`, `LPOP`, `RPOP`,
//! `LLEN`, `LRANGE`, `LINDEX`.

use bytes::Bytes;
use tidekv::{KeyKind, ListEnd};

use super::args::{self, arg, rest};
use super::fail::{CmdResult, Fail};
use super::{data, CommandSpec, KEY1};
use crate::data::Data;
use crate::resp::Reply;

fn push(data: &mut dyn Data, args: &[Bytes], end: ListEnd, only_if_exists: bool) -> CmdResult {
    let len = data.push(arg(args, 1), end, rest(args, 2), only_if_exists)?;
    Ok(Reply::Integer(len as i64))
}

fn lpush(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    push(data, args, ListEnd::Front, false)
}

fn rpush(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    push(data, args, ListEnd::Back, false)
}

fn lpushx(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    push(data, args, ListEnd::Front, true)
}

fn rpushx(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    push(data, args, ListEnd::Back, true)
}

fn pop(data: &mut dyn Data, args: &[Bytes], end: ListEnd) -> CmdResult {
    if args.len() > 3 {
        return Err(Fail::arity(&args::text(arg(args, 0)).to_ascii_lowercase()));
    }
    let key = arg(args, 1);
    let Some(count) = args.get(2) else {
        let popped = data.pop(key, end, 1)?;
        return Ok(popped.into_iter().next().map_or(Reply::Null, Reply::Bulk));
    };
    let count = args::count(count, "ERR value is out of range, must be positive")?;
    match data.kind(key)? {
        None => Ok(Reply::NullArray),
        Some(KeyKind::List) if count == 0 => Ok(Reply::Array(Vec::new())),
        _ => {
            let popped = data.pop(key, end, count)?;
            Ok(Reply::Array(popped.into_iter().map(Reply::Bulk).collect()))
        }
    }
}

fn lpop(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    pop(data, args, ListEnd::Front)
}

fn rpop(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    pop(data, args, ListEnd::Back)
}

fn llen(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(data.list_len(arg(args, 1))? as i64))
}

fn lrange(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let start = args::integer(arg(args, 2))?;
    let stop = args::integer(arg(args, 3))?;
    let items = data.list_range(arg(args, 1), start, stop)?;
    Ok(Reply::Array(items.into_iter().map(Reply::Bulk).collect()))
}

fn lindex(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    // Redis looks the key up (and checks its type) before it reads the index.
    match data.kind(arg(args, 1))? {
        None => return Ok(Reply::Null),
        Some(KeyKind::List) => {}
        Some(_) => return Err(tidekv::Error::wrong_type("list", "string").into()),
    }
    let index = args::integer(arg(args, 2))?;
    // LRANGE's rules make `index..=index` exactly that element, or nothing outside the list.
    let found = data.list_range(arg(args, 1), index, index)?;
    Ok(found.into_iter().next().map_or(Reply::Null, Reply::Bulk))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("lpush", -3, KEY1, lpush),
    data("rpush", -3, KEY1, rpush),
    data("lpushx", -3, KEY1, lpushx),
    data("rpushx", -3, KEY1, rpushx),
    data("lpop", -2, KEY1, lpop),
    data("rpop", -2, KEY1, rpop),
    data("llen", 2, KEY1, llen),
    data("lrange", 4, KEY1, lrange),
    data("lindex", 3, KEY1, lindex),
];
