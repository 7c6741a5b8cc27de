//! Server commands: `DBSIZE`, `FLUSHDB`, `FLUSHALL`, `SWAPDB`, `SAVE`, `BGSAVE`, `LASTSAVE`,
//! `TIME`, `SHUTDOWN`. (`INFO`, `CONFIG` and `COMMAND` have files of their own.)

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{session, CommandSpec, InMulti};
use crate::resp::Reply;
use crate::session::Session;
use crate::shared::{unix_seconds, Shared};

fn dbsize(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(s.keyspace.len()? as i64))
}

/// `FLUSHDB` / `FLUSHALL`'s optional `ASYNC` / `SYNC` (both clear before replying).
fn flush_mode(args: &[Bytes]) -> Result<(), Fail> {
    match rest(args, 1) {
        [] => Ok(()),
        [mode] if is(mode, "async") || is(mode, "sync") => Ok(()),
        _ => Err(Fail::syntax()),
    }
}

fn flushdb(s: &mut Session, args: &[Bytes]) -> CmdResult {
    flush_mode(args)?;
    s.keyspace.clear()?;
    Ok(Reply::ok())
}

fn flushall(s: &mut Session, args: &[Bytes]) -> CmdResult {
    flush_mode(args)?;
    s.shared.store.clear_all()?;
    Ok(Reply::ok())
}

fn swapdb(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let index = |arg: &[u8], which: &'static str| {
        let n = args::int(arg)
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| Fail::new(format!("ERR invalid {which} DB index")))?;
        u32::try_from(n).map_err(|_| Fail::new("ERR DB index is out of range"))
    };
    let a = index(arg(args, 1), "first")?;
    let b = index(arg(args, 2), "second")?;
    let databases = s.shared.settings().databases;
    if a >= databases || b >= databases {
        return Err(Fail::new("ERR DB index is out of range"));
    }
    s.shared.store.swap_keyspaces(a, b)?;
    Ok(Reply::ok())
}

/// Makes every write durable: the disk engine fsyncs its log; the memory engine writes its
/// snapshot (`dir/dump.tkv`).
fn save_now(shared: &Shared) -> Result<(), Fail> {
    shared.store.flush()?;
    shared.last_save.store(unix_seconds(), Ordering::Relaxed);
    Ok(())
}

fn save(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    save_now(&s.shared)?;
    Ok(Reply::ok())
}

fn bgsave(s: &mut Session, args: &[Bytes]) -> CmdResult {
    match rest(args, 1) {
        [] => {}
        [schedule] if is(schedule, "schedule") => {}
        _ => return Err(Fail::syntax()),
    }
    let shared = Arc::clone(&s.shared);
    std::thread::Builder::new()
        .name("tidekv-bgsave".into())
        .spawn(move || {
            if let Err(e) = save_now(&shared) {
                tracing::error!("background save failed: {}", e.0);
            }
        })
        .map_err(|e| Fail::new(format!("ERR cannot start a background save: {e}")))?;
    Ok(Reply::Simple("Background saving started".into()))
}

fn lastsave(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    Ok(Reply::Integer(s.shared.last_save.load(Ordering::Relaxed)))
}

fn time(_s: &mut Session, _args: &[Bytes]) -> CmdResult {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Reply::Array(vec![
        Reply::bulk(now.as_secs().to_string()),
        Reply::bulk(now.subsec_micros().to_string()),
    ]))
}

fn shutdown(s: &mut Session, args: &[Bytes]) -> CmdResult {
    for option in rest(args, 1) {
        if is(option, "abort") {
            return Err(Fail::new("ERR No shutdown in progress."));
        }
        if !["nosave", "save", "now", "force"]
            .iter()
            .any(|o| is(option, o))
        {
            return Err(Fail::syntax());
        }
    }
    tracing::info!("SHUTDOWN from client {}", s.client.id);
    s.shared.begin_shutdown();
    // Redis sends no reply: the connection closes, and the store is closed once every
    // connection has finished.
    s.close = true;
    s.silent = true;
    Ok(Reply::ok())
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    session("dbsize", 1, InMulti::Refuse, dbsize),
    session("flushdb", -1, InMulti::Refuse, flushdb),
    session("flushall", -1, InMulti::Refuse, flushall),
    session("swapdb", 3, InMulti::Refuse, swapdb),
    session("save", 1, InMulti::NotAllowed, save),
    session("bgsave", -1, InMulti::Refuse, bgsave),
    session("lastsave", 1, InMulti::Queue, lastsave),
    session("time", 1, InMulti::Queue, time),
    session("shutdown", -1, InMulti::NotAllowed, shutdown),
];
