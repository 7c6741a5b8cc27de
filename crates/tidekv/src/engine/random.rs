//! Randomness for `RANDOMKEY`: each engine picks a span of its keys (a shard, a table, a
//! memtable) and a position in it from independent draws of one seed.

/// A SplitMix64 step: spreads one seed into independent-looking draws.
pub(crate) fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::mix;

    #[test]
    fn draws_of_nearby_seeds_differ_in_every_bit_range() {
        let draws: Vec<u64> = (0..64).map(mix).collect();
        let distinct: std::collections::BTreeSet<u64> = draws.iter().map(|d| d % 1000).collect();
        assert!(
            distinct.len() > 50,
            "consecutive seeds give clustered draws"
        );
    }
}
