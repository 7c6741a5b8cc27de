//! The report's charts, drawn by the harness's SVG code: the first contender (tidekv) ÷ each peer
//! for every throughput cell, and each contender's bytes per key ÷ the yardstick's.

use crate::bytes_per_key::Footprint;
use crate::charts::{ratio_bars, ratio_bars_legend, BarGroup};
use crate::contenders::ContenderKind;
use crate::report::{median, per_round_ratios};
use crate::throughput::Cell;

/// One group per (key count, workload, threads), one bar per peer and one for the better peer
/// of each round: the medians of the per-round ratios, as in the report's tables.
pub fn throughput(kinds: &[ContenderKind], tables: &[(usize, Vec<Cell>)]) -> String {
    let mut series: Vec<String> = kinds.iter().skip(1).map(|k| k.name().to_string()).collect();
    series.push("the better peer".to_string());
    let mut groups: Vec<BarGroup> = Vec::new();
    for (key_count, cells) in tables {
        for cell in cells {
            let label = format!(
                "{} keys, {}, {} thread{}",
                key_label(*key_count),
                cell.workload.name(),
                cell.threads,
                if cell.threads == 1 { "" } else { "s" }
            );
            let bars = series
                .iter()
                .zip(per_round_ratios(cell))
                .map(|(name, mut ratios)| (name.clone(), Some(median(&mut ratios))))
                .collect();
            groups.push((label, bars));
        }
    }
    ratio_bars(
        "memory backend: tidekv ÷ peer in ops/s (median of per-round ratios)",
        &groups,
    )
}

/// One bar per contender: its bytes per key ÷ the yardstick's (`DashMap<Vec<u8>, Vec<u8>>`);
/// below 1 is smaller. `None` if the yardstick was not measured (or grew by nothing).
pub fn bytes_per_key(key_count: u64, footprints: &[Footprint]) -> Option<String> {
    let yardstick = footprints
        .iter()
        .find(|f| f.kind == ContenderKind::DashmapVec)?
        .grown_kib();
    if yardstick == 0 {
        return None;
    }
    let groups: Vec<BarGroup> = footprints
        .iter()
        .map(|f| {
            let ratio = f.grown_kib() as f64 / yardstick as f64;
            (
                f.kind.name().to_string(),
                vec![("dashmap_vec's".to_string(), Some(ratio))],
            )
        })
        .collect();
    Some(ratio_bars_legend(
        &format!(
            "memory backend: bytes per key at {} keys ÷ DashMap<Vec<u8>, Vec<u8>>'s (lower is smaller)",
            key_label(key_count as usize)
        ),
        "bytes per key ÷ ",
        &groups,
    ))
}

/// `100K`, `1M`, `10M`, or the plain number.
fn key_label(keys: usize) -> String {
    match keys {
        k if k >= 1_000_000 && k % 1_000_000 == 0 => format!("{}M", k / 1_000_000),
        k if k >= 1_000 && k % 1_000 == 0 => format!("{}K", k / 1_000),
        k => k.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Workload;

    #[test]
    fn throughput_bars_are_the_table_ratios() {
        let cell = Cell {
            workload: Workload::Get,
            threads: 2,
            rounds: vec![vec![3.0, 2.0, 4.0], vec![3.0, 2.0, 4.0]],
        };
        let svg = throughput(&crate::THROUGHPUT_CONTENDERS, &[(1_000_000, vec![cell])]);
        assert!(svg.contains("1M keys, get, 2 threads"), "{svg}");
        // 3 ÷ 2, 3 ÷ 4, and 3 ÷ the better of the two (4).
        for value in [">1.50<", ">0.75<"] {
            assert!(svg.contains(value), "{value} missing: {svg}");
        }
        assert_eq!(svg.matches(">0.75<").count(), 2, "{svg}");
    }

    #[test]
    fn key_labels() {
        assert_eq!(key_label(100_000), "100K");
        assert_eq!(key_label(10_000_000), "10M");
        assert_eq!(key_label(1_234), "1234");
    }
}
