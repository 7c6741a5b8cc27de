//! What a server reports about the commands it runs: per-command counts and latency histograms
//! (`INFO commandstats`, the Prometheus metrics), the slow log (`SLOWLOG`), and the metrics
//! endpoint (`tidekv serve --metrics ADDR`).

mod command_stats;
mod metrics_http;
mod prometheus;
mod slowlog;

pub(crate) use command_stats::CommandStats;
pub(crate) use metrics_http::MetricsEndpoint;
pub(crate) use prometheus::render;
pub(crate) use slowlog::SlowLog;
