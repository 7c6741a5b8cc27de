//! Tests of `builder.rs`: what it refuses, and the failures of the file it writes to.

use std::path::Path;

use super::*;
use crate::disk::fs::{Fault, Fs, MemFs};
use crate::disk::key::{internal_key, Space};

fn key(user: &str, seq: u64) -> Bytes {
    internal_key(0, Space::User, user.as_bytes(), b"", seq)
}

fn builder(fs: &MemFs) -> TableBuilder {
    let file = fs.create(Path::new("t.sst")).unwrap();
    TableBuilder::new(file, TableOptions::default())
}

#[test]
fn out_of_order_or_duplicate_keys_are_refused_and_change_nothing() {
    let fs = MemFs::new();
    let mut b = builder(&fs);
    b.add(&key("b", 5), b"1").unwrap();
    for bad in [key("a", 9), key("b", 5), key("b", 6)] {
        let err = b.add(&bad, b"2").unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    }
    b.add(&key("b", 4), b"older version").unwrap();
    assert_eq!(b.entries(), 2);
    let info = b.finish().unwrap();
    assert_eq!((info.smallest, info.largest), (key("b", 5), key("b", 4)));
    assert_eq!((info.min_seq, info.max_seq), (4, 5));
}

#[test]
fn keys_too_short_for_a_sequence_number_are_refused() {
    let fs = MemFs::new();
    let mut b = builder(&fs);
    assert!(b.add(b"1234567", b"v").is_err());
    assert!(b.add(b"12345678", b"v").is_ok());
}

#[test]
fn an_empty_table_is_refused() {
    let fs = MemFs::new();
    let err = builder(&fs).finish().unwrap_err();
    assert!(err.to_string().contains("at least one entry"), "{err}");
}

#[test]
fn a_failed_append_poisons_the_builder() {
    let fs = MemFs::new();
    let mut b = builder(&fs);
    fs.inject(Fault::Append { after: 10 });
    let value = vec![7u8; 5000];
    let err = b.add(&key("a", 1), &value).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(b.add(&key("b", 1), b"v").is_err());
    assert!(b.finish().is_err());
}

#[test]
fn a_failed_sync_fails_finish() {
    let fs = MemFs::new();
    let mut b = builder(&fs);
    b.add(&key("a", 1), b"v").unwrap();
    fs.inject(Fault::Sync);
    assert!(matches!(b.finish(), Err(Error::Io { .. })));
}

#[test]
fn finish_syncs_everything_it_wrote() {
    let fs = MemFs::new();
    let mut b = builder(&fs);
    for i in 0..100 {
        b.add(&key(&format!("k{i:03}"), 1), b"value").unwrap();
    }
    let size = b.finish().unwrap().size;
    fs.sync_dir(Path::new("")).unwrap();
    fs.crash();
    assert_eq!(fs.read_all(Path::new("t.sst")).unwrap().len() as u64, size);
}
