//! A state-machine model test, generic over how a store is opened.
//!
//! Random sequences of operations over a small key set (so that keys collide, change kind, expire and
//! come back) run against a real [`Store`] and against a plain `BTreeMap` model that follows the
//! semantics listed in `src/engine.rs`. Every result, error kind included, must match the model, and
//! after every operation the whole observable state of the store (every key's kind, value and TTL,
//! plus `len` and `keys`) must equal the model's. On a mismatch proptest shrinks the sequence and the
//! panic message prints the smallest failing one.
//!
//! A backend reuses it with one line: `model::run(|clock| Store::open(config.clock(Arc::new(clock))))`.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::Bound;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};
use tidekv::{Error, ManualClock, Store, Ttl, WriteBatch};

/// The time every case starts at (Unix ms).
const START_MS: u64 = 1_700_000_000_000;

/// Bytes that print readably in a shrunk failing sequence.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct B(pub Vec<u8>);

impl fmt::Debug for B {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

impl AsRef<[u8]> for B {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn b(bytes: &[u8]) -> B {
    B(bytes.to_vec())
}

/// The whole key universe: small on purpose, so that operations collide. It has the empty key, a key
/// that is a prefix of another, and binary keys with 0x00 and 0xFF bytes.
pub const KEYS: [&[u8]; 6] = [b"", b"a", b"ab", b"b", b"\x00\xff", b"\xff"];

/// String values: counters (canonical, extreme, non-canonical), text, empty, binary.
const VALUES: [&[u8]; 12] = [
    b"",
    b"x",
    b"0",
    b"1",
    b"-7",
    b"42",
    b"01",
    b"-0",
    b"abc",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"\x00\xff",
];

/// A TTL in microseconds: 0 (rejected by `insert_with_ttl`, "remove now" for `expire`), sub-ms
/// values that must round up, and whole milliseconds.
const TTLS_US: [u64; 8] = [0, 1, 1_000, 1_500, 2_000, 5_000, 10_000, 100_000];

/// How far "advance the clock" moves time, in ms.
const ADVANCES_MS: [u64; 9] = [0, 1, 2, 3, 5, 10, 50, 100, 1_000];

/// One operation of the store API.
#[derive(Debug, Clone)]
pub enum Op {
    Insert(B, B),
    InsertWithTtl(B, B, u64),
    Get(B),
    Take(B),
    Remove(B),
    ContainsKey(B),
    Len,
    IncrBy(B, i64),
    Expire(B, u64),
    Persist(B),
    Ttl(B),
    PushBack(B, B),
    PushFront(B, B),
    PopBack(B),
    PopFront(B),
    ListLen(B),
    ListRange(B, i64, i64),
    ScanPrefix(B),
    Range(Bound<B>, Bound<B>),
    Keys,
    GetMany(Vec<B>),
    InsertMany(Vec<(B, B)>),
    RemoveMany(Vec<B>),
    Batch(Vec<BatchOp>),
    Clear,
    Advance(u64),
}

/// One operation of a [`WriteBatch`].
#[derive(Debug, Clone)]
pub enum BatchOp {
    Insert(B, B),
    InsertWithTtl(B, B, u64),
    Remove(B),
    PushBack(B, B),
    PushFront(B, B),
    IncrBy(B, i64),
    Expire(B, u64),
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn key() -> impl Strategy<Value = B> {
    prop::sample::select(KEYS.to_vec()).prop_map(b)
}

fn value() -> impl Strategy<Value = B> {
    prop_oneof![
        3 => prop::sample::select(VALUES.to_vec()).prop_map(b),
        1 => prop::collection::vec(any::<u8>(), 0..4).prop_map(B),
    ]
}

/// A list element: mostly distinct, so that order bugs show.
fn element() -> impl Strategy<Value = B> {
    prop_oneof![
        3 => (0u32..1000).prop_map(|n| B(format!("e{n}").into_bytes())),
        1 => prop::sample::select(VALUES.to_vec()).prop_map(b),
    ]
}

fn ttl_us() -> impl Strategy<Value = u64> {
    prop::sample::select(TTLS_US.to_vec())
}

fn delta() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => prop::sample::select(vec![-3i64, -1, 0, 1, 2, 7, 100]),
        1 => prop::sample::select(vec![i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1]),
        1 => any::<i64>(),
    ]
}

fn index() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -8i64..8,
        1 => prop::sample::select(vec![i64::MIN, i64::MAX, -100, 100]),
    ]
}

/// A scan prefix or range bound: the keys themselves plus keys between and around them.
fn probe() -> impl Strategy<Value = B> {
    prop_oneof![
        2 => key(),
        1 => prop::sample::select(vec![
            &b"\x00"[..],
            b"a\x00",
            b"aa",
            b"abc",
            b"c",
            b"\xff\xff",
            b"\x00\xff\x00",
        ])
        .prop_map(b),
    ]
}

fn bound() -> impl Strategy<Value = Bound<B>> {
    prop_oneof![
        probe().prop_map(Bound::Included),
        probe().prop_map(Bound::Excluded),
        Just(Bound::Unbounded),
    ]
}

fn batch_op() -> impl Strategy<Value = BatchOp> {
    prop_oneof![
        3 => (key(), value()).prop_map(|(k, v)| BatchOp::Insert(k, v)),
        1 => (key(), value(), ttl_us()).prop_map(|(k, v, t)| BatchOp::InsertWithTtl(k, v, t)),
        2 => key().prop_map(BatchOp::Remove),
        2 => (key(), element()).prop_map(|(k, v)| BatchOp::PushBack(k, v)),
        1 => (key(), element()).prop_map(|(k, v)| BatchOp::PushFront(k, v)),
        2 => (key(), delta()).prop_map(|(k, d)| BatchOp::IncrBy(k, d)),
        1 => (key(), ttl_us()).prop_map(|(k, t)| BatchOp::Expire(k, t)),
    ]
}

/// One random operation.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (key(), value()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (key(), value(), ttl_us()).prop_map(|(k, v, t)| Op::InsertWithTtl(k, v, t)),
        3 => key().prop_map(Op::Get),
        2 => key().prop_map(Op::Take),
        2 => key().prop_map(Op::Remove),
        1 => key().prop_map(Op::ContainsKey),
        1 => Just(Op::Len),
        4 => (key(), delta()).prop_map(|(k, d)| Op::IncrBy(k, d)),
        3 => (key(), ttl_us()).prop_map(|(k, t)| Op::Expire(k, t)),
        2 => key().prop_map(Op::Persist),
        2 => key().prop_map(Op::Ttl),
        5 => (key(), element()).prop_map(|(k, v)| Op::PushBack(k, v)),
        4 => (key(), element()).prop_map(|(k, v)| Op::PushFront(k, v)),
        3 => key().prop_map(Op::PopBack),
        3 => key().prop_map(Op::PopFront),
        1 => key().prop_map(Op::ListLen),
        3 => (key(), index(), index()).prop_map(|(k, a, z)| Op::ListRange(k, a, z)),
        2 => probe().prop_map(Op::ScanPrefix),
        2 => (bound(), bound()).prop_map(|(lo, hi)| Op::Range(lo, hi)),
        1 => Just(Op::Keys),
        2 => prop::collection::vec(key(), 0..4).prop_map(Op::GetMany),
        2 => prop::collection::vec((key(), value()), 0..4).prop_map(Op::InsertMany),
        2 => prop::collection::vec(key(), 0..4).prop_map(Op::RemoveMany),
        4 => prop::collection::vec(batch_op(), 0..5).prop_map(Op::Batch),
        1 => Just(Op::Clear),
        4 => prop::sample::select(ADVANCES_MS.to_vec()).prop_map(Op::Advance),
    ]
}

/// A random sequence of up to 60 operations.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..=60)
}

// ---------------------------------------------------------------------------------------------
// Results, compared exactly
// ---------------------------------------------------------------------------------------------

/// What an operation returned, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Unit,
    Bool(bool),
    Int(i64),
    Count(usize),
    Value(Option<B>),
    Values(Vec<B>),
    Many(Vec<Option<B>>),
    Entries(Vec<(B, B)>),
    Ttl(Option<Ttl>),
}

/// The kind of error an operation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fail {
    WrongType,
    InvalidArgument,
    /// Any other error: the model never expects one, so it always fails the comparison.
    Other(String),
}

type Res = Result<Out, Fail>;

fn fail_of(e: Error) -> Fail {
    match e {
        Error::WrongType { .. } => Fail::WrongType,
        Error::InvalidArgument { .. } => Fail::InvalidArgument,
        other => Fail::Other(other.to_string()),
    }
}

fn res<T>(r: tidekv::Result<T>, f: impl FnOnce(T) -> Out) -> Res {
    r.map(f).map_err(fail_of)
}

fn opt(v: Option<bytes::Bytes>) -> Option<B> {
    v.map(|v| B(v.to_vec()))
}

fn entries(scan: tidekv::Result<tidekv::Scan>) -> Res {
    let scan = scan.map_err(fail_of)?;
    scan.map(|e| e.map(|(k, v)| (B(k.to_vec()), B(v.to_vec()))))
        .collect::<tidekv::Result<Vec<_>>>()
        .map(Out::Entries)
        .map_err(fail_of)
}

fn keys_of(store: &Store) -> Res {
    let keys = store.keys().map_err(fail_of)?;
    keys.map(|k| k.map(|k| B(k.to_vec())))
        .collect::<tidekv::Result<Vec<_>>>()
        .map(Out::Values)
        .map_err(fail_of)
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// What a key holds in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelValue {
    String(Vec<u8>),
    List(VecDeque<Vec<u8>>),
}

/// The reference implementation: a sorted map of live keys and a clock.
///
/// Expired keys are purged whenever time moves, which is what "absent for every operation" means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    now: u64,
    map: BTreeMap<Vec<u8>, (ModelValue, Option<u64>)>,
}

/// A TTL given in µs, as whole ms rounded up (a positive TTL never rounds to "already expired").
fn ttl_ms(us: u64) -> u64 {
    us.div_ceil(1_000)
}

/// The canonical decimal `i64` a counter must hold, or `None`.
fn counter(v: &[u8]) -> Option<i64> {
    let n: i64 = std::str::from_utf8(v).ok()?.parse().ok()?;
    (n.to_string().as_bytes() == v).then_some(n)
}

fn in_bounds(key: &[u8], lo: &Bound<B>, hi: &Bound<B>) -> bool {
    let above = match lo {
        Bound::Included(l) => key >= &l.0[..],
        Bound::Excluded(l) => key > &l.0[..],
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(h) => key <= &h.0[..],
        Bound::Excluded(h) => key < &h.0[..],
        Bound::Unbounded => true,
    };
    above && below
}

impl Model {
    fn new(now: u64) -> Self {
        Model {
            now,
            map: BTreeMap::new(),
        }
    }

    fn advance(&mut self, ms: u64) {
        self.now += ms;
        let now = self.now;
        self.map.retain(|_, (_, at)| at.is_none_or(|at| at > now));
    }

    fn string(&self, k: &B) -> Result<Option<&Vec<u8>>, Fail> {
        match self.map.get(&k.0) {
            None => Ok(None),
            Some((ModelValue::String(v), _)) => Ok(Some(v)),
            Some((ModelValue::List(_), _)) => Err(Fail::WrongType),
        }
    }

    fn list(&self, k: &B) -> Result<Option<&VecDeque<Vec<u8>>>, Fail> {
        match self.map.get(&k.0) {
            None => Ok(None),
            Some((ModelValue::List(l), _)) => Ok(Some(l)),
            Some((ModelValue::String(_), _)) => Err(Fail::WrongType),
        }
    }

    fn put(&mut self, k: &B, v: &B, expires_at: Option<u64>) {
        self.map
            .insert(k.0.clone(), (ModelValue::String(v.0.clone()), expires_at));
    }

    fn put_with_ttl(&mut self, k: &B, v: &B, ttl_us: u64) -> Res {
        if ttl_us == 0 {
            return Err(Fail::InvalidArgument);
        }
        let at = self.now + ttl_ms(ttl_us);
        self.put(k, v, Some(at));
        Ok(Out::Unit)
    }

    fn remove(&mut self, k: &B) -> bool {
        self.map.remove(&k.0).is_some()
    }

    fn incr_by(&mut self, k: &B, delta: i64) -> Res {
        let (current, at) = match self.map.get(&k.0) {
            None => (0, None),
            Some((ModelValue::String(v), at)) => (counter(v).ok_or(Fail::WrongType)?, *at),
            Some((ModelValue::List(_), _)) => return Err(Fail::WrongType),
        };
        let next = current.checked_add(delta).ok_or(Fail::InvalidArgument)?;
        self.map.insert(
            k.0.clone(),
            (ModelValue::String(next.to_string().into_bytes()), at),
        );
        Ok(Out::Int(next))
    }

    fn expire(&mut self, k: &B, ttl_us: u64) -> bool {
        let now = self.now;
        let at = now + ttl_ms(ttl_us);
        match self.map.get_mut(&k.0) {
            None => false,
            Some(_) if at <= now => {
                self.map.remove(&k.0);
                true
            }
            Some((_, expiry)) => {
                *expiry = Some(at);
                true
            }
        }
    }

    fn push(&mut self, k: &B, v: &B, front: bool) -> Res {
        self.list(k)?;
        let (value, _) = self
            .map
            .entry(k.0.clone())
            .or_insert_with(|| (ModelValue::List(VecDeque::new()), None));
        let ModelValue::List(list) = value else {
            unreachable!("checked above");
        };
        if front {
            list.push_front(v.0.clone());
        } else {
            list.push_back(v.0.clone());
        }
        Ok(Out::Count(list.len()))
    }

    fn pop(&mut self, k: &B, front: bool) -> Res {
        if self.list(k)?.is_none() {
            return Ok(Out::Value(None));
        }
        let Some((ModelValue::List(list), _)) = self.map.get_mut(&k.0) else {
            unreachable!("checked above");
        };
        let popped = if front {
            list.pop_front()
        } else {
            list.pop_back()
        };
        if list.is_empty() {
            self.map.remove(&k.0);
        }
        Ok(Out::Value(popped.map(B)))
    }

    /// Redis `LRANGE`: element `i` is in the window iff `start <= i <= stop` after negative indexes
    /// are turned into `len + index`.
    fn list_range(&self, k: &B, start: i64, stop: i64) -> Res {
        let Some(list) = self.list(k)? else {
            return Ok(Out::Values(Vec::new()));
        };
        let len = list.len() as i128;
        let norm = |i: i64| {
            if i < 0 {
                len + i128::from(i)
            } else {
                i128::from(i)
            }
        };
        let (start, stop) = (norm(start), norm(stop));
        Ok(Out::Values(
            list.iter()
                .enumerate()
                .filter(|(i, _)| (start..=stop).contains(&(*i as i128)))
                .map(|(_, v)| B(v.clone()))
                .collect(),
        ))
    }

    fn strings_where(&self, keep: impl Fn(&[u8]) -> bool) -> Res {
        Ok(Out::Entries(
            self.map
                .iter()
                .filter(|(k, _)| keep(k))
                .filter_map(|(k, (v, _))| match v {
                    ModelValue::String(v) => Some((B(k.clone()), B(v.clone()))),
                    ModelValue::List(_) => None,
                })
                .collect(),
        ))
    }

    /// Applies a batch to a copy; commits only if every op succeeds.
    fn batch(&mut self, ops: &[BatchOp]) -> Res {
        // Arguments (a zero TTL) are checked before anything is written.
        if ops
            .iter()
            .any(|op| matches!(op, BatchOp::InsertWithTtl(_, _, 0)))
        {
            return Err(Fail::InvalidArgument);
        }
        let mut next = self.clone();
        for op in ops {
            match op {
                BatchOp::Insert(k, v) => next.put(k, v, None),
                BatchOp::InsertWithTtl(k, v, t) => {
                    next.put_with_ttl(k, v, *t)?;
                }
                BatchOp::Remove(k) => {
                    next.remove(k);
                }
                BatchOp::PushBack(k, v) => {
                    next.push(k, v, false)?;
                }
                BatchOp::PushFront(k, v) => {
                    next.push(k, v, true)?;
                }
                BatchOp::IncrBy(k, d) => {
                    next.incr_by(k, *d)?;
                }
                BatchOp::Expire(k, t) => {
                    next.expire(k, *t);
                }
            }
        }
        *self = next;
        Ok(Out::Unit)
    }

    /// What the model says `op` returns; changes the model as the op changes the store.
    pub fn apply(&mut self, op: &Op) -> Res {
        match op {
            Op::Insert(k, v) => {
                self.put(k, v, None);
                Ok(Out::Unit)
            }
            Op::InsertWithTtl(k, v, t) => self.put_with_ttl(k, v, *t),
            Op::Get(k) => Ok(Out::Value(self.string(k)?.cloned().map(B))),
            Op::Take(k) => {
                let v = self.string(k)?.cloned();
                if v.is_some() {
                    self.map.remove(&k.0);
                }
                Ok(Out::Value(v.map(B)))
            }
            Op::Remove(k) => Ok(Out::Bool(self.remove(k))),
            Op::ContainsKey(k) => Ok(Out::Bool(self.map.contains_key(&k.0))),
            Op::Len => Ok(Out::Count(self.map.len())),
            Op::IncrBy(k, d) => self.incr_by(k, *d),
            Op::Expire(k, t) => Ok(Out::Bool(self.expire(k, *t))),
            Op::Persist(k) => Ok(Out::Bool(match self.map.get_mut(&k.0) {
                None => false,
                Some((_, at)) => {
                    *at = None;
                    true
                }
            })),
            Op::Ttl(k) => Ok(Out::Ttl(self.ttl(&k.0))),
            Op::PushBack(k, v) => self.push(k, v, false),
            Op::PushFront(k, v) => self.push(k, v, true),
            Op::PopBack(k) => self.pop(k, false),
            Op::PopFront(k) => self.pop(k, true),
            Op::ListLen(k) => Ok(Out::Count(self.list(k)?.map_or(0, VecDeque::len))),
            Op::ListRange(k, start, stop) => self.list_range(k, *start, *stop),
            Op::ScanPrefix(p) => self.strings_where(|k| k.starts_with(&p.0)),
            Op::Range(lo, hi) => self.strings_where(|k| in_bounds(k, lo, hi)),
            Op::Keys => Ok(Out::Values(self.map.keys().cloned().map(B).collect())),
            Op::GetMany(ks) => ks
                .iter()
                .map(|k| Ok(self.string(k)?.cloned().map(B)))
                .collect::<Result<Vec<_>, Fail>>()
                .map(Out::Many),
            Op::InsertMany(pairs) => {
                for (k, v) in pairs {
                    self.put(k, v, None);
                }
                Ok(Out::Unit)
            }
            Op::RemoveMany(ks) => Ok(Out::Count(ks.iter().filter(|k| self.remove(k)).count())),
            Op::Batch(ops) => self.batch(ops),
            Op::Clear => {
                self.map.clear();
                Ok(Out::Unit)
            }
            Op::Advance(ms) => {
                self.advance(*ms);
                Ok(Out::Unit)
            }
        }
    }

    fn ttl(&self, k: &[u8]) -> Option<Ttl> {
        self.map.get(k).map(|(_, at)| match at {
            None => Ttl::Persistent,
            Some(at) => Ttl::ExpiresIn(Duration::from_millis(at - self.now)),
        })
    }

    /// Every key the model holds, with what [`observe`] should see for it.
    fn state(&self) -> BTreeMap<B, (Observed, Option<Ttl>)> {
        self.map
            .iter()
            .map(|(k, (v, _))| {
                let seen = match v {
                    ModelValue::String(s) => Observed::String(B(s.clone())),
                    ModelValue::List(l) => Observed::List(l.iter().cloned().map(B).collect()),
                };
                (B(k.clone()), (seen, self.ttl(k)))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Running ops against the store
// ---------------------------------------------------------------------------------------------

fn ttl_arg(us: u64) -> Duration {
    Duration::from_micros(us)
}

fn build_batch(ops: &[BatchOp]) -> tidekv::Result<WriteBatch> {
    let mut batch = WriteBatch::new();
    for op in ops {
        match op {
            BatchOp::Insert(k, v) => {
                batch.insert(k, &v.0)?;
            }
            BatchOp::InsertWithTtl(k, v, t) => {
                batch.insert_with_ttl(k, &v.0, ttl_arg(*t))?;
            }
            BatchOp::Remove(k) => {
                batch.remove(k);
            }
            BatchOp::PushBack(k, v) => {
                batch.push_back(k, &v.0)?;
            }
            BatchOp::PushFront(k, v) => {
                batch.push_front(k, &v.0)?;
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

/// Runs `op` on the store and returns what it returned.
pub fn execute(store: &Store, clock: &ManualClock, op: &Op) -> Res {
    match op {
        Op::Insert(k, v) => res(store.insert(k, &v.0), |()| Out::Unit),
        Op::InsertWithTtl(k, v, t) => {
            res(store.insert_with_ttl(k, &v.0, ttl_arg(*t)), |()| Out::Unit)
        }
        Op::Get(k) => res(store.get(k), |v| Out::Value(opt(v))),
        Op::Take(k) => res(store.take(k), |v| Out::Value(opt(v))),
        Op::Remove(k) => res(store.remove(k), Out::Bool),
        Op::ContainsKey(k) => res(store.contains_key(k), Out::Bool),
        Op::Len => res(store.len(), Out::Count),
        Op::IncrBy(k, d) => res(store.incr_by(k, *d), Out::Int),
        Op::Expire(k, t) => res(store.expire(k, ttl_arg(*t)), Out::Bool),
        Op::Persist(k) => res(store.persist(k), Out::Bool),
        Op::Ttl(k) => res(store.ttl(k), Out::Ttl),
        Op::PushBack(k, v) => res(store.push_back(k, &v.0), Out::Count),
        Op::PushFront(k, v) => res(store.push_front(k, &v.0), Out::Count),
        Op::PopBack(k) => res(store.pop_back(k), |v| Out::Value(opt(v))),
        Op::PopFront(k) => res(store.pop_front(k), |v| Out::Value(opt(v))),
        Op::ListLen(k) => res(store.list_len(k), Out::Count),
        Op::ListRange(k, start, stop) => res(store.list_range(k, *start, *stop), |vs| {
            Out::Values(vs.into_iter().map(|v| B(v.to_vec())).collect())
        }),
        Op::ScanPrefix(p) => entries(store.scan_prefix(p)),
        Op::Range(lo, hi) => {
            let lo = lo.as_ref().map(|k| k.0.clone());
            let hi = hi.as_ref().map(|k| k.0.clone());
            entries(store.range::<Vec<u8>>((lo, hi)))
        }
        Op::Keys => keys_of(store),
        Op::GetMany(ks) => res(store.get_many(ks), |vs| {
            Out::Many(vs.into_iter().map(opt).collect())
        }),
        Op::InsertMany(pairs) => res(
            store.insert_many(pairs.iter().map(|(k, v)| (k, &v.0))),
            |()| Out::Unit,
        ),
        Op::RemoveMany(ks) => res(store.remove_many(ks), Out::Count),
        Op::Batch(ops) => res(
            build_batch(ops).and_then(|batch| store.apply_batch(batch)),
            |()| Out::Unit,
        ),
        Op::Clear => res(store.clear(), |()| Out::Unit),
        Op::Advance(ms) => {
            clock.advance(Duration::from_millis(*ms));
            Ok(Out::Unit)
        }
    }
}

/// What a key holds, as read back from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    String(B),
    List(Vec<B>),
}

/// The whole observable state of the store over the key universe, read with `get`, `list_range`
/// and `ttl`, and checked against `keys`, `len`, `contains_key` and a full scan.
pub fn observe(store: &Store) -> Result<BTreeMap<B, (Observed, Option<Ttl>)>, String> {
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

/// Runs one sequence on a fresh store; `Err` names the first divergence.
pub fn check_sequence(
    open: &dyn Fn(ManualClock) -> Store,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let clock = ManualClock::new(START_MS);
    let store = open(clock.clone());
    let mut model = Model::new(START_MS);
    for (i, op) in ops.iter().enumerate() {
        let before = model.clone();
        let expected = model.apply(op);
        if expected.is_err() && model != before {
            return Err(TestCaseError::fail(format!(
                "test bug: the model changed on a failing op #{i} {op:?}"
            )));
        }
        let actual = execute(&store, &clock, op);
        if actual != expected {
            return Err(TestCaseError::fail(format!(
                "op #{i} {op:?}: store returned {actual:?}, model expected {expected:?}\n\
                 model before the op: {before:?}"
            )));
        }
        let observed = observe(&store)
            .map_err(|e| TestCaseError::fail(format!("after op #{i} {op:?}: {e}")))?;
        let state = model.state();
        if observed != state {
            let what = if expected.is_err() {
                "a failed op changed the store"
            } else {
                "store state differs from the model"
            };
            return Err(TestCaseError::fail(format!(
                "after op #{i} {op:?} (returned {actual:?}): {what}\n\
                 store: {observed:?}\nmodel: {state:?}\nmodel before the op: {before:?}"
            )));
        }
    }
    store
        .close()
        .map_err(|e| TestCaseError::fail(format!("close(): {e}")))?;
    Ok(())
}

/// Fixed sequences that once failed (kept so that every backend is checked against them on every
/// run, whatever the random search finds), each with what it checks.
pub fn regressions() -> Vec<(&'static str, Vec<Op>)> {
    let k = |s: &[u8]| b(s);
    vec![
        (
            "re-inserting a key with the same TTL at the same instant, then letting it expire: len() must not count it",
            vec![
                Op::InsertWithTtl(k(b"b"), k(b""), 1_500),
                Op::InsertWithTtl(k(b"b"), k(b""), 1_500),
                Op::Advance(2),
                Op::Len,
            ],
        ),
        (
            "incr_by on a key with a TTL keeps the TTL; once it expires len() must not count it",
            vec![
                Op::InsertWithTtl(k(b""), k(b"0"), 1),
                Op::IncrBy(k(b""), -3),
                Op::Advance(1),
                Op::Len,
            ],
        ),
        (
            "the same through batches: a counter with a TTL, incremented in a batch, then expired",
            vec![
                Op::Batch(vec![BatchOp::InsertWithTtl(k(b"a"), k(b"1"), 1_000)]),
                Op::Batch(vec![BatchOp::IncrBy(k(b"a"), 1)]),
                Op::Advance(1),
                Op::Len,
            ],
        ),
        (
            "a batch whose last op pushes onto a string key changes nothing",
            vec![
                Op::Insert(k(b"a"), k(b"x")),
                Op::PushBack(k(b"ab"), k(b"e1")),
                Op::Batch(vec![
                    BatchOp::Remove(k(b"ab")),
                    BatchOp::IncrBy(k(b"b"), 5),
                    BatchOp::Expire(k(b"b"), 1_000),
                    BatchOp::PushBack(k(b"a"), k(b"e2")),
                ]),
            ],
        ),
    ]
}

/// Runs every sequence of [`regressions`] on a fresh store; panics naming each one that fails.
pub fn run_regressions(open: impl Fn(ManualClock) -> Store) {
    let failures: Vec<String> = regressions()
        .into_iter()
        .filter_map(|(what, ops)| {
            check_sequence(&open, &ops)
                .err()
                .map(|e| format!("{what}:\n  {ops:?}\n  {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} regression sequence(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Runs the model test: `PROPTEST_CASES` sequences (256 by default) of up to 60 ops, each on a
/// fresh store made by `open` from a manual clock it must use for every expiry decision.
///
/// Panics with the smallest failing sequence found.
pub fn run(open: impl Fn(ManualClock) -> Store) {
    let config = ProptestConfig {
        source_file: Some(file!()),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    match runner.run(&ops(), |ops| check_sequence(&open, &ops)) {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            panic!(
                "model test failed: {reason}\nminimal failing sequence ({} ops): {ops:#?}",
                ops.len()
            )
        }
        Err(TestError::Abort(reason)) => panic!("model test aborted: {reason}"),
    }
}
