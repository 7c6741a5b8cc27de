//! Typed values: every supported type round-trips; wrong-type reads are errors.

use super::{Backend, Ctx};
use serde::{Deserialize, Serialize};
use tidekv::{Error, Json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    items: Vec<String>,
    paid: bool,
    note: Option<String>,
}

pub fn integers_floats_bools_round_trip(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for (i, v) in [0i64, -1, 1, i64::MAX, i64::MIN].into_iter().enumerate() {
        s.insert(format!("i{i}"), v).unwrap();
        assert_eq!(s.get_as::<i64>(format!("i{i}")).unwrap(), Some(v));
    }
    for (i, v) in [
        0.0f64,
        -0.5,
        3.25,
        1e300,
        -1e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]
    .into_iter()
    .enumerate()
    {
        s.insert(format!("f{i}"), v).unwrap();
        assert_eq!(s.get_as::<f64>(format!("f{i}")).unwrap(), Some(v));
    }
    s.insert("nan", f64::NAN).unwrap();
    assert!(s.get_as::<f64>("nan").unwrap().unwrap().is_nan());
    s.insert("t", true).unwrap();
    s.insert("f", false).unwrap();
    assert_eq!(s.get_as::<bool>("t").unwrap(), Some(true));
    assert_eq!(s.get_as::<bool>("f").unwrap(), Some(false));
    s.insert("u", u64::MAX).unwrap();
    assert_eq!(s.get_as::<u64>("u").unwrap(), Some(u64::MAX));
    assert_eq!(s.get_as::<i64>("missing").unwrap(), None);
}

pub fn strings_bytes_and_json_round_trip(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("s", String::from("héllo wörld")).unwrap();
    assert_eq!(
        s.get_as::<String>("s").unwrap().as_deref(),
        Some("héllo wörld")
    );
    let raw = vec![0u8, 159, 146, 150, 255];
    s.insert("b", raw.clone()).unwrap();
    assert_eq!(s.get_as::<Vec<u8>>("b").unwrap(), Some(raw));
    let order = Order {
        id: 7,
        items: vec!["tea".into(), "scone".into()],
        paid: true,
        note: None,
    };
    s.insert("order", Json(order.clone())).unwrap();
    assert_eq!(s.get_as::<Json<Order>>("order").unwrap(), Some(Json(order)));
    s.insert("vec", Json(vec![1u32, 2, 3])).unwrap();
    assert_eq!(
        s.get_as::<Json<Vec<u32>>>("vec").unwrap(),
        Some(Json(vec![1, 2, 3]))
    );
}

pub fn undecodable_reads_are_errors(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("word", "abc").unwrap();
    s.insert("float", 2.5).unwrap();
    s.insert("bin", vec![0xffu8, 0xfe]).unwrap();
    s.insert("num", 7).unwrap();
    assert!(matches!(
        s.get_as::<i64>("word"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<i64>("float"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<f64>("word"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<bool>("num"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<String>("bin"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<Json<Order>>("word"),
        Err(Error::Decode { .. })
    ));
    assert!(matches!(
        s.get_as::<u32>("float"),
        Err(Error::Decode { .. })
    ));
    let err = s.get_as::<i64>("word").unwrap_err().to_string();
    assert!(err.contains("cannot decode") && err.contains("abc"), "{err}");
}

pub fn numbers_are_decimal_text(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("n", 1234).unwrap();
    assert_eq!(s.get("n").unwrap().as_deref(), Some(&b"1234"[..]));
    s.insert("neg", -5i64).unwrap();
    assert_eq!(s.get("neg").unwrap().as_deref(), Some(&b"-5"[..]));
    s.insert("f", 10.5).unwrap();
    assert_eq!(s.get("f").unwrap().as_deref(), Some(&b"10.5"[..]));
    s.insert("b", true).unwrap();
    assert_eq!(s.get("b").unwrap().as_deref(), Some(&b"1"[..]));
    // A number written as text by someone else (redis-cli SET n 10) reads as a number.
    s.insert("text", "10").unwrap();
    assert_eq!(s.get_as::<i64>("text").unwrap(), Some(10));
    assert_eq!(s.incr_by("text", 5).unwrap(), 15);
}

pub fn typed_helpers_for_lists_and_many_keys(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", [1, 2, 3]).unwrap();
    assert_eq!(s.pop_front_as::<i64>("q").unwrap(), Some(1));
    assert_eq!(s.pop_back_as::<u8>("q").unwrap(), Some(3));
    assert_eq!(s.list_range_as::<i16>("q", 0, -1).unwrap(), vec![2]);
    let popped = s
        .blocking_pop_front_as::<usize, _>(&["q"], Some(std::time::Duration::ZERO))
        .unwrap();
    assert_eq!(popped, Some(("q".into(), 2usize)));
    s.insert_many([("a", "1"), ("b", "x")]).unwrap();
    assert!(matches!(
        s.get_many_as::<i64, _>(["a", "b"]),
        Err(Error::Decode { .. })
    ));
    assert_eq!(
        s.get_many_as::<i64, _>(["a", "missing"]).unwrap(),
        vec![Some(1), None]
    );
    s.push_back("words", "not a number").unwrap();
    assert!(matches!(s.pop_front_as::<i64>("words"), Err(Error::Decode { .. })));
}
