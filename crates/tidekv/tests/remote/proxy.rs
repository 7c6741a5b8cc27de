//! A TCP proxy between a store and its server, run by the test on a loopback port, that can stall
//! (stop passing bytes, holding the connections open) or cut (close every connection and refuse
//! new ones), and then pass bytes again.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const FORWARD: u8 = 0;
const STALL: u8 = 1;
const CUT: u8 = 2;

/// The proxy (see the module docs); it stops when dropped.
pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Starts a proxy to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (accept_mode, accept_streams) = (Arc::clone(&mode), Arc::clone(&streams));
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if accept_mode.load(Ordering::SeqCst) == CUT {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                for stream in [&client, &server] {
                    if let Ok(copy) = stream.try_clone() {
                        accept_streams.lock().unwrap().push(copy);
                    }
                }
                pump(&client, &server, &accept_mode);
                pump(&server, &client, &accept_mode);
            }
        });
        Proxy {
            port,
            mode,
            streams,
        }
    }

    /// `redis://127.0.0.1:PORT` of the proxy.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops passing bytes; connections stay open and say nothing.
    pub fn stall(&self) {
        self.mode.store(STALL, Ordering::SeqCst);
    }

    /// Closes every connection and refuses new ones.
    pub fn cut(&self) {
        self.mode.store(CUT, Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Passes bytes again (new connections are accepted).
    pub fn forward(&self) {
        self.mode.store(FORWARD, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Copies `from` to `to` on a thread, holding bytes while the proxy stalls.
fn pump(from: &TcpStream, to: &TcpStream, mode: &Arc<AtomicU8>) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    let mode = Arc::clone(mode);
    thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            while mode.load(Ordering::SeqCst) == STALL {
                thread::sleep(Duration::from_millis(5));
            }
            let n = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            while mode.load(Ordering::SeqCst) == STALL {
                thread::sleep(Duration::from_millis(5));
            }
            if mode.load(Ordering::SeqCst) == CUT || to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}
