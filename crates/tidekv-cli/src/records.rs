//! Records as JSON lines (`tidekv export` / `import`), and writing records into a store in
//! atomic batches (`import`, `migrate`).
//!
//! One line per key: `{"db":0,"key":"user:1","type":"string","value":"Ada","ttl_ms":null}`; a
//! list's `value` is an array of its elements, head first. A key or value that is not UTF-8 is
//! written as `{"hex":"00ff…"}`. `ttl_ms` is the time left when the line was written (`null`:
//! no expiry); an import counts it from when it applies the line. `db` may be left out (0).

use serde_json::{json, Map, Value};
use tidekv::{Bytes, Record, Store, StoredValue};

/// The current Unix time in milliseconds, as the library's stores read it.
pub(crate) fn now_ms() -> u64 {
    tidekv::Clock::now_ms(&tidekv::SystemClock)
}

fn bytes_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            json!({ "hex": hex })
        }
    }
}

fn json_bytes(value: &Value, what: &str) -> Result<Vec<u8>, String> {
    match value {
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        Value::Object(o) => {
            let hex = o
                .get("hex")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{what} must be a string or {{\"hex\": \"…\"}}"))?;
            let digits = hex.as_bytes();
            if digits.len() % 2 != 0 {
                return Err(format!("{what}: odd number of hex digits"));
            }
            digits
                .chunks(2)
                .map(|pair| {
                    std::str::from_utf8(pair)
                        .ok()
                        .and_then(|p| u8::from_str_radix(p, 16).ok())
                        .ok_or_else(|| format!("{what}: {hex:?} is not hex"))
                })
                .collect()
        }
        _ => Err(format!("{what} must be a string or {{\"hex\": \"…\"}}")),
    }
}

/// `record` as one JSON line (without its newline), its TTL counted from `now`.
pub(crate) fn to_line(record: &Record, now: u64) -> String {
    let (kind, value) = match &record.value {
        StoredValue::String(v) => ("string", bytes_json(v)),
        StoredValue::List(items) => (
            "list",
            Value::Array(items.iter().map(|i| bytes_json(i)).collect()),
        ),
    };
    let ttl = record.expires_at.map(|at| at.saturating_sub(now).max(1));
    json!({
        "db": record.keyspace,
        "key": bytes_json(&record.key),
        "type": kind,
        "value": value,
        "ttl_ms": ttl,
    })
    .to_string()
}

/// Parses a JSON line into a record whose TTL counts from `now`; the error says which field is
/// wrong.
pub(crate) fn from_line(text: &str, now: u64) -> Result<Record, String> {
    let object: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err("not a JSON object".into()),
        Err(e) => return Err(format!("not JSON: {e}")),
    };
    let field = |name: &str| object.get(name).ok_or_else(|| format!("no \"{name}\""));
    let db = match object.get("db") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("\"db\" must be a keyspace number")?,
    };
    let key = Bytes::from(json_bytes(field("key")?, "\"key\"")?);
    let value = match field("type")?.as_str() {
        Some("string") => {
            StoredValue::String(Bytes::from(json_bytes(field("value")?, "\"value\"")?))
        }
        Some("list") => {
            let items = field("value")?
                .as_array()
                .ok_or("a list's \"value\" must be an array")?;
            let items = items
                .iter()
                .map(|i| json_bytes(i, "a list element").map(Bytes::from))
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() {
                return Err("a list must have at least one element".into());
            }
            StoredValue::List(items)
        }
        _ => return Err("\"type\" must be \"string\" or \"list\"".into()),
    };
    let expires_at = match object.get("ttl_ms") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(ms) if ms > 0 => Some(now.saturating_add(ms)),
            _ => return Err("\"ttl_ms\" must be a positive number of milliseconds or null".into()),
        },
    };
    Ok(Record {
        keyspace: db,
        key,
        value,
        expires_at,
    })
}

/// Writes records into a store in atomic batches of up to `limit` keys of one keyspace
/// (`Store::put_records`: each key replaced whole, so writing a record twice — a resumed import,
/// a migration run again — leaves the same store).
pub(crate) struct BatchWriter<'a> {
    store: &'a Store,
    limit: usize,
    batch: Vec<Record>,
    /// Keys written so far (in committed batches).
    pub(crate) written: u64,
}

impl<'a> BatchWriter<'a> {
    pub(crate) fn new(store: &'a Store, limit: usize) -> BatchWriter<'a> {
        BatchWriter {
            store,
            limit: limit.max(1),
            batch: Vec::new(),
            written: 0,
        }
    }

    /// Whether `record` must wait for the pending batch to be committed: the batch is full, or
    /// of another keyspace.
    pub(crate) fn full_for(&self, record: &Record) -> bool {
        self.batch.len() >= self.limit
            || self
                .batch
                .first()
                .is_some_and(|first| first.keyspace != record.keyspace)
    }

    /// Adds `record` to the pending batch, committing the batch first if it is full.
    pub(crate) fn add(&mut self, record: Record) -> tidekv::Result<()> {
        if self.full_for(&record) {
            self.commit()?;
        }
        self.batch.push(record);
        Ok(())
    }

    /// Writes the pending batch (all or nothing).
    pub(crate) fn commit(&mut self) -> tidekv::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let keys = self.batch.len() as u64;
        self.store.put_records(std::mem::take(&mut self.batch))?;
        self.written += keys;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_through_a_line_binary_and_all() {
        let record = Record {
            keyspace: 3,
            key: Bytes::from_static(b"k\xff"),
            value: StoredValue::List(vec![Bytes::from_static(b"a"), Bytes::from_static(b"\x00")]),
            expires_at: Some(10_000),
        };
        let text = to_line(&record, 4_000);
        assert_eq!(
            text,
            r#"{"db":3,"key":{"hex":"6bff"},"ttl_ms":6000,"type":"list","value":["a","\u0000"]}"#
        );
        let read = from_line(&text, 5_000).unwrap();
        assert_eq!(
            read,
            Record {
                expires_at: Some(11_000),
                ..record
            }
        );
    }

    #[test]
    fn a_bad_line_says_what_is_wrong() {
        for (text, says) in [
            ("nope", "not JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"type":"string","value":"v"}"#, "no \"key\""),
            (r#"{"key":"k","type":"set","value":"v"}"#, "\"type\""),
            (
                r#"{"key":{"hex":"zz"},"type":"string","value":"v"}"#,
                "not hex",
            ),
            (r#"{"key":"k","type":"list","value":[]}"#, "at least one"),
            (
                r#"{"key":"k","type":"string","value":"v","ttl_ms":-5}"#,
                "ttl_ms",
            ),
            (
                r#"{"db":-1,"key":"k","type":"string","value":"v"}"#,
                "keyspace",
            ),
        ] {
            let err = from_line(text, 0).err().unwrap_or_default();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
