//! The reference model's string edits, renames, list edits and transactions (the operations of
//! the contract's read-modify-write primitive), next to the basic ones in `reference.rs`.

use super::*;

impl Model {
    pub fn rename(&mut self, a: &B, z: &B) -> Res {
        let Some(entry) = self.map.remove(&a.0) else {
            return Err(Fail::NoSuchKey);
        };
        self.map.insert(z.0.clone(), entry);
        Ok(Out::Unit)
    }

    pub fn list_set(&mut self, k: &B, i: i64, v: &B) -> Res {
        let Some(list) = self.list(k)? else {
            return Err(Fail::NoSuchKey);
        };
        let at = index_of(list.len(), i).ok_or(Fail::IndexOutOfRange)?;
        if let Some((ModelValue::List(list), _)) = self.map.get_mut(&k.0) {
            list[at] = v.0.clone();
        }
        Ok(Out::Unit)
    }

    pub fn list_trim(&mut self, k: &B, a: i64, z: i64) -> Res {
        let Out::Values(kept) = self.list_range(k, a, z)? else {
            unreachable!("list_range returns values");
        };
        if let Some((ModelValue::List(list), _)) = self.map.get_mut(&k.0) {
            *list = kept.into_iter().map(|v| v.0).collect();
            if list.is_empty() {
                self.map.remove(&k.0);
            }
        }
        Ok(Out::Unit)
    }

    pub fn list_remove(&mut self, k: &B, n: i64, v: &B) -> Res {
        self.list(k)?;
        let Some((ModelValue::List(list), _)) = self.map.get_mut(&k.0) else {
            return Ok(Out::Count(0));
        };
        let limit = if n == 0 {
            usize::MAX
        } else {
            n.unsigned_abs() as usize
        };
        let mut removed = 0;
        let mut order: Vec<usize> = (0..list.len()).collect();
        if n < 0 {
            order.reverse();
        }
        let mut gone = vec![false; list.len()];
        for i in order {
            if removed < limit && list[i] == v.0 {
                gone[i] = true;
                removed += 1;
            }
        }
        let mut i = 0;
        list.retain(|_| {
            i += 1;
            !gone[i - 1]
        });
        if list.is_empty() {
            self.map.remove(&k.0);
        }
        Ok(Out::Count(removed))
    }

    pub fn list_move(&mut self, a: &B, z: &B, from_front: bool, to_front: bool) -> Res {
        if self.list(a)?.is_none() {
            return Ok(Out::Value(None));
        }
        self.list(z)?;
        if a == z && self.list(a)?.is_some_and(|l| l.len() == 1) {
            // A one-element rotation: nothing changes, the expiry stays.
            return Ok(Out::Value(
                self.list(a)?.and_then(|l| l.front().cloned().map(B)),
            ));
        }
        let Out::Value(Some(moved)) = self.pop(a, from_front)? else {
            unreachable!("the list is not empty");
        };
        // The destination keeps its expiry; a new one has none.
        self.push(z, &moved, to_front)?;
        Ok(Out::Value(Some(moved)))
    }

    pub fn append(&mut self, k: &B, v: &B) -> Res {
        let (mut value, at) = match self.map.get(&k.0) {
            None => (Vec::new(), None),
            Some((ModelValue::String(s), at)) => (s.clone(), *at),
            Some((ModelValue::List(_), _)) => return Err(Fail::WrongType),
        };
        value.extend_from_slice(&v.0);
        let len = value.len();
        self.map
            .insert(k.0.clone(), (ModelValue::String(value), at));
        Ok(Out::Count(len))
    }

    /// One operation of a transaction: a failing one changes nothing, the others go on.
    pub fn tx_op(&mut self, op: &TxOp) -> Res {
        match op {
            TxOp::Insert(k, v) => {
                self.put(k, v, None);
                Ok(Out::Unit)
            }
            TxOp::IncrBy(k, d) => self.incr_by(k, *d),
            TxOp::Append(k, v) => self.append(k, v),
            TxOp::PushBack(k, v) => self.push(k, v, false),
            TxOp::PopFront(k) => self.pop(k, true),
            TxOp::Remove(k) => Ok(Out::Bool(self.remove(k))),
            TxOp::Get(k) => Ok(Out::Value(self.string(k)?.cloned().map(B))),
        }
    }
}
