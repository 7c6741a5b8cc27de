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
    let count = args::integer(count)?;
    let count = usize::try_from(count)
        .map_err(|_| Fail::new("ERR value is out of range, must be positive"))?;
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
    let index = args::integer(arg(args, 2))?;
    // LRANGE's rules make `index..=index` exactly that element, or nothing outside the list.
    let found = data.list_range(arg(args, 1), index, index)?;
    Ok(found.into_iter().next().map_or(Reply::Null, Reply::Bulk))
}

const W: &[&str] = &["write", "denyoom", "fast"];
const G: &str = "list";

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("lpush", -3, W, G, "Prepends one or more elements to a list; creates the key if it doesn't exist", KEY1, lpush),
    data("rpush", -3, W, G, "Appends one or more elements to a list; creates the key if it doesn't exist", KEY1, rpush),
    data("lpushx", -3, W, G, "Prepends one or more elements to a list only when the list exists", KEY1, lpushx),
    data("rpushx", -3, W, G, "Appends an element to a list only when the list exists", KEY1, rpushx),
    data("lpop", -2, &["write", "fast"], G, "Returns the first elements in a list after removing it; deletes the list if the last element was popped", KEY1, lpop),
    data("rpop", -2, &["write", "fast"], G, "Returns and removes the last elements of a list; deletes the list if the last element was popped", KEY1, rpop),
    data("llen", 2, &["readonly", "fast"], G, "Returns the length of a list", KEY1, llen),
    data("lrange", 4, &["readonly"], G, "Returns a range of elements from a list", KEY1, lrange),
    data("lindex", 3, &["readonly"], G, "Returns an element from a list by its index", KEY1, lindex),
];
