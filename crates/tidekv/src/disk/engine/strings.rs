//! String, expiry and batch operations of the disk engine: reads through a [`super::view::View`],
//! writes through [`Inner::write`].

use bytes::Bytes;

use super::txn::Txn;
use super::view::user_prefix;
use super::Inner;
use crate::disk::cell::Cell;
use crate::engine::{list_is_not_a_string, KeyExpiry, Op};
use crate::error::{Error, Result};
use crate::value::parse_counter;

impl Inner {
    pub(crate) fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        match self.view().key_cell(ks, key)? {
            None => Ok(None),
            Some(Cell::Str { value, .. }) => Ok(Some(value)),
            Some(_) => Err(list_is_not_a_string()),
        }
    }

    pub(crate) fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        let view = self.view();
        keys.iter()
            .map(|key| match view.key_cell(ks, key)? {
                None => Ok(None),
                Some(Cell::Str { value, .. }) => Ok(Some(value)),
                Some(_) => Err(list_is_not_a_string()),
            })
            .collect()
    }

    pub(crate) fn contains_key(&self, ks: u32, key: &[u8]) -> Result<bool> {
        Ok(self.view().key_cell(ks, key)?.is_some())
    }

    pub(crate) fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry> {
        Ok(match self.view().key_cell(ks, key)? {
            None => KeyExpiry::Missing,
            Some(cell) => cell
                .expires_at()
                .map_or(KeyExpiry::Persistent, KeyExpiry::At),
        })
    }

    pub(crate) fn put(
        &self,
        ks: u32,
        key: Bytes,
        value: Bytes,
        expires_at: Option<u64>,
    ) -> Result<()> {
        self.write(|txn| {
            txn.set_key(ks, &key, Cell::Str { value, expires_at });
            Ok(())
        })
    }

    pub(crate) fn take(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        self.write(|txn| {
            let prefix = user_prefix(ks, key);
            let found = txn.string_at(&prefix)?;
            if found.is_some() {
                txn.set(prefix, Cell::Tombstone);
            }
            Ok(found.map(|(value, _)| value))
        })
    }

    pub(crate) fn remove(&self, ks: u32, key: &[u8]) -> Result<bool> {
        self.write(|txn| txn.remove(ks, key))
    }

    pub(crate) fn remove_many(&self, ks: u32, keys: &[Bytes]) -> Result<u64> {
        self.write(|txn| {
            let mut removed = 0;
            for key in keys {
                removed += u64::from(txn.remove(ks, key)?);
            }
            Ok(removed)
        })
    }

    pub(crate) fn incr_by(&self, ks: u32, key: Bytes, delta: i64) -> Result<i64> {
        self.write(|txn| incr(txn, ks, &key, delta))
    }

    pub(crate) fn set_expiry(&self, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool> {
        self.write(|txn| set_expiry(txn, ks, key, expires_at))
    }

    pub(crate) fn write_batch(&self, ks: u32, ops: &[Op]) -> Result<()> {
        self.write(|txn| {
            for op in ops {
                match op {
                    Op::Put {
                        key,
                        value,
                        expires_at,
                    } => txn.set_key(
                        ks,
                        key,
                        Cell::Str {
                            value: value.clone(),
                            expires_at: *expires_at,
                        },
                    ),
                    Op::Remove { key } => {
                        txn.remove(ks, key)?;
                    }
                    Op::Push { key, end, values } => {
                        txn.push(ks, key, *end, values)?;
                    }
                    Op::IncrBy { key, delta } => {
                        incr(txn, ks, key, *delta)?;
                    }
                    Op::Expire { key, expires_at } => {
                        set_expiry(txn, ks, key, *expires_at)?;
                    }
                }
            }
            Ok(())
        })
    }
}

fn incr(txn: &mut Txn, ks: u32, key: &[u8], delta: i64) -> Result<i64> {
    let prefix = user_prefix(ks, key);
    let (current, expires_at) = match txn.string_at(&prefix)? {
        Some((value, expires_at)) => (parse_counter(&value)?, expires_at),
        None => (0, None),
    };
    let next = current.checked_add(delta).ok_or_else(|| {
        Error::invalid(
            "delta",
            format!("{current} + {delta} overflows a 64-bit integer"),
        )
    })?;
    txn.set(
        prefix,
        Cell::Str {
            value: Bytes::from(next.to_string()),
            expires_at,
        },
    );
    Ok(next)
}

fn set_expiry(txn: &mut Txn, ks: u32, key: &[u8], expires_at: Option<u64>) -> Result<bool> {
    let prefix = user_prefix(ks, key);
    let Some(cell) = txn.cell(&prefix)? else {
        return Ok(false);
    };
    if expires_at.is_some_and(|at| at <= txn.now()) {
        txn.set(prefix, Cell::Tombstone);
        return Ok(true);
    }
    let cell = match cell {
        Cell::Str { value, .. } => Cell::Str { value, expires_at },
        Cell::List(mut meta) => {
            meta.expires_at = expires_at;
            Cell::List(meta)
        }
        Cell::Tombstone | Cell::Item(_) => return Ok(false),
    };
    txn.set(prefix, cell);
    Ok(true)
}
