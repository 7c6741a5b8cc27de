//! The parent's model of the acknowledged effects: the state the acknowledged calls leave, what
//! each call must have returned, the reopened store's state, and, on a mismatch, which
//! acknowledged effect is missing, key by key.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use tidekv::{Error, Store, Ttl};

use super::workload::{brief, shown, Call, Part};

/// How far below its TTL a key's remaining time may be when read back: more than the test lasts,
/// less than the hour between two TTLs of `ttl_for` in `workload.rs` (so a key carrying another's
/// TTL is caught).
const TTL_SLACK: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    List(VecDeque<Vec<u8>>),
}

/// What a key holds: its value and the TTL it was given (`None`: persistent).
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    value: Value,
    ttl: Option<Duration>,
}

/// The state the acknowledged calls leave.
#[derive(Debug, Clone, Default)]
pub struct Effects(BTreeMap<String, Entry>);

impl Effects {
    fn put(&mut self, key: &str, value: &[u8], ttl: Option<Duration>) {
        let value = Value::String(value.to_vec());
        self.0.insert(key.to_string(), Entry { value, ttl });
    }

    fn incr_by(&mut self, key: &str, delta: i64) -> i64 {
        let entry = self.0.entry(key.to_string()).or_insert(Entry {
            value: Value::String(b"0".to_vec()),
            ttl: None,
        });
        let Value::String(current) = &entry.value else {
            panic!("test bug: counter {key} is a list");
        };
        let next = std::str::from_utf8(current)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .expect("a counter holds an integer")
            + delta;
        entry.value = Value::String(next.to_string().into_bytes());
        next
    }

    fn push_back(&mut self, key: &str, value: &[u8]) -> usize {
        let entry = self.0.entry(key.to_string()).or_insert(Entry {
            value: Value::List(VecDeque::new()),
            ttl: None,
        });
        let Value::List(list) = &mut entry.value else {
            panic!("test bug: list {key} is a string");
        };
        list.push_back(value.to_vec());
        list.len()
    }

    fn pop_front(&mut self, key: &str) -> Option<Vec<u8>> {
        let entry = self.0.get_mut(key)?;
        let Value::List(list) = &mut entry.value else {
            panic!("test bug: list {key} is a string");
        };
        let popped = list.pop_front();
        if list.is_empty() {
            self.0.remove(key);
        }
        popped
    }

    /// Applies `call`; returns what the store must have returned, as the child prints it.
    pub fn apply(&mut self, call: &Call) -> String {
        match call {
            Call::Insert(k, v) => {
                self.put(k, &v.0, None);
                "ok".to_string()
            }
            Call::InsertWithTtl(k, v, ttl) => {
                self.put(k, &v.0, Some(*ttl));
                "ok".to_string()
            }
            Call::Remove(k) => self.0.remove(k).is_some().to_string(),
            Call::IncrBy(k, d) => self.incr_by(k, *d).to_string(),
            Call::PushBack(k, v) => self.push_back(k, &v.0).to_string(),
            Call::PopFront(k) => shown(self.pop_front(k).as_deref()),
            Call::Expire(k, ttl) => match self.0.get_mut(k) {
                Some(entry) => {
                    entry.ttl = Some(*ttl);
                    "true".to_string()
                }
                None => "false".to_string(),
            },
            Call::Batch(parts) => {
                for part in parts {
                    match part {
                        Part::Insert(k, v) => self.put(k, &v.0, None),
                        Part::Remove(k) => {
                            self.0.remove(k);
                        }
                        Part::IncrBy(k, d) => {
                            self.incr_by(k, *d);
                        }
                        Part::PushBack(k, v) => {
                            self.push_back(k, &v.0);
                        }
                    }
                }
                "ok".to_string()
            }
        }
    }

    /// Whether the store's state `found` is this state (TTLs within [`TTL_SLACK`] below).
    pub fn matches(&self, found: &Found) -> bool {
        self.0.len() == found.len()
            && self
                .0
                .iter()
                .all(|(key, entry)| found.get(key).is_some_and(|f| same(entry, f)))
    }
}

/// What a key holds in the reopened store: its value and what `ttl` said.
pub type Found = BTreeMap<String, (Value, Ttl)>;

fn same(entry: &Entry, found: &(Value, Ttl)) -> bool {
    entry.value == found.0 && ttl_kept(entry.ttl, found.1)
}

fn ttl_kept(set: Option<Duration>, found: Ttl) -> bool {
    match (set, found) {
        (None, Ttl::Persistent) => true,
        (Some(set), Ttl::ExpiresIn(left)) => left <= set && left + TTL_SLACK >= set,
        _ => false,
    }
}

/// Every key of the store, with its value and TTL.
pub fn read_all(store: &Store) -> tidekv::Result<Found> {
    let mut found = BTreeMap::new();
    for key in store.keys()? {
        let key = key?;
        let value = match store.get(&key) {
            Ok(Some(v)) => Value::String(v.to_vec()),
            Ok(None) => panic!("keys() lists {key:?} but get finds nothing"),
            Err(Error::WrongType { .. }) => Value::List(
                store
                    .list_range(&key, 0, -1)?
                    .into_iter()
                    .map(|v| v.to_vec())
                    .collect(),
            ),
            Err(e) => return Err(e),
        };
        let ttl = store.ttl(&key)?.expect("a listed key has a TTL answer");
        found.insert(String::from_utf8_lossy(&key).into_owned(), (value, ttl));
    }
    Ok(found)
}

/// Which acknowledged pop took each value, so that a value popped twice, or back in its list,
/// can be named.
pub type Popped = HashMap<Vec<u8>, (u64, u64)>;

fn brief_value(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(Value::String(v)) => brief(v),
        Some(Value::List(l)) => format!(
            "[{}]",
            l.iter().map(|v| brief(v)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Says, key by key, how `found` departs from the acknowledged effects `acked`.
pub fn explain(
    acked: &Effects,
    with_in_flight: &Effects,
    found: &Found,
    popped: &Popped,
) -> String {
    let keys: BTreeSet<&String> = acked.0.keys().chain(found.keys()).collect();
    let mut lines = Vec::new();
    let (mut applied, mut not_applied) = (Vec::new(), Vec::new());
    for key in keys {
        let (a, b, f) = (acked.0.get(key), with_in_flight.0.get(key), found.get(key));
        let matches = |e: Option<&Entry>| match (e, f) {
            (None, None) => true,
            (Some(e), Some(f)) => same(e, f),
            _ => false,
        };
        if a != b {
            if matches(b) {
                applied.push(key.clone());
            } else if matches(a) {
                not_applied.push(key.clone());
            }
        }
        if matches(a) {
            continue;
        }
        let (fv, av) = (f.map(|f| &f.0), a.map(|a| &a.value));
        let what = if key.starts_with("ctr:") {
            format!(
                "counter {key} is {}; its acknowledged increments make it {} ({} with the call in flight)",
                brief_value(fv),
                brief_value(av),
                brief_value(b.map(|b| &b.value))
            )
        } else if key.starts_with("list:") {
            let list = |v: Option<&Value>| match v {
                Some(Value::List(l)) => l.clone(),
                _ => VecDeque::new(),
            };
            let (fl, al) = (list(fv), list(av));
            let mut notes = Vec::new();
            for v in &fl {
                if let Some((r, i)) = popped.get(v) {
                    notes.push(format!(
                        "{} is back although acknowledged call {i} of round {r} popped it",
                        brief(v)
                    ));
                }
            }
            for v in al.iter().filter(|v| !fl.contains(v)) {
                notes.push(format!("acknowledged push of {} is lost", brief(v)));
            }
            let mut sorted = (fl.clone(), al.clone());
            sorted.0.make_contiguous().sort();
            sorted.1.make_contiguous().sort();
            if sorted.0 == sorted.1 && fl != al {
                notes.push("the elements are out of FIFO order".to_string());
            }
            format!(
                "list {key} holds {} but the acknowledged pushes minus pops leave {}: {}",
                brief_value(fv),
                brief_value(av),
                notes.join("; ")
            )
        } else {
            match (a, f) {
                (None, Some(_)) => format!(
                    "{key} holds {} but the acknowledged calls removed it (or never wrote it)",
                    brief_value(fv)
                ),
                (Some(a), None) => format!(
                    "{key}: the acknowledged write of {} is lost",
                    brief_value(Some(&a.value))
                ),
                (Some(a), Some(f)) if a.value != f.0 => format!(
                    "{key} holds {} instead of the acknowledged {} (torn, stale or another key's)",
                    brief_value(fv),
                    brief_value(av)
                ),
                (Some(a), Some(f)) => format!(
                    "{key}: the TTL is {:?} but the acknowledged calls set {:?} (TTL lost or changed)",
                    f.1, a.ttl
                ),
                (None, None) => unreachable!("matched above"),
            }
        };
        lines.push(what);
    }
    if !applied.is_empty() && !not_applied.is_empty() {
        lines.push(format!(
            "the call in flight is half applied: done on {applied:?}, not on {not_applied:?}"
        ));
    }
    lines.join("\n  ")
}
