//! `tidekv verify` and `tidekv compact`: checking and rewriting a store's files.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use tidekv::{Finding, StoreFile, VerifyReport};

use crate::keys::Printed;
use crate::progress::{Progress, Unit};
use crate::target::open_dir;

/// Exit status of `verify` when it finds damage.
pub(crate) const DAMAGED: u8 = 4;

/// `tidekv verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Reads every file of a disk store and checks every checksum: CURRENT, the \
manifest (and that each table it names is there, with its size), every block of every table (key \
order, the filter, the entry count and key range), every record of every log still needed. \
Changes nothing; runs beside read-only opens, not beside a server (verify a checkpoint of it).

Exit status: 0 sound, 4 damage found (each damaged file is listed with the offset), 1 could \
not verify.

Examples:
  tidekv verify --dir ./tidekv-data
  tidekv verify --dir /backups/nightly --json | jq '.files[] | select(.finding != \"sound\")'"
)]
pub(crate) struct VerifyArgs {
    /// The disk store's directory.
    #[arg(long, value_name = "PATH")]
    dir: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `tidekv compact`.
#[derive(Debug, Args)]
#[command(
    after_help = "Flushes the memtables and compacts every level into the last: space held \
by overwritten, deleted and expired data comes back. Rewrites the whole store; needs the store \
not to be in use (a server compacts in the background on its own).

Examples:
  tidekv compact --dir ./tidekv-data"
)]
pub(crate) struct CompactArgs {
    /// The disk store's directory.
    #[arg(long, value_name = "PATH")]
    dir: PathBuf,
}

pub(crate) fn verify(args: VerifyArgs) -> Result<Printed, String> {
    let mut progress = Progress::new("verify", Unit::Bytes, Some(0));
    let report = tidekv::verify_store(&args.dir, &mut |done, total| progress.set_of(done, total));
    progress.finish();
    let report = report.map_err(|e| match e {
        tidekv::Error::Locked { .. } => format!(
            "{} is in use by a writer (a running `tidekv serve`?); verify a checkpoint of it: \
             tidekv checkpoint --url redis://HOST:PORT NAME",
            args.dir.display()
        ),
        other => other.to_string(),
    })?;
    let status = if report.is_sound() { 0 } else { DAMAGED };
    let out = if args.json {
        let mut json = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        if let Some(object) = json.as_object_mut() {
            object.insert("sound".into(), report.is_sound().into());
        }
        format!("{json}\n")
    } else {
        verify_text(&report)
    };
    Ok(Printed {
        out: out.into_bytes(),
        status,
    })
}

fn verify_text(report: &VerifyReport) -> String {
    let mut out = String::new();
    for file in &report.files {
        let name = file.path.file_name().map_or_else(
            || file.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let kind = match file.kind {
            StoreFile::Current => "current",
            StoreFile::Manifest => "manifest",
            StoreFile::Table => "table",
            StoreFile::Log => "log",
            _ => "file",
        };
        let finding = match &file.finding {
            Finding::Sound => "ok".to_string(),
            Finding::Damaged { offset, reason } => format!("DAMAGED at offset {offset}: {reason}"),
            Finding::TornTail { offset } => format!(
                "ok; ends in an unfinished write at offset {offset} (a read-write open cuts it)"
            ),
            Finding::Missing => "MISSING (the manifest names it)".to_string(),
            Finding::Orphan => "ok; an orphan no version names (the next open removes it)".into(),
            _ => "?".to_string(),
        };
        let _ = writeln!(
            out,
            "{name:<16} {kind:<8} {:>12} bytes {:>10} entries  {finding}",
            file.bytes, file.entries
        );
    }
    let bytes: u64 = report.files.iter().map(|f| f.bytes).sum();
    let problems = report.problems().count();
    let _ = writeln!(
        out,
        "{}: {} files, {bytes} bytes: {}",
        report.dir.display(),
        report.files.len(),
        if problems == 0 {
            "sound".to_string()
        } else {
            format!("{problems} damaged or missing (see docs/operations.md, \"When verify reports damage\")")
        }
    );
    out
}

pub(crate) fn compact(args: CompactArgs) -> Result<Printed, String> {
    let store = open_dir(&args.dir, false)?;
    let before = disk_bytes(&store);
    let compacted = store.compact().map_err(|e| format!("compacting: {e}"));
    let after = disk_bytes(&store);
    let closed = store.close().map_err(|e| format!("closing: {e}"));
    compacted?;
    closed?;
    Ok(Printed {
        out: format!(
            "compacted {}: tables {before} -> {after} bytes\n",
            args.dir.display()
        )
        .into_bytes(),
        status: 0,
    })
}

/// The bytes of the store's tables.
fn disk_bytes(store: &tidekv::Store) -> u64 {
    match store.stats().map(|s| s.backend) {
        Ok(tidekv::BackendStats::Disk(d)) => d.levels.iter().map(|l| l.bytes).sum(),
        _ => 0,
    }
}
