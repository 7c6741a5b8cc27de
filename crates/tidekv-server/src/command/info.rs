//! `INFO [section ...]`: the server, its clients, memory, persistence, counters, and the store's
//! own statistics, in Redis's `field:value` text.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use tidekv::BackendStats;

use super::args::{is, rest};
use super::connection::REDIS_VERSION;
use super::fail::CmdResult;
use super::{session, CommandSpec, InMulti};
use crate::config::{DurabilityMode, EngineKind};
use crate::resp::Reply;
use crate::session::Session;

/// The sections `INFO` with no argument (or `default`) prints.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "keyspace",
];

fn info(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let asked = rest(args, 1);
    let everything = asked.is_empty()
        || asked
            .iter()
            .any(|a| is(a, "all") || is(a, "everything") || is(a, "default"));
    let all = asked.iter().any(|a| is(a, "all") || is(a, "everything"));
    // As in Redis, `commandstats` is printed when asked for, or with `all`; not by default.
    let wanted = |section: &str| {
        asked.iter().any(|a| is(a, section))
            || (section == "commandstats" && all)
            || (section != "commandstats" && everything)
    };
    let mut out = String::new();
    for section in DEFAULT.iter().chain(&["commandstats", "tidekv"]) {
        if !wanted(section) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        match *section {
            "server" => server(s, &mut out),
            "clients" => clients(s, &mut out),
            "memory" => memory(&mut out),
            "persistence" => persistence(s, &mut out),
            "stats" => stats(s, &mut out),
            "replication" => out.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"),
            "keyspace" => keyspace(s, &mut out)?,
            "commandstats" => commandstats(s, &mut out),
            _ => store(s, &mut out)?,
        }
    }
    Ok(Reply::Verbatim(Bytes::from(out)))
}

/// `cmdstat_NAME:calls=…,usec=…,usec_per_call=…,rejected_calls=…,failed_calls=…`, Redis's
/// lines, for each command called at least once.
fn commandstats(s: &Session, out: &mut String) {
    out.push_str("# Commandstats\r\n");
    for c in s.shared.observe.commands.report() {
        let per_call = if c.calls == 0 {
            0.0
        } else {
            c.usec as f64 / c.calls as f64
        };
        let _ = write!(
            out,
            "cmdstat_{}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},\
             failed_calls={}\r\n",
            c.name, c.calls, c.usec, c.rejected, c.failed
        );
    }
}

fn server(s: &Session, out: &mut String) {
    let config = s.shared.settings();
    let uptime = s.shared.started.elapsed().as_secs();
    let os = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    let _ = write!(
        out,
        "# Server\r\nredis_version:{REDIS_VERSION}\r\ntidekv_version:{}\r\nredis_mode:standalone\r\n\
         os:{os}\r\narch_bits:{}\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{uptime}\r\n\
         uptime_in_days:{}\r\nexecutable:tidekv\r\nengine:{}\r\n",
        env!("CARGO_PKG_VERSION"),
        usize::BITS,
        std::process::id(),
        s.shared.port,
        uptime / 86_400,
        match config.engine {
            EngineKind::Disk => "disk",
            EngineKind::Memory => "memory",
        },
    );
}

fn clients(s: &Session, out: &mut String) {
    let config = s.shared.settings();
    let _ = write!(
        out,
        "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:{}\r\n",
        s.shared.clients.count(),
        config.maxclients,
        s.shared.stats.blocked_clients.load(Ordering::Relaxed),
    );
}

/// The process's resident memory in bytes, from `/proc` (0 where there is none).
pub(crate) fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn memory(out: &mut String) {
    // tidekv does not count allocations as Redis's allocator does: both fields are the
    // resident set size.
    let rss = resident_bytes();
    let _ = write!(
        out,
        "# Memory\r\nused_memory:{rss}\r\nused_memory_human:{:.2}M\r\nused_memory_rss:{rss}\r\n\
         maxmemory:0\r\nmaxmemory_policy:noeviction\r\n",
        rss as f64 / (1024.0 * 1024.0)
    );
}

fn persistence(s: &Session, out: &mut String) {
    let config = s.shared.settings();
    let (aof, fsync) = match (config.engine, config.durability) {
        (EngineKind::Memory, _) => (0, "no"),
        (EngineKind::Disk, DurabilityMode::Sync) => (1, "always"),
        (EngineKind::Disk, DurabilityMode::Periodic) => (1, "everysec"),
        (EngineKind::Disk, DurabilityMode::Buffered) => (1, "no"),
    };
    let _ = write!(
        out,
        "# Persistence\r\nloading:0\r\nrdb_last_save_time:{}\r\nrdb_bgsave_in_progress:{}\r\n\
         rdb_last_bgsave_status:{}\r\naof_enabled:{aof}\r\naof_fsync:{fsync}\r\n",
        s.shared.last_save.load(Ordering::Relaxed),
        u8::from(s.shared.bgsave_running.load(Ordering::Acquire)),
        if s.shared.last_bgsave_ok.load(Ordering::Acquire) {
            "ok"
        } else {
            "err"
        },
    );
}

fn stats(s: &Session, out: &mut String) {
    let c = &s.shared.stats;
    let _ = write!(
        out,
        "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n\
         rejected_connections:{}\r\nclient_output_buffer_limit_disconnections:{}\r\n",
        c.connections_received.load(Ordering::Relaxed),
        c.commands_processed.load(Ordering::Relaxed),
        c.rejected_connections.load(Ordering::Relaxed),
        c.output_limit_disconnections.load(Ordering::Relaxed),
    );
}

fn keyspace(s: &Session, out: &mut String) -> Result<(), super::fail::Fail> {
    out.push_str("# Keyspace\r\n");
    for ks in s.shared.store.stats()?.keyspaces {
        let _ = write!(
            out,
            "db{}:keys={},expires={},bytes={}\r\n",
            ks.id, ks.keys, ks.expires, ks.bytes
        );
    }
    Ok(())
}

/// The store's own statistics (`INFO tidekv`).
fn store(s: &Session, out: &mut String) -> Result<(), super::fail::Fail> {
    let stats = s.shared.store.stats()?;
    let _ = write!(
        out,
        "# Tidekv\r\nstore_keys:{}\r\nstore_bytes:{}\r\n",
        stats.keys, stats.bytes
    );
    match stats.backend {
        BackendStats::Memory(m) => {
            let _ = write!(
                out,
                "store_engine:memory\r\nshards:{}\r\nkeys_with_expiry:{}\r\nexpired_reclaimed:{}\r\n",
                m.shards, m.keys_with_expiry, m.expired_reclaimed
            );
        }
        BackendStats::Disk(d) => {
            let _ = write!(
                out,
                "store_engine:disk\r\nmemtable_bytes:{}\r\nimmutable_memtables:{}\r\n\
                 immutable_memtable_bytes:{}\r\nblock_cache_usage:{}\r\nblock_cache_hits:{}\r\nblock_cache_misses:{}\r\n\
                 open_tables:{}\r\nwal_bytes:{}\r\nwrite_amplification:{:.2}\r\nflushes:{}\r\n\
                 compactions:{}\r\nwrite_stalls:{}\r\nlog_syncs:{}\r\n",
                d.memtable_bytes,
                d.immutable_memtables,
                d.immutable_memtable_bytes,
                d.block_cache_usage,
                d.block_cache_hits,
                d.block_cache_misses,
                d.open_tables,
                d.wal_bytes,
                d.write_amplification,
                d.flushes,
                d.compactions,
                d.write_stalls,
                d.log_syncs,
            );
            for level in &d.levels {
                let _ = write!(
                    out,
                    "level{}:tables={},bytes={},entries={}\r\n",
                    level.level, level.tables, level.bytes, level.entries
                );
            }
        }
        _ => {}
    }
    Ok(())
}

pub(crate) const COMMANDS: &[CommandSpec] = &[session("info", -1, InMulti::Queue, info)];
