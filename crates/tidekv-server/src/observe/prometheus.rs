//! The server's metrics in the Prometheus text format (version 0.0.4), as the metrics endpoint
//! serves them.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use tidekv::BackendStats;

use super::command_stats::{CommandReport, BUCKETS_US};
use crate::shared::Shared;

/// Writes one metric family's `HELP` and `TYPE` lines, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One sample per row, labelled `label="row's label"`.
    fn by<V: std::fmt::Display>(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        label: &str,
        rows: impl IntoIterator<Item = (String, V)>,
    ) {
        self.head(name, kind, help);
        for (value_of_label, value) in rows {
            let _ = writeln!(self.out, "{name}{{{label}=\"{value_of_label}\"}} {value}");
        }
    }

    /// One sample without labels.
    fn one(&mut self, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
        self.head(name, kind, help);
        let _ = writeln!(self.out, "{name} {value}");
    }
}

/// Everything the endpoint serves.
pub(crate) fn render(shared: &Shared) -> String {
    let mut out = String::new();
    commands(&mut out, &shared.observe.commands.report());
    let mut f = Family { out: &mut out };
    let stats = &shared.stats;
    f.one(
        "tidekv_connected_clients",
        "gauge",
        "Clients connected now.",
        shared.clients.count(),
    );
    f.one(
        "tidekv_blocked_clients",
        "gauge",
        "Clients waiting in a blocking pop now.",
        stats.blocked_clients.load(Ordering::Relaxed),
    );
    f.one(
        "tidekv_connections_received_total",
        "counter",
        "Connections accepted.",
        stats.connections_received.load(Ordering::Relaxed),
    );
    f.one(
        "tidekv_rejected_connections_total",
        "counter",
        "Connections refused at maxclients.",
        stats.rejected_connections.load(Ordering::Relaxed),
    );
    f.one(
        "tidekv_slowlog_length",
        "gauge",
        "Entries in the slow log.",
        shared.observe.slowlog.len(),
    );
    f.one(
        "tidekv_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
        shared.started.elapsed().as_secs(),
    );
    match shared.store.stats() {
        Ok(s) => store(&mut f, &s),
        Err(e) => {
            let _ = writeln!(f.out, "# the store's statistics are unavailable: {e}");
        }
    }
    out
}

/// Per-command counters and the latency histogram.
fn commands(out: &mut String, report: &[CommandReport]) {
    let mut f = Family { out };
    let by_cmd = |value: fn(&CommandReport) -> u64| {
        report.iter().map(move |c| (c.name.to_string(), value(c)))
    };
    f.by(
        "tidekv_commands_total",
        "counter",
        "Commands run, by name.",
        "cmd",
        by_cmd(|c| c.calls),
    );
    f.by(
        "tidekv_command_errors_total",
        "counter",
        "Commands that answered an error, by name.",
        "cmd",
        by_cmd(|c| c.failed),
    );
    f.by(
        "tidekv_commands_rejected_total",
        "counter",
        "Commands refused before they ran (arity, authentication, MULTI), by name.",
        "cmd",
        by_cmd(|c| c.rejected),
    );
    let name = "tidekv_command_duration_seconds";
    f.head(
        name,
        "histogram",
        "Time to run a command, by name (a blocking pop's wait excluded).",
    );
    for c in report {
        let mut cumulative = 0;
        for (i, count) in c.buckets.iter().enumerate() {
            cumulative += count;
            let le = BUCKETS_US
                .get(i)
                .map_or("+Inf".to_string(), |us| format!("{}", *us as f64 / 1e6));
            let _ = writeln!(
                f.out,
                "{name}_bucket{{cmd=\"{}\",le=\"{le}\"}} {cumulative}",
                c.name
            );
        }
        let _ = writeln!(
            f.out,
            "{name}_sum{{cmd=\"{}\"}} {}",
            c.name,
            c.usec as f64 / 1e6
        );
        let _ = writeln!(f.out, "{name}_count{{cmd=\"{}\"}} {}", c.name, c.calls);
    }
}

/// The store's keys, memory by budget, and (disk) its engine's counters.
fn store(f: &mut Family<'_>, s: &tidekv::Stats) {
    f.head("tidekv_keys", "gauge", "Keys, by keyspace.");
    for ks in &s.keyspaces {
        let _ = writeln!(f.out, "tidekv_keys{{db=\"{}\"}} {}", ks.id, ks.keys);
    }
    f.head(
        "tidekv_keys_with_expiry",
        "gauge",
        "Keys with an expiry, by keyspace.",
    );
    for ks in &s.keyspaces {
        let _ = writeln!(
            f.out,
            "tidekv_keys_with_expiry{{db=\"{}\"}} {}",
            ks.id, ks.expires
        );
    }
    let BackendStats::Disk(d) = &s.backend else {
        return;
    };
    let budgets = [
        ("memtable", d.memtable_bytes),
        ("immutable_memtables", d.immutable_memtable_bytes),
        ("block_cache", d.block_cache_usage),
        ("table_metadata", d.table_metadata_bytes),
    ];
    f.by(
        "tidekv_memory_bytes",
        "gauge",
        "Memory in use, by budget.",
        "budget",
        budgets.map(|(b, v)| (b.to_string(), v)),
    );
    f.one(
        "tidekv_block_cache_capacity_bytes",
        "gauge",
        "The block cache's capacity.",
        d.block_cache_capacity,
    );
    f.one(
        "tidekv_block_cache_hits_total",
        "counter",
        "Block reads served by the cache.",
        d.block_cache_hits,
    );
    f.one(
        "tidekv_block_cache_misses_total",
        "counter",
        "Block reads that went to a file.",
        d.block_cache_misses,
    );
    f.one(
        "tidekv_wal_syncs_total",
        "counter",
        "fsyncs of the write-ahead log (one per group of writes).",
        d.log_syncs,
    );
    // The group commit's group size, as bytes of log per fsync (records are not counted apart).
    let per_sync = if d.log_syncs == 0 {
        0.0
    } else {
        d.wal_bytes_written as f64 / d.log_syncs as f64
    };
    f.one(
        "tidekv_wal_bytes_per_sync",
        "gauge",
        "Average bytes of log made durable by one fsync: the size of a commit group.",
        per_sync,
    );
    f.one(
        "tidekv_wal_bytes_written_total",
        "counter",
        "Bytes appended to the write-ahead log.",
        d.wal_bytes_written,
    );
    f.one(
        "tidekv_user_bytes_written_total",
        "counter",
        "Bytes of keys and values written by clients.",
        d.user_bytes_written,
    );
    f.one(
        "tidekv_flushes_total",
        "counter",
        "Memtables flushed to tables.",
        d.flushes,
    );
    f.one(
        "tidekv_compactions_total",
        "counter",
        "Compactions run.",
        d.compactions,
    );
    f.one(
        "tidekv_compaction_bytes_read_total",
        "counter",
        "Bytes compactions read.",
        d.compaction_bytes_read,
    );
    f.one(
        "tidekv_compaction_bytes_written_total",
        "counter",
        "Bytes compactions wrote.",
        d.compaction_bytes_written,
    );
    f.one(
        "tidekv_write_stalls_total",
        "counter",
        "Writes that waited for a flush or compaction.",
        d.write_stalls,
    );
    f.one(
        "tidekv_write_stall_seconds_total",
        "counter",
        "Time writes spent stalled.",
        d.write_stall_micros as f64 / 1e6,
    );
    f.one(
        "tidekv_write_amplification",
        "gauge",
        "Bytes written to disk per byte written by clients.",
        d.write_amplification,
    );
    f.one(
        "tidekv_open_tables",
        "gauge",
        "Tables held open.",
        d.open_tables,
    );
    f.head("tidekv_level_tables", "gauge", "Tables, by level.");
    for l in &d.levels {
        let _ = writeln!(
            f.out,
            "tidekv_level_tables{{level=\"{}\"}} {}",
            l.level, l.tables
        );
    }
    f.head("tidekv_level_bytes", "gauge", "Bytes of tables, by level.");
    for l in &d.levels {
        let _ = writeln!(
            f.out,
            "tidekv_level_bytes{{level=\"{}\"}} {}",
            l.level, l.bytes
        );
    }
}
