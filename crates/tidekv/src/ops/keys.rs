//! Key commands on the read-modify-write primitive: RENAME, RENAMENX, COPY, MOVE, EXPIRE with its
//! conditions, PERSIST. A key keeps its value and its expiry wherever it goes.

use crate::engine::Tx;
use crate::error::{Error, Result};
use crate::expiry::{ExpireCondition, Expiry};

/// RENAME (`only_if_absent` false) and RENAMENX (true): whether `to` now holds the value.
///
/// A missing `from` is `NoSuchKey`. Renaming a key onto itself succeeds for RENAME and reports
/// `false` for RENAMENX (Redis 7's answers).
pub(crate) fn rename(
    tx: &mut dyn Tx,
    ks: u32,
    from: &[u8],
    to: &[u8],
    only_if_absent: bool,
) -> Result<bool> {
    let Some((value, expires_at)) = tx.read_value(ks, from)? else {
        return Err(Error::NoSuchKey);
    };
    if from == to {
        return Ok(!only_if_absent);
    }
    if only_if_absent && tx.info(ks, to)?.is_some() {
        return Ok(false);
    }
    tx.write_value(ks, to, value, expires_at)?;
    tx.remove(ks, from)?;
    Ok(true)
}

/// COPY: whether the value was copied. `false` if `from` is missing, or `to` exists and
/// `replace` is not set. The same key in the same keyspace is `SameObject`.
pub(crate) fn copy(
    tx: &mut dyn Tx,
    from: (u32, &[u8]),
    to: (u32, &[u8]),
    replace: bool,
) -> Result<bool> {
    if from == to {
        return Err(Error::SameObject);
    }
    let Some((value, expires_at)) = tx.read_value(from.0, from.1)? else {
        return Ok(false);
    };
    if !replace && tx.info(to.0, to.1)?.is_some() {
        return Ok(false);
    }
    tx.write_value(to.0, to.1, value, expires_at)?;
    Ok(true)
}

/// MOVE: moves a key to keyspace `to_ks` unless the key is missing or already exists there.
/// Moving within one keyspace is `SameObject`.
pub(crate) fn move_key(tx: &mut dyn Tx, ks: u32, key: &[u8], to_ks: u32) -> Result<bool> {
    if ks == to_ks {
        return Err(Error::SameObject);
    }
    let Some((value, expires_at)) = tx.read_value(ks, key)? else {
        return Ok(false);
    };
    if tx.info(to_ks, key)?.is_some() {
        return Ok(false);
    }
    tx.write_value(to_ks, key, value, expires_at)?;
    tx.remove(ks, key)?;
    Ok(true)
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX / XX / GT / LT: whether the expiry was set
/// (or the key deleted because the new time is already past). A missing key is `false`.
pub(crate) fn expire(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    expiry: Expiry,
    condition: ExpireCondition,
) -> Result<bool> {
    let Some(info) = tx.info(ks, key)? else {
        return Ok(false);
    };
    let new = expiry.resolve(tx.now(), info.expires_at);
    if !condition.allows(info.expires_at, new) {
        return Ok(false);
    }
    tx.set_expiry(ks, key, new)
}

/// PERSIST: whether an expiry was removed (`false` for a missing key or one without expiry).
pub(crate) fn persist(tx: &mut dyn Tx, ks: u32, key: &[u8]) -> Result<bool> {
    match tx.info(ks, key)? {
        Some(info) if info.expires_at.is_some() => tx.set_expiry(ks, key, None),
        _ => Ok(false),
    }
}
