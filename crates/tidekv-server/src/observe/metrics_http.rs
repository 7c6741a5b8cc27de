//! The metrics endpoint: `GET /metrics` over HTTP/1.1 answers the Prometheus text of
//! [`super::render`]; anything else is 404. One request per connection (`Connection: close`).
//!
//! Hand-written rather than on an HTTP crate: it reads one request line and headers and writes
//! one response, which is all a Prometheus scrape needs, and adds no dependency to the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::shared::Shared;

/// How long a scraper may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest request head read (a scrape's is a few hundred bytes).
const MAX_HEAD: usize = 16 * 1024;

/// A bound metrics listener, served by [`crate::Server::run`].
pub(crate) struct MetricsEndpoint {
    pub(crate) listener: TcpListener,
}

impl MetricsEndpoint {
    /// Binds `addr` (port 0 picks a free one).
    pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<MetricsEndpoint> {
        Ok(MetricsEndpoint {
            listener: TcpListener::bind(addr).await?,
        })
    }

    /// The address it listens on.
    pub(crate) fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answers scrapes until the task is dropped.
    pub(crate) async fn serve(self, shared: Arc<Shared>) {
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, Arc::clone(&shared)));
                }
                Err(e) => {
                    tracing::warn!("metrics: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// Reads one request and answers it.
async fn answer(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let head = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut request_line = String::new();
        reader.read_line(&mut request_line).await.ok()?;
        // The headers, up to the blank line; their content does not matter.
        let mut read = request_line.len();
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).await.ok()?;
            read += n;
            if n == 0 || line == "\r\n" || line == "\n" || read > MAX_HEAD {
                return Some(request_line);
            }
        }
    })
    .await;
    let request_line = match head {
        Ok(Some(line)) => line,
        _ => return,
    };
    let mut words = request_line.split_whitespace();
    let (status, body) = match (words.next(), words.next()) {
        (Some("GET"), Some("/metrics")) => {
            let shared = Arc::clone(&shared);
            let body = tokio::task::spawn_blocking(move || super::render(&shared))
                .await
                .unwrap_or_default();
            ("200 OK", body)
        }
        (Some(_), Some(_)) => (
            "404 Not Found",
            "not found: the metrics are at /metrics\n".into(),
        ),
        _ => ("400 Bad Request", "bad request\n".into()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = write.write_all(response.as_bytes()).await;
    let _ = write.shutdown().await;
}
