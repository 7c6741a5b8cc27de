//! Scans: sorted, bounded, lazy, point-in-time.

use std::ops::Bound;

use super::{collect, keys_of, Backend, Ctx};

pub fn prefix_scan_is_sorted_and_bounded(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for k in [
        "user:3", "user:1", "user:2", "user", "user;", "users", "order:1", "usea",
    ] {
        s.insert(k, k).unwrap();
    }
    let got = collect(s.scan_prefix("user:").unwrap());
    assert_eq!(
        keys_of(&got),
        vec![b"user:1".to_vec(), b"user:2".to_vec(), b"user:3".to_vec()]
    );
    assert!(got.iter().all(|(k, v)| k == v));
    let got = collect(s.scan_prefix("user").unwrap());
    assert_eq!(got.len(), 6);
    assert!(collect(s.scan_prefix("nothing").unwrap()).is_empty());
}

pub fn prefix_scan_handles_ff_and_empty_prefixes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let keys: [&[u8]; 7] = [
        b"\xff",
        b"\xff\xff",
        b"\xff\xff\x00",
        b"\xfe\xff",
        b"a",
        b"",
        b"\x00",
    ];
    for k in keys {
        s.insert(k, "v").unwrap();
    }
    let ff = keys_of(&collect(s.scan_prefix(b"\xff").unwrap()));
    assert_eq!(
        ff,
        vec![
            b"\xff".to_vec(),
            b"\xff\xff".to_vec(),
            b"\xff\xff\x00".to_vec()
        ]
    );
    let ffff = keys_of(&collect(s.scan_prefix(b"\xff\xff").unwrap()));
    assert_eq!(ffff, vec![b"\xff\xff".to_vec(), b"\xff\xff\x00".to_vec()]);
    let fe = keys_of(&collect(s.scan_prefix(b"\xfe").unwrap()));
    assert_eq!(fe, vec![b"\xfe\xff".to_vec()]);
    let all = keys_of(&collect(s.scan_prefix("").unwrap()));
    let mut expected: Vec<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
    expected.sort();
    assert_eq!(all, expected, "empty prefix is everything, sorted by bytes");
    let nul = keys_of(&collect(s.scan_prefix(b"\x00").unwrap()));
    assert_eq!(nul, vec![b"\x00".to_vec()]);
}

pub fn range_bounds_are_respected(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for k in ["a", "b", "c", "d", "e"] {
        s.insert(k, k).unwrap();
    }
    let k = |r: Vec<(bytes::Bytes, bytes::Bytes)>| -> String {
        r.iter()
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .collect()
    };
    assert_eq!(k(collect(s.range("b".."d").unwrap())), "bc");
    assert_eq!(k(collect(s.range("b"..="d").unwrap())), "bcd");
    assert_eq!(k(collect(s.range("c"..).unwrap())), "cde");
    assert_eq!(k(collect(s.range(.."c").unwrap())), "ab");
    assert_eq!(k(collect(s.range::<&str>(..).unwrap())), "abcde");
    assert_eq!(
        k(collect(
            s.range::<&str>((Bound::Excluded("a"), Bound::Excluded("e")))
                .unwrap()
        )),
        "bcd"
    );
    assert_eq!(
        k(collect(s.range("d".."b").unwrap())),
        "",
        "inverted range is empty"
    );
    assert_eq!(k(collect(s.range("c".."c").unwrap())), "");
    assert_eq!(
        k(collect(
            s.range::<&str>((Bound::Excluded("c"), Bound::Included("c")))
                .unwrap()
        )),
        ""
    );
}

pub fn scans_skip_lists_but_keys_include_them(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("p:1", "one").unwrap();
    s.push_back("p:2", "list").unwrap();
    s.insert("p:3", "three").unwrap();
    assert_eq!(
        keys_of(&collect(s.scan_prefix("p:").unwrap())),
        vec![b"p:1".to_vec(), b"p:3".to_vec()]
    );
    let keys: Vec<Vec<u8>> = collect(s.keys_with_prefix("p:").unwrap())
        .iter()
        .map(|k| k.to_vec())
        .collect();
    assert_eq!(
        keys,
        vec![b"p:1".to_vec(), b"p:2".to_vec(), b"p:3".to_vec()]
    );
}

pub fn scan_is_a_point_in_time_view(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for i in 0..300 {
        s.insert(format!("k{i:03}"), "old").unwrap();
    }
    let mut scan = s.scan_prefix("k").unwrap();
    let first = scan.next().unwrap().unwrap();
    assert_eq!(&first.1[..], b"old");
    // Writes after the scan started are invisible to it.
    for i in 0..300 {
        s.insert(format!("k{i:03}"), "new").unwrap();
    }
    s.insert("k999", "added later").unwrap();
    s.remove("k150").unwrap();
    let rest = collect(scan);
    assert_eq!(rest.len(), 299);
    assert!(rest.iter().all(|(_, v)| &v[..] == b"old"));
    assert!(rest.iter().any(|(k, _)| &k[..] == b"k150"));
    // A new scan sees the new state.
    let now = collect(s.scan_prefix("k").unwrap());
    assert_eq!(now.len(), 300);
    assert!(now.iter().all(|(_, v)| &v[..] != b"old"));
}

pub fn scan_is_lazy_over_many_keys(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let pairs: Vec<(String, String)> = (0..5000)
        .map(|i| (format!("key:{i:05}"), format!("v{i}")))
        .collect();
    s.insert_many(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .unwrap();
    let first_ten: Vec<_> = s
        .scan_prefix("key:")
        .unwrap()
        .take(10)
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(first_ten.len(), 10);
    assert_eq!(&first_ten[9].0[..], b"key:00009");
    let all = collect(s.scan_prefix("key:").unwrap());
    assert_eq!(all.len(), 5000);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
}
