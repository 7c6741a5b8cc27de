//! A whole write-ahead log file: `decode_log`, newest and older. See `tidekv::fuzzing::wal_log`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv::fuzzing::wal_log(data));
