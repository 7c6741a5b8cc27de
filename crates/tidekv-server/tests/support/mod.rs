//! Differential testing: the same commands sent to a real Redis 7.0 and to tidekv, and their
//! replies compared. A [`Diff`] is one Redis and one tidekv server; a [`Pair`] is one connection
//! to each. A mismatch is recorded, not panicked on at once, so one run lists every mismatch of
//! a script; [`for_each_engine`] runs a script on the memory and the disk engine and fails the
//! test with the whole list.

#![allow(dead_code)]

pub mod resp;
pub mod servers;

use std::cell::RefCell;
use std::fmt::Display;
use std::rc::Rc;

pub use resp::{v, Client, Value};
pub use servers::{RedisServer, TidekvServer};
use tidekv_server::EngineKind;

type Failures = Rc<RefCell<Vec<String>>>;

/// A Redis server and a tidekv server, started the same way.
pub struct Diff {
    pub engine: EngineKind,
    pub redis: RedisServer,
    pub tidekv: TidekvServer,
    failures: Failures,
}

impl Diff {
    /// Both servers; with `password`, both require it (`--requirepass`, `requirepass`).
    pub fn start(engine: EngineKind, password: Option<&str>) -> Diff {
        let redis = match password {
            Some(pw) => RedisServer::start(&["--requirepass", pw]),
            None => RedisServer::start(&[]),
        };
        let tidekv = TidekvServer::start(engine, |c| c.requirepass = password.map(String::from));
        Diff {
            engine,
            redis,
            tidekv,
            failures: Rc::default(),
        }
    }

    /// A new connection to each server.
    pub fn pair(&self) -> Pair {
        Pair {
            redis: Client::connect(self.redis.addr),
            tidekv: Client::connect(self.tidekv.addr),
            label: format!("{:?}", self.engine).to_lowercase(),
            failures: Rc::clone(&self.failures),
        }
    }
}

/// Runs `script` against Redis and tidekv on each engine, then fails with every mismatch.
pub fn for_each_engine(script: impl Fn(&Diff)) {
    run_engines(None, script);
}

/// [`for_each_engine`] with both servers requiring `password`.
pub fn for_each_engine_with_password(password: &str, script: impl Fn(&Diff)) {
    run_engines(Some(password), script);
}

fn run_engines(password: Option<&str>, script: impl Fn(&Diff)) {
    let mut all = Vec::new();
    for engine in [EngineKind::Memory, EngineKind::Disk] {
        let diff = Diff::start(engine, password);
        script(&diff);
        all.extend(diff.failures.borrow_mut().drain(..));
    }
    assert!(
        all.is_empty(),
        "{} mismatch(es) between Redis 7.0 and tidekv:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// One connection to each server of a [`Diff`].
pub struct Pair {
    pub redis: Client,
    pub tidekv: Client,
    label: String,
    failures: Failures,
}

impl Pair {
    /// Records a mismatch.
    pub fn fail(&self, what: impl Display) {
        self.failures
            .borrow_mut()
            .push(format!("[{}] {what}", self.label));
    }

    /// Records a mismatch unless `ok`.
    pub fn check(&self, ok: bool, what: impl Display) {
        if !ok {
            self.fail(what);
        }
    }

    /// Sends `args` to both servers; both replies, unchecked.
    pub fn both_args<A: AsRef<[u8]>>(&mut self, args: &[A]) -> (Value, Value) {
        (self.redis.call(args), self.tidekv.call(args))
    }

    /// Sends a command line (see [`resp::words`]) to both; both replies, unchecked.
    pub fn both(&mut self, line: &str) -> (Value, Value) {
        self.both_args(&resp::words(line))
    }

    /// The replies must be equal; Redis's is returned.
    pub fn same(&mut self, line: &str) -> Value {
        let (redis, tidekv) = self.both(line);
        self.check(
            redis == tidekv,
            format!("{line}\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
        redis
    }

    /// [`Pair::same`] with arguments given one by one (binary, or with spaces).
    pub fn same_args<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        let (redis, tidekv) = self.both_args(args);
        let shown: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
            .collect();
        self.check(
            redis == tidekv,
            format!("{shown:?}\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
        redis
    }

    /// Every line must give equal replies.
    pub fn run(&mut self, lines: &[&str]) {
        for line in lines {
            self.same(line);
        }
    }

    /// The replies must be equal once `normalise` has been applied to each.
    pub fn same_after(&mut self, line: &str, normalise: impl Fn(Value) -> Value) -> Value {
        let (redis, tidekv) = self.both(line);
        let (redis, tidekv) = (normalise(redis), normalise(tidekv));
        self.check(
            redis == tidekv,
            format!("{line} (normalised)\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
        redis
    }

    /// Integer replies within `tolerance` of each other (anything else must be equal).
    pub fn near(&mut self, line: &str, tolerance: i64) {
        let (redis, tidekv) = self.both(line);
        let close = match (redis.as_int(), tidekv.as_int()) {
            (Some(a), Some(b)) => (a - b).abs() <= tolerance,
            _ => redis == tidekv,
        };
        self.check(
            close,
            format!("{line} (within {tolerance})\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
    }

    /// An intended difference (`docs/protocol.md`): tidekv must answer `expected`; Redis's
    /// reply is returned for the test to look at if it wants.
    pub fn tidekv_says(&mut self, line: &str, expected: Value) -> Value {
        let (redis, tidekv) = self.both(line);
        self.check(
            tidekv == expected,
            format!("{line} (intended difference)\n    want:   {expected}\n    tidekv: {tidekv}"),
        );
        redis
    }
}

/// Normalisations for replies whose order cannot be equal.
pub mod norm {
    use super::Value;

    /// An array sorted (Redis lists keys in hash-table order, tidekv in key order).
    pub fn sorted(value: Value) -> Value {
        match value {
            Value::Array(mut items) => {
                items.sort_by_key(ToString::to_string);
                Value::Array(items)
            }
            other => other,
        }
    }

    /// A map (or RESP2 flat field/value array) as a map sorted by field (Redis's `CONFIG GET`
    /// lists its matches in hash-table order).
    pub fn sorted_map(value: Value) -> Value {
        match value {
            Value::Map(mut pairs) => {
                pairs.sort_by_key(|(k, _)| k.to_string());
                Value::Map(pairs)
            }
            Value::Array(items) if items.len() % 2 == 0 => {
                let mut pairs: Vec<&[Value]> = items.chunks(2).collect();
                pairs.sort_by_key(|p| p[0].to_string());
                Value::Array(pairs.concat())
            }
            other => other,
        }
    }
}
