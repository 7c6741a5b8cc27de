//! `CLIENT` and its subcommands: `ID`, `SETNAME`, `GETNAME`, `SETINFO`, `LIST`, `INFO`, `KILL`,
//! `NO-EVICT` (accepted, nothing to do: tidekv never evicts), `NO-TOUCH`, `HELP`.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;

use super::args::{self, arg, is, rest};
use super::fail::{CmdResult, Fail};
use super::{container, session, CommandSpec, InMulti};
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
        if info.in_multi {
            info.queued as i64
        } else {
            -1
        },
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

const HELP: &[&str] = &[
    "CLIENT <subcommand> [arguments]: tidekv's subcommands",
    "GETNAME",
    "    This connection's name, or null.",
    "ID",
    "    This connection's number.",
    "INFO",
    "    One line describing this connection.",
    "KILL <ip:port>",
    "    Closes the connection from that address.",
    "KILL <filter> <value> [<filter> <value> ...]",
    "    Closes every connection matching all filters; replies how many:",
    "    ID <n>, ADDR <ip:port>, LADDR <ip:port>, TYPE normal, USER default,",
    "    SKIPME yes|no (yes unless told: this connection is spared).",
    "LIST [TYPE normal] [ID <n> ...]",
    "    One line per connection.",
    "SETNAME <name>",
    "    Names this connection (no spaces); an empty name clears it.",
    "SETINFO LIB-NAME|LIB-VER <value>",
    "    Records the client library's name or version, shown by LIST.",
    "NO-EVICT ON|OFF",
    "    Accepted; tidekv never evicts clients.",
    "NO-TOUCH ON|OFF",
    "    Accepted; tidekv keeps no access times.",
    "HELP",
    "    This list.",
];

fn client(s: &mut Session, args: &[Bytes]) -> CmdResult {
    // The subcommand exists and its arity fits: the session checked (`CommandSpec::check`).
    let sub = arg(args, 1);
    if is(sub, "id") {
        Ok(Reply::Integer(s.client.id as i64))
    } else if is(sub, "setname") {
        set_name(s, arg(args, 2))?;
        Ok(Reply::ok())
    } else if is(sub, "getname") {
        Ok(lock(&s.client.info)
            .name
            .clone()
            .map_or(Reply::Null, Reply::Bulk))
    } else if is(sub, "setinfo") {
        set_info(s, arg(args, 2), arg(args, 3))
    } else if is(sub, "list") {
        list(s, rest(args, 2))
    } else if is(sub, "info") {
        Ok(Reply::Verbatim(Bytes::from(describe(&s.client) + "\n")))
    } else if is(sub, "kill") {
        kill(s, rest(args, 2))
    } else if is(sub, "no-evict") || is(sub, "no-touch") {
        // Accepted: tidekv never evicts clients and keeps no access statistics.
        if is(arg(args, 2), "on") || is(arg(args, 2), "off") {
            Ok(Reply::ok())
        } else {
            Err(Fail::syntax())
        }
    } else {
        Ok(Reply::Array(
            HELP.iter().map(|l| Reply::Simple((*l).into())).collect(),
        ))
    }
}

/// `CLIENT SETINFO LIB-NAME|LIB-VER value` (Redis 7.2).
fn set_info(s: &mut Session, option: &Bytes, value: &Bytes) -> CmdResult {
    if !valid_name(value) {
        return Err(Fail::new(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            args::text(option).to_ascii_lowercase()
        )));
    }
    let mut info = lock(&s.client.info);
    if is(option, "lib-name") {
        info.lib_name = Some(value.clone());
    } else if is(option, "lib-ver") {
        info.lib_ver = Some(value.clone());
    } else {
        return Err(Fail::new(format!(
            "ERR Unrecognized option '{}'",
            args::text(option)
        )));
    }
    Ok(Reply::ok())
}

/// Redis's client types: `normal` is every tidekv client; the others (replicas, masters,
/// pub/sub clients) tidekv never has. `None` for a name Redis does not know.
fn client_type(name: &[u8]) -> Option<bool> {
    if is(name, "normal") {
        Some(true)
    } else if ["slave", "replica", "master", "pubsub"]
        .iter()
        .any(|k| is(name, k))
    {
        Some(false)
    } else {
        None
    }
}

fn unknown_type(name: &[u8]) -> Fail {
    Fail::new(format!("ERR Unknown client type '{}'", args::text(name)))
}

/// `CLIENT LIST [TYPE type | ID id ...]`, in Redis's forms.
fn list(s: &mut Session, options: &[Bytes]) -> CmdResult {
    let ids: Option<Vec<i64>> = match options {
        [] => None,
        [word, kind] if is(word, "type") => {
            let normal = client_type(kind).ok_or_else(|| unknown_type(kind))?;
            (!normal).then(Vec::new)
        }
        [word, ids @ ..] if is(word, "id") && !ids.is_empty() => Some(
            ids.iter()
                .map(|id| args::int(id).ok_or_else(|| Fail::new("ERR Invalid client ID")))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(Fail::syntax()),
    };
    let mut text = String::new();
    for client in s.shared.clients.all() {
        let listed = ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|&id| u64::try_from(id) == Ok(client.id)));
        if listed {
            text.push_str(&describe(&client));
            text.push('\n');
        }
    }
    Ok(Reply::Verbatim(Bytes::from(text)))
}

/// `CLIENT KILL ip:port` (an error if no client has it), or `CLIENT KILL option value ...`
/// (how many were killed). Every option is checked before any client is.
fn kill(s: &mut Session, options: &[Bytes]) -> CmdResult {
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
    let mut none_match = false;
    let mut words = args::Options::new(options);
    while let Some(word) = words.next_word() {
        let value = words.value()?;
        if is(word, "id") {
            id = Some(
                args::int(value)
                    .and_then(|i| u64::try_from(i).ok())
                    .filter(|&i| i > 0)
                    .ok_or_else(|| Fail::new("ERR client-id should be greater than 0"))?,
            );
        } else if is(word, "type") {
            none_match |= !client_type(value).ok_or_else(|| unknown_type(value))?;
        } else if is(word, "addr") {
            addr = Some(args::text(value));
        } else if is(word, "laddr") {
            laddr = Some(args::text(value));
        } else if is(word, "user") {
            if value.as_ref() != b"default" {
                return Err(Fail::new(format!(
                    "ERR No such user '{}'",
                    args::text(value)
                )));
            }
        } else if is(word, "skipme") {
            skip_me = if is(value, "yes") {
                true
            } else if is(value, "no") {
                false
            } else {
                return Err(Fail::syntax());
            };
        } else {
            return Err(Fail::syntax());
        }
    }
    if none_match {
        return Ok(Reply::Integer(0));
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

pub(crate) const COMMANDS: &[CommandSpec] = &[container(
    session("client", -2, InMulti::Queue, client),
    &[
        ("getname", 2),
        ("help", 2),
        ("id", 2),
        ("info", 2),
        ("kill", -3),
        ("list", -2),
        ("no-evict", 3),
        ("setname", 3),
        // Redis 7.2's, which clients send on connecting (`docs/protocol.md`).
        ("setinfo", 4),
        ("no-touch", 3),
    ],
)];
