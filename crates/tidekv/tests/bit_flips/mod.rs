//! Helpers of `disk_bit_flips.rs`.

pub mod model;
pub mod sweep;
