//! Transactions: `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`.
//!
//! `MULTI` queues commands; `EXEC` runs the queue as one [`tidekv::Transaction`] over every key
//! the queued commands name (found from the command table's key positions, following `SELECT`
//! inside the queue), so no other client sees a part of it or writes between its reads and
//! writes, on memory and disk alike. As in Redis, a command that fails while queueing (unknown,
//! wrong arity) makes `EXEC` fail with `EXECABORT`; a command that fails when run (`WRONGTYPE`)
//! fails alone, and the others take effect.

use bytes::Bytes;
use tidekv::Transaction;

use super::args::{arg, rest};
use super::blocking::{BlockOp, BlockRequest};
use super::connection::select_index;
use super::fail::{CmdResult, Fail};
use super::{keys, session, CommandSpec, Handler, InMulti};
use crate::data::TransactionData;
use crate::resp::Reply;
use crate::session::{reply_of, MultiQueue, Session};
use crate::shared::lock;

fn multi(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    if s.multi.is_some() {
        return Err(Fail::new("ERR MULTI calls can not be nested"));
    }
    s.multi = Some(MultiQueue::default());
    let mut info = lock(&s.client.info);
    info.in_multi = true;
    info.queued = 0;
    Ok(Reply::ok())
}

fn discard(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    if s.multi.take().is_none() {
        return Err(Fail::new("ERR DISCARD without MULTI"));
    }
    s.watch = None;
    lock(&s.client.info).in_multi = false;
    Ok(Reply::ok())
}

fn watch(s: &mut Session, args: &[Bytes]) -> CmdResult {
    if s.multi.is_some() {
        return Err(Fail::new("ERR WATCH inside MULTI is not allowed"));
    }
    let keys = rest(args, 1);
    match &mut s.watch {
        Some(watch) => s.keyspace.watch_more(watch, keys)?,
        None => s.watch = Some(s.keyspace.watch(keys)?),
    }
    Ok(Reply::ok())
}

fn unwatch(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    s.watch = None;
    Ok(Reply::ok())
}

/// Every `(keyspace, key)` the queue touches, starting in keyspace `db`, of the `databases`
/// keyspaces. A keyspace out of range is not declared: the command naming it fails alone when
/// it runs (`ERR DB index is out of range`), as in Redis.
fn declared_keys(
    queue: &[(&'static CommandSpec, Vec<Bytes>)],
    mut db: u32,
    databases: u32,
) -> Vec<(u32, Bytes)> {
    let in_range = |arg: &[u8]| select_index(arg).ok().filter(|&n| n < databases);
    let mut keys = Vec::new();
    for (spec, args) in queue {
        if spec.name == "select" {
            if let Some(next) = in_range(arg(args, 1)) {
                db = next;
            }
            continue;
        }
        keys.extend(spec.keys_of(args).into_iter().map(|k| (db, k.clone())));
        // Keys in another keyspace: MOVE's target, COPY … DB n's destination.
        if spec.name == "move" {
            if let Some(target) = in_range(arg(args, 2)) {
                keys.push((target, arg(args, 1).clone()));
            }
        }
        if spec.name == "copy" {
            let options = rest(args, 3);
            for pair in options.windows(2) {
                if let [word, n] = pair {
                    if word.eq_ignore_ascii_case(b"db") {
                        if let Some(target) = in_range(n) {
                            keys.push((target, arg(args, 2).clone()));
                        }
                    }
                }
            }
        }
        if let Handler::Blocking(parse) = spec.handler {
            if let Ok(BlockRequest {
                op: BlockOp::Move { to, .. },
                ..
            }) = parse(args)
            {
                keys.push((db, to));
            }
        }
    }
    keys
}

fn exec(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    let Some(queue) = s.multi.take() else {
        return Err(Fail::new("ERR EXEC without MULTI"));
    };
    lock(&s.client.info).in_multi = false;
    let watch = s.watch.take();
    if queue.dirty {
        return Err(Fail::new(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    let start_db = s.db;
    let databases = s.databases;
    let keys = declared_keys(&queue.commands, start_db, databases);
    let keyspace = s.keyspace.clone();
    let mut final_db = start_db;
    let mut body = |t: &mut Transaction<'_>| -> tidekv::Result<Vec<Reply>> {
        let mut db = start_db;
        let mut replies = Vec::with_capacity(queue.commands.len());
        for (spec, args) in &queue.commands {
            let reply = match spec.handler {
                Handler::Data(run) => reply_of(run(&mut TransactionData(t, databases), args)),
                Handler::Blocking(parse) => reply_of(
                    parse(args)
                        .and_then(|request| request.run_now(&mut TransactionData(t, databases))),
                ),
                Handler::Session(_) if spec.name == "select" => {
                    let selected = select_index(arg(args, 1)).and_then(|n| {
                        t.select(n)
                            .map(|()| n)
                            .map_err(|_| Fail::new("ERR DB index is out of range"))
                    });
                    match selected {
                        Ok(n) => {
                            db = n;
                            Reply::ok()
                        }
                        Err(fail) => fail.into_reply(),
                    }
                }
                Handler::Session(run) => reply_of(run(s, args)),
            };
            replies.push(reply);
        }
        final_db = db;
        Ok(replies)
    };
    let outcome = match &watch {
        Some(watch) => keyspace.transaction_watched(watch, keys, &mut body),
        None => keyspace.transaction_across(keys, &mut body).map(Some),
    };
    let replies = outcome?;
    if final_db != s.db {
        s.select(final_db)?;
    }
    Ok(replies.map_or(Reply::NullArray, Reply::Array))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    session("multi", 1, InMulti::Now, multi),
    session("exec", 1, InMulti::Now, exec),
    session("discard", 1, InMulti::Now, discard),
    CommandSpec {
        keys: keys(1, -1),
        ..session("watch", -2, InMulti::Now, watch)
    },
    session("unwatch", 1, InMulti::Queue, unwatch),
];
