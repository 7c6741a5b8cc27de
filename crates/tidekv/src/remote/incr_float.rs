//! `incr_by_float` as `INCRBYFLOAT`, kept to the store's rule that a number is an `f64`.
//!
//! The server adds in `long double`, whose range is far wider: `1e308 + 1e308` is a number there
//! and infinite as an `f64`, where every backend answers `NotFinite` and leaves the key alone. A
//! small Lua script runs `INCRBYFLOAT` and, when the result does not read back as a finite double
//! (Lua's numbers are doubles), puts the old value back with its TTL and answers the server's own
//! error for an infinite result. The script is atomic, so no other client sees the value between.
//! Within the `f64` range the sum is the server's (`docs/backends.md` says where that differs).

use std::sync::LazyLock;

use bytes::Bytes;
use redis::{Script, Value};

use crate::error::{Error, Result};
use crate::remote::engine::{bytes_of, RemoteEngine};

/// `ARGV[1]`: the increment. Errors of `GET` (a list) and of `INCRBYFLOAT` (not a float) are
/// returned as the server worded them (`pcall`, so that no script location is appended).
static INCR_BY_FLOAT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local old = redis.pcall('GET', KEYS[1]) \
         if type(old) == 'table' and old.err then return old end \
         local new = redis.pcall('INCRBYFLOAT', KEYS[1], ARGV[1]) \
         if type(new) == 'table' and new.err then return new end \
         local n = tonumber(new) \
         if n == nil or n == math.huge or n == -math.huge then \
           if old then redis.call('SET', KEYS[1], old, 'KEEPTTL') \
           else redis.call('DEL', KEYS[1]) end \
           return redis.error_reply('ERR increment would produce NaN or Infinity') \
         end \
         return new",
    )
});

/// Adds `delta` (finite) to the number at `key` of keyspace `ks`; the new value. Never repeated
/// after a broken connection: it may have run.
pub(crate) fn incr_by_float(engine: &RemoteEngine, ks: u32, key: &[u8], delta: f64) -> Result<f64> {
    let mut invocation = INCR_BY_FLOAT.key(key);
    invocation.arg(delta);
    let reply: Value = engine.invoke_script(ks, "INCRBYFLOAT", invocation)?;
    let text = bytes_of(reply)?.unwrap_or_else(Bytes::new);
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|n| n.is_finite())
        .ok_or_else(|| {
            Error::remote(
                "INCRBYFLOAT",
                format!("the server answered {text:?}, which is not a finite number"),
            )
        })
}
