//! `tidekv export` and `tidekv import`: a store to a file and back, in the portable snapshot
//! format or as JSON lines (`records.rs`).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::interrupt::Interrupt;
use crate::keys::Printed;
use crate::progress::{Progress, Unit};
use crate::records::{from_line, now_ms, to_line, BatchWriter};
use crate::target::{open_store, Target};

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per key per line (docs/operations.md).
    Jsonl,
    /// The portable snapshot format (docs/format/snapshot.md).
    Snapshot,
}

/// The format named, or the one the file's name says (`*.tkv`: snapshot).
fn format_of(named: Option<Format>, path: &Path) -> Format {
    named.unwrap_or(if path.extension().is_some_and(|e| e == "tkv") {
        Format::Snapshot
    } else {
        Format::Jsonl
    })
}

/// `tidekv export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Writes every key of every keyspace, read at one point in time, with its \
type, value and TTL. The file appears only once complete (written beside it, then renamed); \
Ctrl-C stops and leaves no file.

Examples:
  tidekv export --dir ./tidekv-data backup.tkv            # snapshot format (by the name)
  tidekv export --url redis://127.0.0.1:6379 keys.jsonl   # JSON lines
  tidekv export --dir ./tidekv-data - | grep '\"type\":\"list\"'"
)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    target: Target,
    /// The file's format [default: snapshot for *.tkv, JSON lines otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The file to write; `-` for standard output (JSON lines).
    out: PathBuf,
}

/// `tidekv import`.
#[derive(Debug, Args)]
#[command(
    after_help = "JSON lines are written in atomic batches (each key replaced whole, so a \
line imported twice changes nothing). If a line is bad, the write fails, or Ctrl-C is pressed, \
the import stops at a batch's end and says which lines are in; --from-line resumes after them. A \
snapshot replaces the whole store, all or nothing.

Examples:
  tidekv import --dir ./tidekv-data keys.jsonl
  tidekv import --url redis://127.0.0.1:6379 keys.jsonl --from-line 120001
  tidekv import --dir ./tidekv-data backup.tkv            # replaces everything"
)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    target: Target,
    /// The file's format [default: snapshot for *.tkv, JSON lines otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The file to read; `-` for standard input (JSON lines).
    file: PathBuf,
    /// Keys per atomic batch (JSON lines; 1 on a Cluster).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    batch: usize,
    /// Start at this line (1 is the first), skipping the lines before it (JSON lines).
    #[arg(long, value_name = "N", default_value_t = 1)]
    from_line: u64,
}

pub(crate) fn export(args: ExportArgs) -> Result<Printed, String> {
    let to_stdout = args.out == Path::new("-");
    let format = if to_stdout {
        Format::Jsonl
    } else {
        format_of(args.format, &args.out)
    };
    let store = open_store(&args.target, false)?;
    let result = match format {
        Format::Snapshot => store
            .save_snapshot(&args.out)
            .map_err(|e| format!("writing {}: {e}", args.out.display())),
        Format::Jsonl => export_lines(&store, &args.out, to_stdout),
    };
    let closed = store.close().map_err(|e| format!("closing the store: {e}"));
    let keys = result?;
    closed?;
    let summary = format!("exported {keys} keys to {}\n", args.out.display());
    if to_stdout {
        eprint!("{summary}");
        return Ok(Printed {
            out: Vec::new(),
            status: 0,
        });
    }
    Ok(Printed {
        out: summary.into_bytes(),
        status: 0,
    })
}

fn export_lines(store: &tidekv::Store, out: &Path, to_stdout: bool) -> Result<u64, String> {
    let interrupt = Interrupt::listen();
    let total = store.stats().map(|s| s.keys).ok();
    let mut progress = Progress::new("export", Unit::Keys, total);
    let part = {
        let mut name = out.as_os_str().to_owned();
        name.push(".part");
        PathBuf::from(name)
    };
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(io::stdout().lock())
    } else {
        Box::new(File::create(&part).map_err(|e| format!("creating {}: {e}", part.display()))?)
    };
    let mut sink = BufWriter::with_capacity(1 << 20, sink);
    let written = (|| {
        let mut keys = 0u64;
        let now = now_ms();
        for record in store.dump().map_err(|e| e.to_string())? {
            if interrupt.pressed() {
                return Err(format!("stopped by Ctrl-C after {keys} keys"));
            }
            let record = record.map_err(|e| e.to_string())?;
            writeln!(sink, "{}", to_line(&record, now)).map_err(|e| format!("writing: {e}"))?;
            keys += 1;
            progress.set(keys);
        }
        sink.flush().map_err(|e| format!("writing: {e}"))?;
        Ok(keys)
    })();
    progress.finish();
    drop(sink);
    match written {
        Ok(keys) if !to_stdout => {
            File::open(&part)
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&part, out))
                .map_err(|e| format!("finishing {}: {e}", out.display()))?;
            Ok(keys)
        }
        Ok(keys) => Ok(keys),
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(format!("{e}; {} was not written", out.display()))
        }
    }
}

pub(crate) fn import(args: ImportArgs) -> Result<Printed, String> {
    let from_stdin = args.file == Path::new("-");
    let format = if from_stdin {
        Format::Jsonl
    } else {
        format_of(args.format, &args.file)
    };
    let store = match &args.target.dir {
        // An import may make a new store: into a missing or empty directory (a directory
        // holding anything else is refused by the store's own rules, untouched).
        Some(dir) if !dir.join("CURRENT").exists() => {
            tidekv::Store::open(tidekv::Config::disk(dir).keyspaces(tidekv::MAX_KEYSPACES))
                .map_err(|e| format!("creating a store in {}: {e}", dir.display()))?
        }
        _ => open_store(&args.target, true)?,
    };
    let result = match format {
        Format::Snapshot => store
            .load_snapshot(&args.file)
            .map_err(|e| {
                format!(
                    "loading {}: {e} (the store is as it was)",
                    args.file.display()
                )
            })
            .and_then(|()| store.stats().map(|s| s.keys).map_err(|e| e.to_string()))
            .map(|keys| {
                format!(
                    "replaced the store with {} ({keys} keys)\n",
                    args.file.display()
                )
            }),
        Format::Jsonl => import_lines(&store, &args),
    };
    let closed = store.close().map_err(|e| format!("closing the store: {e}"));
    let summary = result?;
    closed?;
    Ok(Printed {
        out: summary.into_bytes(),
        status: 0,
    })
}

fn import_lines(store: &tidekv::Store, args: &ImportArgs) -> Result<String, String> {
    let reader: Box<dyn BufRead> = if args.file == Path::new("-") {
        Box::new(BufReader::new(io::stdin().lock()))
    } else {
        let file =
            File::open(&args.file).map_err(|e| format!("opening {}: {e}", args.file.display()))?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let interrupt = Interrupt::listen();
    let mut progress = Progress::new("import", Unit::Keys, None);
    let mut writer = BatchWriter::new(store, args.batch);
    // Every line up to `done` is in the store (or was skipped as asked); `added` is the last
    // line in the pending batch.
    let (mut done, mut added) = (args.from_line.saturating_sub(1), 0u64);
    let resume = |done: u64| {
        format!(
            "lines up to {done} are imported; resume with --from-line {}",
            done + 1
        )
    };
    let mut stop: Option<String> = None;
    for (i, text) in reader.lines().enumerate() {
        let number = i as u64 + 1;
        if number < args.from_line {
            continue;
        }
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                stop = Some(format!("reading line {number}: {e}"));
                break;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let line = match from_line(&text, now_ms()) {
            Ok(line) => line,
            Err(why) => {
                stop = Some(format!("line {number}: {why}"));
                break;
            }
        };
        if writer.full_for(&line) {
            if interrupt.pressed() {
                stop = Some("stopped by Ctrl-C".into());
                break;
            }
            writer
                .commit()
                .map_err(|e| format!("lines {}..={added}: {e}; {}", done + 1, resume(done)))?;
            done = added;
            progress.set(writer.written);
        }
        writer
            .add(line)
            .map_err(|e| format!("line {number}: {e}; {}", resume(done)))?;
        added = number;
    }
    // What is pending is whole lines that parsed: commit them whatever stopped the loop.
    let committed = writer.commit();
    progress.finish();
    committed.map_err(|e| format!("lines {}..={added}: {e}; {}", done + 1, resume(done)))?;
    done = done.max(added);
    match stop {
        Some(why) => Err(format!("{why}; {}", resume(done))),
        None => Ok(format!(
            "imported {} keys from {} (lines {}..={done})\n",
            writer.written,
            args.file.display(),
            args.from_line
        )),
    }
}
