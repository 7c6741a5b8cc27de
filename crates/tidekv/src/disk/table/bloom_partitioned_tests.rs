use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::disk::table::bloom::{bloom_hash, BloomBuilder};
use crate::disk::table::compression::decode_block;

/// A region for `n` keys at `bits_per_key`, its shape, and the blocked bit array it cuts up.
fn region(n: u32, bits_per_key: usize) -> (Vec<u8>, FilterShape, Vec<u8>) {
    let keys = (0..n).map(|i| format!("key:{i}").into_bytes());
    let mut partitioned = BloomBuilder::new(bits_per_key);
    let mut blocked = BloomBuilder::new(bits_per_key);
    for key in keys {
        partitioned.add(&key);
        blocked.add(&key);
    }
    let region = partitioned.finish_partitioned().unwrap();
    let descriptor = decode_block(Bytes::copy_from_slice(
        &region[region.len() - DESCRIPTOR_LEN..],
    ))
    .unwrap();
    let shape = FilterShape::parse(&descriptor).unwrap();
    let mut bits = blocked.finish();
    bits.pop(); // k
    (region, shape, bits)
}

/// What a lookup of `hash` reads: the raw bits of its partition, checked.
fn partition(region: &[u8], shape: &FilterShape, hash: u64) -> Option<Bytes> {
    let p = shape.partition_of(hash)?;
    let (at, len) = shape.partition_span(p);
    let at = at as usize;
    Some(decode_block(Bytes::copy_from_slice(&region[at..at + len])).unwrap())
}

#[test]
fn partitions_answer_as_the_blocked_filter_they_cut_up() {
    let (region, shape, bits) = region(20_000, 10);
    // 20,000 keys × 10 bits = 391 blocks: 7 partitions, the last of 7 blocks.
    assert_eq!(shape.partitions(), 7);
    assert_eq!(shape.partition_span(6), (6 * (4096 + 5), 7 * 64 + 5));
    assert_eq!(
        region.len() as u64,
        shape.partitions_len() + DESCRIPTOR_LEN as u64
    );
    for i in 0..20_000 {
        let hash = bloom_hash(format!("key:{i}").as_bytes());
        let bits = partition(&region, &shape, hash).unwrap();
        assert!(shape.may_contain(&bits, hash), "false negative for key {i}");
    }
    let mut passed = 0;
    for i in 0..50_000 {
        let hash = bloom_hash(format!("absent:{i}").as_bytes());
        let answer = shape.may_contain(&partition(&region, &shape, hash).unwrap(), hash);
        assert_eq!(
            answer,
            crate::disk::blocked_bloom::may_contain(&bits, 7, hash)
        );
        passed += u32::from(answer);
    }
    assert!(passed < 50_000 / 50, "{passed} false positives in 50,000");
}

#[test]
fn a_filter_without_bits_is_its_descriptor_alone_and_excludes_nothing() {
    let (region, shape, _) = region(0, 10);
    assert_eq!(region.len(), DESCRIPTOR_LEN);
    assert_eq!((shape.partitions(), shape.partitions_len()), (0, 0));
    assert_eq!(shape.partition_of(42), None);
    assert!(shape.may_contain(&[], 42));
    let (region, shape, _) = region_of_zero_bits();
    assert_eq!(region.len(), DESCRIPTOR_LEN);
    assert!(shape.may_contain(&[], 7));
}

fn region_of_zero_bits() -> (Vec<u8>, FilterShape, Vec<u8>) {
    region(100, 0)
}

#[test]
fn bad_descriptors_are_refused() {
    let good = [7u8, 10, 0, 0, 0, 64, 0, 0, 0];
    assert!(FilterShape::parse(&good).is_ok());
    for (bytes, why) in [
        (vec![0u8, 10, 0, 0, 0, 64, 0, 0, 0], "probe count 0"),
        (vec![31u8, 10, 0, 0, 0, 64, 0, 0, 0], "probe count 31"),
        (vec![7u8, 10, 0, 0, 0, 0, 0, 0, 0], "partitions of 0 blocks"),
        (good[..8].to_vec(), "8 bytes"),
        ([&good[..], &[0]].concat(), "10 bytes"),
    ] {
        let err = FilterShape::parse(&bytes).unwrap_err();
        assert!(err.contains(why), "{err} (expected {why:?})");
    }
}

proptest! {
    #[test]
    fn added_keys_are_always_found_in_their_partition(
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 1..2_000),
        bits_per_key in 1usize..24,
    ) {
        let mut builder = BloomBuilder::new(bits_per_key);
        for key in &keys {
            builder.add(key);
        }
        let region = builder.finish_partitioned().unwrap();
        let descriptor = decode_block(Bytes::copy_from_slice(
            &region[region.len() - DESCRIPTOR_LEN..],
        ))
        .unwrap();
        let shape = FilterShape::parse(&descriptor).unwrap();
        for key in &keys {
            let hash = bloom_hash(key);
            let bits = partition(&region, &shape, hash).unwrap();
            prop_assert!(shape.may_contain(&bits, hash));
        }
    }
}
