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
    tls_only_server(
        (&cert, &key),
        &cert,
        &["--tls-auth-clients", "no", "--requirepass", "s3cret"],
    )
}

/// A redis-server that speaks only TLS, with the certificate and key `server`, checking client
/// certificates against `ca`, and `extra` arguments; returns it and its TLS port.
fn tls_only_server(
    server: (&std::path::Path, &std::path::Path),
    ca: &std::path::Path,
    extra: &[&str],
) -> (ServerProcess, u16) {
    let tls_port = free_port();
    let path = |p: &std::path::Path| p.display().to_string();
    let port = tls_port.to_string();
    let (cert, key, ca) = (path(server.0), path(server.1), path(ca));
    let mut args = vec![
        "--port",
        "0",
        "--tls-port",
        &port,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
    ];
    args.extend_from_slice(extra);
    (ServerProcess::start(Flavor::Redis, &args), tls_port)
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

/// PEM files of a private CA, a server certificate for 127.0.0.1 and a client certificate, both
/// signed by the CA, and of a second CA that signed neither; written into `dir`.
struct Pki {
    ca: std::path::PathBuf,
    other_ca: std::path::PathBuf,
    server: (std::path::PathBuf, std::path::PathBuf),
    client: (std::path::PathBuf, std::path::PathBuf),
}

fn private_pki(dir: &std::path::Path) -> Pki {
    let write = |name: &str, pem: String| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    // Every certificate gets its own subject: a leaf whose subject equals its issuer's reads
    // as self-signed to OpenSSL, which then refuses it.
    let named = |params: &mut rcgen::CertificateParams, name: &str| {
        let mut subject = rcgen::DistinguishedName::new();
        subject.push(rcgen::DnType::CommonName, name);
        params.distinguished_name = subject;
    };
    let new_ca = |name: &str| {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        named(&mut params, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        rcgen::CertifiedIssuer::self_signed(params, key).unwrap()
    };
    let ca = new_ca("tidekv test CA");
    let leaf = |names: Vec<String>, usages: Vec<rcgen::ExtendedKeyUsagePurpose>, stem: &str| {
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        named(&mut params, stem);
        params.extended_key_usages = usages;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        (
            write(&format!("{stem}.pem"), cert.pem()),
            write(&format!("{stem}.key"), key.serialize_pem()),
        )
    };
    let server = leaf(
        vec!["127.0.0.1".into(), "localhost".into()],
        // A Cluster node presents it to the other nodes too, as a client of their bus.
        vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ],
        "server",
    );
    let client = leaf(
        vec!["tidekv-client".into()],
        vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth],
        "client",
    );
    Pki {
        ca: write("ca.pem", ca.pem()),
        other_ca: write("other-ca.pem", new_ca("another CA").pem()),
        server,
        client,
    }
}

#[test]
fn a_private_ca_and_a_client_certificate_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let pki = private_pki(dir.path());
    // A server that checks client certificates against the same private CA.
    let (_server, tls_port) = tls_only_server(
        (&pki.server.0, &pki.server.1),
        &pki.ca,
        &["--tls-auth-clients", "yes"],
    );
    // No `#insecure`: the server's certificate is verified, against the CA file.
    let url = format!("rediss://127.0.0.1:{tls_port}");
    let store = Store::open(
        quick(url.clone())
            .tls_ca_file(&pki.ca)
            .tls_client_cert(&pki.client.0, &pki.client.1),
    )
    .unwrap();
    store.insert("k", "verified").unwrap();
    store.push_back("q", "x").unwrap();
    assert_eq!(store.incr_by("n", 3).unwrap(), 3);
    assert_eq!(store.get("k").unwrap().as_deref(), Some(&b"verified"[..]));
    store.close().unwrap();

    // Without the client certificate the server refuses; without the CA (the system's roots) or
    // with a CA that did not sign the server's certificate, the client does.
    for (what, config) in [
        (
            "no client certificate",
            quick(url.clone()).tls_ca_file(&pki.ca),
        ),
        (
            "the system's roots",
            quick(url.clone()).tls_client_cert(&pki.client.0, &pki.client.1),
        ),
        (
            "another CA",
            quick(url.clone())
                .tls_ca_file(&pki.other_ca)
                .tls_client_cert(&pki.client.0, &pki.client.1),
        ),
    ] {
        let opened = Store::open(config);
        assert!(
            matches!(opened, Err(Error::Remote { .. })),
            "{what}: expected Error::Remote, got {opened:?}"
        );
    }
}

#[test]
fn certificate_files_that_cannot_be_used_are_clear_errors_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let Err(Error::Io { context, .. }) =
        Store::open(quick("rediss://127.0.0.1:1".into()).tls_ca_file(&missing))
    else {
        panic!("a missing CA file must be an I/O error");
    };
    assert!(context.contains("missing.pem"), "{context}");
    let not_pem = dir.path().join("ca.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let Err(Error::InvalidArgument { why, .. }) =
        Store::open(quick("rediss://127.0.0.1:1".into()).tls_ca_file(&not_pem))
    else {
        panic!("a file that is not PEM must be refused");
    };
    assert!(why.contains("not a PEM file"), "{why}");
    let Err(Error::InvalidArgument { why, .. }) =
        Store::open(quick("redis://127.0.0.1:1".into()).tls_ca_file(&not_pem))
    else {
        panic!("a CA file with a plain-text URL must be refused");
    };
    assert!(why.contains("rediss://"), "{why}");
}

#[test]
fn a_cluster_over_mutual_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = private_pki(dir.path());
    let path = |p: &std::path::Path| p.display().to_string();
    let tls_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    // Each node keeps its plain port (the test harness creates the Cluster through it) and
    // speaks TLS on another, on its bus too; a TLS client is told the nodes' TLS ports.
    let cluster = remote::servers::Cluster::start_with(Flavor::Redis, |i| {
        let mut settings = vec!["--tls-port".to_owned(), tls_ports[i].to_string()];
        for (name, value) in [
            ("--tls-cert-file", path(&pki.server.0)),
            ("--tls-key-file", path(&pki.server.1)),
            ("--tls-ca-cert-file", path(&pki.ca)),
            ("--tls-cluster", "yes".to_owned()),
            ("--tls-auth-clients", "yes".to_owned()),
        ] {
            settings.extend([name.to_owned(), value]);
        }
        settings
    });
    let store = Store::open(
        Config::remote(format!("rediss://127.0.0.1:{}", tls_ports[0]))
            .tls_ca_file(&pki.ca)
            .tls_client_cert(&pki.client.0, &pki.client.1),
    )
    .unwrap();
    assert!(store.capabilities().single_keyspace, "a Cluster");
    // Keys on every node, a transaction and a blocking pop (dedicated connections to one node).
    for i in 0..30 {
        store.insert(format!("k{i}"), i).unwrap();
    }
    let mut client = cluster.nodes[1].client();
    let keys: i64 = redis::cmd("DBSIZE").query(&mut client).unwrap();
    assert!(keys > 0, "the second node holds some of the keys");
    assert_eq!(store.len().unwrap(), 30);
    let total = store
        .transaction(["{t}:a", "{t}:b"], |t| {
            t.insert("{t}:a", 1)?;
            t.incr_by("{t}:b", 2)
        })
        .unwrap();
    assert_eq!(total, 2);
    store.push_back("{q}:jobs", "job").unwrap();
    let popped = store
        .blocking_pop_front(&["{q}:jobs"], Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(popped.map(|(_, v)| v), Some(bytes::Bytes::from("job")));
    store.close().unwrap();
    // Without the client certificate, the nodes refuse.
    let opened = Store::open(
        Config::remote(format!("rediss://127.0.0.1:{}", tls_ports[0]))
            .tls_ca_file(&pki.ca)
            .connect_timeout(Duration::from_secs(2)),
    );
    assert!(matches!(opened, Err(Error::Remote { .. })), "{opened:?}");
}
