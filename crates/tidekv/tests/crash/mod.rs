//! Support for the crash tests of `disk_crash.rs`: the workload a child runs, the children
//! themselves, the parent's model of the acknowledged effects, and the rounds that tie them
//! together.
//!
//! - `workload.rs`: the calls, the store configuration, and the `ack` line format.
//! - `child.rs`: the child's environment and output; spawning, reading and killing a child.
//! - `model.rs`: the acknowledged effects, their check against the reopened store, and the
//!   explanation of a mismatch.
//! - `rounds.rs`: the parent's rounds of kill, reopen and check in one durability mode.

mod child;
mod model;
mod rounds;
mod workload;

pub use child::{
    env, fork_guard, read_lines, say, spawn_child, CHILD_ENV, DIR_ENV, MODE_ENV, OPEN_BOUND,
    ROUND_ENV, SEED_ENV,
};
pub use rounds::crash_rounds;
pub use workload::{config, execute, workload};
