//! Little-endian fields shared by every pure decoder and encoder of stored formats (snapshot, write-
//! ahead log, manifest): fixed-width integers and `u32`-length-prefixed byte strings. Each reader
//! names `what` it was reading, so errors stay specific ("entry cut short").

use bytes::{Buf, BufMut, Bytes};

pub(crate) fn take_u8(buf: &mut Bytes, what: &str) -> Result<u8, String> {
    buf.try_get_u8().map_err(|_| format!("{what} cut short"))
}

pub(crate) fn take_u32(buf: &mut Bytes, what: &str) -> Result<u32, String> {
    buf.try_get_u32_le()
        .map_err(|_| format!("{what} cut short"))
}

pub(crate) fn take_u64(buf: &mut Bytes, what: &str) -> Result<u64, String> {
    buf.try_get_u64_le()
        .map_err(|_| format!("{what} cut short"))
}

/// A `u32` length followed by that many bytes, without copying them.
pub(crate) fn take_sized(buf: &mut Bytes, what: &str) -> Result<Bytes, String> {
    let len = take_u32(buf, what)? as usize;
    if len > buf.remaining() {
        return Err(format!("length {len} runs past the end of the {what}"));
    }
    Ok(buf.split_to(len))
}

/// `len` as the `u32` a length field holds, or an error if it does not fit.
pub(crate) fn len_u32(len: usize) -> Result<u32, String> {
    u32::try_from(len).map_err(|_| format!("length {len} does not fit a 32-bit length field"))
}

/// Appends a `u32` length and the bytes.
pub(crate) fn put_sized(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), String> {
    out.put_u32_le(len_u32(bytes.len())?);
    out.put_slice(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_fields_round_trip_and_short_input_is_an_error() {
        let mut out = Vec::new();
        put_sized(&mut out, b"abc").unwrap();
        out.push(7);
        let mut buf = Bytes::from(out);
        assert_eq!(&take_sized(&mut buf, "entry").unwrap()[..], b"abc");
        assert_eq!(take_u8(&mut buf, "entry").unwrap(), 7);
        assert_eq!(take_u64(&mut buf, "entry").unwrap_err(), "entry cut short");
        let mut lying = Bytes::from_static(&[9, 0, 0, 0, b'x']);
        assert_eq!(
            take_sized(&mut lying, "edit").unwrap_err(),
            "length 9 runs past the end of the edit"
        );
    }
}
