//! Expiry commands: `EXPIRE`, `PEXPIRE`, `EXPIREAT`, `PEXPIREAT` (with `NX` / `XX` / `GT` /
//! `LT`), `TTL`, `PTTL`, `EXPIRETIME`, `PEXPIRETIME`, `PERSIST`.

use std::time::Duration;

use bytes::Bytes;
use tidekv::{ExpireCondition, Expiry, Ttl};

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{data, CommandSpec, KEY1};
use crate::data::Data;
use crate::resp::Reply;

#[derive(Clone, Copy)]
enum Unit {
    Seconds,
    Millis,
}

fn condition(options: &[Bytes]) -> Result<ExpireCondition, Fail> {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in options {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            return Err(Fail::new(format!(
                "ERR Unsupported option {}",
                args::text(opt)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(Fail::new(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(Fail::new(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    // XX with GT or LT: both must hold. GT already needs an existing expiry; LT does not, so
    // XX + LT is its own condition: "has one, and the new one is earlier".
    Ok(match (nx, xx, gt, lt) {
        (true, ..) => ExpireCondition::IfNone,
        (_, _, true, _) => ExpireCondition::IfLater,
        (_, true, _, true) => ExpireCondition::IfSomeAndEarlier,
        (_, _, _, true) => ExpireCondition::IfEarlier,
        (_, true, ..) => ExpireCondition::IfSome,
        _ => ExpireCondition::Always,
    })
}

fn expire_generic(data: &mut dyn Data, args: &[Bytes], unit: Unit, absolute: bool) -> CmdResult {
    let condition = condition(rest(args, 3))?;
    let when = args::integer(arg(args, 2))?;
    let invalid = || {
        let command = args::text(arg(args, 0)).to_ascii_lowercase();
        Fail::new(format!("ERR invalid expire time in '{command}' command"))
    };
    let ms = match unit {
        Unit::Seconds => when.checked_mul(1000).ok_or_else(invalid)?,
        Unit::Millis => when,
    };
    let expiry = if absolute {
        Expiry::at_unix_ms(u64::try_from(ms).unwrap_or(0))
    } else {
        let now = crate::data::unix_ms(std::time::SystemTime::now());
        if ms > i64::MAX - i64::try_from(now).unwrap_or(i64::MAX) {
            return Err(invalid());
        }
        match u64::try_from(ms) {
            Ok(ms) if ms > 0 => Expiry::In(Duration::from_millis(ms)),
            _ => Expiry::at_unix_ms(0),
        }
    };
    let changed = data.expire(arg(args, 1), expiry, condition)?;
    Ok(Reply::Integer(i64::from(changed)))
}

fn expire(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expire_generic(data, args, Unit::Seconds, false)
}

fn pexpire(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expire_generic(data, args, Unit::Millis, false)
}

fn expireat(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expire_generic(data, args, Unit::Seconds, true)
}

fn pexpireat(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expire_generic(data, args, Unit::Millis, true)
}

fn ttl_generic(data: &mut dyn Data, args: &[Bytes], unit: Unit) -> CmdResult {
    Ok(Reply::Integer(match data.ttl(arg(args, 1))? {
        None => -2,
        Some(Ttl::Persistent) => -1,
        Some(Ttl::ExpiresIn(left)) => {
            let ms = i64::try_from(left.as_millis()).unwrap_or(i64::MAX);
            match unit {
                // Redis rounds to the nearest second.
                Unit::Seconds => (ms + 500) / 1000,
                Unit::Millis => ms,
            }
        }
    }))
}

fn ttl(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    ttl_generic(data, args, Unit::Seconds)
}

fn pttl(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    ttl_generic(data, args, Unit::Millis)
}

fn expiretime_generic(data: &mut dyn Data, args: &[Bytes], unit: Unit) -> CmdResult {
    Ok(Reply::Integer(match data.expires_at_ms(arg(args, 1))? {
        None => -2,
        Some(None) => -1,
        Some(Some(ms)) => {
            let ms = i64::try_from(ms).unwrap_or(i64::MAX);
            match unit {
                Unit::Seconds => ms / 1000,
                Unit::Millis => ms,
            }
        }
    }))
}

fn expiretime(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expiretime_generic(data, args, Unit::Seconds)
}

fn pexpiretime(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    expiretime_generic(data, args, Unit::Millis)
}

fn persist(data: &mut dyn Data, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(i64::from(data.persist(arg(args, 1))?)))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    data("expire", -3, KEY1, expire),
    data("pexpire", -3, KEY1, pexpire),
    data("expireat", -3, KEY1, expireat),
    data("pexpireat", -3, KEY1, pexpireat),
    data("ttl", 2, KEY1, ttl),
    data("pttl", 2, KEY1, pttl),
    data("expiretime", 2, KEY1, expiretime),
    data("pexpiretime", 2, KEY1, pexpiretime),
    data("persist", 2, KEY1, persist),
];
