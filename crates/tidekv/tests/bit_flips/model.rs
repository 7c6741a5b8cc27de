//! The contents the bit-flip sweeps write and read back (`disk_bit_flips.rs`): the writes, a
//! model of what they leave, and a read of everything a store holds.

use std::collections::BTreeMap;
use std::time::Duration;

use tidekv::{Error, Store, Ttl, WriteBatch};

pub const HOUR: Duration = Duration::from_secs(3600);
/// The keyspaces the workloads write to.
pub const KEYSPACES: [u32; 2] = [0, 1];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    /// What a read found that no write makes (a key listed but unreadable, a bad expiry).
    Odd(&'static str),
}

/// What a store holds: (keyspace, key) to (value, whether it has an expiry).
pub type Contents = BTreeMap<(u32, Vec<u8>), (Value, bool)>;

/// One write; each is one record of the write-ahead log.
#[derive(Debug, Clone, Copy)]
pub enum Write {
    Insert(u32, &'static str, &'static str),
    InsertWithTtl(&'static str, &'static str),
    PushBack(&'static str, &'static str),
    /// An atomic batch: an insert and a removal.
    Batch((&'static str, &'static str), &'static str),
}

pub fn apply(store: &Store, model: &mut Contents, write: Write) {
    let key = |ks: u32, k: &str| (ks, k.as_bytes().to_vec());
    let string = |v: &str| Value::Str(v.as_bytes().to_vec());
    match write {
        Write::Insert(ks, k, v) => {
            store.keyspace(ks).unwrap().insert(k, v).unwrap();
            model.insert(key(ks, k), (string(v), false));
        }
        Write::InsertWithTtl(k, v) => {
            store.insert_with_ttl(k, v, HOUR).unwrap();
            model.insert(key(0, k), (string(v), true));
        }
        Write::PushBack(k, v) => {
            store.push_back(k, v).unwrap();
            let entry = model
                .entry(key(0, k))
                .or_insert((Value::List(Vec::new()), false));
            if let (Value::List(items), _) = entry {
                items.push(v.as_bytes().to_vec());
            }
        }
        Write::Batch((k, v), removed) => {
            let mut batch = WriteBatch::new();
            batch.insert(k, v);
            batch.remove(removed);
            store.apply_batch(batch).unwrap();
            model.insert(key(0, k), (string(v), false));
            model.remove(&key(0, removed));
        }
    }
}

/// Everything `store` holds, read through every path: the key scan of each keyspace, a point
/// read (or a list read) and an expiry read of each key, and the string scan.
pub fn observe(store: &Store) -> tidekv::Result<Contents> {
    let mut out = Contents::new();
    for ks in KEYSPACES {
        let handle = store.keyspace(ks)?;
        let keys = handle.keys()?.collect::<tidekv::Result<Vec<_>>>()?;
        for key in keys {
            let value = match handle.get(&key) {
                Ok(Some(v)) => Value::Str(v.to_vec()),
                Ok(None) => Value::Odd("listed by the scan, missing for a read"),
                Err(Error::WrongType { .. }) => Value::List(
                    handle
                        .list_range(&key, 0, -1)?
                        .iter()
                        .map(|item| item.to_vec())
                        .collect(),
                ),
                Err(e) => return Err(e),
            };
            let (value, expiring) = match handle.ttl(&key)? {
                Some(Ttl::Persistent) => (value, false),
                Some(Ttl::ExpiresIn(left)) if left <= HOUR && left > HOUR / 2 => (value, true),
                Some(Ttl::ExpiresIn(_)) => (Value::Odd("an expiry no write set"), true),
                None => (Value::Odd("listed by the scan, no expiry state"), false),
            };
            out.insert((ks, key.to_vec()), (value, expiring));
        }
        // The string scan yields exactly the strings the point reads found.
        let scanned = handle
            .range::<&[u8]>(..)?
            .collect::<tidekv::Result<Vec<_>>>()?;
        let read: Vec<_> = out
            .iter()
            .filter(|((k, _), (v, _))| *k == ks && matches!(v, Value::Str(_)))
            .map(|((_, key), (v, _))| (key.clone(), v.clone()))
            .collect();
        let scanned: Vec<_> = scanned
            .iter()
            .map(|(k, v)| (k.to_vec(), Value::Str(v.to_vec())))
            .collect();
        if scanned != read {
            out.insert(
                (ks, b"?".to_vec()),
                (Value::Odd("string scan disagrees"), false),
            );
        }
    }
    Ok(out)
}
