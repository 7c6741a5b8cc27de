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
by overwritten, deleted and expired data comes back. Rewrites the whole store, or with --from / \
--to the tables holding that key range (and what they overlap); needs the store not to be in use \
(a server compacts in the background on its own).

Examples:
  tidekv compact --dir ./tidekv-data
  tidekv compact --dir ./tidekv-data --from session: --to session:~     # one key range
  tidekv compact --dir ./tidekv-data --db 3 --from a"
)]
pub(crate) struct CompactArgs {
    /// The disk store's directory.
    #[arg(long, value_name = "PATH")]
    dir: PathBuf,
    /// Only keys from this one on (inclusive).
    #[arg(long, value_name = "KEY")]
    from: Option<String>,
    /// Only keys up to this one (inclusive).
    #[arg(long, value_name = "KEY")]
    to: Option<String>,
    /// The keyspace of the range (with --from or --to) [default: 0].
    #[arg(long, value_name = "N", default_value_t = 0)]
    db: u32,
}

/// `tidekv repair`.
#[derive(Debug, Args)]
#[command(
    after_help = "Copies what the checksums of a damaged disk store still vouch for into a \
new store: every table that verifies, and the logs up to their first damaged record, replayed as \
an open would. A damaged table is left out whole (older versions of its keys may show through); \
a damaged manifest is rebuilt from the tables. The damaged store is not changed. Run verify \
first: it says what repair would drop.

Exit status: 0 nothing dropped, 4 something dropped (listed), 1 could not repair.

Examples:
  tidekv verify --dir /var/lib/tidekv
  tidekv repair --dir /var/lib/tidekv --into /var/lib/tidekv-repaired"
)]
pub(crate) struct RepairArgs {
    /// The damaged disk store's directory (not in use).
    #[arg(long, value_name = "PATH")]
    dir: PathBuf,
    /// The new store's directory (missing or empty).
    #[arg(long, value_name = "PATH")]
    into: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn repair(args: RepairArgs) -> Result<Printed, String> {
    let mut progress = Progress::new("repair: verify", Unit::Bytes, Some(0));
    let report = tidekv::repair_store(&args.dir, &args.into, &mut |done, total| {
        progress.set_of(done, total)
    });
    progress.finish();
    let report = report.map_err(|e| e.to_string())?;
    let status = if report.dropped.is_empty() {
        0
    } else {
        DAMAGED
    };
    let out = if args.json {
        format!(
            "{}\n",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        )
    } else {
        let mut out = String::new();
        for dropped in &report.dropped {
            let _ = writeln!(out, "dropped {}: {}", dropped.path.display(), dropped.what);
        }
        if report.manifest_rebuilt {
            let _ = writeln!(
                out,
                "the manifest was damaged: rebuilt from every table that verified (a key deleted \
                 long ago may be back)"
            );
        }
        let _ = writeln!(
            out,
            "repaired {} into {}: {} keys from {} tables and {} logs kept whole",
            report.from.display(),
            report.into.display(),
            report.keys,
            report.tables_kept,
            report.logs_kept
        );
        out
    };
    Ok(Printed {
        out: out.into_bytes(),
        status,
    })
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
    let ranged = args.from.is_some() || args.to.is_some();
    let bound = |key: &Option<String>| match key {
        Some(k) => std::ops::Bound::Included(k.as_bytes().to_vec()),
        None => std::ops::Bound::Unbounded,
    };
    let compacted = if ranged {
        store
            .keyspace(args.db)
            .and_then(|ks| ks.compact_range((bound(&args.from), bound(&args.to))))
    } else {
        store.compact()
    }
    .map_err(|e| format!("compacting: {e}"));
    let after = disk_bytes(&store);
    let closed = store.close().map_err(|e| format!("closing: {e}"));
    compacted?;
    closed?;
    Ok(Printed {
        out: format!(
            "compacted {}{}: tables {before} -> {after} bytes\n",
            args.dir.display(),
            if ranged { " (the key range)" } else { "" }
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
