//! The watchdog of a child run: what a stuck run was doing when its time ran out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::engines::Kv;

/// Tells the world what a stuck child was doing: after the timeout, prints the phase, the
/// progress and the engine's own stats to stderr, then exits with status 124.
#[derive(Default)]
pub(super) struct Watchdog {
    engine: Mutex<Option<Weak<dyn Kv>>>,
    phase: Mutex<&'static str>,
    done: AtomicU64,
}

impl Watchdog {
    pub(super) fn start(timeout: Duration) -> Arc<Watchdog> {
        let dog = Arc::new(Watchdog::default());
        let watching = Arc::clone(&dog);
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            let phase = *watching.phase.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!(
                "TIMEOUT after {} s in phase `{phase}` ({} operations done in that phase)",
                timeout.as_secs(),
                watching.done.load(Ordering::Relaxed)
            );
            let engine = watching
                .engine
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .and_then(Weak::upgrade);
            if let Some(engine) = engine {
                eprintln!("engine stats at the timeout:\n{}", engine.stats_text());
            }
            std::process::exit(124);
        });
        dog
    }

    pub(super) fn phase(&self, phase: &'static str, engine: Option<&Arc<dyn Kv>>) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
        *self.engine.lock().unwrap_or_else(|e| e.into_inner()) = engine.map(Arc::downgrade);
        self.done.store(0, Ordering::Relaxed);
    }

    pub(super) fn tick(&self, done: u64) {
        if done.is_multiple_of(1024) {
            self.done.store(done, Ordering::Relaxed);
        }
    }
}
