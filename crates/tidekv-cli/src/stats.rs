//! `tidekv stats`: what a store reports about itself, as a table or as JSON. On a directory,
//! the library's `Store::stats` of a read-only open; through a server, its `INFO`.

use std::fmt::Write as _;

use clap::Args;
use tidekv::{BackendStats, Stats};

use crate::keys::Printed;
use crate::target::{connect, open_dir, Target};

/// `tidekv stats`.
#[derive(Debug, Args)]
#[command(
    after_help = "On a directory: keys per keyspace, memory by budget (memtables, block \
cache, table metadata), levels and tables, the logs. Counters (cache hits, write amplification, \
stalls) count from the open, so they are zero here: ask a running server for them with --url, \
which prints its INFO.

Examples:
  tidekv stats --dir ./tidekv-data
  tidekv stats --url redis://127.0.0.1:6379 --json"
)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: StatsArgs) -> Result<Printed, String> {
    let out = match (&args.target.dir, &args.target.url) {
        (Some(dir), _) => {
            let store = open_dir(dir, true)?;
            let stats = store.stats().map_err(|e| e.to_string());
            let closed = store.close().map_err(|e| e.to_string());
            let stats = stats?;
            closed?;
            if args.json {
                format!(
                    "{}\n",
                    serde_json::to_string(&stats).map_err(|e| e.to_string())?
                )
            } else {
                stats_text(&stats)
            }
        }
        (None, Some(url)) => {
            let mut server = connect(url)?;
            let info: String = redis::cmd("INFO")
                .arg("everything")
                .query(&mut server)
                .map_err(|e| format!("{url}: INFO: {e}"))?;
            info_report(&info, args.json)
        }
        (None, None) => return Err("give --dir or --url".into()),
    };
    Ok(Printed {
        out: out.into_bytes(),
        status: 0,
    })
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

fn stats_text(stats: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "keys                 {} ({} bytes counted)",
        stats.keys, stats.bytes
    );
    for ks in &stats.keyspaces {
        let _ = writeln!(
            out,
            "  keyspace {:<3}       {} keys, {} with an expiry",
            ks.id, ks.keys, ks.expires
        );
    }
    if let BackendStats::Disk(d) = &stats.backend {
        let _ = writeln!(out, "store                {} (disk)", d.path.display());
        let _ = writeln!(out, "memory by budget");
        let _ = writeln!(
            out,
            "  memtables          {} active, {} frozen ({})",
            mib(d.memtable_bytes),
            d.immutable_memtables,
            mib(d.immutable_memtable_bytes)
        );
        let _ = writeln!(
            out,
            "  block cache        {} of {}",
            mib(d.block_cache_usage),
            mib(d.block_cache_capacity)
        );
        let _ = writeln!(out, "  table metadata     {}", mib(d.table_metadata_bytes));
        let _ = writeln!(out, "levels");
        for level in d.levels.iter().filter(|l| l.tables > 0) {
            let _ = writeln!(
                out,
                "  L{}                 {} tables, {}, {} entries",
                level.level,
                level.tables,
                mib(level.bytes),
                level.entries
            );
        }
        let tables: u64 = d.levels.iter().map(|l| l.tables).sum();
        let _ = writeln!(
            out,
            "open tables          {} of {} ({tables} tables)",
            d.open_tables, d.max_open_files
        );
        let _ = writeln!(out, "log                  {}", mib(d.wal_bytes));
        let lookups = d.block_cache_hits + d.block_cache_misses;
        let _ = writeln!(
            out,
            "since open           cache hits {} of {lookups}, write amplification {:.2}, stalls {}",
            d.block_cache_hits, d.write_amplification, d.write_stalls
        );
        if d.torn_log_tail_cut_on_open {
            let _ = writeln!(
                out,
                "note                 the newest log ends in an unfinished write"
            );
        }
    }
    out
}

/// A server's `INFO`, section by section, as text or as `{"section": {"field": "value"}}`.
fn info_report(info: &str, json: bool) -> String {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in info.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(name) = line.strip_prefix("# ") {
            sections.push((name.to_lowercase(), Vec::new()));
        } else if let (Some((field, value)), Some((_, fields))) =
            (line.split_once(':'), sections.last_mut())
        {
            fields.push((field.to_string(), value.to_string()));
        }
    }
    if json {
        let object: serde_json::Map<String, serde_json::Value> = sections
            .into_iter()
            .map(|(name, fields)| {
                let fields: serde_json::Map<String, serde_json::Value> =
                    fields.into_iter().map(|(f, v)| (f, v.into())).collect();
                (name, fields.into())
            })
            .collect();
        return format!("{}\n", serde_json::Value::Object(object));
    }
    let mut out = String::new();
    for (name, fields) in sections {
        let _ = writeln!(out, "{name}");
        for (field, value) in fields {
            let _ = writeln!(out, "  {field:<32} {value}");
        }
    }
    out
}
