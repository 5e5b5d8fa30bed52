//! A mock Shopify on 127.0.0.1 (a small HTTP/1.1 server on std's `TcpListener`) that speaks the
//! documented protocol: the client-credentials grant, Admin GraphQL with cursor paging sorted
//! and filtered by `updated_at`, query-cost throttling (`THROTTLED` with HTTP 200 or 429, and
//! `extensions.cost.throttleStatus` on every reply), 429 with `Retry-After`, 401 for expired
//! tokens, redirects, and bulk operations (`bulkOperationRunQuery`, `bulkOperation(id:)`,
//! `bulkOperations`, a JSONL result file served with byte ranges, cut, paused or expired on
//! demand). Every query is priced by Shopify's rules (`cost`), and one over the limit refused.

use super::shop;
use super::{CLIENT_ID, READ_SCOPES, client_secret};

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use acme::clock::Clock;

/// What the mock shop holds and how it misbehaves. Request numbers count GraphQL requests from 1.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub orders: usize,
    pub customers: usize,
    pub granted_scope: String,
    pub expires_in: u64,
    /// Answer the first token requests with these statuses (429 with `Retry-After: 3`).
    pub token_failures: Vec<u16>,
    /// Answer `THROTTLED` on these requests, with this HTTP status (200 or 429).
    pub throttle_on: Vec<usize>,
    pub throttle_status: u16,
    pub rate_limit_on: Vec<usize>,
    /// Revoke every token and answer 401 on these requests.
    pub revoke_on: Vec<usize>,
    /// Answer 500 to every GraphQL request from this one on.
    pub fail_from: Option<usize>,
    /// Move this clock on by `seconds_per_page` after serving each page: a slow shop, or a very
    /// long sync, without waiting for it.
    pub page_clock: Option<(ManualClockRef, u64)>,
    /// Enforce a query-cost bucket: (maximum, restore rate per second), on the mock's clock.
    pub cost_bucket: Option<(f64, f64)>,
    /// Redirect the token endpoint / the GraphQL endpoint here (HTTP 302).
    pub redirect_token: Option<String>,
    pub redirect_graphql: Option<String>,
    /// The most points one query may request (Shopify's 1,000; lower it to stand for a shop
    /// that prices a query higher than the client did).
    pub max_cost: u64,
    /// Polls of `bulkOperation` an operation stays `RUNNING`.
    pub bulk_polls: u32,
    /// Serve this many bytes of the next result download, then drop the connection.
    pub bulk_cut_after: Option<u64>,
    /// Serve this many bytes of the next result download, then stall until the client goes.
    pub bulk_pause_after: Option<u64>,
    /// The shop's IANA time zone and currency (`shop { ianaTimezone currencyCode }`).
    pub shop_zone: String,
    pub shop_currency: String,
    /// Orders served instead of the generated ones (as page nodes, oldest change first).
    pub ledger: Option<Vec<Value>>,
    /// Indexes of `ledger` orders Shopify deleted: not served, and a `destroy` event each.
    pub deleted: Vec<usize>,
    /// The answer to `shopifyqlQuery` (its `tableData`), and whether Shopify refuses it for
    /// want of protected customer data access.
    pub shopifyql: Option<Value>,
    pub shopifyql_refused: bool,
    /// The scopes `currentAppInstallation.accessScopes` answers, when not `granted_scope`.
    pub installation_scopes: Option<String>,
}

/// A manual clock the mock moves (the crate's `ManualClock`).
pub type ManualClockRef = acme::clock::ManualClock;

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            orders: 3000,
            customers: 600,
            granted_scope: READ_SCOPES.to_owned(),
            expires_in: 86399,
            token_failures: Vec::new(),
            throttle_on: Vec::new(),
            throttle_status: 200,
            rate_limit_on: Vec::new(),
            revoke_on: Vec::new(),
            fail_from: None,
            page_clock: None,
            installation_scopes: None,
            cost_bucket: None,
            max_cost: super::cost::MAX_COST,
            redirect_token: None,
            redirect_graphql: None,
            bulk_polls: 2,
            bulk_cut_after: None,
            bulk_pause_after: None,
            shop_zone: "America/Los_Angeles".to_owned(),
            shop_currency: "USD".to_owned(),
            ledger: None,
            deleted: Vec::new(),
            shopifyql: None,
            shopifyql_refused: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Log {
    pub token_requests: usize,
    pub graphql_requests: usize,
    /// The `after` variable of every page request.
    pub afters: Vec<Option<String>>,
    /// The `query` (search filter) variable of every page request.
    pub filters: Vec<Option<String>>,
    /// Every token the mock issued.
    pub issued: Vec<String>,
    /// Requests made with a token that had expired by the mock's clock.
    pub expired_token_uses: usize,
    /// The bulk queries started, in order.
    pub bulk_queries: Vec<String>,
    /// Result downloads: (operation number, first byte asked for).
    pub bulk_downloads: Vec<(usize, u64)>,
    /// Throttled replies sent.
    pub throttled: usize,
    /// Set while a paused download waits.
    pub paused: bool,
    /// `appUninstall` mutations served: the app uninstalled itself.
    pub uninstalls: usize,
    /// Token requests refused because the app is no longer installed.
    pub refused_grants: usize,
    /// Queries refused as over the cost limit (`MAX_COST_EXCEEDED`).
    pub over_cost: usize,
    /// The `first` variable of every page request served.
    pub page_sizes: Vec<u64>,
    /// The ShopifyQL queries asked.
    pub shopifyql: Vec<String>,
}

struct Operation {
    number: usize,
    query: String,
    orders: bool,
    start: usize,
    polls: u32,
    expired: bool,
}

struct State {
    behaviour: Behaviour,
    log: Log,
    /// Serialized records, made once: the mock should not be what a benchmark measures.
    orders_json: Vec<String>,
    customers_json: Vec<String>,
    /// Valid tokens and when they expire (mock clock seconds).
    tokens: Vec<(String, u64)>,
    /// The cost bucket: available points and when (mock clock seconds).
    bucket: Option<(f64, u64)>,
    operations: Vec<Operation>,
    /// Result files, by (orders?, first record).
    files: HashMap<(bool, usize), PathBuf>,
    dir: tempfile::TempDir,
    url: String,
    /// Cleared by `appUninstall`: from then on the grant refuses, and no token works.
    installed: bool,
}

pub struct MockShopify {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockShopify {
    /// Start on a free loopback port. `clock` decides when tokens expire and buckets refill.
    pub fn start(behaviour: Behaviour, clock: Arc<dyn Clock>) -> MockShopify {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("a local address").port();
        let url = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State {
            behaviour,
            log: Log::default(),
            tokens: Vec::new(),
            orders_json: Vec::new(),
            customers_json: Vec::new(),
            bucket: None,
            operations: Vec::new(),
            files: HashMap::new(),
            dir: tempfile::tempdir().expect("a temporary directory"),
            url: url.clone(),
            installed: true,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop, release) =
                (Arc::clone(&state), Arc::clone(&stop), Arc::clone(&release));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (state, clock, release) =
                        (Arc::clone(&state), Arc::clone(&clock), Arc::clone(&release));
                    std::thread::spawn(move || serve(stream, &state, clock.as_ref(), &release));
                }
            })
        };
        MockShopify {
            url,
            state,
            stop,
            release,
            thread: Some(thread),
        }
    }

    pub fn log<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        f(&self.state.lock().unwrap().log)
    }

    pub fn set<T>(&self, f: impl FnOnce(&mut Behaviour) -> T) -> T {
        f(&mut self.state.lock().unwrap().behaviour)
    }

    /// Expire every bulk operation and its result URL, as Shopify does after seven days.
    pub fn expire_bulk_results(&self) {
        for op in &mut self.state.lock().unwrap().operations {
            op.expired = true;
        }
    }

    /// Let a paused download go on (it is dropped if the client has gone).
    pub fn release(&self) {
        self.release.store(true, Ordering::SeqCst);
    }

    /// A completed bulk operation over every order, its result file written now (so that a
    /// benchmark does not time its making): the file's URL and size in bytes.
    pub fn completed_orders_operation(&self) -> (String, u64) {
        let mut state = self.state.lock().unwrap();
        let path = result_file(&mut state, true, 0);
        let number = state.operations.len() + 1;
        state.operations.push(Operation {
            number,
            query: String::new(),
            orders: true,
            start: 0,
            polls: u32::MAX,
            expired: false,
        });
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        (format!("{}/bulk/{number}.jsonl", state.url), size)
    }
}

impl Drop for MockShopify {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.release.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response: status, extra headers, body.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

enum Body {
    Text(String),
    /// Bytes `from..` of a file; `limit`: serve only this many, then `then`.
    File {
        path: PathBuf,
        from: u64,
        limit: Option<(u64, AfterLimit)>,
    },
}

#[derive(Clone, Copy)]
enum AfterLimit {
    Drop,
    Pause,
}

fn json_reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: Body::Text(body.to_string()),
    }
}

/// One HTTP/1.1 connection: requests in, responses out, kept alive.
fn serve(stream: TcpStream, state: &Mutex<State>, clock: &dyn Clock, release: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("/").to_owned();
        let (mut length, mut token, mut range) = (0usize, None, None);
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
                    "range" => {
                        range = value
                            .trim()
                            .strip_prefix("bytes=")
                            .and_then(|r| r.trim_end_matches('-').parse::<u64>().ok())
                    }
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body);
        let reply = {
            let mut state = state.lock().unwrap();
            if method == "POST" && path == "/admin/oauth/access_token" {
                grant(&mut state, &body, clock)
            } else if method == "POST"
                && path.starts_with("/admin/api/")
                && path.ends_with("/graphql.json")
            {
                graphql(&mut state, &body, token, clock)
            } else if method == "GET" && path.starts_with("/bulk/") {
                result_download(&mut state, &path, range)
            } else {
                json_reply(404, json!({ "errors": "Not Found" }))
            }
        };
        if !send(&mut writer, reply, state, release) {
            return;
        }
    }
}

/// Write a reply; false when the connection is to be closed.
fn send(writer: &mut TcpStream, reply: Reply, state: &Mutex<State>, release: &AtomicBool) -> bool {
    let length = match &reply.body {
        Body::Text(text) => text.len() as u64,
        Body::File { path, from, .. } => std::fs::metadata(path).map_or(0, |m| m.len()) - from,
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {length}\r\n",
        reply.status,
        reason(reply.status)
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.body {
        Body::Text(text) => {
            head.push_str("Content-Type: application/json\r\n\r\n");
            head.push_str(&text);
            writer.write_all(head.as_bytes()).is_ok()
        }
        Body::File { path, from, limit } => {
            head.push_str("Content-Type: application/jsonl\r\n\r\n");
            if writer.write_all(head.as_bytes()).is_err() {
                return false;
            }
            let Ok(mut file) = std::fs::File::open(&path) else {
                return false;
            };
            if file.seek(SeekFrom::Start(from)).is_err() {
                return false;
            }
            match limit {
                None => std::io::copy(&mut file, writer).is_ok(),
                Some((bytes, after)) => {
                    let _ = std::io::copy(&mut (&mut file).take(bytes), writer);
                    let _ = writer.flush();
                    if let AfterLimit::Pause = after {
                        state.lock().unwrap().log.paused = true;
                        while !release.load(Ordering::SeqCst) {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                        state.lock().unwrap().log.paused = false;
                    }
                    let _ = writer.shutdown(std::net::Shutdown::Both);
                    false
                }
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
        .collect()
}

fn grant(state: &mut State, body: &str, clock: &dyn Clock) -> Reply {
    state.log.token_requests += 1;
    if let Some(target) = &state.behaviour.redirect_token {
        return Reply {
            status: 302,
            headers: vec![("Location", target.clone())],
            body: Body::Text(String::new()),
        };
    }
    if !state.behaviour.token_failures.is_empty() {
        let status = state.behaviour.token_failures.remove(0);
        let mut reply = json_reply(status, json!({ "errors": "try again later" }));
        if status == 429 {
            reply.headers.push(("Retry-After", "3".to_owned()));
        }
        return reply;
    }
    let fields = form(body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some("client_credentials")
        || field("client_id") != Some(CLIENT_ID)
        || field("client_secret") != Some(client_secret())
    {
        return json_reply(400, json!({ "error": "invalid_client" }));
    }
    if !state.installed {
        // Shopify issues no token for an app that is not installed on the shop.
        state.log.refused_grants += 1;
        return json_reply(
            400,
            json!({ "error": "invalid_client", "error_description": "the app is not installed on this shop" }),
        );
    }
    let token = format!(
        "shpat_{:032x}",
        0xc0ffee_u128 * 1_000_003 + state.log.issued.len() as u128
    );
    let expires_in = state.behaviour.expires_in;
    state.tokens.push((token.clone(), clock.now() + expires_in));
    state.log.issued.push(token.clone());
    json_reply(
        200,
        json!({ "access_token": token, "scope": state.behaviour.granted_scope, "expires_in": expires_in }),
    )
}

fn cost_extension(requested: f64, available: f64, maximum: f64, rate: f64) -> Value {
    json!({ "cost": { "requestedQueryCost": requested, "actualQueryCost": requested,
        "throttleStatus": { "maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate } } })
}

fn graphql(state: &mut State, body: &str, token: Option<String>, clock: &dyn Clock) -> Reply {
    state.log.graphql_requests += 1;
    let n = state.log.graphql_requests;
    let now = clock.now();
    let unauthorized = || {
        json_reply(
            401,
            json!({ "errors": "[API] Invalid API key or access token" }),
        )
    };
    let Some(token) = token else {
        return unauthorized();
    };
    match state.tokens.iter().find(|(t, _)| *t == token) {
        None => return unauthorized(),
        Some((_, expires_at)) if *expires_at <= now => {
            state.log.expired_token_uses += 1;
            return unauthorized();
        }
        Some(_) => {}
    }
    let b = &state.behaviour;
    if let Some(target) = &b.redirect_graphql {
        return Reply {
            status: 302,
            headers: vec![("Location", target.clone())],
            body: Body::Text(String::new()),
        };
    }
    if b.revoke_on.contains(&n) {
        state.tokens.clear();
        return unauthorized();
    }
    if b.fail_from.is_some_and(|from| n >= from) {
        return json_reply(500, json!({ "errors": "Internal Server Error" }));
    }
    if b.rate_limit_on.contains(&n) {
        let mut reply = json_reply(
            429,
            json!({ "errors": "Exceeded 2 calls per second for api client." }),
        );
        reply.headers.push(("Retry-After", "2".to_owned()));
        return reply;
    }
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or("").to_owned();
    let first = request["variables"]["first"]
        .as_u64()
        .unwrap_or(50)
        .min(250);
    let cost = match super::cost::requested_cost(&query, &request["variables"]) {
        Ok(cost) if cost > b.max_cost => {
            state.log.over_cost += 1;
            return json_reply(200, super::cost::max_cost_exceeded(cost, b.max_cost));
        }
        Ok(cost) => cost as f64,
        Err(message) => return json_reply(200, json!({ "errors": [{ "message": message }] })),
    };
    let throttled = |state: &mut State, available: f64, maximum: f64, rate: f64| {
        state.log.throttled += 1;
        let mut reply = json!({ "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED" } }] });
        reply["extensions"] = cost_extension(cost, available, maximum, rate);
        json_reply(state.behaviour.throttle_status, reply)
    };
    if b.throttle_on.contains(&n) {
        return throttled(state, 2.0, 2000.0, 100.0);
    }
    let extension = match b.cost_bucket {
        None => cost_extension(cost, 2000.0 - cost, 2000.0, 100.0),
        Some((maximum, rate)) => {
            let (available, at) = state.bucket.unwrap_or((maximum, now));
            let available = (available + (now.saturating_sub(at)) as f64 * rate).min(maximum);
            if available < cost {
                state.bucket = Some((available, now));
                return throttled(state, available, maximum, rate);
            }
            state.bucket = Some((available - cost, now));
            cost_extension(cost, available - cost, maximum, rate)
        }
    };
    let mut reply = if query.contains("appUninstall") {
        uninstall(state)
    } else if query.contains("bulkOperationRunQuery") {
        run_bulk(state, &request)
    } else if query.contains("bulkOperation(") {
        bulk_operation(state, &request)
    } else if query.contains("bulkOperations(") {
        newest_bulk(state)
    } else if query.contains("shopifyqlQuery") {
        let asked = request["variables"]["query"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        state.log.shopifyql.push(asked);
        if state.behaviour.shopifyql_refused {
            let mut reply = json!({ "errors": [{ "message": "Access denied for shopifyqlQuery field. Required access: `read_reports` access scope. Also: Level 2 access to protected customer data.",
                "extensions": { "code": "ACCESS_DENIED" } }], "data": { "shopifyqlQuery": null } });
            reply["extensions"] = extension;
            return json_reply(200, reply);
        }
        json!({ "data": { "shopifyqlQuery": { "parseErrors": [],
            "tableData": state.behaviour.shopifyql.clone() } } })
    } else if query.contains("shop {") {
        json!({ "data": { "shop": { "ianaTimezone": state.behaviour.shop_zone,
            "currencyCode": state.behaviour.shop_currency } } })
    } else if query.contains("events(") {
        destroy_events(state, &request, now)
    } else if query.contains("ordersCount(") {
        orders_count(state, &request)
    } else if query.contains("order(id:") {
        order_agreements(state, &request)
    } else if query.contains("orders(") && state.behaviour.ledger.is_some() {
        ledger_page(state, &request, &query, first as usize)
    } else if query.contains("currentAppInstallation") {
        access_scopes(state)
    } else {
        return page(state, &request, &query, first as usize, extension);
    };
    reply["extensions"] = extension;
    json_reply(200, reply)
}

/// The `first` argument of the connection `name` in a document (`agreements(first: 3)` → 3).
fn nested_first(query: &str, name: &str) -> usize {
    query
        .split(&format!("{name}(first: "))
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// An order's agreements and their sales cut to what the document asks for, with
/// `hasNextPage` where something was left out (as Shopify pages nested connections).
fn cut_agreements(order: &Value, query: &str) -> Value {
    let (agreements, sales) = (
        nested_first(query, "agreements"),
        nested_first(query, "sales"),
    );
    let mut order = order.clone();
    let all = order["agreements"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kept: Vec<Value> = all
        .iter()
        .take(agreements)
        .map(|a| cut_sales(a, sales))
        .collect();
    order["agreements"] =
        json!({ "pageInfo": { "hasNextPage": all.len() > kept.len() }, "nodes": kept });
    order
}

fn cut_sales(agreement: &Value, first: usize) -> Value {
    let mut agreement = agreement.clone();
    let all = agreement["sales"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kept: Vec<Value> = all.iter().take(first).cloned().collect();
    agreement["sales"] =
        json!({ "pageInfo": { "hasNextPage": all.len() > kept.len() }, "nodes": kept });
    agreement
}

/// The `ledger` orders Shopify still has, with their indexes.
fn ledger_orders(state: &State) -> Vec<(usize, Value)> {
    state
        .behaviour
        .ledger
        .iter()
        .flatten()
        .enumerate()
        .filter(|(i, _)| !state.behaviour.deleted.contains(i))
        .map(|(i, o)| (i, o.clone()))
        .collect()
}

/// A page of the `ledger` orders, filtered by `updated_at` and paged by cursor.
fn ledger_page(state: &mut State, request: &Value, query: &str, first: usize) -> Value {
    let after = request["variables"]["after"].as_str().map(str::to_owned);
    let filter = request["variables"]["query"].as_str().map(str::to_owned);
    state.log.afters.push(after.clone());
    state.log.filters.push(filter.clone());
    let from = filter
        .as_deref()
        .and_then(|f| f.split("updated_at:>='").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .and_then(shop::unix)
        .unwrap_or(0);
    let after = after
        .as_deref()
        .and_then(|c| c.strip_prefix("ledger-"))
        .and_then(|i| i.parse::<usize>().ok());
    let matching: Vec<(usize, Value)> = ledger_orders(state)
        .into_iter()
        .filter(|(i, o)| {
            after.is_none_or(|a| *i > a)
                && o["updatedAt"].as_str().and_then(shop::unix).unwrap_or(0) >= from
        })
        .collect();
    let page: Vec<&(usize, Value)> = matching.iter().take(first).collect();
    let nodes: Vec<Value> = page.iter().map(|(_, o)| cut_agreements(o, query)).collect();
    let end = page.last().map(|(i, _)| format!("ledger-{i}"));
    json!({ "data": { "orders": {
        "pageInfo": { "hasNextPage": matching.len() > page.len(), "endCursor": end },
        "nodes": nodes } } })
}

/// `ordersCount(query:, limit:)`: the orders updated at or after the filter's time, counted up
/// to `limit` (then `AT_LEAST`, as Shopify answers).
fn orders_count(state: &mut State, request: &Value) -> Value {
    let now = state.page_now();
    let filter = request["variables"]["query"].as_str();
    let count = if state.behaviour.ledger.is_some() {
        let from = filter
            .and_then(|f| f.split("updated_at:>='").nth(1))
            .and_then(|rest| rest.split('\'').next())
            .and_then(shop::unix)
            .unwrap_or(0);
        ledger_orders(state)
            .iter()
            .filter(|(_, o)| o["updatedAt"].as_str().and_then(shop::unix).unwrap_or(0) >= from)
            .count()
    } else {
        (filter_start(filter)..state.behaviour.orders)
            .filter(|&i| visible(state, i, now))
            .count()
    };
    let limit = request["variables"]["limit"].as_u64().map(|l| l as usize);
    let (count, precision) = match limit {
        Some(limit) if count > limit => (limit, "AT_LEAST"),
        _ => (count, "EXACT"),
    };
    json!({ "data": { "ordersCount": { "count": count, "precision": precision } } })
}

/// `order(id:) { agreements(first: 1, after:) }`: one agreement at a time.
fn order_agreements(state: &mut State, request: &Value) -> Value {
    let id = request["variables"]["id"].as_str().unwrap_or("");
    let after = request["variables"]["after"]
        .as_str()
        .and_then(|c| c.strip_prefix("agreement-"))
        .and_then(|i| i.parse::<usize>().ok());
    let Some((_, order)) = ledger_orders(state)
        .into_iter()
        .find(|(_, o)| o["id"] == id)
    else {
        return json!({ "data": { "order": null } });
    };
    let all = order["agreements"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let next = after.map_or(0, |a| a + 1);
    let nodes: Vec<Value> = all
        .get(next)
        .map(|a| cut_sales(a, 100))
        .into_iter()
        .collect();
    json!({ "data": { "order": { "agreements": {
        "pageInfo": { "hasNextPage": next + 1 < all.len(), "endCursor": format!("agreement-{next}") },
        "nodes": nodes } } } })
}

/// `events(query: "subject_type:ORDER AND action:destroy ...")`: one `destroy` event per
/// deleted `ledger` order, stamped when the mock is asked (by its clock), filtered by
/// `created_at:>='…'`.
fn destroy_events(state: &mut State, request: &Value, now: u64) -> Value {
    let deleted_at = shop::timestamp(now);
    let deleted_at = deleted_at.as_str();
    let filter = request["variables"]["query"].as_str().unwrap_or("");
    let from = filter
        .split("created_at:>='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .and_then(shop::unix)
        .unwrap_or(0);
    let ledger = state.behaviour.ledger.clone().unwrap_or_default();
    let nodes: Vec<Value> = state
        .behaviour
        .deleted
        .iter()
        .filter(|_| filter.contains("subject_type:ORDER") && filter.contains("action:destroy"))
        .filter(|_| shop::unix(deleted_at).unwrap_or(0) >= from)
        .filter_map(|&i| ledger.get(i))
        .enumerate()
        .map(|(k, o)| json!({ "id": format!("gid://shopify/BasicEvent/{}", k + 1),
            "createdAt": deleted_at, "action": "destroy", "subjectId": o["id"], "subjectType": "ORDER" }))
        .collect();
    json!({ "data": { "events": {
        "pageInfo": { "hasNextPage": false, "endCursor": null }, "nodes": nodes } } })
}

/// Whether the grant lets the shop show order `i` (without `read_all_orders`, only the last 60
/// days by the mock's clock).
fn visible(state: &State, i: usize, now: u64) -> bool {
    state.behaviour.granted_scope.contains("read_all_orders")
        || shop::unix(&shop::created_at(i)).is_some_and(|t| t + 60 * 86_400 >= now)
}

/// The first record at or after an `updated_at:>='…'` filter.
fn filter_start(filter: Option<&str>) -> usize {
    filter
        .and_then(|f| f.split("updated_at:>='").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .and_then(shop::unix)
        .map_or(0, |t| t.saturating_sub(shop::UPDATED_BASE) as usize)
}

fn page(state: &mut State, request: &Value, query: &str, first: usize, extension: Value) -> Reply {
    let after = request["variables"]["after"].as_str().map(str::to_owned);
    let filter = request["variables"]["query"].as_str().map(str::to_owned);
    state.log.afters.push(after.clone());
    state.log.page_sizes.push(first as u64);
    state.log.filters.push(filter.clone());
    let from_cursor = after
        .as_deref()
        .and_then(|c| c.strip_prefix("cursor-"))
        .and_then(|i| i.parse::<usize>().ok())
        .map_or(0, |i| i + 1);
    let start = from_cursor.max(filter_start(filter.as_deref()));
    let orders = query.contains("orders(");
    let (key, total) = if orders {
        ("orders", state.behaviour.orders)
    } else {
        ("customers", state.behaviour.customers)
    };
    let now = state.page_now();
    let mut picked = Vec::new();
    let mut i = start;
    while i < total && picked.len() < first {
        if !orders || visible(state, i, now) {
            picked.push(i);
        }
        i += 1;
    }
    let has_next = (i..total).any(|j| !orders || visible(state, j, now));
    let customers = state.behaviour.customers;
    let cache = if orders {
        &mut state.orders_json
    } else {
        &mut state.customers_json
    };
    let end = picked.last().map_or(0, |l| l + 1);
    while cache.len() < end {
        let i = cache.len();
        cache.push(
            if orders {
                shop::order_json(i, customers)
            } else {
                shop::customer_json(i)
            }
            .to_string(),
        );
    }
    let end_cursor = picked
        .last()
        .map_or(Value::Null, |l| Value::from(format!("cursor-{l}")));
    let page_info = json!({ "hasNextPage": has_next, "endCursor": end_cursor });
    let mut reply =
        String::with_capacity(128 + picked.iter().map(|&i| cache[i].len() + 1).sum::<usize>());
    reply.push_str("{\"data\":{\"");
    reply.push_str(key);
    reply.push_str("\":{\"pageInfo\":");
    reply.push_str(&page_info.to_string());
    reply.push_str(",\"nodes\":[");
    for (k, &i) in picked.iter().enumerate() {
        if k > 0 {
            reply.push(',');
        }
        reply.push_str(&cache[i]);
    }
    reply.push_str("]}},\"extensions\":");
    reply.push_str(&extension.to_string());
    reply.push('}');
    if let Some((clock, seconds)) = &state.behaviour.page_clock {
        clock.advance(*seconds);
    }
    Reply {
        status: 200,
        headers: Vec::new(),
        body: Body::Text(reply),
    }
}

impl State {
    /// "Now" for the 60-day window: the clock of `page_clock`, else the tests' fixed start.
    fn page_now(&self) -> u64 {
        self.behaviour
            .page_clock
            .as_ref()
            .map_or(super::CLOCK_START, |(c, _)| c.now())
    }
}

/// `appUninstall`: the app uninstalls itself; every token it held stops working.
/// `currentAppInstallation { accessScopes { handle } }`: the scopes the installation holds.
fn access_scopes(state: &State) -> Value {
    let b = &state.behaviour;
    let scopes = b.installation_scopes.as_ref().unwrap_or(&b.granted_scope);
    let handles: Vec<Value> = scopes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| json!({ "handle": s }))
        .collect();
    json!({ "data": { "currentAppInstallation": { "accessScopes": handles } } })
}

fn uninstall(state: &mut State) -> Value {
    state.installed = false;
    state.tokens.clear();
    state.log.uninstalls += 1;
    json!({ "data": { "appUninstall": { "app": { "id": "gid://shopify/App/7001" }, "userErrors": [] } } })
}

fn run_bulk(state: &mut State, request: &Value) -> Value {
    let query = request["variables"]["query"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let orders = query.contains("orders(");
    if let Some(message) = super::cost::bulk_query_error(&query) {
        return json!({ "data": { "bulkOperationRunQuery": { "bulkOperation": null,
            "userErrors": [{ "field": ["query"], "message": message, "code": "INVALID" }] } } });
    }
    if !orders && !query.contains("customers(") {
        return json!({ "data": { "bulkOperationRunQuery": { "bulkOperation": null,
            "userErrors": [{ "field": ["query"], "message": "unsupported query", "code": "INVALID" }] } } });
    }
    let number = state.operations.len() + 1;
    state.log.bulk_queries.push(query.clone());
    state.operations.push(Operation {
        number,
        start: filter_start(Some(&query)),
        query,
        orders,
        polls: 0,
        expired: false,
    });
    json!({ "data": { "bulkOperationRunQuery": {
        "bulkOperation": { "id": format!("gid://shopify/BulkOperation/{number}"), "status": "CREATED" },
        "userErrors": [] } } })
}

/// `bulkOperation(id:)`: the operation asked for (`null` for one the shop does not know).
fn bulk_operation(state: &mut State, request: &Value) -> Value {
    let polls_needed = state.behaviour.bulk_polls;
    let wanted = request["variables"]["id"].as_str().unwrap_or("").to_owned();
    let Some(op) = state
        .operations
        .iter_mut()
        .find(|op| format!("gid://shopify/BulkOperation/{}", op.number) == wanted)
    else {
        return json!({ "data": { "bulkOperation": null } });
    };
    op.polls = op.polls.saturating_add(1);
    let status = if op.expired {
        "EXPIRED"
    } else if op.polls > polls_needed {
        "COMPLETED"
    } else {
        "RUNNING"
    };
    let (number, orders, start, query) = (op.number, op.orders, op.start, op.query.clone());
    let url = (status == "COMPLETED").then(|| {
        result_file(state, orders, start);
        format!("{}/bulk/{number}.jsonl", state.url)
    });
    json!({ "data": { "bulkOperation": {
        "id": wanted, "status": status, "errorCode": null,
        "objectCount": "0", "url": url, "query": query } } })
}

/// `bulkOperations(first: 1, …)`: the app's newest bulk query, newest first.
fn newest_bulk(state: &mut State) -> Value {
    let nodes: Vec<Value> = state
        .operations
        .last()
        .map(|op| {
            let status = if op.expired { "EXPIRED" } else { "RUNNING" };
            json!({ "id": format!("gid://shopify/BulkOperation/{}", op.number),
                "status": status, "query": op.query })
        })
        .into_iter()
        .collect();
    json!({ "data": { "bulkOperations": { "nodes": nodes } } })
}

/// The result file of an operation over orders (or customers) from record `start` on, written
/// once, line by line (never held whole).
fn result_file(state: &mut State, orders: bool, start: usize) -> PathBuf {
    if let Some(path) = state.files.get(&(orders, start)) {
        return path.clone();
    }
    let path = state.dir.path().join(format!(
        "{}-{start}.jsonl",
        if orders { "orders" } else { "customers" }
    ));
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(&path).expect("create a result file"));
    let (total, customers) = (
        if orders {
            state.behaviour.orders
        } else {
            state.behaviour.customers
        },
        state.behaviour.customers,
    );
    let now = state.page_now();
    let mut line = String::new();
    for i in start..total {
        line.clear();
        if orders {
            if !visible(state, i, now) {
                continue;
            }
            shop::order_jsonl(i, customers, &mut line);
        } else {
            line.push_str(&shop::customer_json(i).to_string());
            line.push('\n');
        }
        file.write_all(line.as_bytes())
            .expect("write a result file");
    }
    file.flush().expect("write a result file");
    state.files.insert((orders, start), path.clone());
    path
}

fn result_download(state: &mut State, path: &str, range: Option<u64>) -> Reply {
    let number = path
        .trim_start_matches("/bulk/")
        .trim_end_matches(".jsonl")
        .parse::<usize>()
        .unwrap_or(0);
    let Some(op) = state.operations.iter().find(|op| op.number == number) else {
        return json_reply(404, json!({ "errors": "no such file" }));
    };
    if op.expired {
        return json_reply(
            403,
            json!({ "errors": "ExpiredToken: the signed URL has expired" }),
        );
    }
    let (orders, start) = (op.orders, op.start);
    state.log.bulk_downloads.push((number, range.unwrap_or(0)));
    let file = result_file(state, orders, start);
    let size = std::fs::metadata(&file).map_or(0, |m| m.len());
    let from = range.unwrap_or(0);
    if from > 0 && from >= size {
        return json_reply(416, json!({ "errors": "range not satisfiable" }));
    }
    let limit = if let Some(bytes) = state.behaviour.bulk_cut_after.take() {
        Some((bytes, AfterLimit::Drop))
    } else {
        state
            .behaviour
            .bulk_pause_after
            .take()
            .map(|bytes| (bytes, AfterLimit::Pause))
    };
    let mut headers = Vec::new();
    if range.is_some() {
        headers.push(("Content-Range", format!("bytes {from}-{}/{size}", size - 1)));
    }
    Reply {
        status: if range.is_some() { 206 } else { 200 },
        headers,
        body: Body::File {
            path: file,
            from,
            limit,
        },
    }
}
