//! The large buffers of a store's memtables, kept for reuse instead of freed: a memtable's hash
//! list goes back when it is sealed (its filter is built by then), its filter array when the
//! memtable is dropped.
//!
//! Why not free them: a frozen memtable is dropped on whatever thread lets go of it last, mostly
//! the flush thread, while the filter was allocated by the writer. With glibc's allocator, a
//! large free into another thread's arena consolidates that arena's free lists under its lock —
//! a profile of random inserts showed the flush thread doing so for ~0.3 s per million writes
//! while the writer waited for the lock in every allocation (`BENCHMARKS.md`). Reused, the
//! buffers are neither allocated nor freed after the first few memtables.

use parking_lot::Mutex;

/// How many buffers of each kind are kept: enough for the active memtable, the frozen ones and
/// one being dropped; more are freed.
const KEPT: usize = 8;

/// See the module docs. Shared by every memtable of a store ([`super::Memtable::successor`]).
#[derive(Default)]
pub(crate) struct Recycled {
    hashes: Mutex<Vec<Vec<u64>>>,
    filters: Mutex<Vec<Vec<u8>>>,
}

impl Recycled {
    /// An empty hash list, reused if one was given back.
    pub(super) fn take_hashes(&self) -> Vec<u64> {
        let mut hashes = self.hashes.lock().pop().unwrap_or_default();
        hashes.clear();
        hashes
    }

    pub(super) fn put_hashes(&self, hashes: Vec<u64>) {
        put(&self.hashes, hashes);
    }

    /// A filter array, reused if one was given back (its contents are the caller's to reset).
    pub(super) fn take_filter(&self) -> Vec<u8> {
        self.filters.lock().pop().unwrap_or_default()
    }

    pub(super) fn put_filter(&self, filter: Vec<u8>) {
        put(&self.filters, filter);
    }
}

fn put<T>(pool: &Mutex<Vec<Vec<T>>>, buffer: Vec<T>) {
    if buffer.capacity() == 0 {
        return;
    }
    let mut pool = pool.lock();
    if pool.len() < KEPT {
        pool.push(buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_cleared_and_with_their_allocation() {
        let recycled = Recycled::default();
        let mut hashes = recycled.take_hashes();
        hashes.extend(0..1_000);
        let capacity = hashes.capacity();
        recycled.put_hashes(hashes);
        let again = recycled.take_hashes();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), capacity);
        for _ in 0..KEPT + 3 {
            recycled.put_filter(vec![1; 64]);
        }
        assert_eq!(recycled.filters.lock().len(), KEPT, "the pool is bounded");
        assert!(recycled.take_filter().capacity() >= 64);
    }
}
