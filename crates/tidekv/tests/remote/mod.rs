//! Support for the remote backend's tests: real servers (`servers.rs`) and the four deployments
//! every remote test runs on, each started once per test binary and shared by its tests one at
//! a time (each test takes the deployment's lock and starts from an empty server).

#![allow(dead_code)]

pub mod proxy;
pub mod servers;

use std::sync::{Mutex, MutexGuard};

use servers::{Cluster, Flavor, ServerProcess};
use tidekv::Config;

/// One of the four deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    RedisServer,
    ValkeyServer,
    RedisCluster,
    ValkeyCluster,
}

/// A running deployment.
pub enum Running {
    Server(ServerProcess),
    Cluster(Cluster),
}

impl Running {
    /// The URL a store opens.
    pub fn url(&self) -> String {
        match self {
            Running::Server(s) => s.url(),
            Running::Cluster(c) => c.url(),
        }
    }

    /// The primaries.
    pub fn nodes(&self) -> Vec<&ServerProcess> {
        match self {
            Running::Server(s) => vec![s],
            Running::Cluster(c) => c.nodes.iter().collect(),
        }
    }

    /// Removes every key of every database of every primary.
    pub fn flush_all(&self) {
        for node in self.nodes() {
            let mut client = node.client();
            let _: () = redis::cmd("FLUSHALL").query(&mut client).expect("FLUSHALL");
        }
    }
}

/// A deployment held by one test: the lock is released when this is dropped.
pub struct Lease {
    pub running: &'static Running,
    _turn: MutexGuard<'static, ()>,
}

impl Lease {
    /// A config for a store on this deployment.
    pub fn config(&self) -> Config {
        Config::remote(self.running.url())
    }

    /// A config for a store whose expiry a test drives with a `ManualClock`: deadlines are sent
    /// an hour later on the server's clock, so the server never expires a key by itself, and the
    /// test removes due keys as the server would (`tests/support/due_keys.rs`).
    pub fn config_for_manual_clock(&self) -> Config {
        tidekv::test_util::remote_server_clock_lead(
            self.config(),
            std::time::Duration::from_secs(3600),
        )
    }
}

impl Deployment {
    pub const ALL: [Deployment; 4] = [
        Deployment::RedisServer,
        Deployment::ValkeyServer,
        Deployment::RedisCluster,
        Deployment::ValkeyCluster,
    ];

    /// A deployment of this kind that no other test holds, emptied, and held until the lease
    /// is dropped. Deployments are started when none is free and kept for the next tests, so a
    /// test binary runs as many of each kind as it runs tests at once (and a test that opens
    /// two stores gets two deployments).
    pub fn lease(self) -> Lease {
        type Pool = Mutex<Vec<&'static (Running, Mutex<()>)>>;
        static POOLS: [Pool; 4] = [
            Mutex::new(Vec::new()),
            Mutex::new(Vec::new()),
            Mutex::new(Vec::new()),
            Mutex::new(Vec::new()),
        ];
        let pool = &POOLS[self as usize];
        let free = {
            let pool = pool.lock().unwrap_or_else(|p| p.into_inner());
            pool.iter().find_map(|entry| {
                let turn = match entry.1.try_lock() {
                    Ok(turn) => turn,
                    Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                    Err(std::sync::TryLockError::WouldBlock) => return None,
                };
                Some((&entry.0, turn))
            })
        };
        let (running, turn) = match free {
            Some(found) => found,
            None => {
                let entry: &'static (Running, Mutex<()>) =
                    Box::leak(Box::new((self.start(), Mutex::new(()))));
                let turn = entry.1.lock().unwrap_or_else(|p| p.into_inner());
                pool.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
                (&entry.0, turn)
            }
        };
        running.flush_all();
        Lease {
            running,
            _turn: turn,
        }
    }

    /// Starts a fresh deployment of this kind that belongs to the caller alone.
    pub fn start(self) -> Running {
        match self {
            Deployment::RedisServer => Running::Server(ServerProcess::start(Flavor::Redis, &[])),
            Deployment::ValkeyServer => Running::Server(ServerProcess::start(Flavor::Valkey, &[])),
            Deployment::RedisCluster => Running::Cluster(Cluster::start(Flavor::Redis)),
            Deployment::ValkeyCluster => Running::Cluster(Cluster::start(Flavor::Valkey)),
        }
    }

    pub fn is_cluster(self) -> bool {
        matches!(self, Deployment::RedisCluster | Deployment::ValkeyCluster)
    }
}
