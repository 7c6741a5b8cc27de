//! A snapshot file: `SnapshotReader`, every record. See `tidekv::fuzzing::snapshot`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::snapshot(data));
