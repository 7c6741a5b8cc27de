//! The derived commands Redis has itself (`engine::native`), each one command and one round trip
//! instead of an optimistic transaction: `INCRBY`, `INCRBYFLOAT`, `GETDEL`, `SET … NX|XX GET
//! PXAT|KEEPTTL`, `PEXPIREAT … NX|XX|GT|LT`, `PERSIST`, `MSET`, `MSETNX`, `DEL`, `RENAME[NX]`,
//! `COPY`, `MOVE`, `APPEND` / `SETRANGE` (a script that checks the value limit first,
//! `edit_string.rs`), `INCRBYFLOAT` (a script that keeps the result an `f64`, `incr_float.rs`)
//! and the list edits (`native_lists.rs`). Redis gives each the answers and
//! errors the transaction path gives (the differential tests of `tidekv serve` hold tidekv to
//! them, and the conformance suite runs these calls on every backend), except that `INCRBYFLOAT`
//! adds in the server's `long double` (`docs/backends.md`).
//!
//! On a Cluster, a call on several keys is refused before it is sent unless they share a slot:
//! the client would split `MSET` and `DEL` by slot, and they would stop being atomic (the server
//! refuses the others with `CROSSSLOT`, which gives the same error).
//!
//! None of them is repeated after a broken connection (each may have run), except `MSET`, which
//! sets the same values again.

use redis::Value;

use crate::engine::{Native, NativeExpiry, NativeReply};
use crate::error::Result;
use crate::expiry::ExpireCondition;
use crate::ops::{SetCondition, SetOutcome};
use crate::remote::edit_string::{edit_string, StringEdit};
use crate::remote::engine::{bytes_of, RemoteEngine, Repeat};
use crate::remote::incr_float::incr_by_float;
use crate::remote::native_lists;
use crate::remote::slots::common_slot;

/// Runs `op` on keyspace `ks`.
pub(crate) fn run(engine: &RemoteEngine, ks: u32, op: &Native<'_>) -> Result<NativeReply> {
    engine.check_writable()?;
    match op {
        Native::IncrBy { key, delta } => {
            let cmd = redis::cmd("INCRBY").arg(*key).arg(*delta).to_owned();
            engine.query(ks, Repeat::Never, cmd).map(NativeReply::Int)
        }
        Native::Take { key } => {
            let cmd = redis::cmd("GETDEL").arg(*key).to_owned();
            let reply: Value = engine.query(ks, Repeat::Never, cmd)?;
            bytes_of(reply).map(NativeReply::Value)
        }
        Native::Set {
            key,
            value,
            condition,
            expires_at,
            get,
        } => {
            let mut cmd = redis::cmd("SET");
            cmd.arg(*key).arg(value.as_ref());
            match condition {
                SetCondition::Always => {}
                SetCondition::IfAbsent => {
                    cmd.arg("NX");
                }
                SetCondition::IfPresent => {
                    cmd.arg("XX");
                }
            }
            if *get {
                cmd.arg("GET");
            }
            match expires_at {
                NativeExpiry::Never => {}
                NativeExpiry::Keep => {
                    cmd.arg("KEEPTTL");
                }
                NativeExpiry::At(at) => {
                    cmd.arg("PXAT").arg(engine.store_ms_to_server(*at));
                }
            }
            let reply: Value = engine.query(ks, Repeat::Never, cmd)?;
            let outcome = if *get {
                // With GET the answer is the old value; whether the condition held follows.
                let previous = bytes_of(reply)?;
                let written = match condition {
                    SetCondition::Always => true,
                    SetCondition::IfAbsent => previous.is_none(),
                    SetCondition::IfPresent => previous.is_some(),
                };
                SetOutcome { written, previous }
            } else {
                SetOutcome {
                    written: !matches!(reply, Value::Nil),
                    previous: None,
                }
            };
            Ok(NativeReply::Set(outcome))
        }
        Native::Expire { key, at, condition } => {
            let mut cmd = redis::cmd("PEXPIREAT");
            cmd.arg(*key).arg(engine.store_ms_to_server(*at));
            for flag in expire_flags(*condition) {
                cmd.arg(*flag);
            }
            let set: i64 = engine.query(ks, Repeat::Never, cmd)?;
            Ok(NativeReply::Bool(set == 1))
        }
        Native::InsertMany { pairs } => {
            // Atomic as on every backend: on a Cluster, one slot (else the hash-tag error),
            // checked here because the client would split a multi-slot MSET silently.
            if engine.conns.is_cluster() {
                common_slot(pairs.iter().map(|(k, _)| k.as_ref()))?;
            }
            let mut cmd = redis::cmd("MSET");
            for (key, value) in pairs.iter() {
                cmd.arg(key.as_ref()).arg(value.as_ref());
            }
            let _: Value = engine.query(ks, Repeat::Safe, cmd)?;
            Ok(NativeReply::Unit)
        }
        Native::RemoveMany { keys } => {
            // Atomic as on every backend: on a Cluster, one slot (the client would split a
            // multi-slot DEL silently).
            if engine.conns.is_cluster() {
                common_slot(keys.iter().map(|k| k.as_ref()))?;
            }
            let mut cmd = redis::cmd("DEL");
            for key in keys.iter() {
                cmd.arg(key.as_ref());
            }
            engine.query(ks, Repeat::Never, cmd).map(NativeReply::Int)
        }
        Native::Append {
            key,
            suffix,
            max_value,
        } => {
            let edit = StringEdit::Append { suffix };
            edit_string(engine, ks, key, &edit, *max_value).map(NativeReply::Int)
        }
        Native::SetRange {
            key,
            offset,
            patch,
            max_value,
        } => {
            let edit = StringEdit::SetRange {
                offset: *offset,
                patch,
            };
            edit_string(engine, ks, key, &edit, *max_value).map(NativeReply::Int)
        }
        Native::Persist { key } => {
            let cmd = redis::cmd("PERSIST").arg(*key).to_owned();
            let cleared: i64 = engine.query(ks, Repeat::Never, cmd)?;
            Ok(NativeReply::Bool(cleared == 1))
        }
        Native::IncrByFloat { key, delta } => {
            incr_by_float(engine, ks, key, *delta).map(NativeReply::Float)
        }
        Native::InsertManyIfAbsent { pairs } => {
            if engine.conns.is_cluster() {
                common_slot(pairs.iter().map(|(k, _)| k.as_ref()))?;
            }
            let mut cmd = redis::cmd("MSETNX");
            for (key, value) in pairs.iter() {
                cmd.arg(key.as_ref()).arg(value.as_ref());
            }
            let set: i64 = engine.query(ks, Repeat::Never, cmd)?;
            Ok(NativeReply::Bool(set == 1))
        }
        Native::Rename {
            from,
            to,
            only_if_absent,
        } => {
            if engine.conns.is_cluster() {
                common_slot([*from, *to])?;
            }
            let name = if *only_if_absent {
                "RENAMENX"
            } else {
                "RENAME"
            };
            let cmd = redis::cmd(name).arg(*from).arg(*to).to_owned();
            let reply: Value = engine.query(ks, Repeat::Never, cmd)?;
            // RENAME answers OK, RENAMENX whether it renamed.
            Ok(NativeReply::Bool(!matches!(reply, Value::Int(0))))
        }
        Native::Copy {
            from,
            to_keyspace,
            to,
            replace,
        } => {
            if engine.conns.is_cluster() {
                common_slot([*from, *to])?;
            }
            let mut cmd = redis::cmd("COPY");
            cmd.arg(*from).arg(*to);
            if *to_keyspace != ks {
                cmd.arg("DB").arg(*to_keyspace);
            }
            if *replace {
                cmd.arg("REPLACE");
            }
            let copied: i64 = engine.query(ks, Repeat::Never, cmd)?;
            Ok(NativeReply::Bool(copied == 1))
        }
        Native::Move { key, to_keyspace } => {
            let cmd = redis::cmd("MOVE").arg(*key).arg(*to_keyspace).to_owned();
            let moved: i64 = engine.query(ks, Repeat::Never, cmd)?;
            Ok(NativeReply::Bool(moved == 1))
        }
        Native::PushIfExists { .. }
        | Native::PopMany { .. }
        | Native::ListSet { .. }
        | Native::ListTrim { .. }
        | Native::ListInsert { .. }
        | Native::ListRemove { .. }
        | Native::ListMove { .. } => native_lists::run(engine, ks, op),
    }
}

/// `PEXPIREAT`'s flags for a condition.
fn expire_flags(condition: ExpireCondition) -> &'static [&'static str] {
    match condition {
        ExpireCondition::Always => &[],
        ExpireCondition::IfNone => &["NX"],
        ExpireCondition::IfSome => &["XX"],
        ExpireCondition::IfLater => &["GT"],
        ExpireCondition::IfEarlier => &["LT"],
        ExpireCondition::IfSomeAndEarlier => &["XX", "LT"],
    }
}
