//! A mock Shopify on 127.0.0.1 (a small HTTP/1.1 server on std's TcpListener) that speaks the documented protocol (client-credentials grant,
//! Admin GraphQL with cursor paging, THROTTLED, 429 with Retry-After, 401 for expired tokens),
//! and a fresh database per test.
#![allow(dead_code)]

use {{ crate_name }}::clock::{Clock, ManualClock};
use {{ crate_name }}::config::ClientConfig;
use {{ crate_name }}::store::Store;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "mock-client-id";
/// The client secret, made up per test process so no file holds it before a run.
pub fn client_secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("mock-secret-{}-{nanos:x}", std::process::id())
    })
}
pub const READ_SCOPES: &str = "read_orders,read_customers,read_products";

/// What the mock shop holds and how it misbehaves. Request numbers count GraphQL requests from 1.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub orders: usize,
    pub customers: usize,
    pub granted_scope: String,
    pub expires_in: u64,
    pub throttle_on: Vec<usize>,
    pub rate_limit_on: Vec<usize>,
    /// Revoke every token and answer 401 on these requests.
    pub revoke_on: Vec<usize>,
    /// Answer 500 to every GraphQL request from this one on.
    pub fail_from: Option<usize>,
    /// Move this clock on by `seconds_per_page` after serving each page: a slow shop, or a very
    /// long sync, without waiting for it.
    pub page_clock: Option<(ManualClock, u64)>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            orders: 3000,
            customers: 600,
            granted_scope: READ_SCOPES.to_owned(),
            expires_in: 86399,
            throttle_on: Vec::new(),
            rate_limit_on: Vec::new(),
            revoke_on: Vec::new(),
            fail_from: None,
            page_clock: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct Log {
    pub token_requests: usize,
    pub graphql_requests: usize,
    /// The `after` variable of every GraphQL request.
    pub afters: Vec<Option<String>>,
    /// Every token the mock issued.
    pub issued: Vec<String>,
    /// Requests made with a token that had expired by the mock's clock.
    pub expired_token_uses: usize,
}

struct State {
    behaviour: Behaviour,
    log: Log,
    /// Serialized records, made once: the mock should not be what a benchmark measures.
    orders_json: Vec<String>,
    customers_json: Vec<String>,
    /// Valid tokens and when they expire (mock clock seconds).
    tokens: Vec<(String, u64)>,
}

pub struct MockShopify {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockShopify {
    /// Start on a free loopback port. `clock` decides when tokens expire.
    pub fn start(behaviour: Behaviour, clock: Arc<dyn Clock>) -> MockShopify {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("a local address").port();
        let state = Arc::new(Mutex::new(State { behaviour, log: Log::default(), tokens: Vec::new(), orders_json: Vec::new(), customers_json: Vec::new() }));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (state, clock) = (Arc::clone(&state), Arc::clone(&clock));
                    std::thread::spawn(move || serve(stream, &state, clock.as_ref()));
                }
            })
        };
        MockShopify { url: format!("http://127.0.0.1:{port}"), state, stop, thread: Some(thread) }
    }

    pub fn log<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        f(&self.state.lock().unwrap().log)
    }

    pub fn set<T>(&self, f: impl FnOnce(&mut Behaviour) -> T) -> T {
        f(&mut self.state.lock().unwrap().behaviour)
    }
}

impl Drop for MockShopify {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One HTTP/1.1 connection: requests in, one `write_all` per response, kept alive.
fn serve(stream: std::net::TcpStream, state: &Mutex<State>, clock: &dyn Clock) {
    use std::io::{BufRead, BufReader, Read, Write};
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let (mut length, mut token) = (0usize, None);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "x-shopify-access-token" => token = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body);
        let (status, reply, retry_after) = {
            let mut state = state.lock().unwrap();
            if path == "/admin/oauth/access_token" {
                grant(&mut state, &body, clock)
            } else if path.starts_with("/admin/api/") && path.ends_with("/graphql.json") {
                graphql(&mut state, &body, token, clock)
            } else {
                (404, json!({ "errors": "Not Found" }).to_string(), None)
            }
        };
        let mut response = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            reason(status),
            reply.len()
        );
        if let Some(seconds) = retry_after {
            response.push_str(&format!("Retry-After: {seconds}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&reply);
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    }
}

fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
        .collect()
}

fn grant(state: &mut State, body: &str, clock: &dyn Clock) -> (u16, String, Option<&'static str>) {
    state.log.token_requests += 1;
    let fields = form(body);
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if field("grant_type") != Some("client_credentials")
        || field("client_id") != Some(CLIENT_ID)
        || field("client_secret") != Some(client_secret())
    {
        return (400, json!({ "error": "invalid_client" }).to_string(), None);
    }
    let token = format!("shpat_{:032x}", 0xc0ffee_u128 * 1_000_003 + state.log.issued.len() as u128);
    let expires_in = state.behaviour.expires_in;
    state.tokens.push((token.clone(), clock.now() + expires_in));
    state.log.issued.push(token.clone());
    (200, json!({ "access_token": token, "scope": state.behaviour.granted_scope, "expires_in": expires_in }).to_string(), None)
}

fn graphql(state: &mut State, body: &str, token: Option<String>, clock: &dyn Clock) -> (u16, String, Option<&'static str>) {
    state.log.graphql_requests += 1;
    let n = state.log.graphql_requests;
    let now = clock.now();
    let Some(token) = token else {
        return (401, json!({ "errors": "[API] Invalid API key or access token" }).to_string(), None);
    };
    match state.tokens.iter().find(|(t, _)| *t == token) {
        None => return (401, json!({ "errors": "[API] Invalid API key or access token" }).to_string(), None),
        Some((_, expires_at)) if *expires_at <= now => {
            state.log.expired_token_uses += 1;
            return (401, json!({ "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" }).to_string(), None);
        }
        Some(_) => {}
    }
    let b = &state.behaviour;
    if b.revoke_on.contains(&n) {
        state.tokens.clear();
        return (401, json!({ "errors": "[API] Invalid API key or access token" }).to_string(), None);
    }
    if b.fail_from.is_some_and(|from| n >= from) {
        return (500, json!({ "errors": "Internal Server Error" }).to_string(), None);
    }
    if b.rate_limit_on.contains(&n) {
        return (429, json!({ "errors": "Exceeded 2 calls per second for api client." }).to_string(), Some("2"));
    }
    if b.throttle_on.contains(&n) {
        return (
            200,
            json!({
                "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED" } }],
                "extensions": { "cost": { "requestedQueryCost": 502, "throttleStatus": {
                    "maximumAvailable": 2000.0, "currentlyAvailable": 2, "restoreRate": 100.0 } } }
            })
            .to_string(),
            None,
        );
    }
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or("");
    let first = request["variables"]["first"].as_u64().unwrap_or(50).min(250) as usize;
    let after = request["variables"]["after"].as_str().map(str::to_owned);
    state.log.afters.push(after.clone());
    let start = after.as_deref().and_then(|c| c.strip_prefix("cursor-")).and_then(|i| i.parse::<usize>().ok()).map_or(0, |i| i + 1);
    let orders = query.contains("orders(");
    let (key, total) = if orders { ("orders", b.orders) } else { ("customers", b.customers) };
    let end = (start + first).min(total);
    let cache = if orders { &mut state.orders_json } else { &mut state.customers_json };
    while cache.len() < end {
        let i = cache.len();
        cache.push(if orders { order_json(i) } else { customer_json(i) }.to_string());
    }
    let end_cursor = if end > start { Value::from(format!("cursor-{}", end - 1)) } else { Value::Null };
    let page_info = json!({ "hasNextPage": end < total, "endCursor": end_cursor });
    let mut reply = String::with_capacity(64 + cache[start..end].iter().map(|n| n.len() + 1).sum::<usize>());
    reply.push_str("{\"data\":{\"");
    reply.push_str(key);
    reply.push_str("\":{\"pageInfo\":");
    reply.push_str(&page_info.to_string());
    reply.push_str(",\"nodes\":[");
    reply.push_str(&cache[start..end].join(","));
    reply.push_str("]}}}");
    if let Some((clock, seconds)) = &state.behaviour.page_clock {
        clock.advance(*seconds);
    }
    (200, reply, None)
}

/// Order `i` of the mock shop: spread over twelve months, two currencies.
pub fn order(i: usize) -> (String, &'static str, i64) {
    let month = format!("2026-{:02}", i % 12 + 1);
    let currency = if i % 5 == 0 { "EUR" } else { "USD" };
    let minor = ((i % 97) * 100 + 99) as i64;
    (month, currency, minor)
}

fn order_json(i: usize) -> Value {
    let (month, currency, minor) = order(i);
    json!({
        "id": format!("gid://shopify/Order/{}", i + 1),
        "name": format!("#{}", 1001 + i),
        "createdAt": format!("{month}-15T10:00:00Z"),
        "customer": if i % 5 == 0 { Value::Null } else { json!({ "id": format!("gid://shopify/Customer/{}", i % 600 + 1) }) },
        "totalPriceSet": { "shopMoney": { "amount": format!("{}.{:02}", minor / 100, minor % 100), "currencyCode": currency } }
    })
}

fn customer_json(i: usize) -> Value {
    json!({
        "id": format!("gid://shopify/Customer/{}", i + 1),
        "createdAt": "2025-12-01T09:00:00Z",
        "numberOfOrders": format!("{}", i % 7),
        "amountSpent": { "amount": format!("{}.50", i % 7 * 10), "currencyCode": "USD" }
    })
}

/// Expected revenue per currency over the first `orders` orders: (count, minor units).
pub fn expected_totals(orders: usize) -> std::collections::BTreeMap<&'static str, (i64, i64)> {
    let mut totals = std::collections::BTreeMap::new();
    for i in 0..orders {
        let (_, currency, minor) = order(i);
        let t = totals.entry(currency).or_insert((0, 0));
        t.0 += 1;
        t.1 += minor;
    }
    totals
}

/// The crate's own `client.toml`.
pub fn client_config() -> ClientConfig {
    ClientConfig::load(&ClientConfig::default_path()).expect("client.toml loads")
}

pub fn manual_clock() -> (ManualClock, Arc<dyn Clock>) {
    let clock = ManualClock::starting_at(1_780_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    (clock, shared)
}

/// Environment for running this crate's binary against the mock.
pub fn env_prefix_var(name: &str) -> String {
    format!("{}_{name}", {{ crate_name }}::ENV_PREFIX)
}
{% if database == "postgres" %}
/// A database of its own for one test, on the server in `CLIENTWALL_TEST_POSTGRES_URL`.
pub struct TestDb {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let admin_url = std::env::var("CLIENTWALL_TEST_POSTGRES_URL")
            .expect("CLIENTWALL_TEST_POSTGRES_URL must name a PostgreSQL server for these tests (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
        let name = format!(
            "t_{}_{}_{}",
            {{ crate_name }}::CLIENT.replace('-', "_"),
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect to the test server");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
        TestDb { url: format!("{base}/{name}"), admin_url, name }
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
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
{% else %}
/// A database of its own for one test, in a temporary data directory.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join(format!("{}.sqlite3", {{ crate_name }}::CLIENT));
        TestDb { dir, path }
    }

    pub fn store(&self) -> Store {
        Store::open_path(&self.path).expect("open the test database")
    }

    /// Variables that point this crate's binary at the test database.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![(env_prefix_var("DATABASE_PATH"), self.path.display().to_string())]
    }

    /// Where the data lives on disk.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        Some(self.dir.path().to_owned())
    }
}
{% endif %}
