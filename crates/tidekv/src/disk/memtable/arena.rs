//! The bytes of memtable entries, carved from shared chunks instead of allocated one by one.
//!
//! Why: a memtable entry's key and cell live until the memtable is flushed, and are then freed
//! together, by the flush thread, into the allocator arena of the writer that allocated them.
//! With glibc's allocator, a million such cross-thread frees per million writes made both
//! threads spend a fifth of their time in `malloc`, `free` and their consolidation of free lists
//! (`bench/profiles/`, `BENCHMARKS.md`). Carved from 16 KiB chunks, a write allocates nothing of
//! its own and a flush frees one chunk per ~100 entries. The entries are ordinary [`Bytes`]
//! (each a reference to its chunk), so nothing else changes; `bytes` does the reference counting
//! (a `BytesMut` split off its buffer), so this file only decides the chunk sizes.
//!
//! The price: an entry keeps its whole chunk alive, so a value a reader still holds after the
//! flush pins up to [`CHUNK`] bytes — the same order as a value read from a table, which pins its
//! block. Entries larger than [`LARGEST_SHARED`] get a buffer of their own and pin nothing more.

use bytes::{BufMut, Bytes, BytesMut};

/// The size of a chunk.
pub(crate) const CHUNK: usize = 16 * 1024;

/// Entries longer than this are allocated alone: a chunk then holds at least four entries, and
/// a large value wastes no chunk tail.
pub(crate) const LARGEST_SHARED: usize = CHUNK / 4;

/// Carves entries; owned by the writer (one thread at a time), shared by successive memtables
/// (a chunk's tail serves the next memtable).
#[derive(Default)]
pub(crate) struct EntryArena {
    /// The unused rest of the current chunk.
    chunk: BytesMut,
}

impl EntryArena {
    /// `len` bytes, written by `fill` (which must write exactly `len` bytes), as one entry.
    pub(crate) fn alloc(&mut self, len: usize, fill: impl FnOnce(&mut BytesMut)) -> Bytes {
        if len > LARGEST_SHARED {
            let mut alone = BytesMut::with_capacity(len);
            fill(&mut alone);
            return alone.freeze();
        }
        if self.chunk.capacity() < len {
            self.chunk = BytesMut::with_capacity(CHUNK);
        }
        fill(&mut self.chunk);
        debug_assert_eq!(self.chunk.len(), len, "fill wrote other than len bytes");
        self.chunk.split().freeze()
    }

    /// A copy of `bytes` followed by `suffix` (an internal key: prefix and sequence trailer).
    pub(crate) fn copy_with(&mut self, bytes: &[u8], suffix: &[u8]) -> Bytes {
        self.alloc(bytes.len() + suffix.len(), |out| {
            out.put_slice(bytes);
            out.put_slice(suffix);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_hold_what_was_written_and_share_chunks_until_one_is_full() {
        let mut arena = EntryArena::default();
        let entries: Vec<Bytes> = (0..1_000u32)
            .map(|i| arena.copy_with(format!("key-{i}").as_bytes(), &i.to_be_bytes()))
            .collect();
        for (i, entry) in (0..1_000u32).zip(&entries) {
            let mut want = format!("key-{i}").into_bytes();
            want.extend_from_slice(&i.to_be_bytes());
            assert_eq!(&entry[..], &want[..]);
        }
        // Neighbours in one chunk are contiguous; ~12 bytes each, so 1,000 need one chunk.
        let contiguous = entries
            .windows(2)
            .filter(|pair| pair[0].as_ptr().wrapping_add(pair[0].len()) == pair[1].as_ptr())
            .count();
        assert_eq!(contiguous, entries.len() - 1);
    }

    #[test]
    fn a_full_chunk_is_replaced_and_large_entries_get_their_own_buffer() {
        let mut arena = EntryArena::default();
        let first = arena.copy_with(&[1; LARGEST_SHARED], b"");
        let mut rest = Vec::new();
        for _ in 0..4 {
            rest.push(arena.copy_with(&[2; LARGEST_SHARED], b""));
        }
        // Four entries of a quarter chunk each fill it; the fifth starts a new chunk.
        let end_of_first_chunk = first.as_ptr().wrapping_add(CHUNK);
        assert_eq!(
            rest.get(2).map(|e| e.as_ptr().wrapping_add(LARGEST_SHARED)),
            Some(end_of_first_chunk)
        );
        assert!(rest.iter().all(|e| e.iter().all(|&b| b == 2)));
        let large = arena.copy_with(&[3; LARGEST_SHARED + 1], b"");
        assert_eq!(large.len(), LARGEST_SHARED + 1);
        assert!(large.iter().all(|&b| b == 3));
        // The chunk in use is untouched by the large entry: the next small one follows on.
        let next = arena.copy_with(b"x", b"");
        let last = rest.last().map(|e| e.as_ptr().wrapping_add(e.len()));
        assert_eq!(Some(next.as_ptr()), last);
    }
}
