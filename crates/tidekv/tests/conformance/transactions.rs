//! Transactions: EXEC's rule (a failing operation does not undo the others), the closure's rule
//! (an error undoes everything), own writes visible inside, declared keys only, keyspaces.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Error, ListEnd, Ttl};

pub fn a_failing_operation_does_not_undo_the_others(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("word", "abc").unwrap();
    s.insert("str", "v").unwrap();
    let (a, b2, c, d) = s
        .transaction(["n", "word", "q", "str"], |t| {
            Ok((
                t.incr_by("n", 5),
                t.incr_by("word", 1),
                t.push_back("str", "x"),
                t.push_back("q", "job"),
            ))
        })
        .unwrap();
    assert_eq!(a.unwrap(), 5);
    assert!(matches!(b2, Err(Error::NotAnInteger)));
    assert!(matches!(c, Err(Error::WrongType { .. })));
    assert_eq!(d.unwrap(), 1);
    assert_eq!(s.get_as::<i64>("n").unwrap(), Some(5));
    assert_eq!(s.get("word").unwrap().as_deref(), Some(&b"abc"[..]));
    assert_eq!(s.get("str").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(s.list_len("q").unwrap(), 1);
}

pub fn an_error_from_the_closure_undoes_everything(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("keep", "original").unwrap();
    s.push_back_all("q", ["a", "b"]).unwrap();
    let result: tidekv::Result<()> = s.transaction(["keep", "new", "q", "n"], |t| {
        t.insert("keep", "changed")?;
        t.insert("new", "v")?;
        t.pop_front("q")?;
        t.push_back("q", "c")?;
        t.expire_with("keep", tidekv::Expiry::In(Duration::from_secs(5)), Default::default())?;
        t.incr_by("n", 1)?;
        t.incr_by("keep", 1)?; // not an integer: fails, and `?` fails the whole transaction
        Ok(())
    });
    assert!(matches!(result, Err(Error::NotAnInteger)));
    assert_eq!(s.get("keep").unwrap().as_deref(), Some(&b"original"[..]));
    assert_eq!(s.ttl("keep").unwrap(), Some(Ttl::Persistent));
    assert_eq!(s.get("new").unwrap(), None);
    assert_eq!(s.get("n").unwrap(), None);
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["a", "b"]);
    assert_eq!(s.len().unwrap(), 2);
}

pub fn a_transaction_reads_its_own_writes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let seen = s
        .transaction(["k", "q", "r"], |t| {
            t.insert("k", 1)?;
            t.incr_by("k", 41)?;
            t.push_back_all("q", ["x", "y", "z"])?;
            t.list_move("q", "r", ListEnd::Front, ListEnd::Back)?;
            t.list_set("q", 0, "Y")?;
            Ok((
                t.get_as::<i64>("k")?,
                t.list_range("q", 0, -1)?,
                t.list_range("r", 0, -1)?,
                t.contains_key("r")?,
            ))
        })
        .unwrap();
    assert_eq!(seen.0, Some(42));
    assert_eq!(seen.1, vec!["Y", "z"]);
    assert_eq!(seen.2, vec!["x"]);
    assert!(seen.3);
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["Y", "z"]);
    assert_eq!(s.get_as::<i64>("k").unwrap(), Some(42));
}

pub fn a_transaction_touches_only_declared_keys(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let result = s.transaction(["a"], |t| {
        t.insert("a", "1")?;
        t.insert("undeclared", "2")
    });
    assert!(matches!(result, Err(Error::InvalidArgument { what: "key", .. })));
    assert_eq!(s.get("a").unwrap(), None, "the whole transaction failed");
    assert_eq!(s.get("undeclared").unwrap(), None);
}

pub fn a_transaction_spans_keyspaces(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "zero").unwrap();
    s.transaction_across([(0, "k"), (3, "k")], |t| {
        let v = t.get("k")?;
        t.select(3)?;
        assert_eq!(t.keyspace_id(), 3);
        t.insert("k", v.unwrap_or_default())?;
        t.select(0)?;
        t.remove("k")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(s.get("k").unwrap(), None);
    let three = s.keyspace(3).unwrap();
    assert_eq!(three.get("k").unwrap().as_deref(), Some(&b"zero"[..]));
    assert!(s
        .transaction_across([(99, "k")], |_| Ok(()))
        .is_err());
}
