//! A deployment's addresses: how one is shown in messages, and the connection info of one
//! Cluster node made from a seed's (same user, password and TLS settings).

use redis::ConnectionInfo;

use crate::error::{Error, Result};

/// `host:port` of a connection's address, for messages (never its password).
pub(crate) fn address(info: &ConnectionInfo) -> String {
    match &info.addr {
        redis::ConnectionAddr::Tcp(host, port) => format!("redis://{host}:{port}"),
        redis::ConnectionAddr::TcpTls { host, port, .. } => format!("rediss://{host}:{port}"),
        other => other.to_string(),
    }
}

/// `seed` with its address replaced by `node` (`host:port`), keeping user, password and TLS.
pub(crate) fn with_address(seed: &ConnectionInfo, node: &str) -> Result<ConnectionInfo> {
    let (host, port) = node
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            Error::remote("reading the Cluster's slots", format!("bad node {node:?}"))
        })?;
    let mut info = seed.clone();
    info.addr = match &seed.addr {
        redis::ConnectionAddr::TcpTls {
            insecure,
            tls_params,
            ..
        } => redis::ConnectionAddr::TcpTls {
            host,
            port,
            insecure: *insecure,
            tls_params: tls_params.clone(),
        },
        _ => redis::ConnectionAddr::Tcp(host, port),
    };
    Ok(info)
}
