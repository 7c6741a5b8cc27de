//! List commands on the read-modify-write primitive: LPUSHX / RPUSHX, LPOP / RPOP with a count,
//! LSET, LTRIM, LINSERT, LREM, LMOVE. Pushes and pops stay O(1) per element on every backend;
//! LINSERT, LREM and LTRIM rewrite the list, O(len) as in Redis.

use bytes::Bytes;

use crate::engine::{list_window, End, Tx};
use crate::error::{Error, Result};

/// Where LINSERT puts the new element, relative to the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Just before the first element equal to the pivot (`BEFORE`).
    Before,
    /// Just after it (`AFTER`).
    After,
}

/// What [`crate::Store::list_insert`] did (Redis answers 0, -1 or the new length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListInsert {
    /// The key does not exist: nothing was inserted (Redis `0`).
    NoList,
    /// No element equals the pivot: nothing was inserted (Redis `-1`).
    NoPivot,
    /// Inserted; the list's new length.
    Inserted(u64),
}

/// LPUSHX / RPUSHX: pushes only onto an existing list; the new length, 0 if there is no list.
pub(crate) fn push_if_exists(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    end: End,
    values: &[Bytes],
) -> Result<u64> {
    if tx.list_len(ks, key)? == 0 {
        return Ok(0);
    }
    tx.list_push(ks, key, end, values)
}

/// LPOP / RPOP with a count: up to `count` elements from one end, in pop order.
pub(crate) fn pop_many(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    end: End,
    count: u64,
) -> Result<Vec<Bytes>> {
    let take = tx.list_len(ks, key)?.min(count);
    let mut popped = Vec::with_capacity(usize::try_from(take).unwrap_or(0));
    for _ in 0..take {
        match tx.list_pop(ks, key, end)? {
            Some(value) => popped.push(value),
            None => break,
        }
    }
    Ok(popped)
}

/// LSET: replaces element `index` (negative counts from the tail). A missing key is
/// `NoSuchKey`, an index outside the list `IndexOutOfRange`.
pub(crate) fn set(tx: &mut dyn Tx, ks: u32, key: &[u8], index: i64, value: Bytes) -> Result<()> {
    let len = tx.list_len(ks, key)?;
    if len == 0 {
        return Err(Error::NoSuchKey);
    }
    let at = resolve_index(len, index).ok_or(Error::IndexOutOfRange)?;
    tx.list_set(ks, key, at, value)
}

/// LTRIM: keeps elements `start..=stop` (LRANGE's index rules); an empty window deletes the key.
pub(crate) fn trim(tx: &mut dyn Tx, ks: u32, key: &[u8], start: i64, stop: i64) -> Result<()> {
    let len = tx.list_len(ks, key)?;
    if len == 0 {
        return Ok(());
    }
    let window = usize::try_from(len)
        .ok()
        .and_then(|len| list_window(len, start, stop));
    let kept = match window {
        Some((from, to)) if from == 0 && to as u64 == len => return Ok(()),
        Some((from, to)) => tx.list_range(ks, key, from as u64, to as u64)?,
        None => Vec::new(),
    };
    tx.list_replace(ks, key, kept)
}

/// LINSERT: inserts `value` before or after the first element equal to `pivot`.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    side: Side,
    pivot: &[u8],
    value: Bytes,
) -> Result<ListInsert> {
    let len = tx.list_len(ks, key)?;
    if len == 0 {
        return Ok(ListInsert::NoList);
    }
    let mut items = tx.list_range(ks, key, 0, len)?;
    let Some(at) = items.iter().position(|item| item.as_ref() == pivot) else {
        return Ok(ListInsert::NoPivot);
    };
    let at = match side {
        Side::Before => at,
        Side::After => at + 1,
    };
    items.insert(at, value);
    let new_len = items.len() as u64;
    tx.list_replace(ks, key, items)?;
    Ok(ListInsert::Inserted(new_len))
}

/// LREM: removes elements equal to `value`: the first `count` from the head (`count > 0`), the
/// last `-count` from the tail (`count < 0`), or all (`0`). Returns how many went.
pub(crate) fn remove(
    tx: &mut dyn Tx,
    ks: u32,
    key: &[u8],
    count: i64,
    value: &[u8],
) -> Result<u64> {
    let len = tx.list_len(ks, key)?;
    if len == 0 {
        return Ok(0);
    }
    let items = tx.list_range(ks, key, 0, len)?;
    let limit = if count == 0 {
        u64::MAX
    } else {
        count.unsigned_abs()
    };
    let mut removed = 0u64;
    let mut keep = vec![true; items.len()];
    let order: Box<dyn Iterator<Item = usize>> = if count < 0 {
        Box::new((0..items.len()).rev())
    } else {
        Box::new(0..items.len())
    };
    for i in order {
        if removed == limit {
            break;
        }
        if items.get(i).is_some_and(|item| item.as_ref() == value) {
            if let Some(slot) = keep.get_mut(i) {
                *slot = false;
            }
            removed += 1;
        }
    }
    if removed > 0 {
        let kept = items
            .into_iter()
            .zip(keep)
            .filter_map(|(item, keep)| keep.then_some(item))
            .collect();
        tx.list_replace(ks, key, kept)?;
    }
    Ok(removed)
}

/// LMOVE / RPOPLPUSH: pops from one end of `from` and pushes onto one end of `to` (possibly the
/// same list: a rotation). `None` if `from` is empty. A `to` that holds a string is `WrongType`
/// and nothing moves.
pub(crate) fn move_element(
    tx: &mut dyn Tx,
    ks: u32,
    from: &[u8],
    to: &[u8],
    from_end: End,
    to_end: End,
) -> Result<Option<Bytes>> {
    let len = tx.list_len(ks, from)?;
    if len == 0 {
        return Ok(None);
    }
    if from == to && len == 1 {
        // Rotating a one-element list changes nothing; popping first would delete the key and
        // its expiry with it (Redis keeps both).
        return Ok(tx.list_range(ks, from, 0, 1)?.pop());
    }
    // Checked before the pop, so a string destination leaves the source untouched.
    tx.list_len(ks, to)?;
    let Some(value) = tx.list_pop(ks, from, from_end)? else {
        return Ok(None);
    };
    tx.list_push(ks, to, to_end, std::slice::from_ref(&value))?;
    Ok(Some(value))
}

/// A Redis list index (negative counts from the tail) as an offset from the head, if inside.
pub(crate) fn resolve_index(len: u64, index: i64) -> Option<u64> {
    let at = if index < 0 {
        i128::from(len) + i128::from(index)
    } else {
        i128::from(index)
    };
    u64::try_from(at).ok().filter(|at| *at < len)
}

#[cfg(test)]
mod tests {
    use super::resolve_index;

    #[test]
    fn indexes_count_from_either_end() {
        assert_eq!(resolve_index(3, 0), Some(0));
        assert_eq!(resolve_index(3, 2), Some(2));
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(3, -1), Some(2));
        assert_eq!(resolve_index(3, -3), Some(0));
        assert_eq!(resolve_index(3, -4), None);
        assert_eq!(resolve_index(3, i64::MIN), None);
        assert_eq!(resolve_index(0, 0), None);
    }
}
