//! A physical SSTable block: the compression type and checksum trailer, `decode_block`. See `tidekv::fuzzing::block_trailer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::block_trailer(data));
