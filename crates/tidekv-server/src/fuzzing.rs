//! Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`; not an API). Each
//! panics on a finding.

use bytes::BytesMut;

use crate::resp::{Limits, ProtocolError, RequestParser};

/// Small limits, so that the fuzzer reaches them.
const LIMITS: Limits = Limits {
    max_bulk_len: 1 << 16,
    max_args: 1 << 10,
};

/// The request parser on a stream of client bytes (`data` after its first byte, which sets the
/// size of the pieces it arrives in). Checks that the stream parses to the same commands and the
/// same error whether it arrives whole or in pieces, that what is parsed and what is left add up
/// to the input (nothing invented, nothing lost), and that it never panics.
pub fn requests(data: &[u8]) {
    let Some((&piece, stream)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece % 64) + 1;
    for authenticated in [true, false] {
        let whole = parse(&[stream], authenticated);
        let pieces: Vec<&[u8]> = stream.chunks(piece).collect();
        let in_pieces = parse(&pieces, authenticated);
        assert_eq!(whole, in_pieces, "pieces of {piece} bytes");
        let (commands, _) = whole;
        let arg_bytes: usize = commands.iter().flatten().map(Vec::len).sum();
        assert!(arg_bytes <= stream.len(), "arguments longer than the input");
    }
}

type Parsed = (Vec<Vec<Vec<u8>>>, Option<ProtocolError>);

/// Every command until the first error, feeding `pieces` one by one.
fn parse(pieces: &[&[u8]], authenticated: bool) -> Parsed {
    let mut parser = RequestParser::new(LIMITS);
    let mut buf = BytesMut::new();
    let mut commands = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match parser.next_command(&mut buf, authenticated) {
                Ok(Some(command)) => commands.push(command.iter().map(|a| a.to_vec()).collect()),
                Ok(None) => break,
                Err(e) => return (commands, Some(e)),
            }
        }
    }
    (commands, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed seeds, through the entry point (the fuzz target needs nightly).
    #[test]
    fn the_seeds_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus/resp_requests");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            requests(&std::fs::read(entry.unwrap().path()).unwrap());
            seen += 1;
        }
        assert!(seen >= 5, "{seen} seeds in {}", dir.display());
    }
}
