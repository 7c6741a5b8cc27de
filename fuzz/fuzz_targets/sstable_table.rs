//! A whole SSTable file: `TableReader::open`, iteration, point reads and seeks. See `tidekv::fuzzing::sstable_table`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::sstable_table(data));
