//! String commands that read or replace whole values: `GET`, `SET` and its variants, `GETDEL`,
//! `GETEX`, `GETSET`, `MGET`, `MSET`, `MSETNX`.

use std::time::Duration;

use bytes::Bytes;
use tidekv::{Expiry, SetCondition, SetOptions};

use super::args::{arg, rest};
use super::fail::{CmdResult, Fail};
use super::{data, keys, CommandSpec, KEY1};
use crate::data::Data;
use crate::resp::Reply;

/// `SET` (`for_set`) or `GETEX` options, checked in Redis's order and with its conflicts.
#[derive(Default)]
struct StringOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expiry: Option<Expiry>,
}

#[derive(Clone, Copy, PartialEq)]
enum ExpiryKind {
    Ex,
    Px,
    ExAt,
    PxAt,
}

fn parse_options(args: &[Bytes], for_set: bool, command: &str) -> Result<StringOptions, Fail> {
    let mut o = StringOptions::default();
    let mut expiry: Option<(ExpiryKind, &Bytes)> = None;
    let mut i = 0;
    while let Some(opt) = args.get(i) {
        let next = args.get(i + 1);
        let word = opt.to_ascii_uppercase();
        let timed = expiry.is_some();
        match word.as_slice() {
            b"NX" if for_set && !o.xx => o.nx = true,
            b"XX" if for_set && !o.nx => o.xx = true,
            b"GET" if for_set => o.get = true,
            b"KEEPTTL" if for_set && !o.persist && !timed => o.keep_ttl = true,
            b"PERSIST" if !for_set && !timed && !o.keep_ttl => o.persist = true,
            b"EX" | b"PX" | b"EXAT" | b"PXAT" if !o.keep_ttl && !o.persist => {
                let kind = match word.as_slice() {
                    b"EX" => ExpiryKind::Ex,
                    b"PX" => ExpiryKind::Px,
                    b"EXAT" => ExpiryKind::ExAt,
                    _ => ExpiryKind::PxAt,
                };
                let (Some(value), true) = (next, expiry.is_none_or(|(k, _)| k == kind)) else {
                    return Err(Fail::syntax());
                };
                expiry = Some((kind, value));
                i += 1;
            }
            _ => return Err(Fail::syntax()),
        }
        i += 1;
    }
    if let Some((kind, value)) = expiry {
        o.expiry = Some(expiry_of(kind, value, command)?);
    }
    Ok(o)
}

/// The expiry an `EX` / `PX` / `EXAT` / `PXAT` argument gives, with Redis's checks.
fn expiry_of(kind: ExpiryKind, value: &[u8], command: &str) -> Result<Expiry, Fail> {
    let n = super::args::integer(value)?;
    let invalid = || Fail::new(format!("ERR invalid expire time in '{command}' command"));
    let seconds = matches!(kind, ExpiryKind::Ex | ExpiryKind::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { n * 1000 } else { n };
    // Redis adds the time now to a relative expiry: past the largest time it is invalid.
    if matches!(kind, ExpiryKind::Ex | ExpiryKind::Px) {
        let now = i64::try_from(crate::data::unix_ms(std::time::SystemTime::now()));
        ms.checked_add(now.unwrap_or(i64::MAX))
            .ok_or_else(invalid)?;
    }
    let ms = u64::try_from(ms).map_err(|_| invalid())?;
    Ok(match kind {
        ExpiryKind::Ex | ExpiryKind::Px => Expiry::In(Duration::from_millis(ms)),
        ExpiryKind::ExAt | ExpiryKind::PxAt => Expiry::at_unix_ms(ms),
    })
}

fn get(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(data.get(arg(args, 1))?.map_or(Reply::Null, Reply::Bulk))
}

fn set(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let o = parse_options(rest(args, 3), true, "set")?;
    let options = SetOptions {
        condition: if o.nx {
            SetCondition::IfAbsent
        } else if o.xx {
            SetCondition::IfPresent
        } else {
            SetCondition::Always
        },
        expiry: if o.keep_ttl {
            Expiry::Keep
        } else {
            o.expiry.unwrap_or(Expiry::Never)
        },
        get: o.get,
    };
    let outcome = data.set(arg(args, 1), arg(args, 2).clone(), options)?;
    Ok(if o.get {
        outcome.previous.map_or(Reply::Null, Reply::Bulk)
    } else if outcome.written {
        Reply::ok()
    } else {
        Reply::Null
    })
}

fn setnx(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let options = SetOptions {
        condition: SetCondition::IfAbsent,
        ..SetOptions::default()
    };
    let written = data
        .set(arg(args, 1), arg(args, 2).clone(), options)?
        .written;
    Ok(Reply::Integer(i64::from(written)))
}

fn setex(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    set_with_expiry(data, args, ExpiryKind::Ex, "setex")
}

fn psetex(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    set_with_expiry(data, args, ExpiryKind::Px, "psetex")
}

fn set_with_expiry(
    data: &mut dyn Data,
    args: &[Bytes],
    kind: ExpiryKind,
    command: &str,
) -> CmdResult {
    let expiry = expiry_of(kind, arg(args, 2), command)?;
    let options = SetOptions {
        expiry,
        ..SetOptions::default()
    };
    data.set(arg(args, 1), arg(args, 3).clone(), options)?;
    Ok(Reply::ok())
}

fn getdel(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(data.take(arg(args, 1))?.map_or(Reply::Null, Reply::Bulk))
}

fn getex(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let o = parse_options(rest(args, 2), false, "getex")?;
    let expiry = if o.persist {
        Expiry::Never
    } else {
        o.expiry.unwrap_or(Expiry::Keep)
    };
    Ok(data
        .get_and_expire(arg(args, 1), expiry)?
        .map_or(Reply::Null, Reply::Bulk))
}

fn getset(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let options = SetOptions {
        get: true,
        ..SetOptions::default()
    };
    let outcome = data.set(arg(args, 1), arg(args, 2).clone(), options)?;
    Ok(outcome.previous.map_or(Reply::Null, Reply::Bulk))
}

fn mget(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let values = data.get_many(rest(args, 1))?;
    Ok(Reply::Array(
        values
            .into_iter()
            .map(|v| v.map_or(Reply::Null, Reply::Bulk))
            .collect(),
    ))
}

fn pairs(args: &[Bytes], command: &str) -> Result<Vec<(Bytes, Bytes)>, Fail> {
    let rest = rest(args, 1);
    if !rest.len().is_multiple_of(2) {
        return Err(Fail::arity(command));
    }
    Ok(rest
        .chunks_exact(2)
        .filter_map(|pair| match pair {
            [key, value] => Some((key.clone(), value.clone())),
            _ => None,
        })
        .collect())
}

fn mset(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    data.set_many(&pairs(args, "mset")?)?;
    Ok(Reply::ok())
}

fn msetnx(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    let written = data.set_many_if_none_exist(&pairs(args, "msetnx")?)?;
    Ok(Reply::Integer(i64::from(written)))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("get", 2, KEY1, get),
    data("set", -3, KEY1, set),
    data("setnx", 3, KEY1, setnx),
    data("setex", 4, KEY1, setex),
    data("psetex", 4, KEY1, psetex),
    data("getdel", 2, KEY1, getdel),
    data("getex", -2, KEY1, getex),
    data("getset", 3, KEY1, getset),
    data("mget", -2, keys(1, -1), mget),
    data(
        "mset",
        -3,
        super::KeyPositions::Range {
            first: 1,
            last: -1,
            step: 2,
        },
        mset,
    ),
    data(
        "msetnx",
        -3,
        super::KeyPositions::Range {
            first: 1,
            last: -1,
            step: 2,
        },
        msetnx,
    ),
];
