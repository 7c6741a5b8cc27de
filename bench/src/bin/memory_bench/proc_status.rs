//! The process's own memory figures from `/proc/self/status` (Linux only).

use anyhow::{anyhow, Context, Result};

/// Resident memory now (`VmRSS`) and at its peak so far (`VmHWM`), in KiB.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

impl Memory {
    pub fn now() -> Result<Self> {
        let status = std::fs::read_to_string("/proc/self/status")
            .context("reading /proc/self/status (the memory figures need Linux)")?;
        Ok(Memory {
            rss_kib: field_kib(&status, "VmRSS")?,
            hwm_kib: field_kib(&status, "VmHWM")?,
        })
    }
}

/// The value of a `Name:   1234 kB` line.
fn field_kib(status: &str, name: &str) -> Result<u64> {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .ok_or_else(|| anyhow!("/proc/self/status has no {name} line"))?;
    let number = line.trim().trim_end_matches("kB").trim();
    number
        .parse()
        .with_context(|| format!("/proc/self/status: {name} is {line:?}, not a size in kB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_kib_field() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(field_kib(status, "VmRSS").unwrap(), 1024);
        assert_eq!(field_kib(status, "VmHWM").unwrap(), 2048);
        assert!(field_kib(status, "VmSwap").is_err());
    }
}
