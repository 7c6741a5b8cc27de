//! Blocked pops served in arrival order, each element to exactly one caller, never lost to a
//! caller that timed out or went away at the moment it was served; BLMPOP, BLMOVE and the
//! thread-free future form.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use bytes::Bytes;

use super::blocking::{server_blocked_clients, wait_until_server_blocks, Waiter};
use super::{Backend, Ctx};
use tidekv::{Error, ListEnd};

/// Polls a future once with a waker that does nothing: whether it is ready yet.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

/// The answer of a future that something has served: at once on a backend that serves in this
/// process (the push that serves it returns after serving), and within a bound on one whose
/// server serves it (the answer then travels back on the future's connection).
fn resolve<F: Future>(store: &tidekv::Store, mut future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    if server_blocked_clients(store).is_none() {
        return poll_once(future);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match poll_once(future.as_mut()) {
            Poll::Ready(answer) => return Poll::Ready(answer),
            Poll::Pending if std::time::Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1))
            }
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// A future after `close`: `close` returns once every blocked pop has ended, so it is ready.
fn resolve_closed<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    poll_once(future)
}

/// On a backend whose server waits, waits until it holds a pop started after `before` was read.
fn until_server_blocks(store: &tidekv::Store, before: Option<u64>) {
    if let Some(before) = before {
        wait_until_server_blocks(store, before);
    }
}

/// Waits (bounded) until `check` holds: a remote future gives back what reached it on its
/// runtime, after its owner dropped it. In-process it holds at once.
fn eventually(store: &tidekv::Store, what: &str, check: impl Fn() -> bool) {
    if server_blocked_clients(store).is_none() {
        assert!(check(), "{what}");
        return;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        thread::sleep(Duration::from_millis(1));
    }
}

pub fn blocked_pops_are_served_in_arrival_order(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    // Each waiter is asleep in its pop before the next one starts: their arrival order is known.
    let first = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["q"], None));
    let second = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["other", "q"], None));
    let third = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["q"], None));
    ctx.store.push_back_all("q", ["e1", "e2", "e3"]).unwrap();
    let got = |w: Waiter| w.woken_by("push").unwrap().unwrap().1;
    assert_eq!(got(first), "e1", "the longest-waiting call is served first");
    assert_eq!(got(second), "e2");
    assert_eq!(got(third), "e3");
    assert_eq!(ctx.store.list_len("q").unwrap(), 0, "each element went to one caller");
}

pub fn blocking_pop_many_takes_up_to_count(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("b", ["1", "2", "3"]).unwrap();
    let (key, values) = s
        .blocking_pop_many(&["a", "b"], ListEnd::Back, 2, Some(Duration::ZERO))
        .unwrap()
        .unwrap();
    assert_eq!(key, "b");
    assert_eq!(values, vec!["3", "2"]);
    assert!(s
        .blocking_pop_many(&["a"], ListEnd::Front, 5, Some(Duration::ZERO))
        .unwrap()
        .is_none());
    assert!(matches!(
        s.blocking_pop_many(&["a"], ListEnd::Front, 0, None),
        Err(Error::InvalidArgument { .. })
    ));
    let waiter = Waiter::start(s, |s| {
        s.blocking_pop_many(&["c"], ListEnd::Front, 10, None)
            .map(|got| got.map(|(k, v)| (k, Bytes::from(v.concat()))))
    });
    s.push_back_all("c", ["x", "y"]).unwrap();
    assert_eq!(waiter.woken_by("push").unwrap().unwrap().1, "xy");
}

pub fn blocking_list_move_waits_then_moves(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let waiter = Waiter::start(s, |s| {
        s.blocking_list_move("jobs", "processing", ListEnd::Front, ListEnd::Back, None)
            .map(|moved| moved.map(|v| (Bytes::from_static(b"processing"), v)))
    });
    s.push_back("jobs", "job-1").unwrap();
    assert_eq!(waiter.woken_by("push").unwrap().unwrap().1, "job-1");
    assert_eq!(s.list_range("processing", 0, -1).unwrap(), vec!["job-1"]);
    assert_eq!(s.list_len("jobs").unwrap(), 0);
    // A move that arrives onto a string reports it and leaves the element where it was.
    s.insert("str", "v").unwrap();
    let waiter = Waiter::start(s, |s| {
        s.blocking_list_move("jobs", "str", ListEnd::Front, ListEnd::Back, None)
            .map(|moved| moved.map(|v| (Bytes::new(), v)))
    });
    s.push_back("jobs", "job-2").unwrap();
    assert!(matches!(waiter.woken_by("push"), Err(Error::WrongType { .. })));
    assert_eq!(s.list_range("jobs", 0, -1).unwrap(), vec!["job-2"]);
}

pub fn a_blocked_pop_on_a_string_key_is_wrong_type(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("str", "v").unwrap();
    assert!(matches!(
        s.blocking_pop_front(&["missing", "str"], Some(Duration::from_secs(60))),
        Err(Error::WrongType { .. })
    ));
    s.push_back("list", "x").unwrap();
    let got = s
        .blocking_pop_front(&["list", "str"], None)
        .unwrap()
        .unwrap();
    assert_eq!(got.1, "x", "keys after the first list are not looked at (Redis)");
}

pub fn a_future_pop_waits_without_a_thread(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let before = server_blocked_clients(s);
    let mut future = pin!(s.pop_when_ready(&["q"], ListEnd::Front, 1).unwrap());
    assert!(poll_once(future.as_mut()).is_pending());
    until_server_blocks(s, before);
    s.push_back("q", "v").unwrap();
    match resolve(s, future.as_mut()) {
        Poll::Ready(Ok((key, values))) => {
            assert_eq!(key, "q");
            assert_eq!(values, vec!["v"]);
        }
        other => panic!("the push did not resolve the future: {other:?}"),
    }
    // Ready at once when the list has elements.
    s.push_back("q", "w").unwrap();
    let mut ready = pin!(s.pop_when_ready(&["q"], ListEnd::Front, 1).unwrap());
    assert!(matches!(resolve(s, ready.as_mut()), Poll::Ready(Ok(_))));
}

pub fn a_dropped_future_loses_no_element(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    // Dropped before anything arrived: a later push stays in the list.
    let cancelled = s.pop_when_ready(&["q"], ListEnd::Front, 1).unwrap();
    drop(cancelled);
    s.push_back("q", "kept").unwrap();
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["kept"]);
    s.pop_front("q").unwrap();
    // Served (the push popped for it) but dropped before its owner read it: the client went away
    // at that moment. The elements go back where they were, in order.
    let before = server_blocked_clients(s);
    let mut served = s.pop_when_ready(&["q"], ListEnd::Front, 2).unwrap();
    assert!(poll_once(std::pin::Pin::new(&mut served)).is_pending());
    until_server_blocks(s, before);
    s.push_back_all("q", ["a", "b", "c"]).unwrap();
    assert_eq!(s.list_len("q").unwrap(), 1, "two were popped for the waiting future");
    drop(served);
    eventually(s, "the dropped future gave its elements back, in order", || {
        s.list_range("q", 0, -1).unwrap() == vec!["a", "b", "c"]
    });
    // A waiting future is served in turn with blocked threads, and close ends it.
    let mut closing = pin!(s.pop_when_ready(&["none"], ListEnd::Back, 1).unwrap());
    assert!(poll_once(closing.as_mut()).is_pending());
    s.close().unwrap();
    assert!(matches!(resolve_closed(closing.as_mut()), Poll::Ready(Err(Error::Closed))));
}

pub fn a_timeout_racing_a_push_loses_no_element(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let mut popped = 0;
    for round in 0..100 {
        let waiter = {
            let s = s.clone();
            thread::spawn(move || s.blocking_pop_front(&["q"], Some(Duration::from_micros(round * 20))))
        };
        s.push_back("q", format!("e{round}")).unwrap();
        popped += usize::from(waiter.join().unwrap().unwrap().is_some());
    }
    let left = s.list_len("q").unwrap();
    assert_eq!(popped + left, 100, "every element was popped once or is still there");
}
