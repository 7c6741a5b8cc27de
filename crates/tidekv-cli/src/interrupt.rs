//! Ctrl-C for long commands that write: the first SIGINT sets a flag that the command checks
//! between atomic steps, so it stops at a step's end and says how far it got, instead of dying
//! in the middle of one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set once Ctrl-C was pressed.
#[derive(Clone)]
pub(crate) struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Starts listening for Ctrl-C (on a thread of its own, with a one-thread runtime).
    pub(crate) fn listen() -> Interrupt {
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(runtime) = runtime {
            // Registered now, before this returns: an early Ctrl-C must not kill mid-step.
            let registered = runtime.block_on(async {
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            });
            if let Ok(mut interrupts) = registered {
                let _ = std::thread::Builder::new()
                    .name("tidekv-ctrl-c".into())
                    .spawn(move || {
                        if runtime.block_on(interrupts.recv()).is_some() {
                            set.store(true, Ordering::Release);
                        }
                    });
            }
        }
        Interrupt(flag)
    }

    /// Whether Ctrl-C was pressed.
    pub(crate) fn pressed(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
