//! TLS and AUTH from the URL: a redis-server that speaks only TLS (a self-signed certificate made
//! by the test) and wants a password.

mod remote;

use std::time::Duration;

use remote::servers::{free_port, Flavor, ServerProcess};
use tidekv::{Config, Error, Store};

/// A TLS-only server with a password; returns it and its TLS port.
fn tls_server(dir: &std::path::Path) -> (ServerProcess, u16) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("a self-signed certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let tls_port = free_port();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let server = ServerProcess::start(
        Flavor::Redis,
        &[
            "--port",
            "0",
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &cert,
            "--tls-auth-clients",
            "no",
            "--requirepass",
            "s3cret",
        ],
    );
    (server, tls_port)
}

fn quick(url: String) -> Config {
    Config::remote(url)
        .connect_timeout(Duration::from_secs(2))
        .response_timeout(Duration::from_secs(2))
}

#[test]
fn tls_and_a_password_from_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = tls_server(dir.path());
    // `#insecure`: the redis crate's URL flag for a certificate it cannot verify (self-signed).
    let store = Store::open(quick(format!(
        "rediss://:s3cret@127.0.0.1:{port}/#insecure"
    )))
    .unwrap();
    store.insert("k", "over TLS").unwrap();
    store.push_back("q", "x").unwrap();
    assert_eq!(store.get("k").unwrap().as_deref(), Some(&b"over TLS"[..]));
    assert_eq!(store.incr_by("n", 2).unwrap(), 2);
    store.close().unwrap();

    // The wrong password, no password, or no TLS: a clear error at open, never a hang.
    for url in [
        format!("rediss://:wrong@127.0.0.1:{port}/#insecure"),
        format!("rediss://127.0.0.1:{port}/#insecure"),
        format!("redis://:s3cret@127.0.0.1:{port}"),
    ] {
        let opened = Store::open(quick(url.clone()));
        assert!(
            matches!(opened, Err(Error::Remote { .. })),
            "{url}: expected Error::Remote, got {opened:?}"
        );
    }
    // A password never appears in what a config prints.
    let shown = format!(
        "{:?}",
        Config::remote(format!("rediss://:s3cret@127.0.0.1:{port}"))
    );
    assert!(!shown.contains("s3cret"), "{shown}");
}
