//! The Redis Cluster hash slot of a key, by the Cluster specification: CRC16 (XMODEM) of the
//! key, or of its hash tag (the bytes between the first `{` and the next `}`, when not empty),
//! modulo 16,384. Written out in the tests so that they do not take the backend's own word for it.

/// The hash slot of `key`.
pub fn hash_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(0) | None => key,
            Some(close) => &key[open + 1..open + 1 + close],
        },
        None => key,
    };
    let mut crc: u16 = 0;
    for &byte in hashed {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % 16_384
}
