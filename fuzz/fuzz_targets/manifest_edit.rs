//! One manifest record: `VersionEdit::decode`. See `tidekv::fuzzing::manifest_edit`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::manifest_edit(data));
