//! String commands that edit values in place: `APPEND`, `STRLEN`, `GETRANGE` / `SUBSTR`,
//! `SETRANGE`, and the counters `INCR`, `INCRBY`, `DECR`, `DECRBY`, `INCRBYFLOAT`.

use bytes::Bytes;

use super::args::{self, arg};
use super::fail::{CmdResult, Fail};
use super::{data, CommandSpec, KEY1};
use crate::data::Data;
use crate::resp::Reply;

fn append(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let len = data.append(arg(args, 1), arg(args, 2))?;
    Ok(Reply::Integer(len as i64))
}

fn strlen(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(
        data.get(arg(args, 1))?.map_or(0, |v| v.len()) as i64,
    ))
}

fn getrange(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let start = args::integer(arg(args, 2))?;
    let end = args::integer(arg(args, 3))?;
    let value = data.get(arg(args, 1))?.unwrap_or_default();
    Ok(Reply::Bulk(window(&value, start, end)))
}

/// `GETRANGE`'s slice: negative indexes count from the end, both ends inclusive, clamped.
fn window(value: &Bytes, start: i64, end: i64) -> Bytes {
    let len = value.len() as i64;
    if len == 0 || (start < 0 && end < 0 && start > end) {
        return Bytes::new();
    }
    let from = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let to = if end < 0 { (len + end).max(0) } else { end }.min(len - 1);
    if from > to || from >= len {
        return Bytes::new();
    }
    value.slice(from as usize..=to as usize)
}

fn setrange(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let offset = args::integer(arg(args, 2))?;
    let offset = usize::try_from(offset).map_err(|_| Fail::new("ERR offset is out of range"))?;
    let len = data.set_range(arg(args, 1), offset, arg(args, 3))?;
    Ok(Reply::Integer(len as i64))
}

fn incr(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(data.incr_by(arg(args, 1), 1)?))
}

fn decr(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(data.incr_by(arg(args, 1), -1)?))
}

fn incrby(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let delta = args::integer(arg(args, 2))?;
    Ok(Reply::Integer(data.incr_by(arg(args, 1), delta)?))
}

fn decrby(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let delta = args::integer(arg(args, 2))?;
    let delta = delta
        .checked_neg()
        .ok_or_else(|| Fail::new("ERR decrement would overflow"))?;
    Ok(Reply::Integer(data.incr_by(arg(args, 1), delta)?))
}

fn incrbyfloat(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    // Redis checks, in order: the key's type, its value, the increment, the sum.
    let key = arg(args, 1);
    if let Some(current) = data.get(key)? {
        args::float(&current).ok_or_else(Fail::not_float)?;
    }
    let delta = args::float(arg(args, 2)).ok_or_else(Fail::not_float)?;
    if !delta.is_finite() {
        return Err(tidekv::Error::NotFinite.into());
    }
    let value = data.incr_by_float(key, delta)?;
    Ok(Reply::Bulk(Bytes::from(float_text(value))))
}

/// The text the store keeps for a float counter: the shortest digits that read back to the
/// same `f64`, no exponent, `-0` as `0`.
pub(crate) fn float_text(value: f64) -> String {
    let text = format!("{value}");
    if text == "-0" {
        "0".into()
    } else {
        text
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("append", 3, KEY1, append),
    data("strlen", 2, KEY1, strlen),
    data("getrange", 4, KEY1, getrange),
    data("substr", 4, KEY1, getrange),
    data("setrange", 4, KEY1, setrange),
    data("incr", 2, KEY1, incr),
    data("decr", 2, KEY1, decr),
    data("incrby", 3, KEY1, incrby),
    data("decrby", 3, KEY1, decrby),
    data("incrbyfloat", 3, KEY1, incrbyfloat),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getrange_windows_follow_redis() {
        let v = Bytes::from_static(b"This is a string");
        let w = |s, e| window(&v, s, e);
        assert_eq!(w(0, 3), "This");
        assert_eq!(w(-3, -1), "ing");
        assert_eq!(w(0, -1), "This is a string");
        assert_eq!(w(10, 100), "string");
        assert_eq!(w(5, 3), "");
        assert_eq!(w(-1, -5), "");
        assert_eq!(w(-100, 2), "Thi");
        assert_eq!(w(100, 200), "");
    }
}
