//! Typed values: how Rust values become stored bytes and back.
//!
//! | Rust type | stored as | example |
//! |---|---|---|
//! | integers (`i8` … `i64`, `u8` … `u64`, `isize`, `usize`) | decimal text, no sign for positives, no leading zeros | `42`, `-7` |
//! | `f64` | shortest text that reads back to the same bits (`inf`, `-inf`, `NaN`) | `0.1`, `1e300` |
//! | `bool` | `1` or `0` | `1` |
//! | `String`, `&str` | UTF-8 bytes | `hello` |
//! | bytes (`Bytes`, `Vec<u8>`, `&[u8]`, `[u8; N]`) | as they are | |
//! | any serde type, wrapped in [`Json`] | JSON text | `{"name":"Ada"}` |
//!
//! Numbers are text so that a Redis `INCR`/`INCRBYFLOAT` on the same key works, and so that
//! `redis-cli GET` shows them. Reading a value as the wrong type is [`Error::Decode`], never a panic
//! or a silent zero: `"abc"` is not an `i64`, `"1.5"` is not an `i64`, `"2"` is not a `bool`.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::number::{format_f64, parse_integer};

/// A value that can be stored.
pub trait Encode {
    /// The bytes to store.
    fn encode(self) -> Result<Bytes>;

    /// The bytes to store, if `self` already holds them as they are stored (bytes and strings;
    /// not numbers or JSON): a store whose engine copies values into memory of its own then
    /// copies them once, with no owned copy made first. `None` (the default) means: call
    /// [`Encode::encode`]. When `Some`, it must equal what `encode` would return.
    fn as_stored(&self) -> Option<&[u8]> {
        None
    }
}

/// A value that can be read back from stored bytes.
pub trait Decode: Sized {
    /// Reads `bytes` as `Self`, or returns [`Error::Decode`].
    fn decode(bytes: Bytes) -> Result<Self>;
}

/// Wraps any serde type so that it is stored as JSON.
///
/// ```
/// use tidekv::{Config, Json, Store};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct User { name: String, age: u32 }
///
/// let store = Store::open(Config::memory())?;
/// store.insert("user:1", Json(User { name: "Ada".into(), age: 36 }))?;
/// let Json(user) = store.get_as::<Json<User>>("user:1")?.unwrap();
/// assert_eq!(user.name, "Ada");
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> Encode for Json<T> {
    fn encode(self) -> Result<Bytes> {
        serde_json::to_vec(&self.0)
            .map(Bytes::from)
            .map_err(|e| Error::invalid("value", format!("cannot be serialized as JSON: {e}")))
    }
}

impl<T: DeserializeOwned> Decode for Json<T> {
    fn decode(bytes: Bytes) -> Result<Self> {
        serde_json::from_slice(&bytes).map(Json).map_err(|e| {
            Error::decode(
                std::any::type_name::<T>(),
                format!("JSON that does not fit it ({e})"),
            )
        })
    }
}

macro_rules! encode_as_bytes {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Result<Bytes> {
                Ok(Bytes::copy_from_slice(AsRef::<[u8]>::as_ref(&self)))
            }
            fn as_stored(&self) -> Option<&[u8]> {
                Some(AsRef::<[u8]>::as_ref(self))
            }
        }
    )*};
}
encode_as_bytes!(&[u8], &Vec<u8>, &str, &String, &Bytes);

impl<const N: usize> Encode for [u8; N] {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(&self))
    }
    fn as_stored(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl<const N: usize> Encode for &[u8; N] {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(self))
    }
    fn as_stored(&self) -> Option<&[u8]> {
        Some(*self)
    }
}

impl Encode for Bytes {
    fn encode(self) -> Result<Bytes> {
        Ok(self)
    }
}

impl Encode for Vec<u8> {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::from(self))
    }
}

impl Encode for String {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::from(self))
    }
}

macro_rules! encode_integer {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Result<Bytes> {
                Ok(Bytes::from(self.to_string()))
            }
        }
    )*};
}
encode_integer!(i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);

impl Encode for f64 {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::from(format_f64(self)))
    }
}

impl Encode for bool {
    fn encode(self) -> Result<Bytes> {
        Ok(Bytes::from_static(if self { b"1" } else { b"0" }))
    }
}

impl Decode for Bytes {
    fn decode(bytes: Bytes) -> Result<Self> {
        Ok(bytes)
    }
}

impl Decode for Vec<u8> {
    fn decode(bytes: Bytes) -> Result<Self> {
        Ok(bytes.to_vec())
    }
}

impl Decode for String {
    fn decode(bytes: Bytes) -> Result<Self> {
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            Error::decode(
                "a UTF-8 string",
                format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
            )
        })
    }
}

macro_rules! decode_integer {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn decode(bytes: Bytes) -> Result<Self> {
                let wide = parse_integer(&bytes).ok_or_else(|| not_a(stringify!($t), &bytes))?;
                <$t>::try_from(wide).map_err(|_| not_a(stringify!($t), &bytes))
            }
        }
    )*};
}
decode_integer!(i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);

impl Decode for f64 {
    fn decode(bytes: Bytes) -> Result<Self> {
        std::str::from_utf8(&bytes)
            .ok()
            .filter(|s| !s.is_empty() && s.trim() == *s)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| not_a("f64", &bytes))
    }
}

impl Decode for bool {
    fn decode(bytes: Bytes) -> Result<Self> {
        match &bytes[..] {
            b"1" | b"true" => Ok(true),
            b"0" | b"false" => Ok(false),
            _ => Err(not_a("bool (1/0 or true/false)", &bytes)),
        }
    }
}

fn not_a(expected: &'static str, bytes: &[u8]) -> Error {
    const SHOWN: usize = 32;
    let shown = String::from_utf8_lossy(bytes.get(..SHOWN).unwrap_or(bytes)).into_owned();
    let more = if bytes.len() > SHOWN { "..." } else { "" };
    Error::decode(expected, format!("the value {shown:?}{more}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Encode + Decode + Clone + PartialEq + std::fmt::Debug>(v: T) {
        let bytes = v.clone().encode().unwrap();
        assert_eq!(T::decode(bytes).unwrap(), v);
    }

    /// What `as_stored` lends must be what `encode` returns: `Store::insert` stores either.
    fn lends_what_it_encodes<T: Encode + Clone>(v: T, lends: bool) {
        let encoded = v.clone().encode().unwrap();
        match v.as_stored() {
            Some(lent) => assert_eq!(lent, &encoded[..]),
            None => assert!(!lends, "expected borrowed bytes"),
        }
    }

    #[test]
    fn borrowed_bytes_are_exactly_the_encoding() {
        let owned = b"value".to_vec();
        let text = String::from("text");
        let shared = Bytes::from_static(b"shared");
        lends_what_it_encodes(&b"ab"[..], true);
        lends_what_it_encodes(&owned, true);
        lends_what_it_encodes("str", true);
        lends_what_it_encodes(&text, true);
        lends_what_it_encodes(&shared, true);
        lends_what_it_encodes(*b"xyz", true);
        lends_what_it_encodes(b"xyz", true);
        lends_what_it_encodes(&b""[..], true);
        lends_what_it_encodes(42i64, false);
        lends_what_it_encodes(1.5f64, false);
        lends_what_it_encodes(Json(vec![1, 2]), false);
    }

    #[test]
    fn numbers_round_trip_as_text() {
        for v in [0i64, 1, -1, i64::MAX, i64::MIN, 42] {
            round_trip(v);
        }
        for v in [
            0.0f64,
            0.1,
            -2.5,
            1e300,
            1e-300,
            123456789.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            round_trip(v);
        }
        assert!(f64::decode(f64::NAN.encode().unwrap()).unwrap().is_nan());
        assert_eq!(&42i64.encode().unwrap()[..], b"42");
        assert_eq!(&3.0f64.encode().unwrap()[..], b"3");
        assert_eq!(&1.5f64.encode().unwrap()[..], b"1.5");
        round_trip(true);
        round_trip(false);
        round_trip(String::from("héllo"));
    }

    #[test]
    fn wrong_type_reads_are_errors() {
        assert!(matches!(
            i64::decode(Bytes::from("abc")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            i64::decode(Bytes::from("1.5")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            i64::decode(Bytes::from("99999999999999999999")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            u32::decode(Bytes::from("-1")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            bool::decode(Bytes::from("2")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            f64::decode(Bytes::from(" 1")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            String::decode(Bytes::from_static(&[0xff, 0xfe])),
            Err(Error::Decode { .. })
        ));
    }
}
