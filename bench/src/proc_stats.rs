//! What Linux says about this process (`/proc/self`) and a directory's size.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};

/// `VmHWM` (peak resident set) of this process, in KiB.
pub fn peak_rss_kib() -> Result<u64> {
    status_field("VmHWM")
}

fn status_field(name: &str) -> Result<u64> {
    let status = fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
            let kib = rest.trim().trim_end_matches("kB").trim();
            return kib
                .parse()
                .with_context(|| format!("parsing {name} in {line:?}"));
        }
    }
    anyhow::bail!("{name} not in /proc/self/status")
}

/// Counters of `/proc/self/io` (all threads of the process, including finished ones).
#[derive(Debug, Clone, Copy, Default)]
pub struct Io {
    /// Bytes passed to write-like system calls (includes this harness's small stdout output).
    pub wchar: u64,
    /// Bytes this process caused to be sent to the storage layer (page-cache dirtying).
    pub write_bytes: u64,
    /// Part of `write_bytes` that never reached storage because the file was truncated or
    /// deleted while the pages were still dirty.
    pub cancelled_write_bytes: u64,
}

impl Io {
    pub fn read() -> Result<Io> {
        let text = fs::read_to_string("/proc/self/io").context("reading /proc/self/io")?;
        let mut io = Io::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value: u64 = value
                .trim()
                .parse()
                .with_context(|| format!("parsing {line:?}"))?;
            match name {
                "wchar" => io.wchar = value,
                "write_bytes" => io.write_bytes = value,
                "cancelled_write_bytes" => io.cancelled_write_bytes = value,
                _ => {}
            }
        }
        Ok(io)
    }

    pub fn since(self, earlier: Io) -> Io {
        Io {
            wchar: self.wchar - earlier.wchar,
            write_bytes: self.write_bytes - earlier.write_bytes,
            cancelled_write_bytes: self.cancelled_write_bytes - earlier.cancelled_write_bytes,
        }
    }
}

/// Sizes of the regular files under a directory.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirSize {
    /// Sum of file lengths.
    pub apparent: u64,
    /// Sum of allocated blocks (`st_blocks` × 512): smaller when a file is sparse, as fjall's
    /// journal is (it is created at 64 MiB and filled in).
    pub allocated: u64,
}

/// Sizes of the regular files under `dir`, recursively.
pub fn dir_size(dir: &Path) -> Result<DirSize> {
    files_size(dir, "")
}

/// Sizes of the regular files under `dir` whose names end with `suffix`, recursively.
pub fn files_size(dir: &Path, suffix: &str) -> Result<DirSize> {
    let mut total = DirSize::default();
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let sub = files_size(&entry.path(), suffix)?;
            total.apparent += sub.apparent;
            total.allocated += sub.allocated;
        } else if meta.is_file() && entry.file_name().to_string_lossy().ends_with(suffix) {
            total.apparent += meta.len();
            total.allocated += meta.blocks() * 512;
        }
    }
    Ok(total)
}
