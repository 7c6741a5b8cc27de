//! Turning measurements into Markdown: medians over rounds, and ratios taken within each round
//! (a round's contenders ran back to back, so their ratio is the figure least moved by machine
//! load) summarised by their median and range.

use std::fmt::Write;

use crate::bytes_per_key::Footprint;
use crate::contenders::ContenderKind;
use crate::throughput::Cell;

/// The median (the mean of the middle two for an even count); NaN for no values.
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Median and range of a series of ratios.
#[derive(Debug, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut values: Vec<f64>) -> Self {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Spread {
            median: median(&mut values),
            min,
            max,
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "**{:.2}** ({:.2}–{:.2})",
            self.median, self.min, self.max
        )
    }
}

/// One table for one key count. `kinds[0]` is the contender the ratios are about (tidekv); the
/// rest are its peers, in the order of each round's figures.
pub fn throughput_table(key_count: usize, kinds: &[ContenderKind], cells: &[Cell]) -> String {
    let (subject, peers) = kinds.split_first().expect("at least one contender");
    let mut out = String::new();
    let _ = writeln!(out, "### {key_count} keys\n");
    let mut header = String::from("| workload | threads |");
    let mut rule = String::from("|---|---:|");
    for kind in kinds {
        let _ = write!(header, " {} |", kind.name());
        rule.push_str("---:|");
    }
    for peer in peers {
        let _ = write!(header, " {} ÷ {} |", subject.name(), peer.name());
        rule.push_str("---:|");
    }
    let _ = write!(header, " {} ÷ better peer |", subject.name());
    rule.push_str("---:|");
    let _ = writeln!(out, "{header}\n{rule}");

    for cell in cells {
        let _ = write!(out, "| {} | {} |", cell.workload.name(), cell.threads);
        for i in 0..kinds.len() {
            let mut ops: Vec<f64> = cell.rounds.iter().map(|r| r[i]).collect();
            let _ = write!(out, " {:.2} |", median(&mut ops));
        }
        for ratios in per_round_ratios(cell) {
            let _ = write!(out, " {} |", Spread::of(ratios));
        }
        out.push('\n');
    }
    out
}

/// The ratios of one cell, round by round: the first contender's figure ÷ each peer's, one
/// series per peer in order, then ÷ the better peer of each round.
pub fn per_round_ratios(cell: &Cell) -> Vec<Vec<f64>> {
    let peers = cell.rounds.first().map_or(0, |r| r.len().saturating_sub(1));
    let mut series: Vec<Vec<f64>> = (1..=peers)
        .map(|p| cell.rounds.iter().map(|r| r[0] / r[p]).collect())
        .collect();
    series.push(
        cell.rounds
            .iter()
            .map(|r| r[0] / r[1..].iter().copied().fold(f64::MIN, f64::max))
            .collect(),
    );
    series
}

/// The bytes-per-key table for one key count; ratios are to `DashMap<Vec<u8>, Vec<u8>>`.
pub fn bytes_per_key_table(key_count: u64, footprints: &[Footprint]) -> String {
    let per_key = |kib: u64| (kib * 1024) as f64 / key_count as f64;
    let yardstick = footprints
        .iter()
        .find(|f| f.kind == ContenderKind::DashmapVec)
        .map(|f| per_key(f.grown_kib()));
    let mut out = String::new();
    let _ = writeln!(out, "### {key_count} keys\n");
    let _ = writeln!(
        out,
        "| contender | bytes per key (RSS growth ÷ keys) | ÷ dashmap_vec | peak growth per key \
         (VmHWM − baseline) | VmRSS after (MiB) | VmHWM (MiB) | baseline VmRSS (MiB) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for f in footprints {
        let bytes = per_key(f.grown_kib());
        let ratio = yardstick.map_or("–".to_string(), |y| format!("**{:.2}**", bytes / y));
        let _ = writeln!(
            out,
            "| {} | {bytes:.1} | {ratio} | {:.1} | {:.1} | {:.1} | {:.1} |",
            f.kind.label(),
            per_key(f.after.hwm_kib.saturating_sub(f.baseline.rss_kib)),
            f.after.rss_kib as f64 / 1024.0,
            f.after.hwm_kib as f64 / 1024.0,
            f.baseline.rss_kib as f64 / 1024.0,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn ratios_are_taken_within_rounds() {
        use crate::dataset::Workload;
        let kinds = [
            ContenderKind::Tidekv,
            ContenderKind::Dashmap,
            ContenderKind::Papaya,
        ];
        // Round 2 is twice as fast for everyone: the ratios must not move.
        let cell = Cell {
            workload: Workload::Get,
            threads: 1,
            rounds: vec![vec![2.0, 1.0, 4.0], vec![4.0, 2.0, 8.0]],
        };
        let table = throughput_table(10, &kinds, &[cell]);
        let row = table.lines().last().unwrap();
        assert!(
            row.contains("**2.00** (2.00–2.00) | **0.50** (0.50–0.50) | **0.50** (0.50–0.50)"),
            "{row}"
        );
    }
}
