//! List edits: LPUSHX / RPUSHX, pops with a count, LINDEX, LSET, LTRIM, LINSERT, LREM, LPOS and
//! LMOVE, with the answers of Redis 7's documentation examples and the edge cases around them.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Error, ListEnd, ListInsert, Side, Ttl};

fn all(s: &tidekv::Store, key: &str) -> Vec<String> {
    s.list_range(key, 0, -1)
        .unwrap()
        .into_iter()
        .map(|v| String::from_utf8(v.to_vec()).unwrap())
        .collect()
}

pub fn push_if_exists_needs_a_list(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.push_back_if_exists("q", "a").unwrap(), 0);
    assert_eq!(s.push_front_if_exists("q", "a").unwrap(), 0);
    assert!(!s.contains_key("q").unwrap(), "no list is created");
    s.push_back("q", "b").unwrap();
    assert_eq!(s.push_back_if_exists("q", "c").unwrap(), 2);
    assert_eq!(s.push_front_if_exists("q", "a").unwrap(), 3);
    assert_eq!(all(s, "q"), ["a", "b", "c"]);
    s.insert("str", "v").unwrap();
    assert!(matches!(
        s.push_back_if_exists("str", "x"),
        Err(Error::WrongType { .. })
    ));
}

pub fn pops_with_a_count_take_up_to_count(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", ["one", "two", "three", "four", "five"])
        .unwrap();
    assert_eq!(s.pop_front_many("q", 2).unwrap(), vec!["one", "two"]);
    assert_eq!(s.pop_back_many("q", 2).unwrap(), vec!["five", "four"]);
    assert_eq!(s.pop_front_many("q", 0).unwrap(), Vec::<bytes::Bytes>::new());
    assert_eq!(s.pop_front_many("q", 10).unwrap(), vec!["three"]);
    assert!(!s.contains_key("q").unwrap(), "an emptied list is gone");
    assert!(s.pop_back_many("q", 3).unwrap().is_empty());
    s.insert("str", "v").unwrap();
    assert!(matches!(
        s.pop_front_many("str", 1),
        Err(Error::WrongType { .. })
    ));
}

pub fn list_index_and_list_set_use_redis_indexes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(matches!(s.list_set("q", 0, "x"), Err(Error::NoSuchKey)));
    s.push_back_all("q", ["one", "two", "three"]).unwrap();
    assert_eq!(s.list_index("q", 0).unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(s.list_index("q", -1).unwrap().as_deref(), Some(&b"three"[..]));
    assert_eq!(s.list_index("q", 3).unwrap(), None);
    assert_eq!(s.list_index("q", -4).unwrap(), None);
    assert_eq!(s.list_index("missing", 0).unwrap(), None);
    s.list_set("q", 0, "four").unwrap();
    s.list_set("q", -2, "five").unwrap();
    assert_eq!(all(s, "q"), ["four", "five", "three"]);
    assert!(matches!(s.list_set("q", 3, "x"), Err(Error::IndexOutOfRange)));
    assert!(matches!(s.list_set("q", -4, "x"), Err(Error::IndexOutOfRange)));
    s.insert("str", "v").unwrap();
    assert!(matches!(s.list_set("str", 0, "x"), Err(Error::WrongType { .. })));
    assert!(matches!(s.list_index("str", 0), Err(Error::WrongType { .. })));
}

pub fn list_trim_keeps_a_window_and_an_empty_one_deletes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.list_trim("missing", 0, 1).unwrap();
    s.push_back_all("q", ["one", "two", "three"]).unwrap();
    s.expire("q", Duration::from_secs(40)).unwrap();
    s.list_trim("q", 1, -1).unwrap();
    assert_eq!(all(s, "q"), ["two", "three"]);
    assert_eq!(
        s.ttl("q").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(40))),
        "the TTL is kept"
    );
    s.list_trim("q", 0, -1).unwrap();
    assert_eq!(all(s, "q"), ["two", "three"]);
    // The trimmed list goes on working at both ends.
    s.push_front("q", "one").unwrap();
    s.push_back("q", "four").unwrap();
    assert_eq!(all(s, "q"), ["one", "two", "three", "four"]);
    s.list_trim("q", 5, 10).unwrap();
    assert!(!s.contains_key("q").unwrap());
}

pub fn list_insert_finds_the_pivot(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(
        s.list_insert("q", Side::Before, "x", "y").unwrap(),
        ListInsert::NoList
    );
    s.push_back_all("q", ["Hello", "World"]).unwrap();
    assert_eq!(
        s.list_insert("q", Side::Before, "World", "There").unwrap(),
        ListInsert::Inserted(3)
    );
    assert_eq!(
        s.list_insert("q", Side::After, "World", "!").unwrap(),
        ListInsert::Inserted(4)
    );
    assert_eq!(
        s.list_insert("q", Side::After, "nope", "x").unwrap(),
        ListInsert::NoPivot
    );
    assert_eq!(all(s, "q"), ["Hello", "There", "World", "!"]);
    assert_eq!(s.pop_front("q").unwrap().as_deref(), Some(&b"Hello"[..]));
    assert_eq!(s.pop_back("q").unwrap().as_deref(), Some(&b"!"[..]));
}

pub fn list_remove_counts_from_either_end(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.list_remove("q", 0, "x").unwrap(), 0);
    s.push_back_all("q", ["hello", "hello", "foo", "hello"])
        .unwrap();
    assert_eq!(s.list_remove("q", -2, "hello").unwrap(), 2);
    assert_eq!(all(s, "q"), ["hello", "foo"]);
    s.push_back_all("r", ["a", "b", "a", "c", "a"]).unwrap();
    assert_eq!(s.list_remove("r", 2, "a").unwrap(), 2);
    assert_eq!(all(s, "r"), ["b", "c", "a"]);
    assert_eq!(s.list_remove("r", 0, "zzz").unwrap(), 0);
    assert_eq!(s.list_remove("r", 0, "a").unwrap(), 1);
    assert_eq!(s.list_remove("r", 0, "b").unwrap(), 1);
    assert_eq!(s.list_remove("r", 0, "c").unwrap(), 1);
    assert!(!s.contains_key("r").unwrap(), "emptied by LREM: gone");
}

pub fn list_positions_follow_lpos(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", ["a", "b", "c", "1", "2", "3", "c", "c"])
        .unwrap();
    let pos = |rank, count, max_len| s.list_positions("q", "c", rank, count, max_len).unwrap();
    assert_eq!(s.list_position("q", "c").unwrap(), Some(2));
    assert_eq!(s.list_position("q", "zz").unwrap(), None);
    assert_eq!(pos(2, 1, 0), vec![6]);
    assert_eq!(pos(-1, 1, 0), vec![7]);
    assert_eq!(pos(1, 2, 0), vec![2, 6]);
    assert_eq!(pos(-1, 2, 0), vec![7, 6]);
    assert_eq!(pos(1, 0, 0), vec![2, 6, 7]);
    assert_eq!(pos(1, 0, 2), Vec::<usize>::new(), "MAXLEN 2 stops before c");
    assert_eq!(pos(1, 0, 3), vec![2]);
    assert_eq!(pos(-1, 0, 2), vec![7, 6]);
    assert_eq!(pos(4, 0, 0), Vec::<usize>::new());
    assert!(matches!(
        s.list_positions("q", "c", 0, 1, 0),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(s.list_position("missing", "c").unwrap(), None);
}

pub fn list_move_pops_and_pushes_atomically(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("src", ["one", "two", "three"]).unwrap();
    let moved = s
        .list_move("src", "dst", ListEnd::Back, ListEnd::Front)
        .unwrap();
    assert_eq!(moved.as_deref(), Some(&b"three"[..]));
    let moved = s
        .list_move("src", "dst", ListEnd::Front, ListEnd::Back)
        .unwrap();
    assert_eq!(moved.as_deref(), Some(&b"one"[..]));
    assert_eq!(all(s, "src"), ["two"]);
    assert_eq!(all(s, "dst"), ["three", "one"]);
    // The same list: a rotation.
    s.list_move("dst", "dst", ListEnd::Front, ListEnd::Back)
        .unwrap();
    assert_eq!(all(s, "dst"), ["one", "three"]);
    s.list_move("src", "dst", ListEnd::Front, ListEnd::Front)
        .unwrap();
    assert!(!s.contains_key("src").unwrap(), "the emptied source is gone");
    assert_eq!(
        s.list_move("src", "dst", ListEnd::Front, ListEnd::Front)
            .unwrap(),
        None
    );
    s.insert("str", "v").unwrap();
    assert!(matches!(
        s.list_move("dst", "str", ListEnd::Front, ListEnd::Front),
        Err(Error::WrongType { .. })
    ));
    assert_eq!(all(s, "dst"), ["two", "one", "three"], "nothing moved");
    // Rotating a one-element list leaves it as it was, expiry included.
    s.push_back("single", "x").unwrap();
    s.expire("single", std::time::Duration::from_secs(9)).unwrap();
    s.list_move("single", "single", ListEnd::Back, ListEnd::Front)
        .unwrap();
    assert_eq!(all(s, "single"), ["x"]);
    assert_eq!(
        s.ttl("single").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(9)))
    );
}

pub fn list_edits_on_a_long_list_match_a_model(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let mut model: std::collections::VecDeque<String> = (0..400).map(|i| format!("v{i}")).collect();
    s.push_back_all("q", model.iter()).unwrap();
    for round in 0..20 {
        let pivot = format!("v{}", round * 17);
        if let Some(at) = model.iter().position(|v| *v == pivot) {
            model.insert(at + 1, format!("after{round}"));
            assert!(matches!(
                s.list_insert("q", Side::After, &pivot, format!("after{round}"))
                    .unwrap(),
                ListInsert::Inserted(_)
            ));
        }
        model.push_front(format!("front{round}"));
        s.push_front("q", format!("front{round}")).unwrap();
        model.pop_back();
        s.pop_back("q").unwrap();
        let at = (round * 13) % model.len();
        model[at] = format!("set{round}");
        s.list_set("q", at as i64, format!("set{round}")).unwrap();
        if round % 5 == 4 {
            model.drain(..3);
            let len = model.len() as i64;
            s.list_trim("q", 3, len + 2).unwrap();
        }
    }
    let expected: Vec<String> = model.into_iter().collect();
    assert_eq!(all(s, "q"), expected);
}
