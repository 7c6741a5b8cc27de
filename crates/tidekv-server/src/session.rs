//! [`Session`]: one connection's state — authentication, keyspace, protocol version, the `MULTI`
//! queue and watched keys — and [`Session::dispatch`], which finds a command, checks it and runs
//! it (or queues it).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tidekv::{Keyspace, Watch};

use crate::command::blocking::BlockRequest;
use crate::command::fail::Fail;
use crate::command::{table, CommandSpec, Handler, InMulti};
use crate::data::KeyspaceData;
use crate::resp::{Protocol, Reply};
use crate::shared::{lock, ClientHandle, Counters, Shared};

/// Commands queued by `MULTI`.
#[derive(Default)]
pub(crate) struct MultiQueue {
    pub(crate) commands: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// A command was refused while queueing: `EXEC` will fail with `EXECABORT`.
    pub(crate) dirty: bool,
}

/// What a command asks of its connection.
pub(crate) enum Outcome {
    /// Send this reply.
    Reply(Reply),
    /// Wait for a list, then reply (`BLPOP` ...).
    Block(BlockRequest),
}

/// One connection's state.
pub(crate) struct Session {
    pub(crate) shared: Arc<Shared>,
    pub(crate) client: Arc<ClientHandle>,
    /// The selected keyspace (`SELECT`) and a handle on it.
    pub(crate) db: u32,
    pub(crate) keyspace: Keyspace,
    pub(crate) protocol: Protocol,
    /// False while a password is set and the client has not given it.
    pub(crate) authenticated: bool,
    pub(crate) multi: Option<MultiQueue>,
    pub(crate) watch: Option<Watch>,
    /// Close the connection once the replies so far are sent (`QUIT`, `SHUTDOWN`).
    pub(crate) close: bool,
    /// Close without sending the last reply (`SHUTDOWN`, as Redis does).
    pub(crate) silent: bool,
    /// How many keyspaces the server has (fixed while it runs).
    pub(crate) databases: u32,
}

impl Session {
    /// A session on keyspace 0.
    pub(crate) fn new(shared: Arc<Shared>, client: Arc<ClientHandle>) -> Result<Session, Fail> {
        let keyspace = shared.store.keyspace(0)?;
        let (authenticated, databases) = {
            let config = lock(&shared.config);
            (config.requirepass.is_none(), config.databases)
        };
        Ok(Session {
            shared,
            client,
            db: 0,
            keyspace,
            protocol: Protocol::Resp2,
            authenticated,
            multi: None,
            watch: None,
            close: false,
            silent: false,
            databases,
        })
    }

    /// Switches to keyspace `db` (`SELECT`).
    pub(crate) fn select(&mut self, db: u32) -> Result<(), Fail> {
        self.keyspace = self.shared.store.keyspace(db)?;
        self.db = db;
        lock(&self.client.info).db = db;
        Ok(())
    }

    /// Runs (or queues) one command.
    pub(crate) fn dispatch(&mut self, args: Vec<Bytes>) -> Outcome {
        Counters::add(&self.shared.stats.commands_processed, 1);
        let Some(name) = args.first() else {
            return Outcome::Reply(Reply::ok());
        };
        let Some((index, spec)) = table::lookup_indexed(name) else {
            self.mark_dirty();
            lock(&self.client.info).last_command = "".into();
            return Outcome::Reply(Fail::new(unknown_command(&args)).into_reply());
        };
        let full_name = match spec.check(&args) {
            Ok(full_name) => full_name,
            Err(fail) => {
                self.mark_dirty();
                self.shared.observe.commands.reject(index);
                return Outcome::Reply(fail.into_reply());
            }
        };
        lock(&self.client.info).last_command = full_name;
        if !self.authenticated && !spec.no_auth {
            self.mark_dirty();
            self.shared.observe.commands.reject(index);
            return Outcome::Reply(Reply::Error("NOAUTH Authentication required.".into()));
        }
        if self.multi.is_some() {
            match spec.in_multi {
                InMulti::Now => {}
                InMulti::Queue => {
                    if let Some(queue) = &mut self.multi {
                        queue.commands.push((spec, args));
                        lock(&self.client.info).queued = queue.commands.len();
                    }
                    return Outcome::Reply(Reply::Simple("QUEUED".into()));
                }
                InMulti::NotAllowed => {
                    self.mark_dirty();
                    self.shared.observe.commands.reject(index);
                    return Outcome::Reply(Reply::Error(
                        "ERR Command not allowed inside a transaction".into(),
                    ));
                }
                InMulti::Refuse => {
                    self.mark_dirty();
                    self.shared.observe.commands.reject(index);
                    return Outcome::Reply(Reply::Error(
                        format!(
                            "ERR '{}' is not allowed inside MULTI on tidekv: it works on a whole \
                             keyspace or the server, not on declared keys",
                            spec.name
                        )
                        .into(),
                    ));
                }
            }
        }
        let started = Instant::now();
        let outcome = match spec.handler {
            Handler::Data(run) => Outcome::Reply(reply_of(run(
                &mut KeyspaceData(&self.keyspace, self.databases),
                &args,
            ))),
            Handler::Session(run) => Outcome::Reply(reply_of(run(self, &args))),
            // Timed to its parse: a blocking pop's wait is not its run time (as in Redis).
            Handler::Blocking(parse) => match parse(&args) {
                Ok(request) => Outcome::Block(request),
                Err(fail) => Outcome::Reply(fail.into_reply()),
            },
        };
        self.observe(index, started.elapsed(), &outcome, &args);
        outcome
    }

    /// Counts a command that ran, and logs it if it was slow.
    fn observe(&self, index: usize, took: Duration, outcome: &Outcome, args: &[Bytes]) {
        let failed = matches!(outcome, Outcome::Reply(Reply::Error(_)));
        let observe = &self.shared.observe;
        observe.commands.record(index, took, failed);
        let threshold = observe.slower_than.load(Ordering::Relaxed);
        let max_len = observe.slowlog_max_len.load(Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        if threshold >= 0 && micros >= threshold.unsigned_abs() {
            let name = lock(&self.client.info).name.clone().unwrap_or_default();
            let max_len = usize::try_from(max_len).unwrap_or(usize::MAX);
            let addr = self.client.addr.to_string();
            observe
                .slowlog
                .record(threshold, max_len, micros, args, addr, name);
        }
    }

    fn mark_dirty(&mut self) {
        if let Some(queue) = &mut self.multi {
            queue.dirty = true;
        }
    }
}

/// A command's reply, or its error as a reply.
pub(crate) fn reply_of(result: Result<Reply, Fail>) -> Reply {
    result.unwrap_or_else(Fail::into_reply)
}

/// Redis's text for a command it does not know: the name and the first arguments, each quoted
/// and followed by a space, up to 128 bytes of them.
fn unknown_command(args: &[Bytes]) -> String {
    let name = args.first().map(|n| clip(n, 128)).unwrap_or_default();
    let mut listed = String::new();
    for arg in args.iter().skip(1) {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push('\'');
        listed.push_str(&clip(arg, room));
        listed.push_str("' ");
    }
    format!("ERR unknown command '{name}', with args beginning with: {listed}")
}

/// At most `max` bytes of `arg`, as text, and none from a NUL byte on (Redis prints each
/// argument as a C string).
fn clip(arg: &[u8], max: usize) -> String {
    let end = arg
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(arg.len())
        .min(max);
    String::from_utf8_lossy(arg.get(..end).unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_command_is_named_with_its_first_arguments_as_redis_does() {
        let args = [&b"foo"[..], b"a", b"bc"].map(Bytes::copy_from_slice);
        assert_eq!(
            unknown_command(&args),
            "ERR unknown command 'foo', with args beginning with: 'a' 'bc' "
        );
        let none = [Bytes::from_static(b"foo")];
        assert_eq!(
            unknown_command(&none),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }
}
