//! Hash slots of a Cluster: which slot a key is in, and which primary owns a slot.
//!
//! The `redis` crate routes every shared call itself; tidekv needs the map only for what the
//! crate's shared connection cannot do: a dedicated connection to the node of a transaction's or
//! a blocking pop's keys, and one `SCAN` per primary. The map is read from `CLUSTER SLOTS` when
//! first needed and forgotten when a node answers `MOVED` or `ASK`.

use parking_lot::Mutex;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::Value;

use crate::error::{Error, Result};
use crate::remote::connections::Shared;

/// Number of hash slots of a Cluster.
const SLOTS: u16 = 16_384;

/// The hash slot of `key`: CRC16 (XMODEM) of its hash tag (the part between the first `{` and
/// the next `}`, if not empty) or of the whole key, modulo 16,384.
pub(crate) fn slot_of(key: &[u8]) -> u16 {
    let hashed = hash_tag(key).unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(hashed) % SLOTS
}

fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = key.get(open + 1..)?;
    let close = rest.iter().position(|&b| b == b'}')?;
    let tag = rest.get(..close)?;
    (!tag.is_empty()).then_some(tag)
}

/// The one slot all of `keys` are in, or the error naming hash tags.
pub(crate) fn common_slot<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Result<Option<u16>> {
    let mut common = None;
    for key in keys {
        let slot = slot_of(key);
        match common {
            None => common = Some(slot),
            Some(c) if c == slot => {}
            Some(_) => return Err(crate::remote::errors::cross_slot()),
        }
    }
    Ok(common)
}

/// One range of slots and the address of its primary.
#[derive(Debug, Clone)]
struct SlotRange {
    first: u16,
    last: u16,
    primary: (String, u16),
}

/// The slot owners, read on demand (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct SlotMap {
    ranges: Mutex<Option<Vec<SlotRange>>>,
}

impl SlotMap {
    /// `host:port` of the primary that owns `slot`.
    pub(crate) async fn node_of(&self, slot: u16, shared: &Shared) -> Result<String> {
        let ranges = self.ranges(shared).await?;
        ranges
            .iter()
            .find(|r| (r.first..=r.last).contains(&slot))
            .map(|r| format!("{}:{}", r.primary.0, r.primary.1))
            .ok_or_else(|| {
                Error::remote(
                    "routing a call",
                    format!("no node of the Cluster owns slot {slot}"),
                )
            })
    }

    /// Every primary, each once.
    pub(crate) async fn primaries(&self, shared: &Shared) -> Result<Vec<(String, u16)>> {
        let mut primaries: Vec<(String, u16)> = self
            .ranges(shared)
            .await?
            .into_iter()
            .map(|r| r.primary)
            .collect();
        primaries.sort();
        primaries.dedup();
        Ok(primaries)
    }

    /// Forgets the map; the next call reads it again.
    pub(crate) fn forget(&self) {
        *self.ranges.lock() = None;
    }

    async fn ranges(&self, shared: &Shared) -> Result<Vec<SlotRange>> {
        if let Some(ranges) = self.ranges.lock().clone() {
            return Ok(ranges);
        }
        let mut connection = shared.clone();
        let Shared::Cluster(cluster) = &mut connection else {
            return Err(Error::invalid("deployment", "not a Cluster"));
        };
        let reply = cluster
            .route_command(
                &redis::cmd("CLUSTER").arg("SLOTS").to_owned(),
                RoutingInfo::SingleNode(SingleNodeRoutingInfo::RandomPrimary),
            )
            .await
            .map_err(|e| Error::remote("CLUSTER SLOTS", e))?;
        let ranges = parse_cluster_slots(&reply)?;
        *self.ranges.lock() = Some(ranges.clone());
        Ok(ranges)
    }
}

/// `CLUSTER SLOTS`: an array of `[first, last, [host, port, id, …], replicas…]`.
fn parse_cluster_slots(reply: &Value) -> Result<Vec<SlotRange>> {
    let bad = || Error::remote("CLUSTER SLOTS", "an answer of an unexpected shape");
    let Value::Array(entries) = reply else {
        return Err(bad());
    };
    let mut ranges = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(fields) = entry else {
            return Err(bad());
        };
        let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(node))) =
            (fields.first(), fields.get(1), fields.get(2))
        else {
            return Err(bad());
        };
        let (Some(host), Some(Value::Int(port))) = (node.first(), node.get(1)) else {
            return Err(bad());
        };
        let host = match host {
            Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            Value::SimpleString(s) => s.clone(),
            _ => return Err(bad()),
        };
        ranges.push(SlotRange {
            first: u16::try_from(*first).map_err(|_| bad())?,
            last: u16::try_from(*last).map_err(|_| bad())?,
            primary: (host, u16::try_from(*port).map_err(|_| bad())?),
        });
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_the_cluster_specification() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        assert_eq!(slot_of(b"123456789"), 12_739);
        assert_eq!(slot_of(b"foo"), 12_182);
        assert_eq!(slot_of(b"{user1000}.following"), slot_of(b"user1000"));
        assert_eq!(slot_of(b"foo{}{bar}"), slot_of(b"foo{}{bar}"));
        assert_ne!(slot_of(b"foo{}{bar}"), slot_of(b"bar"));
        assert_eq!(slot_of(b"foo{{bar}}zap"), slot_of(b"{bar"));
        assert!(common_slot([&b"{a}1"[..], b"{a}2"]).unwrap().is_some());
        assert!(common_slot([&b"a1"[..], b"a2"]).is_err());
    }
}
