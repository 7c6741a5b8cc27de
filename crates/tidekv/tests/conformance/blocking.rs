//! Blocking pops: immediate, timeout, woken by pushes from other threads, by batches and by close.
//!
//! The wake-up scenarios cannot hide a lost wake-up: the waiter blocks with no deadline of its own
//! (`None`) or one far beyond the test (an hour), so only a wake-up can end its wait.
//! The test waits until the waiter is blocked inside the pop (its thread has started the call,
//! a short pause lets it reach the wait, and on Linux its thread state is read until it sleeps),
//! checks that it has not returned, and only then pushes. It then waits for the result with a
//! bounded receive: a waiter that stays asleep after the push fails the test as a lost wake-up
//! instead of hanging it. There is no polling fallback anywhere.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Backend, Ctx};
use tidekv::{Error, Store, WriteBatch};

/// How long a woken waiter may take to return before the test calls the wake-up lost. A wake-up
/// takes microseconds; the bound only has to outlast a slow, loaded CI machine.
const WAKE_BOUND: Duration = Duration::from_secs(30);

/// A waiter's own timeout when it must end only by a wake-up: an hour, far beyond [`WAKE_BOUND`]
/// (this takes the path that waits with a deadline; `None` takes the one without).
const AN_HOUR: Duration = Duration::from_secs(3600);

type Popped = tidekv::Result<Option<(Bytes, Bytes)>>;

/// A thread blocked in a blocking pop, and the channel its result comes back on.
pub struct Waiter {
    result: mpsc::Receiver<Popped>,
}

impl Waiter {
    /// Starts `pop` on its own thread and returns once that thread is blocked in it.
    pub fn start(store: &Store, pop: impl FnOnce(&Store) -> Popped + Send + 'static) -> Waiter {
        let blocked_before = server_blocked_clients(store);
        let store = store.clone();
        let observer = store.clone();
        let (started_tx, started) = mpsc::channel();
        let (result_tx, result) = mpsc::channel();
        thread::spawn(move || {
            let _ = started_tx.send(this_thread_id());
            let _ = result_tx.send(pop(&store));
        });
        let tid = started
            .recv_timeout(WAKE_BOUND)
            .expect("the waiter thread never started");
        // Let it go from the send above into the pop and block there: this pause is not a
        // correctness fallback, only the time a thread needs to reach its wait.
        thread::sleep(Duration::from_millis(20));
        if let Some(tid) = tid {
            wait_until_sleeping(tid);
        }
        if let Some(before) = blocked_before {
            wait_until_server_blocks(&observer, before);
        }
        if let Ok(early) = result.try_recv() {
            panic!("the blocking pop returned before anything was pushed or closed: {early:?}");
        }
        Waiter { result }
    }

    /// The waiter's result, which `cause` (a push, a close) must have woken it to return.
    pub fn woken_by(self, cause: &str) -> Popped {
        match self.result.recv_timeout(WAKE_BOUND) {
            Ok(popped) => popped,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "lost wakeup: the waiter did not wake within {} s of the {cause}",
                WAKE_BOUND.as_secs()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("the waiter thread panicked before returning")
            }
        }
    }
}

/// On a backend whose server does the waiting (remote), the clients its servers hold blocked.
pub fn server_blocked_clients(store: &Store) -> Option<u64> {
    match store.stats().ok()?.backend {
        tidekv::BackendStats::Remote(remote) => Some(remote.blocked_clients),
        _ => None,
    }
}

/// Waits (bounded) until the server holds more than `before` clients blocked: a thread asleep
/// in a remote pop may still be connecting, and arrival order is the server's.
pub fn wait_until_server_blocks(store: &Store, before: u64) {
    let deadline = Instant::now() + WAKE_BOUND;
    while server_blocked_clients(store).unwrap_or(0) <= before {
        assert!(Instant::now() < deadline, "the server never saw the pop block");
        thread::sleep(Duration::from_millis(2));
    }
}

/// This thread's kernel id (Linux), to read its state from `/proc`; `None` elsewhere.
fn this_thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Waits (bounded) until the thread `tid` of this process is asleep (state `S`) twice in a row,
/// as it is while it waits for a wake-up. Does nothing if the state cannot be read.
fn wait_until_sleeping(tid: u32) {
    let path = format!("/proc/self/task/{tid}/stat");
    let state = || -> Option<char> {
        let stat = std::fs::read_to_string(&path).ok()?;
        // "tid (name) S ...": the state follows the last ')' (a name may contain one).
        stat.rsplit_once(')')?.1.trim_start().chars().next()
    };
    let deadline = Instant::now() + WAKE_BOUND;
    let mut asleep_in_a_row = 0;
    while asleep_in_a_row < 2 {
        match state() {
            None => return,
            Some('S') => asleep_in_a_row += 1,
            Some(_) => asleep_in_a_row = 0,
        }
        assert!(
            Instant::now() < deadline,
            "the waiter thread never went to sleep in the blocking pop"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

fn pair(popped: Popped) -> (Vec<u8>, Vec<u8>) {
    let (key, value) = popped
        .expect("the blocking pop failed")
        .expect("woken with nothing: the pop returned None");
    (key.to_vec(), value.to_vec())
}

pub fn blocking_pop_returns_at_once_when_data_is_there(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", ["a", "b"]).unwrap();
    let got = s.blocking_pop_front(&["q"], Some(Duration::ZERO)).unwrap();
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
        .blocking_pop_front(&["empty"], Some(Duration::from_millis(30)))
        .unwrap();
    assert_eq!(got, None);
    assert!(
        start.elapsed() >= Duration::from_millis(30),
        "returned before the timeout"
    );
    assert_eq!(
        ctx.store
            .blocking_pop_front(&["empty"], Some(Duration::ZERO))
            .unwrap(),
        None
    );
}

pub fn blocking_pop_is_woken_by_a_push_from_another_thread(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let waiter = Waiter::start(&ctx.store, |s| {
        s.blocking_pop_front(&["jobs"], None)
    });
    ctx.store.push_back("jobs", "job-1").unwrap();
    assert_eq!(
        pair(waiter.woken_by("push")),
        (b"jobs".to_vec(), b"job-1".to_vec())
    );
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
        .blocking_pop_front(&["high", "low"], Some(Duration::ZERO))
        .unwrap()
        .unwrap();
    assert_eq!(&key[..], b"high");
    // Waiting: a push to the last of the keys wakes the waiter.
    ctx.store.pop_front("low").unwrap();
    let waiter = Waiter::start(&ctx.store, |s| {
        s.blocking_pop_front(&["a", "b", "c"], Some(AN_HOUR))
    });
    ctx.store.push_back("c", "from c").unwrap();
    assert_eq!(
        pair(waiter.woken_by("push to the third key")),
        (b"c".to_vec(), b"from c".to_vec())
    );
}

pub fn blocking_pop_back_takes_the_tail(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    ctx.store.push_back_all("q", ["a", "b", "c"]).unwrap();
    let (_, v) = ctx
        .store
        .blocking_pop_back(&["q"], Some(Duration::ZERO))
        .unwrap()
        .unwrap();
    assert_eq!(&v[..], b"c");
    assert!(matches!(
        ctx.store.blocking_pop_back::<&str>(&[], Some(Duration::ZERO)),
        Err(Error::InvalidArgument { .. })
    ));
    ctx.store.insert("s", "string").unwrap();
    assert!(matches!(
        ctx.store.blocking_pop_back(&["s"], Some(Duration::ZERO)),
        Err(Error::WrongType { .. })
    ));
}

pub fn blocking_pop_is_woken_by_close(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let waiter = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["q"], None));
    ctx.store.close().unwrap();
    assert!(matches!(waiter.woken_by("close"), Err(Error::Closed)));
}

pub fn blocking_pop_is_woken_by_a_batch_push(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let waiter = Waiter::start(&ctx.store, |s| s.blocking_pop_back(&["q"], Some(AN_HOUR)));
    let mut batch = WriteBatch::new();
    batch
        .insert("other", "x")
        .push_back("q", "via batch");
    ctx.store.apply_batch(batch).unwrap();
    assert_eq!(
        pair(waiter.woken_by("batch push")),
        (b"q".to_vec(), b"via batch".to_vec())
    );
}

pub fn blocking_pop_is_woken_by_a_transaction_push(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let waiter = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["q"], Some(AN_HOUR)));
    ctx.store
        .transaction(["q", "n"], |t| {
            t.incr_by("n", 1)?;
            t.push_back("q", "via transaction")
        })
        .unwrap();
    assert_eq!(
        pair(waiter.woken_by("transaction push")),
        (b"q".to_vec(), b"via transaction".to_vec())
    );
}

pub fn blocking_pop_is_woken_by_a_list_move(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    ctx.store.push_back("src", "moved").unwrap();
    let waiter = Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["dst"], Some(AN_HOUR)));
    ctx.store
        .list_move("src", "dst", tidekv::ListEnd::Front, tidekv::ListEnd::Back)
        .unwrap();
    assert_eq!(
        pair(waiter.woken_by("list move")),
        (b"dst".to_vec(), b"moved".to_vec())
    );
}
