//! Server commands: `DBSIZE`, `FLUSHDB`, `FLUSHALL`, `SWAPDB`, `SAVE`, `BGSAVE`, `LASTSAVE`,
//! `TIME`, `SHUTDOWN`. (`INFO`, `CONFIG` and `COMMAND` have files of their own.)
//!
//! `SAVE` and `BGSAVE` take a tidekv option, `DIR name`: a checkpoint ([`tidekv::Store::checkpoint`])
//! into `name` under the server's checkpoint directory (`checkpoint-dir`). A client names a
//! checkpoint, never a path, so it cannot make the server write outside that directory.

use std::path::PathBuf;
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

/// What a `SAVE` or `BGSAVE` does: make every write durable, or write a checkpoint.
enum SaveKind {
    /// The disk engine fsyncs its log; the memory engine writes its snapshot (`dir/dump.tkv`).
    Durable,
    /// A checkpoint into this new directory.
    Checkpoint(PathBuf),
}

/// `[DIR name]` (and `BGSAVE`'s `SCHEDULE`, accepted and ignored: saves never overlap a rewrite).
fn save_kind(s: &Session, args: &[Bytes], bgsave: bool) -> Result<SaveKind, Fail> {
    match rest(args, 1) {
        [] => Ok(SaveKind::Durable),
        [schedule] if bgsave && is(schedule, "schedule") => Ok(SaveKind::Durable),
        [dir, name] if is(dir, "dir") => {
            let name = checkpoint_name(name)?;
            Ok(SaveKind::Checkpoint(
                s.shared.settings().checkpoint_root().join(name),
            ))
        }
        _ if bgsave => Err(Fail::syntax()),
        // Redis's `SAVE` takes no argument: its own reply to any.
        _ => Err(Fail::new(
            "ERR wrong number of arguments for 'save' command",
        )),
    }
}

/// A checkpoint's name: one path component of letters, digits, `.`, `_` and `-`, not starting
/// with a dot (no `..`, no hidden names, no separators).
fn checkpoint_name(name: &[u8]) -> Result<&str, Fail> {
    let valid = !name.is_empty()
        && name.len() <= 200
        && name.first() != Some(&b'.')
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    match std::str::from_utf8(name) {
        Ok(name) if valid => Ok(name),
        _ => Err(Fail::new(
            "ERR invalid checkpoint name: use letters, digits, '.', '_' and '-', not starting \
             with '.' (it is a directory inside the server's checkpoint-dir)",
        )),
    }
}

fn save_now(shared: &Shared, kind: &SaveKind) -> Result<(), Fail> {
    match kind {
        SaveKind::Durable => shared.store.flush()?,
        SaveKind::Checkpoint(dir) => {
            if let Some(root) = dir.parent() {
                std::fs::create_dir_all(root)
                    .map_err(|e| Fail::new(format!("ERR cannot create {}: {e}", root.display())))?;
            }
            let report = shared.store.checkpoint(dir)?;
            tracing::info!(
                "checkpoint written to {}: {} files linked ({} bytes), {} copied ({} bytes)",
                dir.display(),
                report.files_linked,
                report.bytes_linked,
                report.files_copied,
                report.bytes_copied
            );
        }
    }
    shared.last_save.store(unix_seconds(), Ordering::Relaxed);
    Ok(())
}

fn save(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let kind = save_kind(s, args, false)?;
    save_now(&s.shared, &kind)?;
    Ok(Reply::ok())
}

fn bgsave(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let kind = save_kind(s, args, true)?;
    let shared = Arc::clone(&s.shared);
    if shared.bgsave_running.swap(true, Ordering::AcqRel) {
        return Err(Fail::new("ERR Background save already in progress"));
    }
    let started = std::thread::Builder::new()
        .name("tidekv-bgsave".into())
        .spawn({
            let shared = Arc::clone(&shared);
            move || {
                let result = save_now(&shared, &kind);
                if let Err(e) = &result {
                    tracing::error!("background save failed: {}", e.0);
                }
                shared
                    .last_bgsave_ok
                    .store(result.is_ok(), Ordering::Release);
                shared.bgsave_running.store(false, Ordering::Release);
            }
        });
    if let Err(e) = started {
        shared.bgsave_running.store(false, Ordering::Release);
        return Err(Fail::new(format!(
            "ERR cannot start a background save: {e}"
        )));
    }
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
    session("save", -1, InMulti::NotAllowed, save),
    session("bgsave", -1, InMulti::Refuse, bgsave),
    session("lastsave", 1, InMulti::Queue, lastsave),
    session("time", 1, InMulti::Queue, time),
    session("shutdown", -1, InMulti::NotAllowed, shutdown),
];
