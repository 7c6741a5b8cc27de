//! The bytes-per-key mode: how much resident memory each contender costs per key of 16 B with a
//! 100-byte value.
//!
//! Each contender runs alone in a fresh child process (this binary, re-executed with a hidden
//! subcommand), so no contender inherits another's freed-but-retained heap. The child reads its
//! `VmRSS` before creating the map (the baseline: the binary, its libraries and a 100-byte value
//! buffer; keys are generated on the fly into a stack buffer, so the harness holds no key array),
//! inserts N distinct keys, and reads `VmRSS` and `VmHWM` again. The growth is what the map costs
//! through the system allocator, with malloc's per-chunk overhead and whatever heap it retains, as
//! a user of the map would pay it.

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

use crate::contenders::ContenderKind;
use crate::dataset::{payload, write_key, KEY_LEN};
use crate::proc_status::Memory;

/// The contenders of this mode, the yardstick first.
pub const CONTENDERS: [ContenderKind; 4] = [
    ContenderKind::DashmapVec,
    ContenderKind::Dashmap,
    ContenderKind::Papaya,
    ContenderKind::Tidekv,
];

/// The prefix of the one stdout line a child reports on.
const REPORT_PREFIX: &str = "footprint";

/// What one child measured.
pub struct Footprint {
    pub kind: ContenderKind,
    pub baseline: Memory,
    pub after: Memory,
}

impl Footprint {
    /// Resident memory gained by creating and filling the map.
    pub fn grown_kib(&self) -> u64 {
        self.after.rss_kib.saturating_sub(self.baseline.rss_kib)
    }
}

/// Runs one child per contender for `key_count` keys, one after another.
pub fn measure(key_count: u64) -> Result<Vec<Footprint>> {
    let exe = std::env::current_exe().context("locating this binary to re-execute it")?;
    let mut footprints = Vec::new();
    for kind in CONTENDERS {
        eprintln!("{}: {key_count} keys in a child process", kind.name());
        let output = Command::new(&exe)
            .args(["child-bytes-per-key", "--contender", kind.name()])
            .args(["--keys", &key_count.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("starting the {} child", kind.name()))?;
        if !output.status.success() {
            bail!("the {} child failed ({})", kind.name(), output.status);
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        footprints.push(parse_report(kind, &stdout)?);
    }
    Ok(footprints)
}

/// In the child: fills one contender and prints its `REPORT_PREFIX` line.
pub fn child(kind: ContenderKind, key_count: u64) -> Result<()> {
    let value = payload();
    let mut key = [0u8; KEY_LEN];
    let baseline = Memory::now()?;
    let map = kind.open()?;
    let started = Instant::now();
    for i in 0..key_count {
        write_key(i, &mut key);
        map.put_value(&key, &value);
    }
    let after = Memory::now()?;
    eprintln!(
        "  {}: inserted in {:.1} s, RSS {} -> {} MiB, peak {} MiB",
        kind.name(),
        started.elapsed().as_secs_f64(),
        baseline.rss_kib / 1024,
        after.rss_kib / 1024,
        after.hwm_kib / 1024
    );
    // Checked after the measurement: reading a `Bytes` value the first time allocates (it is
    // promoted to a shared buffer), which would inflate the figure.
    let entries = map.entries() as u64;
    ensure!(
        entries == key_count,
        "{}: holds {entries} keys after inserting {key_count} distinct ones",
        kind.name()
    );
    for i in 0..key_count {
        write_key(i, &mut key);
        ensure!(
            map.get_value(&key).as_deref() == Some(&value[..]),
            "{}: key {i} does not read back with the value it was given",
            kind.name()
        );
    }
    println!(
        "{REPORT_PREFIX} {} {} {} {}",
        baseline.rss_kib, baseline.hwm_kib, after.rss_kib, after.hwm_kib
    );
    Ok(())
}

/// Reads a child's `REPORT_PREFIX` line.
fn parse_report(kind: ContenderKind, stdout: &str) -> Result<Footprint> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(REPORT_PREFIX))
        .with_context(|| format!("the {} child printed no {REPORT_PREFIX} line", kind.name()))?;
    let numbers = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<Vec<u64>, _>>()
        .with_context(|| format!("the {} child's report {line:?} is malformed", kind.name()))?;
    let [baseline_rss, baseline_hwm, after_rss, after_hwm] = numbers[..] else {
        bail!(
            "the {} child's report {line:?} has not 4 numbers",
            kind.name()
        );
    };
    Ok(Footprint {
        kind,
        baseline: Memory {
            rss_kib: baseline_rss,
            hwm_kib: baseline_hwm,
        },
        after: Memory {
            rss_kib: after_rss,
            hwm_kib: after_hwm,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_child_report() {
        let f = parse_report(ContenderKind::Papaya, "noise\nfootprint 10 11 1034 2058\n").unwrap();
        assert_eq!((f.baseline.rss_kib, f.after.hwm_kib), (10, 2058));
        assert_eq!(f.grown_kib(), 1024);
        assert!(parse_report(ContenderKind::Papaya, "footprint 1 2 3\n").is_err());
    }
}
