//! What the tests share: a mock Shopify on 127.0.0.1 (`mock`), Shopify's query pricing
//! (`cost`), its data (`shop`, and the synthetic shop of the sales report, `ledger_shop`), a
//! capture server for requests that must never be made (`capture`), and a fresh database per
//! test.
#![allow(dead_code, unused_imports)]

pub mod capture;
pub mod cost;
pub mod ledger_shop;
pub mod mock;
pub mod shop;

pub use mock::{Behaviour, MockShopify};

use std::sync::Arc;

use {{ crate_name }}::clock::{Clock, ManualClock};
use {{ crate_name }}::config::{ClientConfig, Credentials, Endpoint};
use {{ crate_name }}::secret::Secret;
use {{ crate_name }}::shopify::Shopify;
use {{ crate_name }}::store::Store;

pub const CLIENT_ID: &str = "mock-client-id";

/// The client secret, made up per test process so no file holds it before a run (a child
/// process of a test inherits its parent's through `MOCK_CLIENT_SECRET`).
pub fn client_secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        if let Ok(inherited) = std::env::var("MOCK_CLIENT_SECRET") {
            return inherited;
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("mock-secret-{}-{nanos:x}", std::process::id())
    })
}

/// The scopes the mock grants by default: exactly those of `client.toml`.
pub const READ_SCOPES: &str = "read_orders,read_all_orders,read_customers";

/// Where the tests' manual clocks start: 2026-05-28.
pub const CLOCK_START: u64 = 1_780_000_000;

/// The crate's own `client.toml`.
pub fn client_config() -> ClientConfig {
    ClientConfig::embedded().expect("client.toml loads")
}

pub fn credentials() -> Credentials {
    Credentials {
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(client_secret()),
    }
}

/// A connection to the mock, through the same loopback override a run uses.
pub fn shopify<'c>(mock: &MockShopify, clock: &'c dyn Clock) -> Shopify<'c> {
    shopify_at(&mock.url, clock)
}

/// A connection to a mock at `url` (one a parent process started).
pub fn shopify_at<'c>(url: &str, clock: &'c dyn Clock) -> Shopify<'c> {
    let config = client_config();
    let endpoint = {{ crate_name }}::config::endpoint(&config.shopify.shop, Some(url)).unwrap();
    assert_eq!(
        endpoint,
        Endpoint {
            base: url.to_owned(),
            loopback: true
        }
    );
    Shopify::new(&config, endpoint, credentials(), clock).unwrap()
}

pub fn manual_clock() -> (ManualClock, Arc<dyn Clock>) {
    let clock = ManualClock::starting_at(CLOCK_START);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    (clock, shared)
}

/// This crate's own variable `<PREFIX>_<NAME>`.
pub fn env_prefix_var(name: &str) -> String {
    format!("{}_{name}", {{ crate_name }}::ENV_PREFIX)
}

{% if database == "postgres" %}/// A database of its own for one test, on the server in `CLIENTWALL_TEST_POSTGRES_URL`.
pub struct TestDb {
    pub url: String,
    admin_url: String,
    name: String,
}

/// A required test variable, or a failure naming it (a skipped test is not a passing test).
pub fn test_env(name: &str, what: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{name} is not set: it must name {what} (`.ci/postgres` starts one)"),
    }
}

impl TestDb {
    pub fn new() -> TestDb {
        TestDb::on(&test_env(
            "CLIENTWALL_TEST_POSTGRES_URL",
            "a PostgreSQL admin URL such as postgres://postgres@127.0.0.1:5432/postgres",
        ))
    }

    /// A new database on the server at `admin_url`.
    pub fn on(admin_url: &str) -> TestDb {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "t_{}_{}_{}",
            {{ crate_name }}::CLIENT.replace('-', "_"),
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut admin = admin(admin_url);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        TestDb {
            url,
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    pub fn store(&self) -> Store {
        Store::connect(&self.url).expect("connect to the test database")
    }

    /// Variables that point this crate's binary at the test database.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![(env_prefix_var("DATABASE_URL"), self.url.clone())]
    }

    /// Where the data lives on disk: nothing of this client's is on local disk.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// A plain connection, for tests that look behind the store.
    pub fn raw(&self) -> postgres::Client {
        admin(&self.url)
    }
}

/// A connection for test bookkeeping, with the crate's own TLS rules.
fn admin(url: &str) -> postgres::Client {
    {{ crate_name }}::connect::connect(url).expect("connect to the test server")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        if let Ok(mut admin) = {{ crate_name }}::connect::connect(&admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
{% else %}/// A database of its own for one test, in a temporary data directory.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join("data")
            .join(format!("{}.sqlite3", {{ crate_name }}::CLIENT));
        TestDb { dir, path }
    }

    pub fn store(&self) -> Store {
        Store::open_path(&self.path).expect("open the test database")
    }

    /// Variables that point this crate's binary at the test database.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![(
            env_prefix_var("DATABASE_PATH"),
            self.path.display().to_string(),
        )]
    }

    /// Where the data lives on disk.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        Some(self.dir.path().to_owned())
    }

    /// A plain connection, for tests that look behind the store.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).unwrap()
    }
}
{% endif %}