//! Differential tests: each script is sent to a real `redis-server` 7.0 and to tidekv's server
//! (on the memory and the disk engine), and every reply must be the same, byte for byte as
//! RESP. Only what cannot be equal is normalised, with the reason at each place (TTLs, times,
//! ids, hash-table orders, SCAN cursors). Where tidekv differs on purpose, the test asserts
//! tidekv's reply and `docs/protocol.md` lists the difference ("Intended differences from
//! Redis 7").
//!
//! `redis-server` must be installed (`scripts/test.sh` installs it); without it these tests fail.

mod support;

#[path = "differential/blocking.rs"]
mod blocking;
#[path = "differential/clients.rs"]
mod clients;
#[path = "differential/connection.rs"]
mod connection;
#[path = "differential/counters.rs"]
mod counters;
#[path = "differential/expire.rs"]
mod expire;
#[path = "differential/hello.rs"]
mod hello;
#[path = "differential/intended.rs"]
mod intended;
#[path = "differential/keys.rs"]
mod keys;
#[path = "differential/list_edits.rs"]
mod list_edits;
#[path = "differential/lists.rs"]
mod lists;
#[path = "differential/multi.rs"]
mod multi;
#[path = "differential/scans.rs"]
mod scans;
#[path = "differential/server.rs"]
mod server;
#[path = "differential/strings.rs"]
mod strings;
