//! Sorted scans and dumps on Valkey / Redis: `SCAN` on the server (on every primary of a
//! Cluster) with a `MATCH` pattern made from the range's common prefix, the keys sorted in
//! bounded memory (`sorted_keys.rs`), then the values read in batches as the caller iterates.
//!
//! Not one point in time (`Capabilities::point_in_time_scans` is false): a key written while
//! the scan runs may or may not be seen, and a key removed after `SCAN` returned it is skipped
//! when its value is read. Every key that exists for the whole scan is seen exactly once.

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::Value;

use crate::engine::{is_empty_range, EngineDump, EngineScan, KeyKind, KeyRange, Record, ScanValue};
use crate::error::{Error, Result};
use crate::remote::connections::Shared;
use crate::remote::contract::kind_named;
use crate::remote::engine::{bytes_of, RemoteEngine};
use crate::remote::errors::{from_redis, Expected};
use crate::remote::read_key::{decode, read_key};
use crate::remote::sorted_keys::{KeySorter, SortedKeys};

/// Keys whose values one round trip reads.
const VALUE_BATCH: usize = 128;
/// `SCAN … COUNT`: the work the server does per call.
const SCAN_COUNT: u32 = 1_000;

/// A lazy sorted scan of keyspace `ks` over `range`.
pub(crate) fn scan(engine: &RemoteEngine, ks: u32, range: KeyRange) -> Result<EngineScan> {
    let mut keys = sorted_keys(engine, ks, &range)?.peekable();
    let engine = engine.clone();
    let mut ready: std::vec::IntoIter<(Bytes, ScanValue)> = Vec::new().into_iter();
    Ok(Box::new(std::iter::from_fn(move || loop {
        if let Some(item) = ready.next() {
            return Some(Ok(item));
        }
        let batch = match next_batch(&mut keys)? {
            Ok(batch) => batch,
            Err(e) => return Some(Err(e)),
        };
        match scan_values(&engine, ks, batch) {
            Ok(values) => ready = values.into_iter(),
            Err(e) => return Some(Err(e)),
        }
    })))
}

/// A lazy dump of every keyspace, keyspace by keyspace, keys sorted.
pub(crate) fn dump(engine: &RemoteEngine) -> Result<EngineDump> {
    let engine = engine.clone();
    let mut ks = 0;
    let mut keys: Option<std::iter::Peekable<SortedKeys>> = None;
    let mut ready: std::vec::IntoIter<Record> = Vec::new().into_iter();
    Ok(Box::new(std::iter::from_fn(move || loop {
        if let Some(record) = ready.next() {
            return Some(Ok(record));
        }
        let current = match &mut keys {
            Some(current) => current,
            None => {
                if ks >= engine.keyspaces {
                    return None;
                }
                let everything: KeyRange = (Bound::Unbounded, Bound::Unbounded);
                match sorted_keys(&engine, ks, &everything) {
                    Ok(sorted) => keys.insert(sorted.peekable()),
                    Err(e) => return Some(Err(e)),
                }
            }
        };
        let batch = match next_batch(current) {
            None => {
                keys = None;
                ks += 1;
                continue;
            }
            Some(Ok(batch)) => batch,
            Some(Err(e)) => return Some(Err(e)),
        };
        match records(&engine, ks, batch) {
            Ok(records) => ready = records.into_iter(),
            Err(e) => return Some(Err(e)),
        }
    })))
}

/// Up to [`VALUE_BATCH`] keys; `None` at the end.
fn next_batch(keys: &mut std::iter::Peekable<SortedKeys>) -> Option<Result<Vec<Bytes>>> {
    keys.peek()?;
    let mut batch = Vec::with_capacity(VALUE_BATCH);
    for key in keys.by_ref().take(VALUE_BATCH) {
        match key {
            Ok(key) => batch.push(key),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(batch))
}

/// Every key of keyspace `ks` in `range`, sorted, each once.
pub(crate) fn sorted_keys(engine: &RemoteEngine, ks: u32, range: &KeyRange) -> Result<SortedKeys> {
    let mut sorter = KeySorter::new(engine.options.sort_buffer_keys);
    if is_empty_range(&range.0, &range.1) {
        return sorter.finish();
    }
    let pattern = match_pattern(range);
    let conns = Arc::clone(&engine.conns);
    let options = Arc::clone(&engine.options);
    let nodes = engine
        .bridge
        .run(async move { conns.primaries().await })??;
    let targets: Vec<Option<(String, u16)>> = match nodes {
        None => vec![None],
        Some(nodes) => nodes.into_iter().map(Some).collect(),
    };
    for node in targets {
        let mut cursor = 0u64;
        loop {
            let conns = Arc::clone(&engine.conns);
            let options = Arc::clone(&options);
            let pattern = pattern.clone();
            let node = node.clone();
            let (next, keys) = engine.bridge.run(async move {
                let mut shared = conns.shared(ks, &options).await?;
                scan_step(&mut shared, node, cursor, &pattern).await
            })??;
            for key in keys {
                if in_range(&key, range) {
                    sorter.push(key)?;
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    sorter.finish()
}

/// One `SCAN cursor MATCH pattern COUNT n`, on `node` of a Cluster or the one server.
async fn scan_step(
    shared: &mut Shared,
    node: Option<(String, u16)>,
    cursor: u64,
    pattern: &[u8],
) -> Result<(u64, Vec<Bytes>)> {
    let cmd = redis::cmd("SCAN")
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(SCAN_COUNT)
        .to_owned();
    let reply = match (shared, node) {
        (Shared::Cluster(cluster), Some((host, port))) => {
            let to = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
            cluster.route_command(&cmd, to).await
        }
        (shared, _) => cmd.query_async::<Value>(shared).await,
    }
    .map_err(|e| from_redis(&e, "SCAN", Expected::String))?;
    let bad = || Error::remote("SCAN", "an answer of an unexpected shape");
    let Value::Array(mut parts) = reply else {
        return Err(bad());
    };
    let (Some(Value::Array(keys)), Some(cursor)) = (parts.pop(), parts.pop()) else {
        return Err(bad());
    };
    let cursor = bytes_of(cursor)?
        .and_then(|c| std::str::from_utf8(&c).ok()?.parse::<u64>().ok())
        .ok_or_else(bad)?;
    let keys = keys
        .into_iter()
        .map(|k| bytes_of(k)?.ok_or_else(bad))
        .collect::<Result<Vec<_>>>()?;
    Ok((cursor, keys))
}

/// The values a scan yields for `keys`: one `MGET` (split by slot on a Cluster), then `TYPE`
/// for the keys it found no string under (a list, or a key removed since `SCAN`).
fn scan_values(
    engine: &RemoteEngine,
    ks: u32,
    keys: Vec<Bytes>,
) -> Result<Vec<(Bytes, ScanValue)>> {
    let conns = Arc::clone(&engine.conns);
    let options = Arc::clone(&engine.options);
    engine.bridge.run(async move {
        let mut shared = conns.shared(ks, &options).await?;
        let mut mget = redis::cmd("MGET");
        for key in &keys {
            mget.arg(key.as_ref());
        }
        let values: Vec<Value> = mget
            .query_async(&mut shared)
            .await
            .map_err(|e| from_redis(&e, "MGET", Expected::String))?;
        let values = values
            .into_iter()
            .map(bytes_of)
            .collect::<Result<Vec<_>>>()?;
        let lists = lists_among(&shared, &keys, &values).await?;
        Ok(keys
            .into_iter()
            .zip(values)
            .zip(lists)
            .filter_map(|((key, value), list)| match (value, list) {
                (Some(value), _) => Some((key, ScanValue::String(value))),
                (None, true) => Some((key, ScanValue::List)),
                (None, false) => None,
            })
            .collect())
    })?
}

/// Which of `keys` hold a list, asked (`TYPE`, all at once) only for those `MGET` found no string
/// under (`values[i]` is `None`): `MGET` answers nil for a list as for a missing key.
pub(crate) async fn lists_among(
    shared: &Shared,
    keys: &[Bytes],
    values: &[Option<Bytes>],
) -> Result<Vec<bool>> {
    let kinds = join_all(keys.iter().zip(values).map(|(key, value)| {
        let mut shared = shared.clone();
        let cmd = redis::cmd("TYPE").arg(key.as_ref()).to_owned();
        let asked = value.is_none();
        async move {
            if !asked {
                return Ok(None);
            }
            cmd.query_async::<String>(&mut shared).await.map(Some)
        }
    }))
    .await;
    kinds
        .into_iter()
        .map(|kind| match kind {
            Ok(None) => Ok(false),
            Ok(Some(kind)) => Ok(kind_named(&kind)? == Some(KeyKind::List)),
            Err(e) => Err(from_redis(&e, "TYPE", Expected::String)),
        })
        .collect()
}

/// Whole records of `keys` (value and expiry), each read in one step; keys gone since `SCAN`
/// are skipped.
fn records(engine: &RemoteEngine, ks: u32, keys: Vec<Bytes>) -> Result<Vec<Record>> {
    let conns = Arc::clone(&engine.conns);
    let options = Arc::clone(&engine.options);
    let replies = engine.bridge.run(async move {
        let shared = conns.shared(ks, &options).await?;
        let replies = join_all(keys.iter().map(|key| {
            let mut shared = shared.clone();
            async move { read_key(&mut shared, key).await }
        }))
        .await;
        Ok::<_, Error>(keys.into_iter().zip(replies).collect::<Vec<_>>())
    })??;
    let now = engine.now();
    let mut records = Vec::with_capacity(replies.len());
    for (key, reply) in replies {
        if let Some((value, expires_at)) = decode(engine, reply?, now)? {
            records.push(Record {
                keyspace: ks,
                key,
                value,
                expires_at,
            });
        }
    }
    Ok(records)
}

/// A `MATCH` pattern for `range`: the bounds' common prefix, glob characters escaped, then `*`.
fn match_pattern(range: &KeyRange) -> Vec<u8> {
    let bound = |b: &Bound<Bytes>| match b {
        Bound::Included(k) | Bound::Excluded(k) => Some(k.clone()),
        Bound::Unbounded => None,
    };
    let prefix: Vec<u8> = match (&range.0, &range.1) {
        // A prefix scan: [prefix, prefix with its last byte raised). Every key in it starts with
        // the whole lower bound.
        (Bound::Included(lower), Bound::Excluded(upper))
            if crate::store::prefix_end(lower).as_ref() == Some(upper) =>
        {
            lower.to_vec()
        }
        _ => match (bound(&range.0), bound(&range.1)) {
            (Some(lower), Some(upper)) => lower
                .iter()
                .zip(upper.iter())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
            _ => Vec::new(),
        },
    };
    let mut pattern = Vec::with_capacity(prefix.len() + 1);
    for byte in prefix {
        if matches!(byte, b'*' | b'?' | b'[' | b']' | b'\\') {
            pattern.push(b'\\');
        }
        pattern.push(byte);
    }
    pattern.push(b'*');
    pattern
}

fn in_range(key: &[u8], range: &KeyRange) -> bool {
    let above = match &range.0 {
        Bound::Included(l) => key >= l.as_ref(),
        Bound::Excluded(l) => key > l.as_ref(),
        Bound::Unbounded => true,
    };
    let below = match &range.1 {
        Bound::Included(u) => key <= u.as_ref(),
        Bound::Excluded(u) => key < u.as_ref(),
        Bound::Unbounded => true,
    };
    above && below
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lower: Bound<&str>, upper: Bound<&str>) -> KeyRange {
        let own = |b: Bound<&str>| b.map(|s| Bytes::copy_from_slice(s.as_bytes()));
        (own(lower), own(upper))
    }

    #[test]
    fn patterns_keep_the_common_prefix_and_escape_glob_characters() {
        let prefix = range(Bound::Included("user:"), Bound::Excluded("user;"));
        assert_eq!(match_pattern(&prefix), b"user:*");
        let globby = range(Bound::Included("a*b?[c]\\"), Bound::Excluded("a*b?[c]]"));
        assert_eq!(match_pattern(&globby), b"a\\*b\\?\\[c\\]\\\\*");
        let span = range(Bound::Included("item:10"), Bound::Included("item:42"));
        assert_eq!(match_pattern(&span), b"item:*");
        let open = range(Bound::Included("m"), Bound::Unbounded);
        assert_eq!(match_pattern(&open), b"*");
        // Not a prefix scan, though the upper bound is the lower one raised: "b" is in it.
        let closed = range(Bound::Excluded("a"), Bound::Included("b"));
        assert_eq!(match_pattern(&closed), b"*");
        let inclusive = range(Bound::Included("a"), Bound::Included("b"));
        assert_eq!(match_pattern(&inclusive), b"*");
    }
}
