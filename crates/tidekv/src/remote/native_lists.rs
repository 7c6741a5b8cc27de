//! The list edits Redis has as single commands (`engine::native`): `LPUSHX` / `RPUSHX`, `LPOP` /
//! `RPOP` with a count, `LSET`, `LTRIM`, `LINSERT`, `LREM`, `LMOVE`. Each answers and fails as
//! the transaction path does (`ops::lists`): a string key is `WRONGTYPE` before anything
//! changes, `LSET` on a missing key is `no such key`, outside the list `index out of range`.
//!
//! None is repeated after a broken connection: each may have run.

use redis::{Cmd, Value};

use crate::engine::{End, Native, NativeReply};
use crate::error::{Error, Result};
use crate::ops::lists::Side;
use crate::remote::engine::{list_of, RemoteEngine, Repeat};
use crate::remote::errors::Expected;

/// Whether `LSET` answers for `index` as the other backends do. Outside the 32-bit range it does
/// not: Redis 7 negates a negative index, and `i64::MIN` stays negative, so it replaces an element
/// instead of answering `index out of range`; valkey-server 9.1.2 cuts the index to 32 bits, so
/// `2^32` replaces element 0 and `i64::MAX` the last. Both were found by the model test. Such an
/// index goes through the transaction path, which resolves it itself.
pub(crate) fn list_set_is_exact(index: i64) -> bool {
    i32::try_from(index).is_ok()
}

/// Runs the list edit `op` on keyspace `ks`.
pub(crate) fn run(engine: &RemoteEngine, ks: u32, op: &Native<'_>) -> Result<NativeReply> {
    match op {
        Native::PushIfExists { key, end, value } => {
            let name = match end {
                End::Front => "LPUSHX",
                End::Back => "RPUSHX",
            };
            let cmd = redis::cmd(name).arg(*key).arg(value.as_ref()).to_owned();
            int(engine, ks, cmd)
        }
        Native::PopMany { key, end, count } => {
            let name = match end {
                End::Front => "LPOP",
                End::Back => "RPOP",
            };
            // Redis reads the count as a signed 64-bit number; no list is longer.
            let count = i64::try_from(*count).unwrap_or(i64::MAX);
            let cmd = redis::cmd(name).arg(*key).arg(count).to_owned();
            engine
                .query_as::<Value>(ks, Repeat::Never, Expected::List, cmd)
                .and_then(list_of)
                .map(NativeReply::List)
        }
        Native::ListSet { key, index, value } => {
            let cmd = redis::cmd("LSET")
                .arg(*key)
                .arg(*index)
                .arg(value.as_ref())
                .to_owned();
            unit(engine, ks, cmd)
        }
        Native::ListTrim { key, start, stop } => {
            let cmd = redis::cmd("LTRIM")
                .arg(*key)
                .arg(*start)
                .arg(*stop)
                .to_owned();
            unit(engine, ks, cmd)
        }
        Native::ListInsert {
            key,
            side,
            pivot,
            value,
        } => {
            let side = match side {
                Side::Before => "BEFORE",
                Side::After => "AFTER",
            };
            let cmd = redis::cmd("LINSERT")
                .arg(*key)
                .arg(side)
                .arg(*pivot)
                .arg(value.as_ref())
                .to_owned();
            int(engine, ks, cmd)
        }
        Native::ListRemove { key, count, value } => {
            let cmd = redis::cmd("LREM")
                .arg(*key)
                .arg(*count)
                .arg(*value)
                .to_owned();
            int(engine, ks, cmd)
        }
        Native::ListMove {
            from,
            to,
            from_end,
            to_end,
        } => {
            let side = |end: &End| match end {
                End::Front => "LEFT",
                End::Back => "RIGHT",
            };
            let cmd = redis::cmd("LMOVE")
                .arg(*from)
                .arg(*to)
                .arg(side(from_end))
                .arg(side(to_end))
                .to_owned();
            engine
                .query_as::<Value>(ks, Repeat::Never, Expected::List, cmd)
                .and_then(crate::remote::engine::bytes_of)
                .map(NativeReply::Value)
        }
        other => Err(Error::invalid(
            "engine",
            format!("{other:?} is not a list edit"),
        )),
    }
}

fn int(engine: &RemoteEngine, ks: u32, cmd: Cmd) -> Result<NativeReply> {
    engine
        .query_as(ks, Repeat::Never, Expected::List, cmd)
        .map(NativeReply::Int)
}

fn unit(engine: &RemoteEngine, ks: u32, cmd: Cmd) -> Result<NativeReply> {
    let reply: Value = engine.query_as(ks, Repeat::Never, Expected::List, cmd)?;
    match reply {
        Value::Okay | Value::SimpleString(_) => Ok(NativeReply::Unit),
        other => Err(Error::remote(
            "editing a list",
            format!("the server answered {other:?} where OK was expected"),
        )),
    }
}
