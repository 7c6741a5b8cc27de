//! String commands on the read-modify-write primitive: SET with its options, GETEX, APPEND,
//! SETRANGE, INCRBY, INCRBYFLOAT, MSETNX. Each checks everything before it writes, so a command
//! that fails changes nothing (what Redis's EXEC relies on).

use bytes::{Bytes, BytesMut};

use crate::engine::Tx;
use crate::error::{Error, Result};
use crate::expiry::Expiry;
use crate::number::{format_float_plain, parse_counter, parse_float};

/// When a SET writes (Redis `NX` / `XX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetCondition {
    /// Always.
    #[default]
    Always,
    /// Only if the key does not exist (`NX`).
    IfAbsent,
    /// Only if the key exists (`XX`).
    IfPresent,
}

/// The options of [`crate::Store::set`] (Redis `SET key value [NX|XX] [GET] [EX…|KEEPTTL]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetOptions {
    /// When to write.
    pub condition: SetCondition,
    /// What happens to the key's expiry ([`Expiry::Never`] by default, like `SET`).
    pub expiry: Expiry,
    /// Return the value the key held before (`GET`). A list key is then `WrongType` and nothing
    /// is written.
    pub get: bool,
}

/// What [`crate::Store::set`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// Whether the value was written (false when the condition did not hold).
    pub written: bool,
    /// The string the key held before, when [`SetOptions::get`] asked for it.
    pub previous: Option<Bytes>,
}

/// SET with every option.
pub(crate) fn set(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    value: Bytes,
    options: SetOptions,
) -> Result<SetOutcome> {
    if is_blind(&options) {
        // A plain SET (with or without a new deadline) reads nothing: a blind write.
        let expires_at = options.expiry.resolve(tx.now(), None);
        tx.put(ks, key, value, expires_at)?;
        return Ok(SetOutcome {
            written: true,
            previous: None,
        });
    }
    // One read: the old string (and WRONGTYPE for a list, checked before the condition, as
    // Redis does) when GET asks for it, otherwise the key's kind and expiry.
    let (exists, current_expiry, previous) = if options.get {
        match tx.get_with_expiry(ks, key)? {
            Some((value, at)) => (true, at, Some(value)),
            None => (false, None, None),
        }
    } else {
        match tx.info(ks, key)? {
            Some(info) => (true, info.expires_at, None),
            None => (false, None, None),
        }
    };
    let holds = match options.condition {
        SetCondition::Always => true,
        SetCondition::IfAbsent => !exists,
        SetCondition::IfPresent => exists,
    };
    if holds {
        let expires_at = options.expiry.resolve(tx.now(), current_expiry);
        tx.put(ks, key, value, expires_at)?;
    }
    Ok(SetOutcome {
        written: holds,
        previous,
    })
}

/// Whether a SET needs nothing of the key's current state: no condition, no old value, and an
/// expiry that does not keep the current one.
fn is_blind(options: &SetOptions) -> bool {
    options.condition == SetCondition::Always && !options.get && options.expiry != Expiry::Keep
}

/// GETEX: the string value, with its expiry changed as `expiry` says ([`Expiry::Keep`] changes
/// nothing).
pub(crate) fn get_and_expire(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    expiry: Expiry,
) -> Result<Option<Bytes>> {
    let Some((value, current)) = tx.get_with_expiry(ks, key)? else {
        return Ok(None);
    };
    if expiry != Expiry::Keep {
        let next = expiry.resolve(tx.now(), current);
        if next != current {
            tx.set_expiry(ks, key, next)?;
        }
    }
    Ok(Some(value))
}

/// GETDEL: removes a string key and returns its value; a list is `WrongType` and stays.
pub(crate) fn take(tx: &mut dyn Tx, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
    let found = tx.get(ks, key)?;
    if found.is_some() {
        tx.remove(ks, key)?;
    }
    Ok(found)
}

/// APPEND: the new length. A missing key is created (with no expiry); an existing one keeps its
/// expiry.
pub(crate) fn append(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    suffix: &[u8],
    max_value: usize,
) -> Result<u64> {
    let (old, expires_at) = tx.get_with_expiry(ks, key)?.unwrap_or_default();
    let len = old.len() + suffix.len();
    check_value_len(len as u64, max_value)?;
    let mut value = BytesMut::with_capacity(len);
    value.extend_from_slice(&old);
    value.extend_from_slice(suffix);
    tx.put(ks, key, value.freeze(), expires_at)?;
    Ok(len as u64)
}

/// SETRANGE: overwrites bytes from `offset`, padding with zero bytes; the new length. An empty
/// `patch` writes nothing (and creates no key), as in Redis.
pub(crate) fn set_range(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    offset: u64,
    patch: &[u8],
    max_value: usize,
) -> Result<u64> {
    let (old, expires_at) = tx.get_with_expiry(ks, key)?.unwrap_or_default();
    if patch.is_empty() {
        return Ok(old.len() as u64);
    }
    let end = offset
        .checked_add(patch.len() as u64)
        .ok_or(Error::TooLarge {
            what: "value",
            len: u64::MAX,
            limit: max_value as u64,
        })?;
    check_value_len(end.max(old.len() as u64), max_value)?;
    let (offset, end) = (offset as usize, end as usize);
    let mut value = BytesMut::from(&old[..]);
    if value.len() < end {
        value.resize(end, 0);
    }
    if let Some(window) = value.get_mut(offset..end) {
        window.copy_from_slice(patch);
    }
    let len = value.len() as u64;
    tx.put(ks, key, value.freeze(), expires_at)?;
    Ok(len)
}

/// INCRBY: the new value; the expiry is kept.
pub(crate) fn incr_by(tx: &mut dyn Tx, ks: u32, key: &[u8], delta: i64) -> Result<i64> {
    let (current, expires_at) = match tx.get_with_expiry(ks, key)? {
        Some((value, at)) => (parse_counter(&value)?, at),
        None => (0, None),
    };
    let next = current.checked_add(delta).ok_or(Error::Overflow)?;
    tx.put(ks, key, Bytes::from(next.to_string()), expires_at)?;
    Ok(next)
}

/// INCRBYFLOAT: the new value, stored as plain decimal text; the expiry is kept.
pub(crate) fn incr_by_float(tx: &mut dyn Tx, ks: u32, key: &[u8], delta: f64) -> Result<f64> {
    if !delta.is_finite() {
        return Err(Error::NotAFloat);
    }
    let (current, expires_at) = match tx.get_with_expiry(ks, key)? {
        Some((value, at)) => (parse_float(&value)?, at),
        None => (0.0, None),
    };
    let next = current + delta;
    if !next.is_finite() {
        return Err(Error::NotFinite);
    }
    tx.put(ks, key, Bytes::from(format_float_plain(next)), expires_at)?;
    Ok(next)
}

/// MSETNX: sets every pair only if none of the keys exists; whether it did.
pub(crate) fn insert_many_if_absent(
    tx: &mut dyn Tx,
    ks: u32,
    pairs: &[(Bytes, Bytes)],
) -> Result<bool> {
    for (key, _) in pairs {
        if tx.info(ks, key)?.is_some() {
            return Ok(false);
        }
    }
    for (key, value) in pairs {
        tx.put(ks, key, value.clone(), None)?;
    }
    Ok(true)
}

/// GETRANGE's window over a string of `len` bytes: `start..=end`, negative offsets from the end,
/// then clamped, with Redis 7's rules (unlike LRANGE, an `end` before the start of the string
/// clamps to the first byte). Returns a half-open `from..to`, or `None` when empty.
pub(crate) fn string_window(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    if len == 0 || (start < 0 && end < 0 && start > end) {
        return None;
    }
    let start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    }
    .max(0);
    let end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    }
    .max(0)
    .min(len - 1);
    if start > end {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end + 1).ok()?))
}

fn check_value_len(len: u64, max_value: usize) -> Result<()> {
    if len > max_value as u64 {
        return Err(Error::TooLarge {
            what: "value",
            len,
            limit: max_value as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::string_window;

    #[test]
    fn string_windows_follow_getrange_rules() {
        // "This is a string": Redis's own GETRANGE examples.
        let len = 16;
        assert_eq!(string_window(len, 0, 3), Some((0, 4)));
        assert_eq!(string_window(len, -3, -1), Some((13, 16)));
        assert_eq!(string_window(len, 0, -1), Some((0, 16)));
        assert_eq!(string_window(len, 10, 100), Some((10, 16)));
        assert_eq!(string_window(len, 0, -100), Some((0, 1)));
        assert_eq!(string_window(len, -1, -5), None);
        assert_eq!(string_window(len, 5, 3), None);
        assert_eq!(string_window(len, 20, 30), None);
        assert_eq!(string_window(0, 0, -1), None);
        assert_eq!(string_window(len, i64::MIN, i64::MAX), Some((0, 16)));
    }
}
