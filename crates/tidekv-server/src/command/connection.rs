//! Connection commands: `PING`, `ECHO`, `QUIT`, `RESET`, `AUTH`, `HELLO`, `SELECT`.

use bytes::Bytes;

use super::args::{self, arg, is};
use super::fail::{CmdResult, Fail};
use super::{session, CommandSpec, InMulti};
use crate::resp::{Protocol, Reply};
use crate::session::Session;
use crate::shared::lock;

/// The Redis version tidekv's replies and errors follow; clients read it from `HELLO` and
/// `INFO` to decide which commands they may send.
pub(crate) const REDIS_VERSION: &str = "7.0.15";

fn ping(_s: &mut Session, args: &[Bytes]) -> CmdResult {
    match args {
        [_] => Ok(Reply::Simple("PONG".into())),
        [_, message] => Ok(Reply::Bulk(message.clone())),
        _ => Err(Fail::arity("ping")),
    }
}

fn echo(_s: &mut Session, args: &[Bytes]) -> CmdResult {
    Ok(Reply::Bulk(arg(args, 1).clone()))
}

fn quit(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    s.close = true;
    Ok(Reply::ok())
}

fn reset(s: &mut Session, _args: &[Bytes]) -> CmdResult {
    s.multi = None;
    s.watch = None;
    s.protocol = Protocol::Resp2;
    s.select(0)?;
    s.authenticated = lock(&s.shared.config).requirepass.is_none();
    {
        let mut info = lock(&s.client.info);
        info.name = None;
        info.resp = 2;
        info.in_multi = false;
    }
    Ok(Reply::Simple("RESET".into()))
}

/// Compares a password in time that does not depend on where the first difference is.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    for (i, &e) in expected.iter().enumerate() {
        diff |= e ^ given.get(i).copied().unwrap_or(!e);
    }
    diff == 0
}

/// Checks `user` / `password` against the server's password; `Err` is the reply for a
/// failure.
fn check_password(s: &Session, user: Option<&Bytes>, password: &Bytes) -> Result<(), Fail> {
    let expected = lock(&s.shared.config).requirepass.clone();
    let Some(expected) = expected else {
        if user.is_none() {
            return Err(Fail::new(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            ));
        }
        // With no password, the default user takes any password (Redis's `nopass`).
        return if user.is_some_and(|u| u.as_ref() == b"default") {
            Ok(())
        } else {
            Err(wrong_pass())
        };
    };
    let user_ok = user.is_none_or(|u| u.as_ref() == b"default");
    if user_ok && same_secret(password, expected.as_bytes()) {
        Ok(())
    } else {
        Err(wrong_pass())
    }
}

fn wrong_pass() -> Fail {
    Fail::new("WRONGPASS invalid username-password pair or user is disabled.")
}

fn auth(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let (user, password) = match args {
        [_, password] => (None, password),
        [_, user, password] => (Some(user), password),
        _ => return Err(Fail::syntax()),
    };
    check_password(s, user, password)?;
    s.authenticated = true;
    Ok(Reply::ok())
}

fn hello(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let mut protocol = None;
    let mut i = 1;
    if let Some(version) = args.get(1) {
        let version = args::int(version)
            .ok_or_else(|| Fail::new("ERR Protocol version is not an integer or out of range"))?;
        protocol = Some(match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(Fail::new("NOPROTO unsupported protocol version")),
        });
        i = 2;
    }
    let mut credentials = None;
    let mut name = None;
    while let Some(option) = args.get(i) {
        let more = args.len() - i - 1;
        if is(option, "auth") && more >= 2 {
            credentials = Some((arg(args, i + 1), arg(args, i + 2)));
            i += 3;
        } else if is(option, "setname") && more >= 1 {
            name = Some(arg(args, i + 1));
            i += 2;
        } else {
            return Err(Fail::new(format!(
                "ERR Syntax error in HELLO option '{}'",
                args::text(option)
            )));
        }
    }
    if let Some((user, password)) = credentials {
        check_password(s, Some(user), password)?;
        s.authenticated = true;
    }
    if !s.authenticated {
        return Err(Fail::new(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        super::client::set_name(s, name)?;
    }
    if let Some(protocol) = protocol {
        s.protocol = protocol;
        lock(&s.client.info).resp = if protocol == Protocol::Resp3 { 3 } else { 2 };
    }
    let proto = if s.protocol == Protocol::Resp3 { 3 } else { 2 };
    let field = |k: &'static str| Reply::bulk(Bytes::from_static(k.as_bytes()));
    Ok(Reply::Map(vec![
        (field("server"), field("tidekv")),
        (field("version"), field(REDIS_VERSION)),
        (field("proto"), Reply::Integer(proto)),
        (field("id"), Reply::Integer(s.client.id as i64)),
        (field("mode"), field("standalone")),
        (field("role"), field("master")),
        (field("modules"), Reply::Array(Vec::new())),
    ]))
}

fn select(s: &mut Session, args: &[Bytes]) -> CmdResult {
    let db = select_index(arg(args, 1))?;
    s.select(db)
        .map_err(|_| Fail::new("ERR DB index is out of range"))?;
    Ok(Reply::ok())
}

/// `SELECT`'s argument: an integer (Redis reads an `int`), or its errors.
pub(crate) fn select_index(arg: &[u8]) -> Result<u32, Fail> {
    let db = args::int32(arg)?;
    u32::try_from(db).map_err(|_| Fail::new("ERR DB index is out of range"))
}

const fn open(spec: CommandSpec) -> CommandSpec {
    CommandSpec {
        no_auth: true,
        ..spec
    }
}

pub(crate) const COMMANDS: &[CommandSpec] = &[
    session("ping", -1, InMulti::Queue, ping),
    session("echo", 2, InMulti::Queue, echo),
    open(session("quit", -1, InMulti::Now, quit)),
    open(session("reset", 1, InMulti::Now, reset)),
    open(session("auth", -2, InMulti::Queue, auth)),
    open(session("hello", -1, InMulti::Queue, hello)),
    session("select", 2, InMulti::Queue, select),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret(b"pw", b"pw"));
        assert!(!same_secret(b"pw", b"px"));
        assert!(!same_secret(b"p", b"pw"));
        assert!(!same_secret(b"pww", b"pw"));
        assert!(!same_secret(b"", b"pw"));
        assert!(same_secret(b"", b""));
    }
}
