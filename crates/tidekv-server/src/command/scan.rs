//! Commands that walk a keyspace: `KEYS`, `SCAN`, `RANDOMKEY`. They are refused inside `MULTI`
//! (see [`super::InMulti::Refuse`]).

use bytes::Bytes;
use tidekv::{KeyKind, ScanCursor, ScanOptions};

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{session, CommandSpec, InMulti};
use crate::resp::Reply;
use crate::session::Session;

/// How many keys `KEYS` visits per store call (it walks the whole keyspace, page by page).
const KEYS_PAGE: usize = 4096;

fn keys(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let options = ScanOptions {
        pattern: Some(arg(args, 1).clone()),
        count: KEYS_PAGE,
        kind: None,
    };
    let mut found = Vec::new();
    let mut cursor = ScanCursor::start();
    loop {
        let page = s.keyspace.scan_keys(&cursor, &options)?;
        found.extend(page.keys.into_iter().map(Reply::Bulk));
        match page.next {
            Some(next) => cursor = next,
            None => return Ok(Reply::Array(found)),
        }
    }
}

fn scan(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let cursor = arg(args, 1);
    let cursor = match std::str::from_utf8(cursor)
        .ok()
        .and_then(|c| c.parse::<u64>().ok())
    {
        Some(0) => ScanCursor::start(),
        Some(id) => s
            .shared
            .cursors
            .resume(id)
            .map(ScanCursor::after)
            .ok_or_else(|| Fail::new("ERR invalid cursor"))?,
        None => return Err(Fail::new("ERR invalid cursor")),
    };
    let mut options = ScanOptions {
        pattern: None,
        count: 10,
        kind: None,
    };
    // A TYPE tidekv has no values of (hash, set, ...) matches no key, as in Redis.
    let mut matches_nothing = false;
    let mut words = args::Options::new(rest(args, 2));
    while let Some(word) = words.next_word() {
        if is(word, "match") {
            options.pattern = Some(words.value()?.clone());
        } else if is(word, "count") {
            let n = args::integer(words.value()?)?;
            options.count = usize::try_from(n)
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(Fail::syntax)?;
        } else if is(word, "type") {
            let kind = words.value()?;
            if is(kind, "string") {
                options.kind = Some(KeyKind::String);
            } else if is(kind, "list") {
                options.kind = Some(KeyKind::List);
            } else {
                matches_nothing = true;
            }
        } else {
            return Err(Fail::syntax());
        }
    }
    let page = s.keyspace.scan_keys(&cursor, &options)?;
    let next = match page.next.as_ref().and_then(|c| c.last_key()) {
        Some(key) => s.shared.cursors.issue(key.clone()).to_string(),
        None => "0".to_string(),
    };
    let keys = if matches_nothing {
        Vec::new()
    } else {
        page.keys.into_iter().map(Reply::Bulk).collect()
    };
    Ok(Reply::Array(vec![Reply::bulk(next), Reply::Array(keys)]))
}

fn randomkey(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    Ok(s.keyspace.random_key()?.map_or(Reply::Null, Reply::Bulk))
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    session("keys", 2, InMulti::Refuse, keys),
    session("scan", -2, InMulti::Refuse, scan),
    session("randomkey", 1, InMulti::Refuse, randomkey),
];
