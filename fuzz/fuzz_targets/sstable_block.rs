//! A raw SSTable data or index block: `Block` construction, iteration, seek and find. See `tidekv::fuzzing::sstable_block`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::sstable_block(data));
