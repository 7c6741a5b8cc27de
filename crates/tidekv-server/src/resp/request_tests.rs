use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;

fn parse_all(
    parser: &mut RequestParser,
    buf: &mut BytesMut,
) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
    let mut commands = Vec::new();
    while let Some(command) = parser.next_command(buf, true)? {
        commands.push(command);
    }
    Ok(commands)
}

fn strings(commands: &[Vec<Bytes>]) -> Vec<Vec<String>> {
    commands
        .iter()
        .map(|c| {
            c.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .collect()
}

/// The first error, or the commands, of `input` given whole.
fn parse(input: &[u8]) -> Result<Vec<Vec<String>>, ProtocolError> {
    let mut buf = BytesMut::from(input);
    parse_all(&mut RequestParser::default(), &mut buf).map(|c| strings(&c))
}

fn encode(command: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", command.len()).into_bytes();
    for arg in command {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

const PIPELINE: &[u8] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nb\0\r\n\
    PING\r\n\
    *0\r\n*-1\r\n\r\n   \n\
    *2\r\n$3\r\nGET\r\n$0\r\n\r\n\
    ECHO \"x y\"\n";

fn pipeline_commands() -> Vec<Vec<String>> {
    vec![
        vec!["SET".into(), "k".into(), "a\r\nb\0".into()],
        vec!["PING".into()],
        vec!["GET".into(), String::new()],
        vec!["ECHO".into(), "x y".into()],
    ]
}

#[test]
fn a_pipeline_of_array_and_inline_commands_yields_each_in_order_and_skips_empty_ones() {
    assert_eq!(parse(PIPELINE), Ok(pipeline_commands()));
}

#[test]
fn a_pipeline_split_at_every_byte_boundary_yields_the_same_commands() {
    for cut in 0..=PIPELINE.len() {
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::from(&PIPELINE[..cut]);
        let mut got = parse_all(&mut parser, &mut buf).unwrap();
        buf.extend_from_slice(&PIPELINE[cut..]);
        got.extend(parse_all(&mut parser, &mut buf).unwrap());
        assert_eq!(strings(&got), pipeline_commands(), "cut at {cut}");
        assert!(buf.is_empty(), "cut at {cut}: {buf:?} left");
    }
    // And a byte at a time.
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for &byte in PIPELINE {
        buf.extend_from_slice(&[byte]);
        got.extend(parse_all(&mut parser, &mut buf).unwrap());
    }
    assert_eq!(strings(&got), pipeline_commands());
}

#[test]
fn malformed_requests_get_redis_s_protocol_errors() {
    use ProtocolError::*;
    let cases: &[(&[u8], ProtocolError)] = &[
        (b"*x\r\n", InvalidCount),
        (b"*01\r\n", InvalidCount),
        (b"*-0\r\n", InvalidCount),
        (b"*+1\r\n", InvalidCount),
        (b"*2147483648\r\n", InvalidCount),
        (b"*99999999999999999999\r\n", InvalidCount),
        (b"*1\r\nGET\r\n", ExpectedBulk('G')),
        (b"*1\r\n$-1\r\n", InvalidLength),
        (b"*1\r\n$x\r\n", InvalidLength),
        (b"*1\r\n$536870913\r\n", InvalidLength),
        (b"*1\r\n$\r\n", InvalidLength),
        (b"ECHO \"a\n", UnbalancedQuotes),
        (b"ECHO 'a'x\r\n", UnbalancedQuotes),
    ];
    for (input, error) in cases {
        assert_eq!(
            parse(input).as_ref(),
            Err(error),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert_eq!(
        ExpectedBulk('G').to_string(),
        "Protocol error: expected '$', got 'G'"
    );
}

#[test]
fn lines_longer_than_64_kib_are_refused_before_they_end() {
    // (what precedes the line, the line's start, the error)
    for (before, start, error) in [
        (&b""[..], &b"*"[..], ProtocolError::CountLineTooBig),
        (&b"*1\r\n"[..], &b"$"[..], ProtocolError::LengthLineTooBig),
        (&b""[..], &b"GET "[..], ProtocolError::InlineTooBig),
    ] {
        let mut input = before.to_vec();
        input.extend_from_slice(start);
        input.resize(before.len() + MAX_LINE, b'1');
        assert_eq!(parse(&input), Ok(vec![]), "64 KiB is still waited on");
        input.push(b'1');
        assert_eq!(parse(&input), Err(error));
    }
    let mut long_inline = b"ECHO ".to_vec();
    long_inline.resize(MAX_LINE + 1, b'a');
    long_inline.push(b'\n');
    assert_eq!(parse(&long_inline), Err(ProtocolError::InlineTooBig));
}

#[test]
fn an_unauthenticated_client_gets_the_smaller_limits() {
    let mut parser = RequestParser::default();
    let eleven = encode(&vec![b"x".to_vec(); 11]);
    assert_eq!(
        parser.next_command(&mut BytesMut::from(&eleven[..]), false),
        Err(ProtocolError::UnauthenticatedCount)
    );
    let ten = encode(&vec![b"x".to_vec(); 10]);
    let got = RequestParser::default().next_command(&mut BytesMut::from(&ten[..]), false);
    assert_eq!(got.map(|c| c.map(|c| c.len())), Ok(Some(10)));
    let big = encode(&[b"AUTH".to_vec(), vec![b'p'; 16 * 1024 + 1]]);
    assert_eq!(
        RequestParser::default().next_command(&mut BytesMut::from(&big[..]), false),
        Err(ProtocolError::UnauthenticatedLength)
    );
    let got = RequestParser::default().next_command(&mut BytesMut::from(&big[..]), true);
    assert_eq!(got.map(|c| c.map(|c| c.len())), Ok(Some(2)));
}

#[test]
fn announced_sizes_reserve_nothing_until_the_bytes_arrive() {
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::from(&b"*2147483647\r\n$536870912\r\nabc"[..]);
    let capacity = buf.capacity();
    assert_eq!(parser.next_command(&mut buf, true), Ok(None));
    assert!(
        parser.args.capacity() <= FIRST_RESERVATION,
        "{}",
        parser.args.capacity()
    );
    assert_eq!(parser.bulk_len, Some(512 * 1024 * 1024));
    assert_eq!(
        &buf[..],
        b"abc",
        "the partial argument stays in the caller's buffer"
    );
    assert!(buf.capacity() <= capacity);
}

#[test]
fn a_configured_limit_is_enforced() {
    let mut parser = RequestParser::new(Limits {
        max_bulk_len: 4,
        max_args: 2,
    });
    let ok = encode(&[b"GET".to_vec(), b"abcd".to_vec()]);
    assert!(parser
        .next_command(&mut BytesMut::from(&ok[..]), true)
        .unwrap()
        .is_some());
    let long = encode(&[b"GET".to_vec(), b"abcde".to_vec()]);
    assert_eq!(
        parser.next_command(&mut BytesMut::from(&long[..]), true),
        Err(ProtocolError::InvalidLength)
    );
    let many = encode(&[b"A".to_vec(), b"B".to_vec(), b"C".to_vec()]);
    assert_eq!(
        RequestParser::new(Limits {
            max_bulk_len: 4,
            max_args: 2
        })
        .next_command(&mut BytesMut::from(&many[..]), true),
        Err(ProtocolError::InvalidCount)
    );
}

proptest! {
    #[test]
    fn any_commands_in_any_chunks_come_back_as_sent(
        commands in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 1..6), 1..8),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let wire: Vec<u8> = commands.iter().flat_map(|c| encode(c)).collect();
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([wire.len()]) {
            buf.extend_from_slice(&wire[from..cut]);
            from = cut;
            got.extend(parse_all(&mut parser, &mut buf).unwrap());
        }
        let got: Vec<Vec<Vec<u8>>> = got.iter().map(|c| c.iter().map(|a| a.to_vec()).collect()).collect();
        prop_assert_eq!(got, commands);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut buf = BytesMut::from(&bytes[..]);
        let _ = parse_all(&mut RequestParser::default(), &mut buf);
    }
}
