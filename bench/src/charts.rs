//! The report's charts, as SVG text: ratio bars for the throughput table and latency over time.
//!
//! Written by hand rather than with `plotters`: its text layout needs a font library (its `ttf`
//! feature pulls in fontconfig and freetype), and these charts need only lines, rectangles and
//! text, which the SVG viewer lays out itself.

use std::fmt::Write as _;

/// Colours of the series, in order (colour-blind-safe palette of Okabe and Ito).
const COLOURS: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

/// Escapes text for an SVG text node.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One group of bars: a label, then one `(series, value)` per bar (`None`: not measured).
pub type BarGroup = (String, Vec<(String, Option<f64>)>);

/// Ratios above this run to the edge of the plot, labelled with their value and an arrow: one
/// ratio of 80 (a clean open) would otherwise squeeze every other bar into a few pixels.
const RATIO_AXIS_CAP: f64 = 4.0;

/// Horizontal bars of ratios, one group per row, one bar per series, with a line at 1.0; each
/// series is named "tidekv ÷ series" in the legend.
pub fn ratio_bars(title: &str, groups: &[BarGroup]) -> String {
    ratio_bars_legend(title, "tidekv ÷ ", groups)
}

/// [`ratio_bars`] with each series named `legend_prefix` and the series' name in the legend.
pub fn ratio_bars_legend(title: &str, legend_prefix: &str, groups: &[BarGroup]) -> String {
    const LEFT: f64 = 330.0;
    const PLOT: f64 = 520.0;
    const BAR: f64 = 14.0;
    const GAP: f64 = 10.0;
    const TOP: f64 = 60.0;
    let series: Vec<&str> = groups
        .first()
        .map(|g| g.1.iter().map(|s| s.0.as_str()).collect())
        .unwrap_or_default();
    let max = groups
        .iter()
        .flat_map(|g| g.1.iter().filter_map(|s| s.1))
        .fold(2.0f64, f64::max)
        .ceil()
        .min(RATIO_AXIS_CAP);
    let x = |v: f64| LEFT + PLOT * v.min(max) / max;
    let group_height = BAR * series.len().max(1) as f64 + GAP;
    let height = TOP + group_height * groups.len() as f64 + 40.0;
    let width = LEFT + PLOT + 40.0;
    let mut svg = header(width, height, title);
    for (i, name) in series.iter().enumerate() {
        let lx = LEFT + 170.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="34" width="12" height="12" fill="{}"/><text x="{}" y="45">{}{}</text>"#,
            colour(i),
            lx + 16.0,
            esc(legend_prefix),
            esc(name)
        );
    }
    for tick in 0..=(max as u32) {
        let tx = x(f64::from(tick));
        let _ = write!(
            svg,
            r##"<line x1="{tx}" y1="{TOP}" x2="{tx}" y2="{}" stroke="#ddd"/><text x="{tx}" y="{}" text-anchor="middle">{tick}</text>"##,
            height - 30.0,
            height - 16.0
        );
    }
    for (g, (label, bars)) in groups.iter().enumerate() {
        let gy = TOP + group_height * g as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            gy + group_height / 2.0,
            esc(label)
        );
        for (i, (_, value)) in bars.iter().enumerate() {
            let y = gy + BAR * i as f64;
            match value {
                Some(v) => {
                    let off_scale = if *v > max { " ▶" } else { "" };
                    let _ = write!(
                        svg,
                        r#"<rect x="{LEFT}" y="{y}" width="{:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}" font-size="10">{v:.2}{off_scale}</text>"#,
                        x(*v) - LEFT,
                        BAR - 2.0,
                        colour(i),
                        x(*v) + 3.0,
                        y + BAR - 4.0
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        r#"<text x="{}" y="{}" font-size="10">not measured</text>"#,
                        LEFT + 3.0,
                        y + BAR - 4.0
                    );
                }
            }
        }
    }
    let one = x(1.0);
    let _ = write!(
        svg,
        r#"<line x1="{one}" y1="{}" x2="{one}" y2="{}" stroke="black" stroke-dasharray="4 3"/>"#,
        TOP - 6.0,
        height - 30.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// One line of a line chart: a name, a dash pattern (`""`: solid) and `(x, y)` points.
pub struct Line {
    pub name: String,
    pub dashed: bool,
    pub colour: usize,
    pub points: Vec<(f64, f64)>,
}

/// How a line chart's y axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YScale {
    /// Powers of ten equally spaced (latencies in milliseconds).
    Log,
    /// From zero up, with round ticks (memory in MiB).
    Linear,
}

/// Lines over time with a logarithmic y axis (latencies in milliseconds).
pub fn log_lines(title: &str, x_label: &str, y_label: &str, lines: &[Line]) -> String {
    line_chart(title, x_label, y_label, lines, YScale::Log)
}

/// Lines over `x` from 0 with the given y axis; a log axis leaves out points at or below 0.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
    scale: YScale,
) -> String {
    const LEFT: f64 = 70.0;
    const TOP: f64 = 40.0;
    const PLOT_W: f64 = 800.0;
    const PLOT_H: f64 = 360.0;
    let positive = |p: &&(f64, f64)| scale == YScale::Linear || p.1 > 0.0;
    let x_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(1.0f64, f64::max);
    let (y_lo, y_hi) = lines
        .iter()
        .flat_map(|l| l.points.iter().filter(positive).map(|p| p.1))
        .fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    // The ticks, and the fraction of the plot's height at which a value sits.
    let (ticks, frac): (Vec<f64>, Box<dyn Fn(f64) -> f64>) = match scale {
        YScale::Log => {
            let (e_lo, e_hi) = if y_lo > y_hi {
                (-2, 3)
            } else {
                (
                    y_lo.log10().floor() as i32,
                    (y_hi.log10().ceil() as i32).max(y_lo.log10().floor() as i32 + 1),
                )
            };
            let span = f64::from(e_hi - e_lo);
            (
                (e_lo..=e_hi).map(|e| 10f64.powi(e)).collect(),
                Box::new(move |v: f64| (v.log10() - f64::from(e_lo)) / span),
            )
        }
        YScale::Linear => {
            let step = nice_step(if y_lo > y_hi { 1.0 } else { y_hi.max(1e-9) });
            let top = step * ((y_hi.max(0.0) / step).ceil()).max(1.0);
            let count = (top / step).round() as u32;
            (
                (0..=count).map(|i| step * f64::from(i)).collect(),
                Box::new(move |v: f64| v / top),
            )
        }
    };
    let x = |v: f64| LEFT + PLOT_W * v / x_max;
    let y = |v: f64| TOP + PLOT_H * (1.0 - frac(v));
    let legend_rows = lines.len().div_ceil(3) as f64;
    let height = TOP + PLOT_H + 50.0 + 18.0 * legend_rows;
    let mut svg = header(LEFT + PLOT_W + 30.0, height, title);
    for &v in &ticks {
        let ty = y(v);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{ty}" x2="{}" y2="{ty}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
            LEFT + PLOT_W,
            LEFT - 6.0,
            ty + 4.0,
            fmt_tick(v)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">{}</text><text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        TOP + PLOT_H / 2.0,
        TOP + PLOT_H / 2.0,
        esc(y_label),
        LEFT + PLOT_W / 2.0,
        TOP + PLOT_H + 34.0,
        esc(x_label)
    );
    for i in 0..=10 {
        let v = x_max * f64::from(i) / 10.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">{v:.0}</text>"#,
            x(v),
            TOP + PLOT_H + 16.0
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let points: Vec<String> = line
            .points
            .iter()
            .filter(positive)
            .map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py)))
            .collect();
        let dash = if line.dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.2"{dash} points="{}"/>"#,
            colour(line.colour),
            points.join(" ")
        );
        let lx = LEFT + 270.0 * (i % 3) as f64;
        let ly = TOP + PLOT_H + 50.0 + 18.0 * (i / 3) as f64;
        let _ = write!(
            svg,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            lx + 24.0,
            colour(line.colour),
            lx + 30.0,
            ly + 4.0,
            esc(&line.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A round tick step (1, 2 or 5 times a power of ten) giving 4 to 10 ticks up to `max`.
fn nice_step(max: f64) -> f64 {
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= rough)
        .unwrap_or(10.0 * power)
}

fn fmt_tick(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn header(width: f64, height: f64, title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="{}" y="20" text-anchor="middle" font-size="15">{}</text>"#,
        width / 2.0,
        esc(title)
    )
}
