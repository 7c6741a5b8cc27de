//! The protocol byte by byte, against tidekv's server in-process: malformed frames (each
//! compared with `redis-server`'s reply, and the connection closed after it), requests split at
//! every byte, a 100,000-command pipeline, inline commands as `nc` sends them, RESP3 replies,
//! the limits before AUTH, and an unknown command that leaves a pipeline in sync.

mod support;

use std::io::Write;
use std::time::Duration;

use support::resp::{encode, Client};
use support::{v, RedisServer, TidekvServer, Value};
use tidekv_server::EngineKind;

fn tidekv() -> TidekvServer {
    TidekvServer::start(EngineKind::Memory, |_| {})
}

/// Sends `bytes` on a fresh connection to each server; both must answer the same error (and
/// nothing before it unless `before` replies are expected), then close the connection.
fn same_protocol_error(redis: &RedisServer, tidekv: &TidekvServer, bytes: &[u8], before: usize) {
    let mut replies = Vec::new();
    for addr in [redis.addr, tidekv.addr] {
        let mut client = Client::connect(addr);
        client.send_raw(bytes);
        let mut got: Vec<Value> = (0..before).map(|_| client.read()).collect();
        let error = client.read();
        assert!(
            client.is_closed(Duration::from_secs(2)),
            "{addr} keeps the connection open after {error} for {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
        );
        got.push(error);
        replies.push(got);
    }
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
    assert_eq!(replies[0], replies[1], "redis vs tidekv for {shown:?}");
    let last = replies[1].last().unwrap().text();
    assert!(
        last.starts_with("ERR Protocol error: "),
        "{shown:?}: {last}"
    );
}

#[test]
fn malformed_frames_get_redis_protocol_errors_and_close() {
    let redis = RedisServer::start(&[]);
    let tidekv = tidekv();
    let long_digits = "1".repeat(70_000);
    let cases: Vec<(Vec<u8>, usize)> = vec![
        (b"*abc\r\n".to_vec(), 0),
        (b"*+1\r\n".to_vec(), 0),
        (b"*1x\r\n".to_vec(), 0),
        (b"*2147483648\r\n".to_vec(), 0),
        (b"*99999999999999999999\r\n".to_vec(), 0),
        (b"*1\r\nfoo\r\n".to_vec(), 0),
        (b"*2\r\n$3\r\nGET\r\n:1\r\n".to_vec(), 0),
        (b"*1\r\n$abc\r\n".to_vec(), 0),
        (b"*1\r\n$-1\r\n".to_vec(), 0),
        (b"*1\r\n$-5\r\n".to_vec(), 0),
        (b"*1\r\n$01\r\n".to_vec(), 0),
        (b"*1\r\n$ 3\r\n".to_vec(), 0),
        (b"*1\r\n$536870913\r\n".to_vec(), 0),
        (b"*1\r\n$99999999999999999999\r\n".to_vec(), 0),
        (b"SET a \"b\r\n".to_vec(), 0),
        (b"SET a \"b\"c\r\n".to_vec(), 0),
        (b"SET a 'b\n".to_vec(), 0),
        (b"PING\r\n*abc\r\n".to_vec(), 1),
        (b"*1\r\n$4\r\nPING\r\n*1\r\nx\r\n".to_vec(), 1),
        (format!("*{long_digits}").into_bytes(), 0),
        (format!("*1\r\n${long_digits}").into_bytes(), 0),
        (vec![b'a'; 70_000], 0),
    ];
    for (bytes, before) in &cases {
        same_protocol_error(&redis, &tidekv, bytes, *before);
    }
}

#[test]
fn empty_and_negative_counts_are_skipped_without_a_reply() {
    let tidekv = tidekv();
    let mut c = Client::connect(tidekv.addr);
    c.send_raw(b"*0\r\n*-1\r\n*-5\r\n\r\n\n   \r\nPING\r\n");
    assert_eq!(c.read(), v::status("PONG"));
}

/// A mix of array and inline requests, and the replies they must get.
fn script() -> (Vec<u8>, Vec<Value>) {
    // LTRIM empties the list, so the script can run again on the same connection.
    let mut bytes = encode(&["LTRIM", "l", "1", "0"]);
    bytes.extend(encode(&["SET", "k", "hello\r\nworld"]));
    bytes.extend(encode(&["GET", "k"]));
    bytes.extend(b"PING\r\nECHO \"a b\"\nGET missing\r\n");
    bytes.extend(encode(&["RPUSH", "l", "", "x"]));
    bytes.extend(encode(&["LRANGE", "l", "0", "-1"]));
    let replies = vec![
        v::ok(),
        v::ok(),
        v::bulk("hello\r\nworld"),
        v::status("PONG"),
        v::bulk("a b"),
        Value::NilBulk,
        v::int(2),
        v::bulks(&["", "x"]),
    ];
    (bytes, replies)
}

#[test]
fn a_request_written_a_byte_at_a_time_gets_the_same_replies() {
    let tidekv = tidekv();
    let (bytes, replies) = script();
    let mut c = Client::connect(tidekv.addr);
    let mut stream = c.stream().try_clone().unwrap();
    for byte in &bytes {
        stream.write_all(&[*byte]).unwrap();
        stream.flush().unwrap();
    }
    let got: Vec<Value> = replies.iter().map(|_| c.read()).collect();
    assert_eq!(got, replies);
}

#[test]
fn a_request_split_at_every_byte_boundary_gets_the_same_replies() {
    let tidekv = tidekv();
    let (bytes, replies) = script();
    let mut c = Client::connect(tidekv.addr);
    let mut stream = c.stream().try_clone().unwrap();
    for split in 0..=bytes.len() {
        let (first, second) = bytes.split_at(split);
        stream.write_all(first).unwrap();
        stream.flush().unwrap();
        std::thread::sleep(Duration::from_micros(300));
        stream.write_all(second).unwrap();
        let got: Vec<Value> = replies.iter().map(|_| c.read()).collect();
        assert_eq!(got, replies, "split at byte {split}");
    }
}

#[test]
fn a_pipeline_of_200_000_commands_in_one_write_gets_every_reply_in_order() {
    const N: usize = 100_000;
    let tidekv = tidekv();
    let mut c = Client::connect(tidekv.addr);
    let mut bytes = Vec::with_capacity(N * 70);
    for i in 0..N {
        bytes.extend(encode(&["SET", &format!("key:{i}"), &format!("value:{i}")]));
    }
    for i in 0..N {
        bytes.extend(encode(&["GET", &format!("key:{i}")]));
    }
    let mut stream = c.stream().try_clone().unwrap();
    let writer = std::thread::spawn(move || stream.write_all(&bytes));
    for i in 0..N {
        assert_eq!(c.read(), v::ok(), "reply {i}");
    }
    for i in 0..N {
        assert_eq!(c.read(), v::bulk(&format!("value:{i}")), "GET key:{i}");
    }
    writer.join().unwrap().unwrap();
    assert_eq!(c.cmd("DBSIZE"), v::int(N as i64));
}

#[test]
fn inline_commands_as_nc_sends_them() {
    let tidekv = tidekv();
    let mut c = Client::connect(tidekv.addr);
    c.send_raw(b"SET a 1\r\nGET a\nINCR a\n  GET   a  \r\n");
    assert_eq!(c.read(), v::ok());
    assert_eq!(c.read(), v::bulk("1"));
    assert_eq!(c.read(), v::int(2));
    assert_eq!(c.read(), v::bulk("2"));
    c.send_raw(b"SET b \"hello world\"\r\nGET b\r\nSET c 'it''s'\nSET c 'it\\'s'\nGET c\n");
    assert_eq!(c.read(), v::ok());
    assert_eq!(c.read(), v::bulk("hello world"));
    assert_eq!(
        c.read(),
        v::err("ERR Protocol error: unbalanced quotes in request")
    );
    assert!(c.is_closed(Duration::from_secs(2)));
    let mut c = Client::connect(tidekv.addr);
    c.send_raw(
        b"SET c 'it\\'s'\nGET c\nSET d \"\\x41\\tB\\n\"\nGET d\nECHO \"\"\nset E x\nget E\n",
    );
    assert_eq!(c.read(), v::ok());
    assert_eq!(c.read(), v::bulk("it's"));
    assert_eq!(c.read(), v::ok());
    assert_eq!(c.read(), v::bulk("A\tB\n"));
    assert_eq!(c.read(), v::bulk(""));
    assert_eq!(c.read(), v::ok());
    assert_eq!(c.read(), v::bulk("x"));
}

#[test]
fn resp3_replies_after_hello_3() {
    let tidekv = tidekv();
    let mut c = Client::connect(tidekv.addr);
    let hello = c.cmd("HELLO 3");
    let Value::Map(fields) = &hello else {
        panic!("HELLO 3 is a map: {hello}");
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| f.text() == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("proto"), Some(v::int(3)));
    assert_eq!(field("server"), Some(v::bulk("tidekv")));
    assert_eq!(field("version"), Some(v::bulk("7.0.15")));
    assert_eq!(c.cmd("GET missing"), Value::Null);
    assert_eq!(c.cmd("LPOP missing 1"), Value::Null);
    assert_eq!(c.cmd("BLPOP missing 0.05"), Value::Null);
    assert_eq!(
        c.cmd("CONFIG GET timeout"),
        Value::Map(vec![(v::bulk("timeout"), v::bulk("0"))])
    );
    let info = c.cmd("COMMAND INFO get");
    let entry = info.items()[0].items();
    assert_eq!(
        entry[2],
        Value::Set(vec![v::status("readonly"), v::status("fast")])
    );
    assert!(matches!(c.cmd("INFO server"), Value::Verbatim(f, _) if f == "txt"));
    assert!(matches!(c.cmd("CLIENT INFO"), Value::Verbatim(f, _) if f == "txt"));
    assert_eq!(
        c.cmd("HELLO 2").items()[4..6],
        [v::bulk("proto"), v::int(2)]
    );
    assert_eq!(c.cmd("GET missing"), Value::NilBulk);
    assert_eq!(c.cmd("LPOP missing 1"), Value::NilArray);
}

#[test]
fn before_auth_large_requests_are_protocol_errors_as_in_redis() {
    let redis = RedisServer::start(&["--requirepass", "pw"]);
    let tidekv = TidekvServer::start(EngineKind::Memory, |c| c.requirepass = Some("pw".into()));
    let twenty: Vec<String> = std::iter::once("DEL".to_string())
        .chain((1..20).map(|i| format!("k{i}")))
        .collect();
    let big = "x".repeat(20 * 1024);
    same_protocol_error(&redis, &tidekv, &encode(&twenty), 0);
    same_protocol_error(&redis, &tidekv, &encode(&["SET", "k", &big]), 0);
    same_protocol_error(&redis, &tidekv, b"*11\r\n", 0);
    // Ten arguments and 16 KiB are still read (and refused for want of AUTH).
    for server in [redis.addr, tidekv.addr] {
        let mut c = Client::connect(server);
        let ten: Vec<&str> = twenty.iter().take(10).map(String::as_str).collect();
        assert_eq!(c.call(&ten), v::err("NOAUTH Authentication required."));
        let sixteen = "x".repeat(16 * 1024);
        assert_eq!(
            c.call(&["SET", "k", &sixteen]),
            v::err("NOAUTH Authentication required.")
        );
        assert_eq!(c.cmd("AUTH pw"), v::ok());
        assert_eq!(c.call(&twenty), v::int(0));
        assert_eq!(c.call(&["SET", "k", &big]), v::ok());
        assert_eq!(c.cmd("STRLEN k"), v::int(20 * 1024));
    }
}

#[test]
fn an_unknown_command_in_a_pipeline_leaves_the_connection_in_sync() {
    let tidekv = tidekv();
    let mut c = Client::connect(tidekv.addr);
    let mut bytes = b"PING\r\n".to_vec();
    bytes.extend(encode(&["NOSUCH", "x"]));
    bytes.extend(b"SET k v\r\nnosuch inline\r\n");
    bytes.extend(encode(&["GET", "k"]));
    bytes.extend(encode(&["GET"]));
    bytes.extend(encode(&["ECHO", "end"]));
    c.send_raw(&bytes);
    assert_eq!(c.read(), v::status("PONG"));
    assert_eq!(
        c.read(),
        v::err("ERR unknown command 'NOSUCH', with args beginning with: 'x' ")
    );
    assert_eq!(c.read(), v::ok());
    assert_eq!(
        c.read(),
        v::err("ERR unknown command 'nosuch', with args beginning with: 'inline' ")
    );
    assert_eq!(c.read(), v::bulk("v"));
    assert_eq!(
        c.read(),
        v::err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(c.read(), v::bulk("end"));
}
