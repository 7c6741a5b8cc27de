//! SCAN cursors. Redis's cursor is a number; tidekv's scan resumes after a key. The server keeps
//! the key each cursor number stands for, for a bounded number of recent cursors, so a client
//! sees Redis's numbers and the store gets its keys.
//!
//! A cursor older than the last [`MAX_CURSORS`] handed out by this server is forgotten: using it
//! is `ERR invalid cursor`, never a silent restart from the beginning (which could loop for
//! ever). Cursor 0 starts a scan, as in Redis.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

use crate::shared::lock;

/// How many cursors are remembered at once (each holds one key).
pub(crate) const MAX_CURSORS: usize = 100_000;

#[derive(Default)]
struct Table {
    next: u64,
    keys: BTreeMap<u64, Bytes>,
    order: VecDeque<u64>,
}

/// The cursor numbers handed out by a server and the key each resumes after.
#[derive(Default)]
pub(crate) struct ScanCursors {
    table: Mutex<Table>,
}

impl ScanCursors {
    /// A new cursor number that resumes after `key`.
    pub(crate) fn issue(&self, key: Bytes) -> u64 {
        let mut table = lock(&self.table);
        table.next += 1;
        let id = table.next;
        table.keys.insert(id, key);
        table.order.push_back(id);
        while table.order.len() > MAX_CURSORS {
            if let Some(old) = table.order.pop_front() {
                table.keys.remove(&old);
            }
        }
        id
    }

    /// The key cursor `id` resumes after, or `None` if this server never issued it or forgot it.
    pub(crate) fn resume(&self, id: u64) -> Option<Bytes> {
        lock(&self.table).keys.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_resumes_after_its_key_until_it_is_forgotten() {
        let cursors = ScanCursors::default();
        let first = cursors.issue(Bytes::from_static(b"k1"));
        assert_eq!(cursors.resume(first), Some(Bytes::from_static(b"k1")));
        assert_eq!(cursors.resume(first + 1), None);
        for i in 0..MAX_CURSORS {
            cursors.issue(Bytes::from(i.to_string()));
        }
        assert_eq!(
            cursors.resume(first),
            None,
            "the oldest cursor is forgotten"
        );
    }
}
