//! Redis's glob patterns (`KEYS`, `SCAN … MATCH`), matched in bounded time.
//!
//! The syntax is Redis's `stringmatchlen`: `*` any run of bytes, `?` any one byte, `[abc]` one of
//! a set, `[^abc]` one byte not in it, `[a-z]` a range (reversed ranges are swapped), and `\x`
//! the byte `x` literally, inside or outside a set. A `[` without a closing `]` takes the rest of
//! the pattern as its set, as Redis does.
//!
//! Redis matched by recursion on every `*`, which costs exponential time on patterns like
//! `*a*a*a*a*b` (CVE-2022-36021). Here a pattern is compiled once into single-byte tokens and
//! stars, and matched by the classic greedy algorithm that backtracks only to the last star:
//! at most `text.len() × tokens` steps, whatever the pattern.

/// One single-byte test of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Exactly this byte.
    Byte(u8),
    /// Any one byte (`?`).
    Any,
    /// One byte in (or, if `negated`, not in) these inclusive ranges.
    Set {
        negated: bool,
        ranges: Vec<(u8, u8)>,
    },
    /// Any run of bytes, possibly empty (`*`; consecutive stars are one).
    Star,
}

impl Token {
    fn matches(&self, b: u8) -> bool {
        match self {
            Token::Byte(x) => *x == b,
            Token::Any => true,
            Token::Set { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= b && b <= hi) != *negated
            }
            Token::Star => false,
        }
    }
}

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles `pattern`. Every byte string is a valid pattern.
    pub(crate) fn new(pattern: &[u8]) -> Glob {
        let mut tokens = Vec::new();
        let mut i = 0;
        while let Some(&b) = pattern.get(i) {
            i += 1;
            let token = match b {
                b'*' => {
                    if tokens.last() == Some(&Token::Star) {
                        continue;
                    }
                    Token::Star
                }
                b'?' => Token::Any,
                b'\\' => match pattern.get(i) {
                    Some(&escaped) => {
                        i += 1;
                        Token::Byte(escaped)
                    }
                    None => Token::Byte(b'\\'),
                },
                b'[' => {
                    let (set, next) = parse_set(pattern, i);
                    i = next;
                    set
                }
                _ => Token::Byte(b),
            };
            tokens.push(token);
        }
        Glob { tokens }
    }

    /// Whether `text` matches the whole pattern.
    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        let (mut t, mut p) = (0usize, 0usize);
        // Where the last star was, and the text position it is currently made to cover up to.
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match (self.tokens.get(p), text.get(t)) {
                (Some(Token::Star), _) => {
                    star = Some((p, t));
                    p += 1;
                }
                (Some(token), Some(&b)) if token.matches(b) => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    // Let the last star swallow one more byte and retry from after it.
                    Some((star_p, star_t)) => {
                        star = Some((star_p, star_t + 1));
                        p = star_p + 1;
                        t = star_t + 1;
                    }
                    None => return false,
                },
            }
        }
        self.tokens
            .get(p..)
            .is_some_and(|rest| rest.iter().all(|tok| *tok == Token::Star))
    }

    /// The bytes every match starts with: the pattern's literal head, before its first wildcard.
    /// A scan seeks to it and stops when keys leave it.
    pub(crate) fn literal_prefix(&self) -> Vec<u8> {
        self.tokens
            .iter()
            .map_while(|tok| match tok {
                Token::Byte(b) => Some(*b),
                _ => None,
            })
            .collect()
    }

    /// Whether the pattern matches every key (`*`, or empty tokens after stars only).
    pub(crate) fn matches_everything(&self) -> bool {
        self.tokens == [Token::Star]
    }
}

/// Parses a set starting just after its `[`; returns it and the index after its `]`.
fn parse_set(pattern: &[u8], mut i: usize) -> (Token, usize) {
    let negated = pattern.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    // Redis: an unclosed set ends with the pattern.
    while let Some(&b) = pattern.get(i) {
        i += 1;
        let lo = match b {
            b']' => break,
            b'\\' => match pattern.get(i) {
                Some(&escaped) => {
                    i += 1;
                    escaped
                }
                None => b'\\',
            },
            _ => b,
        };
        // A range `lo-hi`; a `-` just before the closing `]` (or the end) is a literal dash.
        if pattern.get(i) == Some(&b'-') && pattern.get(i + 1).is_some_and(|&n| n != b']') {
            let mut hi = pattern.get(i + 1).copied().unwrap_or(lo);
            i += 2;
            if hi == b'\\' {
                if let Some(&escaped) = pattern.get(i) {
                    hi = escaped;
                    i += 1;
                }
            }
            ranges.push((lo.min(hi), lo.max(hi)));
        } else {
            ranges.push((lo, lo));
        }
    }
    (Token::Set { negated, ranges }, i)
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern.as_bytes()).matches(text.as_bytes())
    }

    #[test]
    fn redis_documentation_examples() {
        // From the KEYS page: h?llo, h*llo, h[ae]llo, h[^e]llo, h[a-b]llo.
        assert!(m("h?llo", "hello") && m("h?llo", "hallo") && m("h?llo", "hxllo"));
        assert!(m("h*llo", "hllo") && m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hello") && m("h[ae]llo", "hallo") && !m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo") && m("h[^e]llo", "hbllo") && !m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hallo") && m("h[a-b]llo", "hbllo") && !m("h[a-b]llo", "hcllo"));
    }

    #[test]
    fn stars_escapes_and_sets() {
        assert!(m("*", "") && m("*", "anything") && m("**", "x"));
        assert!(m("", "") && !m("", "x"));
        assert!(m("a*", "a") && m("*a", "ba") && !m("*a", "ab"));
        assert!(m("a*b*c", "aXXbYYc") && !m("a*b*c", "aXXbYY"));
        assert!(m("\\*", "*") && !m("\\*", "x"));
        assert!(m("a\\?", "a?") && !m("a\\?", "ab"));
        assert!(m("[z-a]", "m"), "a reversed range is swapped");
        assert!(m("[\\]]", "]") && m("[a\\-z]", "-") && !m("[a\\-z]", "b"));
        assert!(m("[a-]", "-") && m("[a-]", "a"));
        assert!(m("[abc", "b"), "an unclosed set ends with the pattern");
        assert!(m("user:[0-9]*", "user:7abc") && !m("user:[0-9]*", "user:x"));
        assert!(m("x\\", "x\\"));
    }

    #[test]
    fn adversarial_patterns_take_bounded_time() {
        // Redis's CVE-2022-36021: recursion made this exponential. Bounded steps here: 40 KiB of
        // text against 40 stars is at most ~1.6 M steps.
        let pattern = "*a".repeat(40) + "b";
        let text = "a".repeat(40_000);
        assert!(!m(&pattern, &text));
        let pattern = "*".repeat(10_000) + "?";
        assert!(m(&pattern, "x"), "runs of stars are one");
    }

    #[test]
    fn literal_prefix_stops_at_the_first_wildcard() {
        assert_eq!(Glob::new(b"user:*").literal_prefix(), b"user:");
        assert_eq!(Glob::new(b"a\\*b?c").literal_prefix(), b"a*b");
        assert_eq!(Glob::new(b"[ab]x").literal_prefix(), b"");
        assert!(Glob::new(b"***").matches_everything());
        assert!(!Glob::new(b"*a").matches_everything());
    }
}

#[cfg(test)]
mod model_tests {
    use proptest::prelude::*;

    use super::{Glob, Token};

    /// The textbook recursive matcher, exponential but obviously right: the oracle.
    fn naive(tokens: &[Token], text: &[u8]) -> bool {
        match tokens.split_first() {
            None => text.is_empty(),
            Some((Token::Star, rest)) => (0..=text.len()).any(|i| naive(rest, &text[i..])),
            Some((token, rest)) => match text.split_first() {
                Some((&b, more)) => token.matches(b) && naive(rest, more),
                None => false,
            },
        }
    }

    fn token() -> impl Strategy<Value = Token> {
        prop_oneof![
            (b'a'..=b'c').prop_map(Token::Byte),
            Just(Token::Any),
            Just(Token::Star),
            (any::<bool>(), b'a'..=b'c', b'a'..=b'c').prop_map(|(negated, lo, hi)| Token::Set {
                negated,
                ranges: vec![(lo.min(hi), lo.max(hi))],
            }),
        ]
    }

    proptest! {
        #[test]
        fn greedy_matching_agrees_with_recursion(
            tokens in proptest::collection::vec(token(), 0..8),
            text in proptest::collection::vec(b'a'..=b'c', 0..10),
        ) {
            let mut glob = Glob { tokens: Vec::new() };
            for t in tokens {
                if !(t == Token::Star && glob.tokens.last() == Some(&Token::Star)) {
                    glob.tokens.push(t);
                }
            }
            prop_assert_eq!(glob.matches(&text), naive(&glob.tokens, &text));
        }
    }
}
