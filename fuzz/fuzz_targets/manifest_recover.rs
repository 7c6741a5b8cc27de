//! A manifest file named by `CURRENT`: `manifest::recover`. See `tidekv::fuzzing::manifest_recover`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::manifest_recover(data));
