//! The model on a Redis Cluster: an atomic call on keys in different hash slots cannot run on
//! one node, so the store refuses it (`InvalidArgument`, naming hash tags) before anything else
//! is checked, and nothing changes. Reads of several keys (`get_many`, scans) are not atomic
//! calls: they run per slot.

use super::hash_slot::hash_slot;
use super::*;

/// Whether `op` is an atomic call whose keys span more than one slot.
pub fn refused_on_a_cluster(op: &Op) -> bool {
    let keys: Vec<&B> = match op {
        Op::InsertMany(pairs) => pairs.iter().map(|(k, _)| k).collect(),
        Op::RemoveMany(keys) => keys.iter().collect(),
        Op::Batch(ops) => ops.iter().map(batch_key).collect(),
        Op::Rename(from, to) | Op::ListMove(from, to, _, _) => vec![from, to],
        Op::Transaction(ops) => ops.iter().map(tx_key).collect(),
        _ => return false,
    };
    let mut slots = keys.iter().map(|k| hash_slot(&k.0));
    slots
        .next()
        .is_some_and(|first| slots.any(|slot| slot != first))
}

fn batch_key(op: &BatchOp) -> &B {
    match op {
        BatchOp::Insert(k, _)
        | BatchOp::InsertWithTtl(k, _, _)
        | BatchOp::Remove(k)
        | BatchOp::PushBack(k, _)
        | BatchOp::PushFront(k, _)
        | BatchOp::IncrBy(k, _)
        | BatchOp::Expire(k, _) => k,
    }
}
