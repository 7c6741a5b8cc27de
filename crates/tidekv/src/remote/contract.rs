//! [`Engine`] for the remote backend: each call as the Redis command with the same meaning.

use std::sync::Arc;

use bytes::Bytes;
use redis::Value;

use crate::engine::{
    BlockingOp, Capabilities, End, Engine, EngineDump, EngineScan, EngineWatch, KeyExpiry, KeyKind,
    KeyRange, Native, NativeReply, Popped, Record, ServerPop, Tx, TxKey,
};
use crate::error::{Error, Result};
use crate::remote::engine::{bytes_of, list_of, RemoteEngine, Repeat};
use crate::remote::errors::Expected;
use crate::stats::{BackendStats, KeyspaceStats};
use crate::watch::WatchRegistry;

impl Engine for RemoteEngine {
    fn get(&self, ks: u32, key: &[u8]) -> Result<Option<Bytes>> {
        let reply: Value = self.query(ks, Repeat::Safe, redis::cmd("GET").arg(key).to_owned())?;
        bytes_of(reply)
    }

    fn get_many(&self, ks: u32, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for key in keys {
            cmd.arg(key.as_ref());
        }
        let reply: Vec<Value> = self.query(ks, Repeat::Safe, cmd)?;
        let values = reply
            .into_iter()
            .map(bytes_of)
            .collect::<Result<Vec<_>>>()?;
        // MGET answers nil for a list as for a missing key; the other backends say WRONGTYPE.
        if values.iter().any(Option::is_none) {
            let (conns, options) = (Arc::clone(&self.conns), Arc::clone(&self.options));
            let (keys, found) = (keys.to_vec(), values.clone());
            let lists = self.bridge.run(async move {
                let shared = conns.shared(ks, &options).await?;
                crate::remote::scan::lists_among(&shared, &keys, &found).await
            })??;
            if lists.contains(&true) {
                return Err(crate::engine::list_is_not_a_string());
            }
        }
        Ok(values)
    }

    fn put(&self, ks: u32, key: &[u8], value: Bytes, expires_at: Option<u64>) -> Result<()> {
        self.check_writable()?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(key.as_ref()).arg(value.as_ref());
        if let Some(at) = expires_at {
            if at <= self.now() {
                // Dead on arrival: the write is a delete (what the other backends do).
                let _: i64 = self.query(
                    ks,
                    Repeat::Safe,
                    redis::cmd("DEL").arg(key.as_ref()).to_owned(),
                )?;
                return Ok(());
            }
            cmd.arg("PXAT").arg(self.store_ms_to_server(at));
        }
        let _: Value = self.query(ks, Repeat::Safe, cmd)?;
        Ok(())
    }

    fn remove(&self, ks: u32, key: &[u8]) -> Result<bool> {
        self.check_writable()?;
        let removed: i64 = self.query(ks, Repeat::Never, redis::cmd("DEL").arg(key).to_owned())?;
        Ok(removed > 0)
    }

    fn kind(&self, ks: u32, key: &[u8]) -> Result<Option<KeyKind>> {
        let name: String = self.query(ks, Repeat::Safe, redis::cmd("TYPE").arg(key).to_owned())?;
        kind_named(&name)
    }

    fn len(&self, ks: u32) -> Result<u64> {
        self.query(ks, Repeat::Safe, redis::cmd("DBSIZE"))
    }

    fn expiry(&self, ks: u32, key: &[u8]) -> Result<KeyExpiry> {
        let at: i64 = self.query(
            ks,
            Repeat::Safe,
            redis::cmd("PEXPIRETIME").arg(key).to_owned(),
        )?;
        Ok(match at {
            -2 => KeyExpiry::Missing,
            -1 => KeyExpiry::Persistent,
            at => KeyExpiry::At(self.server_ms_to_store(at)),
        })
    }

    fn push(&self, ks: u32, key: &[u8], end: End, values: &[Bytes]) -> Result<u64> {
        self.check_writable()?;
        let mut cmd = redis::cmd(match end {
            End::Front => "LPUSH",
            End::Back => "RPUSH",
        });
        cmd.arg(key);
        for value in values {
            cmd.arg(value.as_ref());
        }
        self.query_as(ks, Repeat::Never, Expected::List, cmd)
    }

    fn pop(&self, ks: u32, key: &[u8], end: End) -> Result<Option<Bytes>> {
        self.check_writable()?;
        let cmd = redis::cmd(match end {
            End::Front => "LPOP",
            End::Back => "RPOP",
        })
        .arg(key)
        .to_owned();
        let reply: Value = self.query_as(ks, Repeat::Never, Expected::List, cmd)?;
        bytes_of(reply)
    }

    fn list_len(&self, ks: u32, key: &[u8]) -> Result<u64> {
        let cmd = redis::cmd("LLEN").arg(key).to_owned();
        self.query_as(ks, Repeat::Safe, Expected::List, cmd)
    }

    fn list_range(&self, ks: u32, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>> {
        let cmd = redis::cmd("LRANGE")
            .arg(key)
            .arg(start)
            .arg(stop)
            .to_owned();
        let reply: Value = self.query_as(ks, Repeat::Safe, Expected::List, cmd)?;
        list_of(reply)
    }

    fn transact(
        &self,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        crate::remote::tx::transact(self, keys, body)
    }

    fn watch_keys(
        &self,
        ks: u32,
        keys: &[Bytes],
        watch: Option<&EngineWatch>,
    ) -> Result<Option<EngineWatch>> {
        crate::remote::tx::watch_keys(self, ks, keys, watch)
    }

    fn transact_watched(
        &self,
        watch: &EngineWatch,
        keys: &[TxKey],
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<bool> {
        crate::remote::tx::transact_watched(self, watch, keys, body)
    }

    fn native(&self, ks: u32, op: &Native<'_>) -> Option<Result<NativeReply>> {
        if let Native::ListSet { index, .. } = op {
            if !crate::remote::native_lists::list_set_is_exact(*index) {
                return None;
            }
        }
        Some(crate::remote::native::run(self, ks, op))
    }

    fn server_pop(
        &self,
        ks: u32,
        keys: &[Bytes],
        op: &BlockingOp,
        timeout: Option<std::time::Duration>,
    ) -> Option<Result<Popped>> {
        Some(crate::remote::blocking::server_pop(
            self, ks, keys, op, timeout,
        ))
    }

    fn server_pop_future(
        &self,
        ks: u32,
        keys: Vec<Bytes>,
        op: BlockingOp,
    ) -> Option<Result<ServerPop>> {
        Some(crate::remote::pop_future::server_pop_future(
            self, ks, keys, op,
        ))
    }

    fn settle(&self) -> Result<()> {
        // A write the server acknowledged is visible to every later read.
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            backend: "remote",
            point_in_time_scans: false,
            // What survives is the server's to say (its `appendonly` and `save` settings).
            survives_crashes: false,
            survives_restarts: false,
            compaction: false,
            exclusive: false,
            expiry_by_store_clock: false,
            exact_len: false,
            single_keyspace: self.conns.is_cluster(),
            f64_float_increments: false,
            counts_bytes: false,
        }
    }

    fn watches(&self) -> &Arc<WatchRegistry> {
        &self.watches
    }

    fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan> {
        crate::remote::scan::scan(self, ks, range)
    }

    fn clear(&self, ks: u32) -> Result<()> {
        self.check_writable()?;
        let _: Value = self.query(ks, Repeat::Safe, redis::cmd("FLUSHDB"))?;
        Ok(())
    }

    fn random_key(&self, ks: u32, _seed: u64) -> Result<Option<Bytes>> {
        let reply: Value = self.query(ks, Repeat::Safe, redis::cmd("RANDOMKEY"))?;
        bytes_of(reply)
    }

    fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()> {
        self.check_writable()?;
        if a == b {
            return Ok(());
        }
        let _: Value = self.query(
            0,
            Repeat::Safe,
            redis::cmd("SWAPDB").arg(a).arg(b).to_owned(),
        )?;
        Ok(())
    }

    fn dump(&self) -> Result<EngineDump> {
        crate::remote::scan::dump(self)
    }

    fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        self.check_writable()?;
        crate::remote::load::load(self, records)
    }
    fn put_records(&self, records: &[Record]) -> Result<()> {
        self.check_writable()?;
        crate::remote::load::put_records(self, records)
    }

    fn checkpoint(&self, _dir: &std::path::Path) -> Result<Option<crate::CheckpointReport>> {
        Err(Error::invalid(
            "checkpoint",
            "a remote store keeps its data on its server, not in local files: back it up with \
             `tidekv export` (or `Store::save_snapshot`), or with the server's own BGSAVE",
        ))
    }
    fn flush(&self) -> Result<()> {
        // Durability is the server's (`appendfsync`); there is nothing buffered here.
        Ok(())
    }

    fn stats(&self) -> Result<BackendStats> {
        crate::remote::stats::backend_stats(self)
    }

    fn keyspace_usage(&self, _keyspaces: u32) -> Result<Vec<KeyspaceStats>> {
        crate::remote::stats::keyspace_usage(self)
    }

    fn seal(&self) -> Result<()> {
        self.set_sealed(true);
        Ok(())
    }

    fn unseal(&self) -> Result<()> {
        self.set_sealed(false);
        Ok(())
    }

    fn close(&self) -> Result<()> {
        self.shut_down();
        Ok(())
    }
}

/// A `TYPE` reply as a kind; a type tidekv does not store (a hash, a set …, written by another
/// client) is a clear error rather than a guess.
pub(crate) fn kind_named(name: &str) -> Result<Option<KeyKind>> {
    match name {
        "none" => Ok(None),
        "string" => Ok(Some(KeyKind::String)),
        "list" => Ok(Some(KeyKind::List)),
        other => Err(Error::wrong_type(
            "a string or a list",
            format!("a {other}"),
        )),
    }
}
