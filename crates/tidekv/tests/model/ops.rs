//! The operations a model test runs, and the proptest strategies that generate them.

use super::*;

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

pub fn b(bytes: &[u8]) -> B {
    B(bytes.to_vec())
}

/// The whole key universe: small on purpose, so that operations collide. It has the empty key, a key
/// that is a prefix of another, and binary keys with 0x00 and 0xFF bytes.
pub const KEYS: [&[u8]; 6] = [b"", b"a", b"ab", b"b", b"\x00\xff", b"\xff"];

/// String values: counters (canonical, extreme, non-canonical), text, empty, binary.
pub const VALUES: [&[u8]; 12] = [
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
pub const TTLS_US: [u64; 8] = [0, 1, 1_000, 1_500, 2_000, 5_000, 10_000, 100_000];

/// How far "advance the clock" moves time, in ms.
pub const ADVANCES_MS: [u64; 9] = [0, 1, 2, 3, 5, 10, 50, 100, 1_000];

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
    InsertIfAbsent(B, B),
    GetAndSet(B, B),
    Append(B, B),
    Rename(B, B),
    ListSet(B, i64, B),
    ListTrim(B, i64, i64),
    ListRemove(B, i64, B),
    /// LMOVE from, to, from the front?, to the front?
    ListMove(B, B, bool, bool),
    /// A transaction over a few keys, EXEC's rule: every op's own result.
    Transaction(Vec<TxOp>),
}

/// One operation inside a transaction.
#[derive(Debug, Clone)]
pub enum TxOp {
    Insert(B, B),
    IncrBy(B, i64),
    Append(B, B),
    PushBack(B, B),
    PopFront(B),
    Remove(B),
    Get(B),
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

pub fn key() -> impl Strategy<Value = B> {
    prop::sample::select(KEYS.to_vec()).prop_map(b)
}

pub fn value() -> impl Strategy<Value = B> {
    prop_oneof![
        3 => prop::sample::select(VALUES.to_vec()).prop_map(b),
        1 => prop::collection::vec(any::<u8>(), 0..4).prop_map(B),
    ]
}

/// A list element: mostly distinct, so that order bugs show.
pub fn element() -> impl Strategy<Value = B> {
    prop_oneof![
        3 => (0u32..1000).prop_map(|n| B(format!("e{n}").into_bytes())),
        1 => prop::sample::select(VALUES.to_vec()).prop_map(b),
    ]
}

pub fn ttl_us() -> impl Strategy<Value = u64> {
    prop::sample::select(TTLS_US.to_vec())
}

pub fn delta() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => prop::sample::select(vec![-3i64, -1, 0, 1, 2, 7, 100]),
        1 => prop::sample::select(vec![i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1]),
        1 => any::<i64>(),
    ]
}

pub fn index() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -8i64..8,
        1 => prop::sample::select(vec![i64::MIN, i64::MAX, -100, 100]),
    ]
}

/// A scan prefix or range bound: the keys themselves plus keys between and around them.
pub fn probe() -> impl Strategy<Value = B> {
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

pub fn bound() -> impl Strategy<Value = Bound<B>> {
    prop_oneof![
        probe().prop_map(Bound::Included),
        probe().prop_map(Bound::Excluded),
        Just(Bound::Unbounded),
    ]
}

pub fn batch_op() -> impl Strategy<Value = BatchOp> {
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
        2 => (key(), value()).prop_map(|(k, v)| Op::InsertIfAbsent(k, v)),
        2 => (key(), value()).prop_map(|(k, v)| Op::GetAndSet(k, v)),
        2 => (key(), value()).prop_map(|(k, v)| Op::Append(k, v)),
        2 => (key(), key()).prop_map(|(a, z)| Op::Rename(a, z)),
        2 => (key(), index(), element()).prop_map(|(k, i, v)| Op::ListSet(k, i, v)),
        2 => (key(), index(), index()).prop_map(|(k, a, z)| Op::ListTrim(k, a, z)),
        2 => (key(), -3i64..3, element()).prop_map(|(k, n, v)| Op::ListRemove(k, n, v)),
        3 => (key(), key(), any::<bool>(), any::<bool>())
            .prop_map(|(a, z, f, t)| Op::ListMove(a, z, f, t)),
        3 => prop::collection::vec(tx_op(), 0..5).prop_map(Op::Transaction),
    ]
}

pub fn tx_op() -> impl Strategy<Value = TxOp> {
    prop_oneof![
        2 => (key(), value()).prop_map(|(k, v)| TxOp::Insert(k, v)),
        2 => (key(), delta()).prop_map(|(k, d)| TxOp::IncrBy(k, d)),
        1 => (key(), value()).prop_map(|(k, v)| TxOp::Append(k, v)),
        2 => (key(), element()).prop_map(|(k, v)| TxOp::PushBack(k, v)),
        1 => key().prop_map(TxOp::PopFront),
        1 => key().prop_map(TxOp::Remove),
        1 => key().prop_map(TxOp::Get),
    ]
}

/// A random sequence of up to 60 operations.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..=60)
}
