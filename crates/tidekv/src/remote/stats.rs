//! `stats()` on the remote backend: each primary's `INFO`, summed.

use std::sync::Arc;

use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::Value;

use crate::error::{Error, Result};
use crate::remote::connections::Shared;
use crate::remote::engine::{bytes_of, RemoteEngine};
use crate::stats::{BackendStats, KeyspaceStats, RemoteStats};

/// The `INFO` text of every primary (one on a single server).
fn info_of_each(engine: &RemoteEngine, section: &'static str) -> Result<Vec<String>> {
    let conns = Arc::clone(&engine.conns);
    let options = Arc::clone(&engine.options);
    engine.bridge.run(async move {
        let mut shared = conns.shared(0, &options).await?;
        let cmd = redis::cmd("INFO").arg(section).to_owned();
        let replies = match (conns.primaries().await?, &mut shared) {
            (Some(nodes), Shared::Cluster(cluster)) => {
                let mut replies = Vec::with_capacity(nodes.len());
                for (host, port) in nodes {
                    let to =
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                    replies.push(cluster.route_command(&cmd, to).await);
                }
                replies
            }
            (_, shared) => vec![cmd.query_async::<Value>(shared).await],
        };
        replies
            .into_iter()
            .map(|reply| {
                let reply = reply.map_err(|e| Error::remote("INFO", e))?;
                let text = bytes_of(reply)?.unwrap_or_default();
                Ok(String::from_utf8_lossy(&text).into_owned())
            })
            .collect()
    })?
}

/// `name:value` lines of an `INFO` text.
fn field<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(name)?.strip_prefix(':'))
}

fn number(text: &str, name: &str) -> u64 {
    field(text, name).and_then(|v| v.parse().ok()).unwrap_or(0)
}

pub(crate) fn backend_stats(engine: &RemoteEngine) -> Result<BackendStats> {
    let infos = info_of_each(engine, "everything")?;
    Ok(BackendStats::Remote(RemoteStats {
        address: engine.conns.address(),
        cluster: engine.conns.is_cluster(),
        primaries: infos.len() as u64,
        server_version: infos
            .first()
            .and_then(|t| field(t, "redis_version"))
            .unwrap_or_default()
            .to_owned(),
        used_memory: infos.iter().map(|t| number(t, "used_memory")).sum(),
        connected_clients: infos.iter().map(|t| number(t, "connected_clients")).sum(),
        blocked_clients: infos.iter().map(|t| number(t, "blocked_clients")).sum(),
    }))
}

/// Keys and keys with an expiry of each non-empty keyspace (`INFO keyspace`: `db0:keys=…`).
pub(crate) fn keyspace_usage(engine: &RemoteEngine) -> Result<Vec<KeyspaceStats>> {
    let mut usage: Vec<KeyspaceStats> = Vec::new();
    for text in info_of_each(engine, "keyspace")? {
        for line in text.lines() {
            let Some((db, fields)) = line
                .trim()
                .strip_prefix("db")
                .and_then(|l| l.split_once(':'))
            else {
                continue;
            };
            let Ok(id) = db.parse::<u32>() else {
                continue;
            };
            if id >= engine.keyspaces {
                continue;
            }
            let count = |name: &str| {
                fields
                    .split(',')
                    .find_map(|f| f.strip_prefix(name)?.strip_prefix('=')?.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let (keys, expires) = (count("keys"), count("expires"));
            match usage.iter_mut().find(|u| u.id == id) {
                Some(u) => {
                    u.keys += keys;
                    u.expires += expires;
                }
                None => usage.push(KeyspaceStats {
                    id,
                    keys,
                    expires,
                    bytes: 0,
                }),
            }
        }
    }
    usage.sort_by_key(|u| u.id);
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields_are_found_by_name_not_by_prefix() {
        let text = "# Memory\r\nused_memory:1024\r\nused_memory_rss:4096\r\n";
        assert_eq!(number(text, "used_memory"), 1024);
        assert_eq!(number(text, "used_memory_rss"), 4096);
        assert_eq!(number(text, "missing"), 0);
    }
}
