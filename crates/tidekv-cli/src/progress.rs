//! Progress of long work: a bar with rate and ETA (indicatif) when standard error is a terminal,
//! otherwise a plain line at most every few seconds, so logs of scripts and CI stay readable.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain progress line is written when standard error is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// What is being counted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unit {
    Bytes,
    Keys,
}

/// The progress of one piece of work, shown on standard error.
pub(crate) struct Progress {
    what: &'static str,
    unit: Unit,
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
    done: u64,
    total: Option<u64>,
}

impl Progress {
    /// Starts showing `what`'s progress; `total` if it is known.
    pub(crate) fn new(what: &'static str, unit: Unit, total: Option<u64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let template = match (unit, total.is_some()) {
                (Unit::Bytes, true) => {
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
                }
                (Unit::Bytes, false) => "{msg} {bytes} {binary_bytes_per_sec}",
                (Unit::Keys, true) => "{msg} [{bar:30}] {pos}/{len} keys {per_sec} ETA {eta}",
                (Unit::Keys, false) => "{msg} {pos} keys {per_sec}",
            };
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what);
            bar
        });
        let now = Instant::now();
        Progress {
            what,
            unit,
            bar,
            started: now,
            last_line: now,
            done: 0,
            total,
        }
    }

    /// Records that `done` units are done so far.
    pub(crate) fn set(&mut self, done: u64) {
        self.done = done;
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                eprintln!("{}", self.line());
            }
            None => {}
        }
    }

    /// Records `done` units of `total` (a total learnt once the work started).
    pub(crate) fn set_of(&mut self, done: u64, total: u64) {
        if self.total != Some(total) {
            self.total = Some(total);
            if let Some(bar) = &self.bar {
                bar.set_length(total);
            }
        }
        self.set(done);
    }

    /// Ends the display (a last plain line if one was ever needed).
    pub(crate) fn finish(self) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None if self.started.elapsed() >= LINE_EVERY => eprintln!("{}", self.line()),
            None => {}
        }
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let (count, rate) = match self.unit {
            Unit::Bytes => (
                format!("{:.1} MiB", self.done as f64 / 1048576.0),
                format!("{:.1} MiB/s", self.done as f64 / 1048576.0 / secs),
            ),
            Unit::Keys => (
                format!("{} keys", self.done),
                format!("{:.0} keys/s", self.done as f64 / secs),
            ),
        };
        match self.total.filter(|&t| t > 0) {
            Some(total) => format!(
                "{}: {count} ({:.0} %), {rate}",
                self.what,
                self.done as f64 * 100.0 / total as f64
            ),
            None => format!("{}: {count}, {rate}", self.what),
        }
    }
}
