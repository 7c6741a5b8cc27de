//! `APPEND` and `SETRANGE` under tidekv's value limit, in one round trip.
//!
//! The server's own limit is `proto-max-bulk-len` (512 MiB by default), not the store's
//! [`crate::Config::max_value_size`], and the new length depends on the old one. A small Lua
//! script reads the old length and edits only when the result fits, so the check and the write
//! see one moment, as in the transaction path (`ops::strings`), and a result too large changes
//! nothing. `STRLEN` answers `WRONGTYPE` for a list, before anything is written.

use std::sync::LazyLock;

use redis::Script;

use crate::error::{Error, Result};
use crate::remote::engine::RemoteEngine;

/// `ARGV`: the edit (`append` or `setrange`), the bytes, the limit, the offset (`setrange`;
/// capped by the caller at limit + 1 so that Lua's doubles stay exact). Answers `{1, new
/// length}` after the edit, or `{0, old length}` when the result would pass the limit.
static EDIT_STRING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local old = redis.call('STRLEN', KEYS[1]) \
         local limit = tonumber(ARGV[3]) \
         if ARGV[1] == 'append' then \
           if old + #ARGV[2] > limit then return {0, old} end \
           return {1, redis.call('APPEND', KEYS[1], ARGV[2])} \
         end \
         if #ARGV[2] == 0 then return {1, old} end \
         if math.max(tonumber(ARGV[4]) + #ARGV[2], old) > limit then return {0, old} end \
         return {1, redis.call('SETRANGE', KEYS[1], ARGV[4], ARGV[2])}",
    )
});

/// An edit of the string at a key.
pub(crate) enum StringEdit<'a> {
    Append { suffix: &'a [u8] },
    SetRange { offset: u64, patch: &'a [u8] },
}

/// Runs `edit` on `key` of keyspace `ks`; the new length. Never repeated after a broken
/// connection: it may have run.
pub(crate) fn edit_string(
    engine: &RemoteEngine,
    ks: u32,
    key: &[u8],
    edit: &StringEdit<'_>,
    max_value: usize,
) -> Result<i64> {
    let limit = max_value as u64;
    let mut invocation = EDIT_STRING.key(key);
    match edit {
        StringEdit::Append { suffix } => invocation.arg("append").arg(*suffix).arg(limit),
        StringEdit::SetRange { offset, patch } => invocation
            .arg("setrange")
            .arg(*patch)
            .arg(limit)
            .arg((*offset).min(limit.saturating_add(1))),
    };
    let (done, len): (i64, u64) = engine.invoke_script(ks, "EVALSHA", invocation)?;
    if done == 1 {
        return i64::try_from(len).map_err(|_| Error::Overflow);
    }
    // Too large: the length the transaction path reports, from the old length.
    let len = match edit {
        StringEdit::Append { suffix } => len.saturating_add(suffix.len() as u64),
        StringEdit::SetRange { offset, patch } => offset
            .checked_add(patch.len() as u64)
            .map_or(u64::MAX, |end| end.max(len)),
    };
    Err(Error::TooLarge {
        what: "value",
        len,
        limit,
    })
}
