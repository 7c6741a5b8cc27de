//! TLS for the remote backend: rustls through the `redis` crate, with the system's roots, or a
//! CA file and a client certificate from the config ([`crate::Config::tls_ca_file`],
//! [`crate::Config::tls_client_cert`]).
//!
//! The certificates are read once, when the store opens, and put into every URL's connection
//! info, so that each connection made from it (shared, blocking, dedicated, and a Cluster's to
//! any node) presents and checks the same ones.

use std::path::Path;

use redis::{ClientTlsConfig, ConnectionInfo, TlsCertificates};

use crate::config::RemoteOptions;
use crate::error::{Error, Result};

/// The certificates `options` names, read from their files; `None` without any.
pub(crate) fn certificates(options: &RemoteOptions) -> Result<Option<TlsCertificates>> {
    if options.tls_ca_file.is_none() && options.tls_client_cert.is_none() {
        return Ok(None);
    }
    let root_cert = options.tls_ca_file.as_deref().map(read_pem).transpose()?;
    let client_tls = match &options.tls_client_cert {
        Some((cert, key)) => Some(ClientTlsConfig {
            client_cert: read_pem(cert)?,
            client_key: read_pem(key)?,
        }),
        None => None,
    };
    Ok(Some(TlsCertificates {
        client_tls,
        root_cert,
    }))
}

/// `info` with `certificates` in its TLS parameters.
pub(crate) fn with_certificates(
    info: ConnectionInfo,
    certificates: &TlsCertificates,
) -> Result<ConnectionInfo> {
    let client = redis::Client::build_with_tls(info, certificates.clone())
        .map_err(|e| Error::invalid("tls", format!("the certificate files: {e}")))?;
    Ok(client.get_connection_info().clone())
}

/// The TLS mode a Cluster client needs for `info`'s address.
pub(crate) fn mode(info: &ConnectionInfo) -> Option<redis::TlsMode> {
    match &info.addr {
        redis::ConnectionAddr::TcpTls { insecure: true, .. } => Some(redis::TlsMode::Insecure),
        redis::ConnectionAddr::TcpTls { .. } => Some(redis::TlsMode::Secure),
        _ => None,
    }
}

/// `rustls` needs one process-wide crypto provider for `rediss://`; this installs `ring` unless
/// the application installed one already.
pub(crate) fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn read_pem(path: &Path) -> Result<Vec<u8>> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::io(format!("reading the TLS file {}", path.display()), e))?;
    if !pem.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(Error::invalid(
            "tls",
            format!("{} is not a PEM file", path.display()),
        ));
    }
    Ok(pem)
}
