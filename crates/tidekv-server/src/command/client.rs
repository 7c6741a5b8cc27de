//! `CLIENT` and its subcommands: `ID`, `SETNAME`, `GETNAME`, `SETINFO`, `LIST`, `INFO`, `KILL`,
//! `NO-EVICT` (accepted, nothing to do: tidekv never evicts), `NO-TOUCH`, `HELP`.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{session, CommandSpec, InMulti};
use crate::resp::Reply;
use crate::session::Session;
use crate::shared::{lock, ClientHandle};

/// Redis's rule for names: printable ASCII without spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Sets (or with an empty name, clears) the connection's name (`CLIENT SETNAME`, `HELLO …
/// SETNAME`).
pub(crate) fn set_name(s: &mut Session, name: &Bytes) -> Result<(), Fail> {
    if !valid_name(name) {
        return Err(Fail::new(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    lock(&s.client.info).name = (!name.is_empty()).then(|| name.clone());
    Ok(())
}

/// One `CLIENT LIST` line (without its newline), in Redis 7.2's field order.
fn describe(client: &ClientHandle) -> String {
    let info = lock(&client.info).clone();
    let idle = lock(&client.last_active).elapsed().as_secs();
    let text = |b: &Option<Bytes>| {
        b.as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let mut flags = String::new();
    if info.in_multi {
        flags.push('x');
    }
    if info.blocked {
        flags.push('b');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let mut line = String::new();
    let _ = write!(
        line,
        "id={} addr={} laddr={} fd=-1 name={} age={} idle={} flags={} db={} sub=0 psub=0 \
         ssub=0 multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 \
         omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
        client.id,
        client.addr,
        client.local_addr,
        text(&info.name),
        client.connected.elapsed().as_secs(),
        idle,
        flags,
        info.db,
        if info.in_multi { 0 } else { -1 },
        if info.last_command.is_empty() {
            "NULL"
        } else {
            &info.last_command
        },
        info.resp.max(2),
        text(&info.lib_name),
        text(&info.lib_ver),
    );
    line
}

fn client(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let sub = arg(args, 1);
    let n = args.len();
    let arity = |name: &str| Fail::arity(&format!("client|{name}"));
    if is(sub, "id") {
        if n != 2 {
            return Err(arity("id"));
        }
        Ok(Reply::Integer(s.client.id as i64))
    } else if is(sub, "setname") {
        if n != 3 {
            return Err(arity("setname"));
        }
        set_name(s, arg(args, 2))?;
        Ok(Reply::ok())
    } else if is(sub, "getname") {
        if n != 2 {
            return Err(arity("getname"));
        }
        Ok(lock(&s.client.info)
            .name
            .clone()
            .map_or(Reply::Null, Reply::Bulk))
    } else if is(sub, "setinfo") {
        if n != 4 {
            return Err(arity("setinfo"));
        }
        let value = arg(args, 3);
        if !valid_name(value) {
            return Err(Fail::new(format!(
                "ERR {} cannot contain spaces, newlines or special characters.",
                args::text(arg(args, 2)).to_ascii_lowercase()
            )));
        }
        let mut info = lock(&s.client.info);
        if is(arg(args, 2), "lib-name") {
            info.lib_name = Some(value.clone());
        } else if is(arg(args, 2), "lib-ver") {
            info.lib_ver = Some(value.clone());
        } else {
            return Err(Fail::new(format!(
                "ERR Unrecognized option '{}'",
                args::text(arg(args, 2))
            )));
        }
        Ok(Reply::ok())
    } else if is(sub, "list") {
        list(s, rest(args, 2))
    } else if is(sub, "info") {
        if n != 2 {
            return Err(arity("info"));
        }
        Ok(Reply::Verbatim(Bytes::from(describe(&s.client) + "\n")))
    } else if is(sub, "kill") {
        kill(s, rest(args, 2))
    } else if is(sub, "no-evict") || is(sub, "no-touch") {
        let name = if is(sub, "no-evict") {
            "no-evict"
        } else {
            "no-touch"
        };
        if n != 3 {
            return Err(arity(name));
        }
        if is(arg(args, 2), "on") || is(arg(args, 2), "off") {
            Ok(Reply::ok())
        } else {
            Err(Fail::syntax())
        }
    } else if is(sub, "help") {
        Ok(Reply::Array(
            [
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GETNAME", "    Return the name of the current connection.",
                "ID", "    Return the ID of the current connection.",
                "INFO", "    Return information about the current client connection.",
                "KILL <ip:port>", "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO), USER <username>.",
                "LIST [options ...]", "    Return information about client connections. Options: TYPE (NORMAL), ID <client-id> [...].",
                "NO-EVICT (ON|OFF)", "    Accepted; tidekv never evicts clients.",
                "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
                "SETNAME <name>", "    Assign the name <name> to the current connection.",
                "HELP", "    Print this help.",
            ]
            .into_iter()
            .map(|l| Reply::Simple(l.into()))
            .collect(),
        ))
    } else {
        Err(Fail::new(format!(
            "ERR unknown subcommand '{}'. Try CLIENT HELP.",
            args::text(sub)
        )))
    }
}

fn list(s: &mut Session, options: &[Bytes]) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut words = args::Options::new(options);
    while let Some(word) = words.next_word() {
        if is(word, "type") {
            let kind = words.value()?;
            if !["normal", "master", "replica", "pubsub"]
                .iter()
                .any(|k| is(kind, k))
            {
                return Err(Fail::new(format!(
                    "ERR Unknown client type '{}'",
                    args::text(kind)
                )));
            }
            if !is(kind, "normal") {
                ids = Some(Vec::new());
            }
        } else if is(word, "id") {
            let mut wanted = Vec::new();
            while let Some(id) = words.next_word() {
                let id = args::int(id)
                    .and_then(|i| u64::try_from(i).ok())
                    .filter(|&i| i > 0)
                    .ok_or_else(|| Fail::new("ERR Invalid client ID"))?;
                wanted.push(id);
            }
            if wanted.is_empty() {
                return Err(Fail::syntax());
            }
            ids = Some(wanted);
        } else {
            return Err(Fail::syntax());
        }
    }
    let mut text = String::new();
    for client in s.shared.clients.all() {
        if ids.as_ref().is_none_or(|ids| ids.contains(&client.id)) {
            text.push_str(&describe(&client));
            text.push('\n');
        }
    }
    Ok(Reply::Verbatim(Bytes::from(text)))
}

fn kill(s: &mut Session, options: &[Bytes]) -> CmdResult {
    // The old form: CLIENT KILL ip:port.
    if let [addr] = options {
        let addr = args::text(addr);
        let target = s
            .shared
            .clients
            .all()
            .into_iter()
            .find(|c| c.addr.to_string() == addr)
            .ok_or_else(|| Fail::new("ERR No such client"))?;
        disconnect(s, &target);
        return Ok(Reply::ok());
    }
    let (mut id, mut addr, mut laddr, mut skip_me) = (None, None, None, true);
    let mut words = args::Options::new(options);
    if options.is_empty() {
        return Err(Fail::syntax());
    }
    while let Some(word) = words.next_word() {
        let value = words.value()?;
        if is(word, "id") {
            id = Some(
                args::int(value)
                    .and_then(|i| u64::try_from(i).ok())
                    .filter(|&i| i > 0)
                    .ok_or_else(|| Fail::new("ERR client-id should be greater than 0"))?,
            );
        } else if is(word, "addr") {
            addr = Some(args::text(value));
        } else if is(word, "laddr") {
            laddr = Some(args::text(value));
        } else if is(word, "skipme") {
            skip_me = if is(value, "yes") {
                true
            } else if is(value, "no") {
                false
            } else {
                return Err(Fail::syntax());
            };
        } else if is(word, "user") {
            if value.as_ref() != b"default" {
                return Ok(Reply::Integer(0));
            }
        } else if is(word, "type") {
            if !is(value, "normal") {
                return Ok(Reply::Integer(0));
            }
        } else {
            return Err(Fail::syntax());
        }
    }
    let mut killed = 0;
    for client in s.shared.clients.all() {
        let chosen = id.is_none_or(|id| client.id == id)
            && addr.as_ref().is_none_or(|a| client.addr.to_string() == *a)
            && laddr
                .as_ref()
                .is_none_or(|a| client.local_addr.to_string() == *a)
            && !(skip_me && client.id == s.client.id);
        if chosen {
            disconnect(s, &client);
            killed += 1;
        }
    }
    Ok(Reply::Integer(killed))
}

/// Closes `target` (itself after this reply, if it is this connection).
fn disconnect(s: &mut Session, target: &Arc<ClientHandle>) {
    if target.id == s.client.id {
        s.close = true;
    } else {
        target.kill.notify_one();
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[session(
    "client",
    -2,
    &["noscript", "loading", "stale"],
    "connection",
    "A container for client connection commands",
    InMulti::Queue,
    client,
)];
