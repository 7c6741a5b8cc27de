//! The reference model: a `BTreeMap` that follows the semantics in `src/engine/mod.rs` and the
//! operations in `src/ops/`.

use super::*;

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
    pub(super) map: BTreeMap<Vec<u8>, (ModelValue, Option<u64>)>,
}

/// A TTL given in µs, as whole ms rounded up (a positive TTL never rounds to "already expired").
pub fn ttl_ms(us: u64) -> u64 {
    us.div_ceil(1_000)
}

/// A Redis list index (negative from the tail) as a position, if inside a list of `len`.
pub fn index_of(len: usize, i: i64) -> Option<usize> {
    let at = if i < 0 {
        len as i128 + i128::from(i)
    } else {
        i128::from(i)
    };
    usize::try_from(at).ok().filter(|at| *at < len)
}

/// The canonical decimal `i64` a counter must hold, or `None`.
pub fn counter(v: &[u8]) -> Option<i64> {
    let n: i64 = std::str::from_utf8(v).ok()?.parse().ok()?;
    (n.to_string().as_bytes() == v).then_some(n)
}

pub fn in_bounds(key: &[u8], lo: &Bound<B>, hi: &Bound<B>) -> bool {
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
    pub fn new(now: u64) -> Self {
        Model {
            now,
            map: BTreeMap::new(),
        }
    }

    /// The model's clock (Unix ms).
    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        let now = self.now;
        self.map.retain(|_, (_, at)| at.is_none_or(|at| at > now));
    }

    pub fn string(&self, k: &B) -> Result<Option<&Vec<u8>>, Fail> {
        match self.map.get(&k.0) {
            None => Ok(None),
            Some((ModelValue::String(v), _)) => Ok(Some(v)),
            Some((ModelValue::List(_), _)) => Err(Fail::WrongType),
        }
    }

    pub fn list(&self, k: &B) -> Result<Option<&VecDeque<Vec<u8>>>, Fail> {
        match self.map.get(&k.0) {
            None => Ok(None),
            Some((ModelValue::List(l), _)) => Ok(Some(l)),
            Some((ModelValue::String(_), _)) => Err(Fail::WrongType),
        }
    }

    pub fn put(&mut self, k: &B, v: &B, expires_at: Option<u64>) {
        self.map
            .insert(k.0.clone(), (ModelValue::String(v.0.clone()), expires_at));
    }

    pub fn put_with_ttl(&mut self, k: &B, v: &B, ttl_us: u64) -> Res {
        if ttl_us == 0 {
            // A zero TTL is dead on arrival: the write deletes the key.
            self.remove(k);
            return Ok(Out::Unit);
        }
        let at = self.now + ttl_ms(ttl_us);
        self.put(k, v, Some(at));
        Ok(Out::Unit)
    }

    pub fn remove(&mut self, k: &B) -> bool {
        self.map.remove(&k.0).is_some()
    }

    pub fn incr_by(&mut self, k: &B, delta: i64) -> Res {
        let (current, at) = match self.map.get(&k.0) {
            None => (0, None),
            Some((ModelValue::String(v), at)) => (counter(v).ok_or(Fail::NotAnInteger)?, *at),
            Some((ModelValue::List(_), _)) => return Err(Fail::WrongType),
        };
        let next = current.checked_add(delta).ok_or(Fail::Overflow)?;
        self.map.insert(
            k.0.clone(),
            (ModelValue::String(next.to_string().into_bytes()), at),
        );
        Ok(Out::Int(next))
    }

    pub fn expire(&mut self, k: &B, ttl_us: u64) -> bool {
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

    pub fn push(&mut self, k: &B, v: &B, front: bool) -> Res {
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

    pub fn pop(&mut self, k: &B, front: bool) -> Res {
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
    pub fn list_range(&self, k: &B, start: i64, stop: i64) -> Res {
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

    pub fn strings_where(&self, keep: impl Fn(&[u8]) -> bool) -> Res {
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
    pub fn batch(&mut self, ops: &[BatchOp]) -> Res {
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
            // PERSIST answers whether an expiry was removed (Redis's 1 / 0).
            Op::Persist(k) => Ok(Out::Bool(match self.map.get_mut(&k.0) {
                Some((_, at)) => at.take().is_some(),
                None => false,
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
            Op::InsertIfAbsent(k, v) => {
                let absent = !self.map.contains_key(&k.0);
                if absent {
                    self.put(k, v, None);
                }
                Ok(Out::Bool(absent))
            }
            Op::GetAndSet(k, v) => {
                let old = self.string(k)?.cloned();
                self.put(k, v, None);
                Ok(Out::Value(old.map(B)))
            }
            Op::Append(k, v) => self.append(k, v),
            Op::Rename(a, z) => self.rename(a, z),
            Op::ListSet(k, i, v) => self.list_set(k, *i, v),
            Op::ListTrim(k, a, z) => self.list_trim(k, *a, *z),
            Op::ListRemove(k, n, v) => self.list_remove(k, *n, v),
            Op::ListMove(a, z, from_front, to_front) => {
                self.list_move(a, z, *from_front, *to_front)
            }
            Op::Transaction(ops) => Ok(Out::Exec(ops.iter().map(|op| self.tx_op(op)).collect())),
        }
    }

    pub fn ttl(&self, k: &[u8]) -> Option<Ttl> {
        self.map.get(k).map(|(_, at)| match at {
            None => Ttl::Persistent,
            Some(at) => Ttl::ExpiresIn(Duration::from_millis(at - self.now)),
        })
    }

    /// Every key the model holds, with what [`observe`] should see for it.
    pub fn state(&self) -> State {
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
