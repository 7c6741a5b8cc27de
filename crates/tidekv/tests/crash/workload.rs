//! The workload: the same calls in the child (which runs them) and the parent (which models them),
//! the store configuration they run under, and how a call's result is printed in its `ack` line.

use std::path::Path;
use std::time::Duration;

use tidekv::{Config, Durability, Store, WriteBatch};

fn durability(mode: &str) -> Durability {
    match mode {
        "sync" => Durability::Sync,
        "periodic" => Durability::Periodic(Duration::from_millis(100)),
        "buffered" => Durability::Buffered,
        other => panic!("unknown durability mode {other:?}"),
    }
}

/// The store of the crash tests in durability `mode`: 16 KiB memtables and tables, so that kills
/// land during flushes, log switches and compactions.
pub fn config(dir: &Path, mode: &str) -> Config {
    Config::disk(dir)
        .durability(durability(mode))
        .memtable_size(16 * 1024)
        .table_size(16 * 1024)
        .l0_compaction_trigger(2)
        .level_base_size(32 * 1024)
        .level_size_ratio(4)
}

/// A small deterministic generator (xorshift), so that a run can be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One call of the workload. Keys are typed by their prefix: `str:` and `batch:` strings,
/// `ttl:` strings that carry a TTL, `ctr:` counters, `list:` lists.
#[derive(Debug, Clone)]
pub enum Call {
    Insert(String, Val),
    InsertWithTtl(String, Val, Duration),
    Remove(String),
    IncrBy(String, i64),
    PushBack(String, Val),
    PopFront(String),
    Expire(String, Duration),
    Batch(Vec<Part>),
}

/// One write of a batch.
#[derive(Debug, Clone)]
pub enum Part {
    Insert(String, Val),
    Remove(String),
    IncrBy(String, i64),
    PushBack(String, Val),
}

/// A value the workload writes (ASCII), shown shortened in messages.
#[derive(Clone)]
pub struct Val(pub Vec<u8>);

impl std::fmt::Debug for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", brief(&self.0))
    }
}

/// `tag`, then filler derived from it, `len` bytes in all: two values never share their bytes,
/// so a torn or misplaced value cannot pass for the right one.
fn filled(tag: String, len: usize) -> Val {
    let mut value = tag.into_bytes();
    let seed = value
        .iter()
        .fold(7u8, |h, b| h.wrapping_mul(31).wrapping_add(*b));
    let mut i = 0u8;
    while value.len() < len {
        value.push(b'a' + (seed.wrapping_add(i) % 26));
        i = i.wrapping_add(1);
    }
    Val(value)
}

/// TTL number `n`: `2 + n` hours. The `ttl:` keys get their own (0 to 11), `expire` picks one of
/// 12 to 59; an hour apart, so one TTL showing in another's place is caught.
fn ttl_for(n: u64) -> Duration {
    Duration::from_secs((2 + n) * 3600)
}

/// The calls of round `round`, from its seed.
pub fn workload(seed: u64, round: u64) -> impl Iterator<Item = Call> {
    let mut rng = Rng::new(seed);
    (0u64..).map(move |i| {
        let string = |rng: &mut Rng| format!("str:{}", rng.below(48));
        let counter = |rng: &mut Rng| format!("ctr:{}", rng.below(6));
        let list = |rng: &mut Rng| format!("list:{}", rng.below(4));
        let len = 16 + rng.below(400) as usize;
        match rng.below(100) {
            0..=21 => Call::Insert(string(&mut rng), filled(format!("v.{round}.{i}."), len)),
            22..=29 => Call::Remove(string(&mut rng)),
            30..=44 => Call::IncrBy(counter(&mut rng), rng.below(26) as i64 - 5),
            45..=57 => Call::PushBack(list(&mut rng), filled(format!("e.{round}.{i}."), len / 2)),
            58..=68 => Call::PopFront(list(&mut rng)),
            69..=76 => {
                let n = rng.below(12);
                let value = filled(format!("t.{round}.{i}."), len);
                Call::InsertWithTtl(format!("ttl:{n}"), value, ttl_for(n))
            }
            77..=83 => {
                // Strings, most of them persistent, and keys that already have a TTL.
                let n = rng.below(60);
                let key = match n {
                    0..=47 => format!("str:{n}"),
                    _ => format!("ttl:{}", n - 48),
                };
                Call::Expire(key, ttl_for(12 + rng.below(48)))
            }
            _ => {
                // Three keys with the same value, plus a counter, a push and a remove.
                let slot = rng.below(12);
                let value = filled(format!("b.{round}.{i}."), len / 4);
                let mut parts: Vec<Part> = ["a", "b", "c"]
                    .iter()
                    .map(|p| Part::Insert(format!("batch:{slot}:{p}"), value.clone()))
                    .collect();
                parts.push(Part::IncrBy(counter(&mut rng), 1 + rng.below(9) as i64));
                parts.push(Part::PushBack(
                    list(&mut rng),
                    filled(format!("e.{round}.{i}.b."), 24),
                ));
                parts.push(Part::Remove(string(&mut rng)));
                Call::Batch(parts)
            }
        }
    })
}

/// Runs `call` on the store; returns what it returned, as the child prints it.
pub fn execute(store: &Store, call: &Call) -> tidekv::Result<String> {
    Ok(match call {
        Call::Insert(k, v) => store.insert(k, v.0.as_slice()).map(|()| "ok".to_string())?,
        Call::InsertWithTtl(k, v, ttl) => store
            .insert_with_ttl(k, v.0.as_slice(), *ttl)
            .map(|()| "ok".to_string())?,
        Call::Remove(k) => store.remove(k)?.to_string(),
        Call::IncrBy(k, d) => store.incr_by(k, *d)?.to_string(),
        Call::PushBack(k, v) => store.push_back(k, v.0.as_slice())?.to_string(),
        Call::PopFront(k) => shown(store.pop_front(k)?.as_deref()),
        Call::Expire(k, ttl) => store.expire(k, *ttl)?.to_string(),
        Call::Batch(parts) => {
            let mut batch = WriteBatch::new();
            for part in parts {
                match part {
                    Part::Insert(k, v) => {
                        batch.insert(k, v.0.as_slice());
                    }
                    Part::Remove(k) => {
                        batch.remove(k);
                    }
                    Part::IncrBy(k, d) => {
                        batch.incr_by(k, *d);
                    }
                    Part::PushBack(k, v) => {
                        batch.push_back(k, v.0.as_slice());
                    }
                }
            }
            store.apply_batch(batch)?;
            "ok".to_string()
        }
    })
}

/// A popped value as printed (values are ASCII without spaces), or `(nil)`.
pub fn shown(value: Option<&[u8]>) -> String {
    value.map_or_else(
        || "(nil)".to_string(),
        |v| String::from_utf8_lossy(v).into_owned(),
    )
}

pub fn brief(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if text.len() > 24 {
        format!("{}…({} bytes)", &text[..24], value.len())
    } else {
        text.into_owned()
    }
}
