//! Framed records (WAL and manifest): `read_frames`, versions 1 and 2. See `tidekv::fuzzing::log_frames`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::log_frames(data));
