//! Reading one key whole (kind, expiry, value) in one round trip, for transactions and dumps.
//!
//! A small Lua script does it on the server, so the three reads see one moment and cost one
//! round trip. Running a script does not disturb a `WATCH` on the same connection (a `MULTI`
//! would end it). The `redis` crate sends it by digest (`EVALSHA`) and falls back to `EVAL` the
//! first time a server has not seen it.
//!
//! A server without scripting (`tidekv serve` answers `EVALSHA` with "unknown command") is read
//! without it: `TYPE` and `PEXPIRETIME`, then `GET` or `LRANGE`, again if the key changed kind
//! in between. Those reads may straddle a write — harmless under a `WATCH` (the transaction
//! then fails and runs again), and within what a dump of a live server promises anyway.

use std::sync::LazyLock;

use bytes::Bytes;
use redis::aio::ConnectionLike;
use redis::{Script, Value};

use crate::engine::{KeyKind, StoredValue};
use crate::error::{Error, Result};
use crate::remote::contract::kind_named;
use crate::remote::engine::{bytes_of, list_of, Remote};
use crate::remote::errors::{from_redis, Expected};

/// `{type, pexpiretime, value}`: the value is the string, or the list's elements; a missing key
/// gives `{"none", -2}`.
static READ_KEY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local t = redis.call('TYPE', KEYS[1]).ok \
         local at = redis.call('PEXPIRETIME', KEYS[1]) \
         if t == 'string' then return {t, at, redis.call('GET', KEYS[1])} end \
         if t == 'list' then return {t, at, redis.call('LRANGE', KEYS[1], 0, -1)} end \
         return {t, at}",
    )
});

/// Runs the script for `key` on `connection` (or its reads one by one, see the module docs).
pub(crate) async fn read_key<C: ConnectionLike + Send>(
    connection: &mut C,
    key: &Bytes,
) -> Result<Vec<Value>> {
    match READ_KEY
        .key(key.as_ref())
        .invoke_async::<Vec<Value>>(connection)
        .await
    {
        Ok(reply) => Ok(reply),
        Err(e) if e.to_string().contains("unknown command") => {
            read_key_without_script(connection, key).await
        }
        Err(e) => Err(from_redis(&e, "EVALSHA", Expected::String)),
    }
}

/// What the script answers, read with plain commands.
async fn read_key_without_script<C: ConnectionLike + Send>(
    connection: &mut C,
    key: &Bytes,
) -> Result<Vec<Value>> {
    for _ in 0..3 {
        let (kind, at): (String, Value) = redis::pipe()
            .cmd("TYPE")
            .arg(key.as_ref())
            .cmd("PEXPIRETIME")
            .arg(key.as_ref())
            .query_async(connection)
            .await
            .map_err(|e| from_redis(&e, "TYPE", Expected::String))?;
        let read = match kind.as_str() {
            "string" => {
                redis::cmd("GET")
                    .arg(key.as_ref())
                    .query_async(connection)
                    .await
            }
            "list" => {
                redis::cmd("LRANGE")
                    .arg(key.as_ref())
                    .arg(0)
                    .arg(-1)
                    .query_async(connection)
                    .await
            }
            _ => return Ok(vec![Value::SimpleString(kind), at]),
        };
        match read {
            Ok(value) => return Ok(vec![Value::SimpleString(kind), at, value]),
            // It changed kind since TYPE: read it again.
            Err(e) if e.code() == Some("WRONGTYPE") => continue,
            Err(e) => return Err(from_redis(&e, "GET", Expected::String)),
        }
    }
    Err(Error::remote(
        "reading a key",
        "it changed kind three times while it was read",
    ))
}

/// The script's answer as a value and its expiry on the store's clock; `None` for a key that
/// is missing, or has expired by the store's clock at `now`.
pub(crate) fn decode(
    engine: &Remote,
    reply: Vec<Value>,
    now: u64,
) -> Result<Option<(StoredValue, Option<u64>)>> {
    let mut fields = reply.into_iter();
    let kind = match fields.next() {
        Some(Value::BulkString(b)) => String::from_utf8_lossy(&b).into_owned(),
        Some(Value::SimpleString(s)) => s,
        other => {
            return Err(Error::remote(
                "reading a key",
                format!("the script answered the type {other:?}"),
            ))
        }
    };
    let at = match fields.next() {
        Some(Value::Int(at)) if at >= 0 => Some(engine.server_ms_to_store(at)),
        _ => None,
    };
    if at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    Ok(match kind_named(&kind)? {
        None => None,
        Some(KeyKind::String) => {
            bytes_of(fields.next().unwrap_or(Value::Nil))?.map(|v| (StoredValue::String(v), at))
        }
        Some(KeyKind::List) => {
            let items = list_of(fields.next().unwrap_or(Value::Nil))?;
            (!items.is_empty()).then_some((StoredValue::List(items), at))
        }
    })
}
