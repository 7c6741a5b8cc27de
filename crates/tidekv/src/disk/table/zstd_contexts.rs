//! zstd compression and decompression with one context per thread, reused for every block.
//!
//! `zstd::bulk::{compress, decompress}` set up a fresh context on every call: about 100 KiB to
//! allocate and initialise to decompress a 4 KiB block, and more to compress one. With it, random
//! point reads of a store compressed with zstd ran at 0.31× (level 1) and 0.37× (level 3) those
//! of an uncompressed store, against 1.05× for LZ4 (`bench/results-codecs-2026-12-04.md`, made by
//! `codec-bench`). A context reused by the thread is what zstd's own documentation advises.
//!
//! A thread whose context is busy (a re-entrant call, which the table code never makes) or
//! cannot be made falls back to a one-off call: same bytes, only slower.

use std::cell::RefCell;

use zstd::bulk::{Compressor, Decompressor};

thread_local! {
    static COMPRESSOR: RefCell<Option<(i32, Compressor<'static>)>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// `raw` as one zstd frame at `level`, its size recorded in the frame header.
pub(crate) fn compress(raw: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    let reused = COMPRESSOR.try_with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.as_ref().is_none_or(|(at, _)| *at != level) {
            *slot = Some((level, Compressor::new(level).ok()?));
        }
        let (_, compressor) = slot.as_mut()?;
        Some(compressor.compress(raw))
    });
    match reused {
        Ok(Some(result)) => result,
        _ => zstd::bulk::compress(raw, level),
    }
}

/// The frame in `stored` decompressed; at most `capacity` bytes come out.
pub(crate) fn decompress(stored: &[u8], capacity: usize) -> std::io::Result<Vec<u8>> {
    let reused = DECOMPRESSOR.try_with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Some(Decompressor::new().ok()?);
        }
        Some(slot.as_mut()?.decompress(stored, capacity))
    });
    match reused {
        Ok(Some(result)) => result,
        _ => zstd::bulk::decompress(stored, capacity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_contexts_give_the_bytes_of_one_off_calls_at_every_level() {
        let raw: Vec<u8> = (0..5000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for level in [1, 3, 1, 19, 3] {
            let ours = compress(&raw, level).unwrap();
            assert_eq!(
                ours,
                zstd::bulk::compress(&raw, level).unwrap(),
                "level {level}"
            );
            assert_eq!(decompress(&ours, raw.len()).unwrap(), raw);
        }
        // A frame larger than the capacity is refused, and the context stays usable.
        let frame = compress(&raw, 3).unwrap();
        assert!(decompress(&frame, raw.len() - 1).is_err());
        assert_eq!(decompress(&frame, raw.len()).unwrap(), raw);
    }
}
