//! AUTH and HELLO, with and without a password configured; NOAUTH before AUTH; and the RESP3
//! replies after `HELLO 3`.

use crate::support::{for_each_engine, for_each_engine_with_password, norm, v, Pair, Value};

/// HELLO's reply with what cannot be equal blanked: `server` (tidekv says `tidekv`, an intended
/// difference checked by [`hello`]) and `id` (each server numbers its clients).
fn blank_server_and_id(value: Value) -> Value {
    let blank = |field: &Value, value: Value| match field.text().as_str() {
        "server" | "id" => Value::Null,
        _ => value,
    };
    match value {
        Value::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(f, x)| (f.clone(), blank(&f, x)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut out = Vec::new();
            for pair in items.chunks(2) {
                out.push(pair[0].clone());
                out.extend(pair.get(1).cloned().map(|x| blank(&pair[0], x)));
            }
            Value::Array(out)
        }
        other => other,
    }
}

/// Sends a HELLO to both; compares the replies without `server` and `id`, and checks that
/// tidekv's `server` is `tidekv`.
fn hello(p: &mut Pair, line: &str) {
    let (_, tidekv) = p.both(line);
    let server = match &tidekv {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(f, _)| f.text() == "server")
            .map(|(_, x)| x.clone()),
        Value::Array(items) => items
            .chunks(2)
            .find(|p| p[0].text() == "server")
            .map(|p| p[1].clone()),
        _ => None,
    };
    if !tidekv.is_error() {
        p.check(
            server == Some(v::bulk("tidekv")),
            format!("{line}: tidekv's server field is {server:?}"),
        );
    }
    // Sent again: the first one may have changed the protocol, and the comparison wants the
    // reply in the protocol now in force on both.
    p.same_after(line, blank_server_and_id);
}

#[test]
fn auth_and_hello_without_a_password_configured() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "AUTH pw",
            "AUTH default anything",
            "AUTH default \"\"",
            "AUTH other pw",
            "AUTH a b c",
            "AUTH",
            "HELLO 4",
            "HELLO 1",
            "HELLO abc",
            "HELLO 3 FOO",
            "HELLO 3 AUTH default",
            "HELLO 3 AUTH other pw",
            "HELLO 3 SETNAME",
            "HELLO 3 SETNAME \"bad name\"",
            "HELLO AUTH default x",
        ]);
        hello(&mut p, "HELLO");
        hello(&mut p, "HELLO 2");
        hello(&mut p, "HELLO 2 AUTH default anything SETNAME conn1");
        p.run(&["CLIENT GETNAME"]);
        hello(&mut p, "hello 2 setname conn2 auth default x");
        p.run(&["CLIENT GETNAME"]);
        hello(&mut p, "HELLO 3");
        hello(&mut p, "HELLO");
        hello(&mut p, "HELLO 2");
    });
}

#[test]
fn noauth_until_auth_with_a_password_configured() {
    for_each_engine_with_password("secret", |d| {
        let mut p = d.pair();
        p.run(&[
            "PING",
            "GET k",
            "NOSUCHCOMMAND",
            "GET",
            "MULTI",
            "CLIENT ID",
            "HELLO 3",
            "HELLO 3 AUTH default wrong",
            "HELLO 3 AUTH other secret",
            "AUTH wrong",
            "AUTH default wrong",
            "AUTH other secret",
            "AUTH a b c",
            "PING",
            "AUTH secret",
            "PING",
            "AUTH wrong",
            "PING",
            "SET k v",
            "CONFIG GET requirepass",
            "RESET",
            "GET k",
            "AUTH default secret",
            "GET k",
        ]);
        let mut p = d.pair();
        hello(&mut p, "HELLO 3 AUTH default secret SETNAME viahello");
        p.run(&["CLIENT GETNAME", "GET k", "GET missing"]);
        let mut p = d.pair();
        p.run(&["QUIT"]);
        let mut p = d.pair();
        p.run(&[
            "RESET",
            "PING",
            "MULTI",
            "AUTH secret",
            "MULTI",
            "GET k",
            "EXEC",
        ]);
    });
}

/// After `HELLO 3` on both connections, the rest of the script compares RESP3 replies.
fn resp3(p: &mut Pair) {
    hello(p, "HELLO 3");
}

#[test]
fn resp3_replies_after_hello_3() {
    for_each_engine(|d| {
        let mut p = d.pair();
        resp3(&mut p);
        p.run(&[
            "GET missing",
            "MGET missing a",
            "SET a 1",
            "MGET missing a",
            "LPOP missing",
            "LPOP missing 2",
            "RPUSH l x",
            "LPOP l 0",
            "LINDEX l 5",
            "LPOS l nope",
            "BLPOP empty 0.1",
            "BLMOVE empty dst LEFT RIGHT 0.1",
            "LMPOP 1 empty LEFT",
            "OBJECT ENCODING missing",
            "CLIENT GETNAME",
            "INCRBYFLOAT f 1.5",
            "SET k v GET",
            "GETEX missing",
            "WATCH a",
            "MULTI",
            "GET missing",
            "LPOP missing 1",
            "INCR a",
            "EXEC",
            "RANDOMKEY x",
            "EXPIRE a 10 NX XX",
        ]);
        p.same_after("CONFIG GET maxmemory", norm::sorted_map);
        p.same_after("CONFIG GET timeout databases", norm::sorted_map);
        p.same_after("CONFIG GET nosuchsetting", norm::sorted_map);
        // Flags, categories, tips, doc flags and history are sets in RESP3.
        p.same_after(
            "COMMAND INFO get lpush keys",
            crate::server::info_without_specs,
        );
        p.same_after("COMMAND DOCS getset set", crate::server::docs_facts);
        let mut q = d.pair();
        q.run(&["SET a 2"]);
        p.run(&["WATCH a", "MULTI", "INCR a"]);
        q.run(&["SET a 3"]);
        p.run(&["EXEC"]);
        // INFO and CLIENT INFO are text that cannot be equal; both must be verbatim strings.
        for line in ["INFO server", "CLIENT INFO", "CLIENT LIST"] {
            let (redis, tidekv) = p.both(line);
            p.check(
                matches!((&redis, &tidekv), (Value::Verbatim(a, _), Value::Verbatim(b, _)) if a == "txt" && b == "txt"),
                format!("{line} in RESP3\n    redis:  {redis}\n    tidekv: {tidekv}"),
            );
        }
        hello(&mut p, "HELLO 2");
        p.run(&["GET missing", "LPOP missing 2"]);
    });
}
