//! List operations of a shard: O(1) amortized at both ends.

use std::sync::Arc;

use bytes::Bytes;

use crate::clock::Clock;
use crate::engine::{list_window, End};
use crate::error::{Error, Result};
use crate::memory::entry::{string_is_not_a_list, Entry, List, Value};
use crate::memory::shard::ShardState;

impl ShardState {
    pub(crate) fn push(
        &mut self,
        key: &[u8],
        end: End,
        values: &[Bytes],
        clock: &dyn Clock,
    ) -> Result<u64> {
        match self.purge_expired(key, clock).map(|e| &e.value) {
            Some(Value::Str(_)) => return Err(string_is_not_a_list()),
            Some(Value::List(_)) => {}
            None => {
                let mut list = List::default();
                push_all(&mut list, end, values);
                let len = list.len() as u64;
                if len > 0 {
                    self.insert_entry(key, Entry::list(list));
                }
                return Ok(len);
            }
        }
        let Some(Entry {
            value: Value::List(items),
            ..
        }) = self.touch(key)
        else {
            return Err(string_is_not_a_list());
        };
        let list = Arc::make_mut(items);
        push_all(list, end, values);
        let len = list.len() as u64;
        self.bytes += values.iter().map(|v| v.len() as u64).sum::<u64>();
        Ok(len)
    }

    pub(crate) fn pop(&mut self, key: &[u8], end: End, clock: &dyn Clock) -> Result<Option<Bytes>> {
        match self.purge_expired(key, clock).map(|e| &e.value) {
            None => return Ok(None),
            Some(Value::Str(_)) => return Err(string_is_not_a_list()),
            Some(Value::List(items)) if items.len() == 1 => {
                // The last element: the list goes with it (invariant 4).
                return Ok(match self.remove_entry(key).map(|e| e.value) {
                    Some(Value::List(list)) => list.items.front().cloned(),
                    _ => None,
                });
            }
            Some(Value::List(_)) => {}
        }
        let Some(Entry {
            value: Value::List(items),
            ..
        }) = self.touch(key)
        else {
            return Err(string_is_not_a_list());
        };
        let popped = Arc::make_mut(items).pop(end);
        if let Some(v) = &popped {
            self.bytes -= v.len() as u64;
        }
        Ok(popped)
    }

    pub(crate) fn list_len(&self, key: &[u8], clock: &dyn Clock) -> Result<u64> {
        match self.live(key, clock).map(|e| &e.value) {
            None => Ok(0),
            Some(Value::List(items)) => Ok(items.len() as u64),
            Some(Value::Str(_)) => Err(string_is_not_a_list()),
        }
    }

    pub(crate) fn list_range(
        &self,
        key: &[u8],
        start: i64,
        stop: i64,
        clock: &dyn Clock,
    ) -> Result<Vec<Bytes>> {
        match self.live(key, clock).map(|e| &e.value) {
            None => Ok(Vec::new()),
            Some(Value::List(items)) => Ok(match list_window(items.len(), start, stop) {
                Some((from, to)) => items.items.clone().slice(from..to).into_iter().collect(),
                None => Vec::new(),
            }),
            Some(Value::Str(_)) => Err(string_is_not_a_list()),
        }
    }
}

impl ShardState {
    /// Replaces element `index` (0 = head) of the list at `key`; out of range is
    /// `IndexOutOfRange`, a missing key `NoSuchKey`. The caller judged expiry.
    pub(crate) fn list_set(&mut self, key: &[u8], index: u64, value: Bytes) -> Result<()> {
        let index = usize::try_from(index).map_err(|_| Error::IndexOutOfRange)?;
        let Some(entry) = self.touch(key) else {
            return Err(Error::NoSuchKey);
        };
        let Value::List(items) = &mut entry.value else {
            return Err(string_is_not_a_list());
        };
        let list = Arc::make_mut(items);
        let Some(slot) = list.items.get_mut(index) else {
            return Err(Error::IndexOutOfRange);
        };
        let (added, removed) = (value.len() as u64, slot.len() as u64);
        *slot = value;
        list.bytes = list.bytes + added - removed;
        self.bytes = self.bytes + added - removed;
        Ok(())
    }
}

fn push_all(list: &mut List, end: End, values: &[Bytes]) {
    for v in values {
        list.push(end, v.clone());
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::list_window;

    #[test]
    fn windows_follow_lrange_rules() {
        assert_eq!(list_window(5, 0, -1), Some((0, 5)));
        assert_eq!(list_window(5, 1, 2), Some((1, 3)));
        assert_eq!(list_window(5, -2, -1), Some((3, 5)));
        assert_eq!(list_window(5, -100, 100), Some((0, 5)));
        assert_eq!(list_window(5, 3, 1), None);
        assert_eq!(list_window(5, 5, 10), None);
        assert_eq!(list_window(5, 0, -6), None);
        assert_eq!(list_window(0, 0, -1), None);
        assert_eq!(list_window(5, i64::MIN, i64::MAX), Some((0, 5)));
    }
}
