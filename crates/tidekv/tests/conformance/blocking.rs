//! Blocking pops: immediate, timeout, woken by pushes from other threads, by batches and by close.

use std::thread;
use std::time::{Duration, Instant};

use super::{Backend, Ctx};
use tidekv::{Error, WriteBatch};

const LONG: Duration = Duration::from_secs(20);

/// Waits (polling cheaply) until a thread has had time to block, so the push really wakes it.
fn let_it_block() {
    thread::sleep(Duration::from_millis(20));
}

pub fn blocking_pop_returns_at_once_when_data_is_there(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", ["a", "b"]).unwrap();
    let got = s.blocking_pop_front(&["q"], Duration::ZERO).unwrap();
    assert_eq!(
        got.map(|(k, v)| (k.to_vec(), v.to_vec())),
        Some((b"q".to_vec(), b"a".to_vec()))
    );
    assert_eq!(s.list_len("q").unwrap(), 1);
}

pub fn blocking_pop_times_out(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let start = Instant::now();
    let got = ctx
        .store
        .blocking_pop_front(&["empty"], Duration::from_millis(30))
        .unwrap();
    assert_eq!(got, None);
    assert!(
        start.elapsed() >= Duration::from_millis(30),
        "returned before the timeout"
    );
    assert_eq!(
        ctx.store
            .blocking_pop_front(&["empty"], Duration::ZERO)
            .unwrap(),
        None
    );
}

pub fn blocking_pop_is_woken_by_a_push_from_another_thread(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let worker_store = ctx.store.clone();
    let worker = thread::spawn(move || worker_store.blocking_pop_front(&["jobs"], LONG));
    let_it_block();
    ctx.store.push_back("jobs", "job-1").unwrap();
    let (key, value) = worker.join().unwrap().unwrap().expect("woken with the job");
    assert_eq!((&key[..], &value[..]), (&b"jobs"[..], &b"job-1"[..]));
    assert_eq!(
        ctx.store.list_len("jobs").unwrap(),
        0,
        "the job was taken, not copied"
    );
}

pub fn blocking_pop_watches_several_keys(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    // Data already present: the first non-empty key in argument order wins.
    ctx.store.push_back("low", "l").unwrap();
    ctx.store.push_back("high", "h").unwrap();
    let (key, _) = ctx
        .store
        .blocking_pop_front(&["high", "low"], Duration::ZERO)
        .unwrap()
        .unwrap();
    assert_eq!(&key[..], b"high");
    // Waiting: a push to the second key wakes the waiter.
    ctx.store.pop_front("low").unwrap();
    let worker_store = ctx.store.clone();
    let worker = thread::spawn(move || worker_store.blocking_pop_front(&["a", "b", "c"], LONG));
    let_it_block();
    ctx.store.push_back("c", "from c").unwrap();
    let (key, value) = worker.join().unwrap().unwrap().unwrap();
    assert_eq!((&key[..], &value[..]), (&b"c"[..], &b"from c"[..]));
}

pub fn blocking_pop_back_takes_the_tail(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    ctx.store.push_back_all("q", ["a", "b", "c"]).unwrap();
    let (_, v) = ctx
        .store
        .blocking_pop_back(&["q"], Duration::ZERO)
        .unwrap()
        .unwrap();
    assert_eq!(&v[..], b"c");
    assert!(matches!(
        ctx.store.blocking_pop_back::<&str>(&[], Duration::ZERO),
        Err(Error::InvalidArgument { .. })
    ));
    ctx.store.insert("s", "string").unwrap();
    assert!(matches!(
        ctx.store.blocking_pop_back(&["s"], Duration::ZERO),
        Err(Error::WrongType { .. })
    ));
}

pub fn blocking_pop_is_woken_by_close(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let worker_store = ctx.store.clone();
    let worker = thread::spawn(move || worker_store.blocking_pop_front(&["q"], LONG));
    let_it_block();
    let start = Instant::now();
    ctx.store.close().unwrap();
    assert!(matches!(worker.join().unwrap(), Err(Error::Closed)));
    assert!(
        start.elapsed() < LONG / 2,
        "close must wake the waiter, not let it time out"
    );
}

pub fn blocking_pop_is_woken_by_a_batch_push(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let worker_store = ctx.store.clone();
    let worker = thread::spawn(move || worker_store.blocking_pop_back(&["q"], LONG));
    let_it_block();
    let mut batch = WriteBatch::new();
    batch
        .insert("other", "x")
        .unwrap()
        .push_back("q", "via batch")
        .unwrap();
    ctx.store.apply_batch(batch).unwrap();
    let (_, v) = worker.join().unwrap().unwrap().unwrap();
    assert_eq!(&v[..], b"via batch");
}
