//! A small RESP2/RESP3 client for the tests: requests written as arrays of bulk strings, every
//! reply read whole into a [`Value`] that keeps the wire type (so `$-1`, `*-1` and `_` differ,
//! and a map differs from a flat array).

use std::fmt;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One reply, as it was on the wire.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1`
    NilBulk,
    /// `*-1`
    NilArray,
    /// RESP3 `_`
    Null,
    Array(Vec<Value>),
    /// RESP3 `%`
    Map(Vec<(Value, Value)>),
    /// RESP3 `~`
    Set(Vec<Value>),
    /// RESP3 `,` (kept as its text)
    Double(String),
    /// RESP3 `#`
    Bool(bool),
    /// RESP3 `=`: format and text
    Verbatim(String, Vec<u8>),
    /// RESP3 `(`
    BigNumber(String),
    /// RESP3 `>`
    Push(Vec<Value>),
}

impl Value {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The bytes of a bulk or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bulk(b) | Value::Verbatim(_, b) => Some(b),
            _ => None,
        }
    }

    /// The text of a bulk, verbatim or status string.
    pub fn text(&self) -> String {
        match self {
            Value::Status(s) | Value::Error(s) => s.clone(),
            other => String::from_utf8_lossy(other.as_bytes().unwrap_or_default()).into_owned(),
        }
    }

    /// The items of an array, set or push.
    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) | Value::Set(items) | Value::Push(items) => items,
            _ => &[],
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }
}

fn join(items: &[Value]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Status(s) => write!(f, "+{s}"),
            Value::Error(s) => write!(f, "(error) {s}"),
            Value::Int(n) => write!(f, "(integer) {n}"),
            Value::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Value::NilBulk => write!(f, "(nil bulk $-1)"),
            Value::NilArray => write!(f, "(nil array *-1)"),
            Value::Null => write!(f, "(null _)"),
            Value::Array(items) => write!(f, "[{}]", join(items)),
            Value::Set(items) => write!(f, "~{{{}}}", join(items)),
            Value::Push(items) => write!(f, ">[{}]", join(items)),
            Value::Map(pairs) => {
                let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                write!(f, "%{{{}}}", pairs.join(", "))
            }
            Value::Double(d) => write!(f, "(double) {d}"),
            Value::Bool(b) => write!(f, "(bool) {b}"),
            Value::Verbatim(format, b) => {
                write!(f, "(verbatim {format}) {:?}", String::from_utf8_lossy(b))
            }
            Value::BigNumber(n) => write!(f, "(big number) {n}"),
        }
    }
}

/// Writes `args` as a RESP array of bulk strings.
pub fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Splits a test's command line into arguments: words separated by spaces; `"…"` groups words
/// (no escapes), and `""` is an empty argument.
pub fn words(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .expect("a closing quote in the test's command");
            args.push(quoted.as_bytes()[..end].to_vec());
            rest = quoted[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            args.push(rest.as_bytes()[..end].to_vec());
            rest = rest[end..].trim_start();
        }
    }
    args
}

fn line(r: &mut impl BufRead) -> std::io::Result<String> {
    let mut buf = Vec::new();
    r.read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    if !buf.ends_with(b"\r\n") {
        return Err(std::io::Error::other(format!(
            "a reply line without CRLF: {buf:?}"
        )));
    }
    buf.truncate(buf.len() - 2);
    // A status or error line may carry any bytes a client sent (an unknown command's name):
    // keep each one that is not UTF-8 visible and distinct as `\xNN`.
    Ok(String::from_utf8(buf).unwrap_or_else(|e| {
        e.into_bytes()
            .iter()
            .map(|&b| match b {
                0x20..=0x7e => char::from(b).to_string(),
                _ => format!("\\x{b:02x}"),
            })
            .collect()
    }))
}

fn number(text: &str) -> std::io::Result<i64> {
    text.parse()
        .map_err(|_| std::io::Error::other(format!("not a number in a reply: {text:?}")))
}

fn blob(r: &mut impl BufRead, len: i64) -> std::io::Result<Vec<u8>> {
    let mut data = vec![0; usize::try_from(len).map_err(std::io::Error::other)? + 2];
    r.read_exact(&mut data)?;
    data.truncate(data.len() - 2);
    Ok(data)
}

fn many(r: &mut impl BufRead, n: i64) -> std::io::Result<Vec<Value>> {
    (0..n).map(|_| read_value(r)).collect()
}

/// Reads one whole reply.
pub fn read_value(r: &mut impl BufRead) -> std::io::Result<Value> {
    let line = line(r)?;
    let (kind, rest) = line.split_at(1);
    Ok(match kind {
        "+" => Value::Status(rest.into()),
        "-" => Value::Error(rest.into()),
        ":" => Value::Int(number(rest)?),
        "$" if rest == "-1" => Value::NilBulk,
        "$" => Value::Bulk(blob(r, number(rest)?)?),
        "*" if rest == "-1" => Value::NilArray,
        "*" => Value::Array(many(r, number(rest)?)?),
        "_" => Value::Null,
        "," => Value::Double(rest.into()),
        "#" => Value::Bool(rest == "t"),
        "(" => Value::BigNumber(rest.into()),
        "!" => Value::Error(String::from_utf8_lossy(&blob(r, number(rest)?)?).into_owned()),
        "=" => {
            let text = blob(r, number(rest)?)?;
            let format = String::from_utf8_lossy(&text[..3]).into_owned();
            Value::Verbatim(format, text[4..].to_vec())
        }
        "~" => Value::Set(many(r, number(rest)?)?),
        ">" => Value::Push(many(r, number(rest)?)?),
        "%" => {
            let n = number(rest)?;
            let mut pairs = Vec::new();
            for _ in 0..n {
                pairs.push((read_value(r)?, read_value(r)?));
            }
            Value::Map(pairs)
        }
        "|" => {
            // An attribute comes before the reply it describes; the tests want the reply.
            let n = number(rest)?;
            many(r, n * 2)?;
            read_value(r)?
        }
        _ => {
            return Err(std::io::Error::other(format!(
                "unknown reply type: {line:?}"
            )))
        }
    })
}

/// One connection to a server.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects, with a read timeout so a missing reply fails the test instead of hanging.
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the server");
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send to the server");
    }

    /// Sends one command without reading its reply.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send_raw(&encode(args));
    }

    /// Reads one reply.
    pub fn read(&mut self) -> Value {
        read_value(&mut self.reader).expect("read a reply")
    }

    /// Reads one reply, or the error (EOF once the server has closed).
    pub fn try_read(&mut self) -> std::io::Result<Value> {
        read_value(&mut self.reader)
    }

    /// Sends a command and reads its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        self.send(args);
        self.try_read().unwrap_or_else(|e| {
            let shown: Vec<_> = args
                .iter()
                .map(|a| String::from_utf8_lossy(a.as_ref()))
                .collect();
            panic!(
                "no reply to {shown:?} from {:?}: {e}",
                self.writer.peer_addr()
            )
        })
    }

    /// [`Client::call`] with the arguments of a command line (see [`words`]).
    pub fn cmd(&mut self, line: &str) -> Value {
        self.call(&words(line))
    }

    /// Whether the server closed the connection (reads until EOF, at most `wait`).
    pub fn is_closed(&mut self, wait: Duration) -> bool {
        self.writer.set_read_timeout(Some(wait)).unwrap();
        let mut rest = Vec::new();
        // A server that closes with our bytes unread resets the connection instead.
        let closed = match self.reader.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => e.kind() == ErrorKind::ConnectionReset,
        };
        self.writer
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        closed && rest.is_empty()
    }

    /// The stream, for tests that write in their own way.
    pub fn stream(&self) -> &TcpStream {
        &self.writer
    }
}

/// Values for writing expectations.
pub mod v {
    use super::Value;

    pub fn ok() -> Value {
        Value::Status("OK".into())
    }
    pub fn status(s: &str) -> Value {
        Value::Status(s.into())
    }
    pub fn int(n: i64) -> Value {
        Value::Int(n)
    }
    pub fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }
    pub fn err(s: &str) -> Value {
        Value::Error(s.into())
    }
    pub fn arr(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    pub fn bulks(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| bulk(s)).collect())
    }
}
