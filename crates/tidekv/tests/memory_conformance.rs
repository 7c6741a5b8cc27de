//! The conformance suite on the memory backend, with few shards so that keys collide in shards and
//! scans merge across shards.

mod conformance;

use conformance::Backend;
use tidekv::Config;

struct Memory;

impl Backend for Memory {
    fn config(&self) -> (Config, Box<dyn std::any::Any>) {
        (Config::memory().shards(4), Box::new(()))
    }
}

conformance_suite!(Memory);
