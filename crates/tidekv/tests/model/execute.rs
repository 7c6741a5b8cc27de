//! Running operations against a real store, and reading back its whole observable state.

use super::*;

pub fn ttl_arg(us: u64) -> Duration {
    Duration::from_micros(us)
}

pub fn build_batch(ops: &[BatchOp]) -> tidekv::Result<WriteBatch> {
    let mut batch = WriteBatch::new();
    for op in ops {
        match op {
            BatchOp::Insert(k, v) => {
                batch.insert(k, &v.0);
            }
            BatchOp::InsertWithTtl(k, v, t) => {
                batch.insert_with_ttl(k, &v.0, ttl_arg(*t));
            }
            BatchOp::Remove(k) => {
                batch.remove(k);
            }
            BatchOp::PushBack(k, v) => {
                batch.push_back(k, &v.0);
            }
            BatchOp::PushFront(k, v) => {
                batch.push_front(k, &v.0);
            }
            BatchOp::IncrBy(k, d) => {
                batch.incr_by(k, *d);
            }
            BatchOp::Expire(k, t) => {
                batch.expire(k, ttl_arg(*t));
            }
        }
    }
    Ok(batch)
}

/// Runs `op` on the store and returns what it returned, errors as [`Fail`] kinds.
pub fn execute(store: &Store, clock: &ManualClock, op: &Op) -> Res {
    try_execute(store, clock, op).map_err(fail_of)
}

/// Runs `op` on the store and returns what it returned, errors as the store's own [`Error`] (to
/// tell an I/O failure from anything else).
pub fn try_execute(store: &Store, clock: &ManualClock, op: &Op) -> tidekv::Result<Out> {
    let value = |v: Option<bytes::Bytes>| Out::Value(opt(v));
    match op {
        Op::Insert(k, v) => store.insert(k, &v.0).map(|()| Out::Unit),
        Op::InsertWithTtl(k, v, t) => store
            .insert_with_ttl(k, &v.0, ttl_arg(*t))
            .map(|()| Out::Unit),
        Op::Get(k) => store.get(k).map(value),
        Op::Take(k) => store.take(k).map(value),
        Op::Remove(k) => store.remove(k).map(Out::Bool),
        Op::ContainsKey(k) => store.contains_key(k).map(Out::Bool),
        Op::Len => store.len().map(Out::Count),
        Op::IncrBy(k, d) => store.incr_by(k, *d).map(Out::Int),
        Op::Expire(k, t) => store.expire(k, ttl_arg(*t)).map(Out::Bool),
        Op::Persist(k) => store.persist(k).map(Out::Bool),
        Op::Ttl(k) => store.ttl(k).map(Out::Ttl),
        Op::PushBack(k, v) => store.push_back(k, &v.0).map(Out::Count),
        Op::PushFront(k, v) => store.push_front(k, &v.0).map(Out::Count),
        Op::PopBack(k) => store.pop_back(k).map(value),
        Op::PopFront(k) => store.pop_front(k).map(value),
        Op::ListLen(k) => store.list_len(k).map(Out::Count),
        Op::ListRange(k, start, stop) => store
            .list_range(k, *start, *stop)
            .map(|vs| Out::Values(vs.into_iter().map(|v| B(v.to_vec())).collect())),
        Op::ScanPrefix(p) => try_entries(store.scan_prefix(p)),
        Op::Range(lo, hi) => {
            let lo = lo.as_ref().map(|k| k.0.clone());
            let hi = hi.as_ref().map(|k| k.0.clone());
            try_entries(store.range::<Vec<u8>>((lo, hi)))
        }
        Op::Keys => try_keys(store),
        Op::GetMany(ks) => store
            .get_many(ks)
            .map(|vs| Out::Many(vs.into_iter().map(opt).collect())),
        Op::InsertMany(pairs) => store
            .insert_many(pairs.iter().map(|(k, v)| (k, &v.0)))
            .map(|()| Out::Unit),
        Op::RemoveMany(ks) => store.remove_many(ks).map(Out::Count),
        Op::Batch(ops) => build_batch(ops)
            .and_then(|batch| store.apply_batch(batch))
            .map(|()| Out::Unit),
        Op::Clear => store.clear().map(|()| Out::Unit),
        Op::Advance(ms) => {
            clock.advance(Duration::from_millis(*ms));
            due_keys::remove_due_keys(store);
            Ok(Out::Unit)
        }
        Op::InsertIfAbsent(k, v) => store.insert_if_absent(k, &v.0).map(Out::Bool),
        Op::GetAndSet(k, v) => store.get_and_set(k, &v.0).map(value),
        Op::Append(k, v) => store.append(k, &v.0).map(Out::Count),
        Op::Rename(a, z) => store.rename(a, z).map(|()| Out::Unit),
        Op::ListSet(k, i, v) => store.list_set(k, *i, &v.0).map(|()| Out::Unit),
        Op::ListTrim(k, a, z) => store.list_trim(k, *a, *z).map(|()| Out::Unit),
        Op::ListRemove(k, n, v) => store.list_remove(k, *n, v).map(Out::Count),
        Op::ListMove(a, z, from_front, to_front) => {
            let end = |front: bool| if front { ListEnd::Front } else { ListEnd::Back };
            store
                .list_move(a, z, end(*from_front), end(*to_front))
                .map(value)
        }
        Op::Transaction(ops) => {
            let keys: Vec<&B> = ops.iter().map(tx_key).collect();
            store.transaction(keys, |t| {
                Ok(Out::Exec(
                    ops.iter()
                        .map(|op| run_tx_op(t, op).map_err(fail_of))
                        .collect(),
                ))
            })
        }
    }
}

pub(super) fn tx_key(op: &TxOp) -> &B {
    match op {
        TxOp::Insert(k, _)
        | TxOp::IncrBy(k, _)
        | TxOp::Append(k, _)
        | TxOp::PushBack(k, _)
        | TxOp::PopFront(k)
        | TxOp::Remove(k)
        | TxOp::Get(k) => k,
    }
}

fn run_tx_op(t: &mut tidekv::Transaction<'_>, op: &TxOp) -> tidekv::Result<Out> {
    match op {
        TxOp::Insert(k, v) => t.insert(k, &v.0).map(|()| Out::Unit),
        TxOp::IncrBy(k, d) => t.incr_by(k, *d).map(Out::Int),
        TxOp::Append(k, v) => t.append(k, &v.0).map(Out::Count),
        TxOp::PushBack(k, v) => t.push_back(k, &v.0).map(Out::Count),
        TxOp::PopFront(k) => t.pop_front(k).map(|v| Out::Value(opt(v))),
        TxOp::Remove(k) => t.remove(k).map(Out::Bool),
        TxOp::Get(k) => t.get(k).map(|v| Out::Value(opt(v))),
    }
}

/// What a key holds, as read back from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    String(B),
    List(Vec<B>),
}

/// What every live key of the key universe holds, and its TTL.
pub type State = BTreeMap<B, (Observed, Option<Ttl>)>;

/// The whole observable state of the store over the key universe, read with `get`, `list_range`
/// and `ttl`, and checked against `keys`, `len`, `contains_key` and a full scan.
pub fn observe(store: &Store) -> Result<State, String> {
    let mut state = BTreeMap::new();
    for key in KEYS {
        let seen = match store.get(key) {
            Ok(Some(v)) => Some(Observed::String(B(v.to_vec()))),
            Ok(None) => None,
            Err(Error::WrongType { .. }) => {
                let items = store
                    .list_range(key, 0, -1)
                    .map_err(|e| format!("list_range({:?}, 0, -1): {e}", b(key)))?;
                if items.is_empty() {
                    return Err(format!(
                        "get({:?}) says list but the list is empty (empty lists must be deleted)",
                        b(key)
                    ));
                }
                Some(Observed::List(
                    items.into_iter().map(|v| B(v.to_vec())).collect(),
                ))
            }
            Err(e) => return Err(format!("get({:?}): {e}", b(key))),
        };
        let ttl = store
            .ttl(key)
            .map_err(|e| format!("ttl({:?}): {e}", b(key)))?;
        let contains = store
            .contains_key(key)
            .map_err(|e| format!("contains_key({:?}): {e}", b(key)))?;
        if seen.is_some() != ttl.is_some() || seen.is_some() != contains {
            return Err(format!(
                "{:?}: get/list says {seen:?} but ttl says {ttl:?} and contains_key says {contains}",
                b(key)
            ));
        }
        if let Some(seen) = seen {
            state.insert(b(key), (seen, ttl));
        }
    }
    let keys = match keys_of(store) {
        Ok(Out::Values(keys)) => keys,
        other => return Err(format!("keys(): {other:?}")),
    };
    let expected: Vec<B> = state.keys().cloned().collect();
    if keys != expected {
        return Err(format!(
            "keys() = {keys:?} but the keys that get/list_range see are {expected:?}"
        ));
    }
    let len = store.len().map_err(|e| format!("len(): {e}"))?;
    if len != state.len() {
        return Err(format!("len() = {len} but {} keys are live", state.len()));
    }
    // `stats` counts keys, and keys with an expiry, without a walk (disk: from the keyspace's
    // tally and its expiry index); the model uses one keyspace.
    let stats = store.stats().map_err(|e| format!("stats(): {e}"))?;
    let expiring = state
        .values()
        .filter(|(_, ttl)| matches!(ttl, Some(Ttl::ExpiresIn(_))))
        .count() as u64;
    let expires: u64 = stats.keyspaces.iter().map(|k| k.expires).sum();
    if stats.keys != state.len() as u64 || expires != expiring {
        return Err(format!(
            "stats() counts {} keys, {expires} with an expiry, but {} keys are live, {expiring} \
             with an expiry: {:?}",
            stats.keys,
            state.len(),
            stats.keyspaces
        ));
    }
    let strings: Vec<(B, B)> = state
        .iter()
        .filter_map(|(k, (v, _))| match v {
            Observed::String(v) => Some((k.clone(), v.clone())),
            Observed::List(_) => None,
        })
        .collect();
    match entries(store.scan_prefix(b"")) {
        Ok(Out::Entries(scanned)) if scanned == strings => {}
        other => {
            return Err(format!(
                "scan_prefix(\"\") = {other:?} but the strings are {strings:?}"
            ))
        }
    }
    Ok(state)
}
