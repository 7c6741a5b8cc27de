//! Client bytes into `tidekv serve`'s request parser. See `tidekv_server::fuzzing::requests`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tidekv_server::fuzzing::requests(data));
