//! What an operation returned, in a form that compares exactly with the model.

use super::*;

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
    /// A transaction's results, one per operation.
    Exec(Vec<Res>),
}

/// The kind of error an operation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fail {
    WrongType,
    InvalidArgument,
    NotAnInteger,
    Overflow,
    NoSuchKey,
    IndexOutOfRange,
    /// Any other error: the model never expects one, so it always fails the comparison.
    Other(String),
}

pub type Res = Result<Out, Fail>;

pub fn fail_of(e: Error) -> Fail {
    match e {
        Error::WrongType { .. } => Fail::WrongType,
        Error::InvalidArgument { .. } => Fail::InvalidArgument,
        Error::NotAnInteger => Fail::NotAnInteger,
        Error::Overflow => Fail::Overflow,
        Error::NoSuchKey => Fail::NoSuchKey,
        Error::IndexOutOfRange => Fail::IndexOutOfRange,
        other => Fail::Other(other.to_string()),
    }
}

pub fn opt(v: Option<bytes::Bytes>) -> Option<B> {
    v.map(|v| B(v.to_vec()))
}

pub fn entries(scan: tidekv::Result<tidekv::Scan>) -> Res {
    try_entries(scan).map_err(fail_of)
}

pub fn try_entries(scan: tidekv::Result<tidekv::Scan>) -> tidekv::Result<Out> {
    scan?
        .map(|e| e.map(|(k, v)| (B(k.to_vec()), B(v.to_vec()))))
        .collect::<tidekv::Result<Vec<_>>>()
        .map(Out::Entries)
}

pub fn keys_of(store: &Store) -> Res {
    try_keys(store).map_err(fail_of)
}

pub fn try_keys(store: &Store) -> tidekv::Result<Out> {
    store
        .keys()?
        .map(|k| k.map(|k| B(k.to_vec())))
        .collect::<tidekv::Result<Vec<_>>>()
        .map(Out::Values)
}
