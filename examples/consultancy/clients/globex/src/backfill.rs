//! `sync --backfill`: the whole history through Shopify's Bulk Operations API, for shops too
//! large to page through within the rate limit.
//!
//! For orders (with their line items and customer) and then customers: start a
//! `bulkOperationRunQuery` (filtered from the routine sync's watermark, sorted by
//! `updated_at`, objects grouped under their parent), poll it with `bulkOperation(id:)` until it
//! is `COMPLETED`, then stream the JSONL result into the database, never holding it whole. Every
//! batch is upserted (keyed by GID) in one transaction together with the byte offset after it
//! and the newest `updated_at` it holds. So a killed backfill resumes where it stopped: with an
//! HTTP range request while the result URL is valid, or, once it has expired, with a new
//! operation from the last watermark. When both resources are done, the routine sync continues
//! from where the backfill ended.

use crate::clock::Clock;
use crate::graphql;
use crate::ledger;
use crate::money;
use crate::shopify::Shopify;
use crate::store::{
    Batch, BulkState, Customer, LineItem, Order, Resource, Sale, Store, gid_number,
};
use crate::sync::{self, newest};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Top-level records per committed batch.
pub const BATCH_RECORDS: usize = 2048;
/// The longest JSONL line accepted; a longer one is an error, so memory stays bounded.
pub const MAX_LINE: usize = 1 << 20;

/// How a backfill waits.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Between two polls of a running operation.
    pub poll_interval: Duration,
    /// Polls before giving up on an operation that does not finish (it keeps running at
    /// Shopify, and the next backfill picks it up again).
    pub max_polls: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll_interval: Duration::from_secs(5),
            max_polls: 17_280,
        }
    }
}

/// What a backfill did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackfillStats {
    pub orders: u64,
    pub line_items: u64,
    pub customers: u64,
    /// Bulk operations started by this run.
    pub operations: u32,
    /// Resources that continued an operation of an earlier, interrupted run.
    pub resumed: Vec<&'static str>,
    /// Operations started again because a result URL had expired.
    pub restarted_after_expiry: u32,
    /// Whether the grant reached orders older than 60 days.
    pub full_history: bool,
}

/// Backfill orders, then customers.
pub fn backfill(
    shopify: &mut Shopify,
    store: &mut Store,
    clock: &dyn Clock,
    options: Options,
    progress: &mut dyn FnMut(Resource, u64),
) -> Result<BackfillStats> {
    let mut stats = BackfillStats {
        full_history: sync::check_grant(shopify, store)?,
        ..BackfillStats::default()
    };
    sync::sync_shop(shopify, store)?;
    // A bulk read a routine sync left reads only from that sync's watermark: a backfill starts
    // over from the beginning instead of continuing it.
    let fresh_orders = store.meta(ROUTINE_BULK_KEY)?.as_deref() == Some(ROUTINE_BULK_PENDING);
    for resource in [Resource::Orders, Resource::Customers] {
        let fresh = fresh_orders && resource == Resource::Orders;
        backfill_resource(
            shopify, store, clock, options, resource, None, fresh, &mut stats, progress,
        )?;
        if fresh {
            store.set_meta(ROUTINE_BULK_KEY, ROUTINE_BULK_DONE)?;
        }
        if resource == Resource::Orders {
            // Every order was read from the beginning.
            sync::finish_history(store, stats.full_history)?;
        }
    }
    Ok(stats)
}

/// The `meta` key that says whether a bulk read of orders a routine sync started is pending.
pub const ROUTINE_BULK_KEY: &str = "routine_bulk";
const ROUTINE_BULK_PENDING: &str = "pending";
const ROUTINE_BULK_DONE: &str = "done";

/// The orders changed since `from` (every order without it), with their line items and sales,
/// through one bulk operation: how a routine sync reads many changed orders, which would cost
/// far more points page by page. A bulk read an interrupted run left (a sync's or a backfill's)
/// is continued instead, from its last committed batch. The poll waits on the connection's
/// clock.
pub fn changed_orders(
    shopify: &mut Shopify,
    store: &mut Store,
    from: Option<String>,
    progress: &mut dyn FnMut(Resource, u64),
) -> Result<BackfillStats> {
    let clock = shopify.clock();
    let mut stats = BackfillStats::default();
    if store.bulk_state(Resource::Orders)?.is_none() {
        store.set_meta(ROUTINE_BULK_KEY, ROUTINE_BULK_PENDING)?;
    }
    backfill_resource(
        shopify,
        store,
        clock,
        Options::default(),
        Resource::Orders,
        from,
        false,
        &mut stats,
        progress,
    )?;
    store.set_meta(ROUTINE_BULK_KEY, ROUTINE_BULK_DONE)?;
    Ok(stats)
}

/// The bulk query for `resource`, from `from` (an `updated_at`) on.
pub fn bulk_query(resource: Resource, from: Option<&str>) -> Result<String> {
    let filter = from.map(sync::updated_since).transpose()?;
    let document = match resource {
        Resource::Orders => graphql::ORDERS_BULK,
        Resource::Customers => graphql::CUSTOMERS_BULK,
    };
    Ok(graphql::bulk(document, filter.as_deref()))
}

/// Read `resource` from `from` on through a bulk operation, or continue the one an earlier run
/// left (unless `fresh`: then a new one starts whatever was pending).
#[allow(clippy::too_many_arguments)]
fn backfill_resource(
    shopify: &mut Shopify,
    store: &mut Store,
    clock: &dyn Clock,
    options: Options,
    resource: Resource,
    from: Option<String>,
    fresh: bool,
    stats: &mut BackfillStats,
    progress: &mut dyn FnMut(Resource, u64),
) -> Result<()> {
    let mut state = match store.bulk_state(resource)? {
        Some(state) if !fresh => {
            stats.resumed.push(resource.name());
            state
        }
        // A backfill reads from the beginning, whatever the routine sync has read.
        _ => start(shopify, store, resource, from, stats)?,
    };
    loop {
        let url = match &state.url {
            Some(url) => Some(url.clone()),
            None => match wait(shopify, clock, options, &state)? {
                Finished::Completed(url) => {
                    state.url = url.clone();
                    store.set_bulk_state(&state)?;
                    url
                }
                Finished::Expired => {
                    stats.restarted_after_expiry += 1;
                    state = restart(shopify, store, &state, stats)?;
                    continue;
                }
            },
        };
        let Some(url) = url else {
            // Completed without a file: nothing matched.
            break;
        };
        store.set_bulk_loading(true)?;
        let ingested = ingest(shopify, store, &mut state, &url, stats, progress);
        store.set_bulk_loading(false)?;
        match ingested? {
            Ingested::Done => break,
            Ingested::Expired => {
                stats.restarted_after_expiry += 1;
                state = restart(shopify, store, &state, stats)?;
            }
        }
    }
    store.finish_bulk(resource, state.watermark.as_deref())
}

/// A new operation for what `state` had not committed yet: from its watermark on.
fn restart(
    shopify: &mut Shopify,
    store: &mut Store,
    state: &BulkState,
    stats: &mut BackfillStats,
) -> Result<BulkState> {
    let from = state.watermark.clone().or_else(|| state.from.clone());
    let mut next = start(shopify, store, state.resource, from, stats)?;
    next.records = state.records;
    store.set_bulk_state(&next)?;
    Ok(next)
}

fn start(
    shopify: &mut Shopify,
    store: &mut Store,
    resource: Resource,
    from: Option<String>,
    stats: &mut BackfillStats,
) -> Result<BulkState> {
    let query = bulk_query(resource, from.as_deref())?;
    let data = shopify.graphql(graphql::BULK_RUN, json!({ "query": query }))?;
    let payload = &data["bulkOperationRunQuery"];
    let errors = payload["userErrors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let id = if errors.is_empty() {
        payload["bulkOperation"]["id"]
            .as_str()
            .context("bulkOperationRunQuery returned no operation")?
            .to_owned()
    } else if errors.iter().all(|e| e["code"] == "OPERATION_IN_PROGRESS") {
        // An earlier run was killed between starting this very query and recording it.
        let newest = shopify.graphql(graphql::BULK_NEWEST, json!({}))?;
        let op = &newest["bulkOperations"]["nodes"][0];
        if op["query"].as_str() != Some(query.as_str()) {
            bail!(
                "another bulk query is running for this app: {}",
                op["query"]
            );
        }
        op["id"]
            .as_str()
            .context("an operation without id")?
            .to_owned()
    } else {
        bail!("bulkOperationRunQuery refused the query: {}", json!(errors));
    };
    stats.operations += 1;
    let state = BulkState {
        resource,
        operation_id: id,
        watermark: from.clone(),
        from,
        url: None,
        offset: 0,
        records: 0,
    };
    store.set_bulk_state(&state)?;
    Ok(state)
}

enum Finished {
    /// The result file (none when nothing matched).
    Completed(Option<String>),
    /// The operation or its result is gone: start again from the watermark.
    Expired,
}

/// Poll the operation in `state` until it finishes.
fn wait(
    shopify: &mut Shopify,
    clock: &dyn Clock,
    options: Options,
    state: &BulkState,
) -> Result<Finished> {
    for _ in 0..options.max_polls {
        let data = shopify.graphql(graphql::BULK_OPERATION, json!({ "id": state.operation_id }))?;
        let op = &data["bulkOperation"];
        if op["id"].as_str() != Some(state.operation_id.as_str()) {
            // Shopify no longer knows the operation.
            return Ok(Finished::Expired);
        }
        match op["status"].as_str().unwrap_or("") {
            "COMPLETED" => {
                return Ok(Finished::Completed(op["url"].as_str().map(str::to_owned)));
            }
            "CREATED" | "RUNNING" => clock.sleep(options.poll_interval),
            "EXPIRED" => return Ok(Finished::Expired),
            status => bail!(
                "bulk operation {} ended {status} ({})",
                state.operation_id,
                op["errorCode"].as_str().unwrap_or("no error code")
            ),
        }
    }
    bail!(
        "bulk operation {} did not finish in time; it keeps running, and the next \
         `sync --backfill` picks it up",
        state.operation_id
    )
}

enum Ingested {
    Done,
    Expired,
}

/// One parsed batch and where the file stands after it.
struct Parsed {
    batch: Batch,
    /// Bytes of the file read up to the end of this batch (from the start of the file).
    offset: i64,
    records: i64,
    newest: Option<String>,
}

/// Stream the result file from `state.offset` into the database. A reader thread cuts the
/// file into chunks of whole records, parser threads turn chunks into batches, and this thread
/// writes the batches strictly in file order, each with the offset after it.
fn ingest(
    shopify: &Shopify,
    store: &mut Store,
    state: &mut BulkState,
    url: &str,
    stats: &mut BackfillStats,
    progress: &mut dyn FnMut(Resource, u64),
) -> Result<Ingested> {
    let Some(body) = shopify.open_result(url, state.offset as u64)? else {
        return Ok(Ingested::Expired);
    };
    let resource = state.resource;
    let start = state.offset;
    let parsers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 2));
    std::thread::scope(|scope| -> Result<Ingested> {
        let (chunk_sender, chunks) = std::sync::mpsc::sync_channel::<Chunk>(parsers);
        let (parsed_sender, parsed) =
            std::sync::mpsc::sync_channel::<(u64, Result<Parsed>)>(parsers);
        let chunks = Arc::new(Mutex::new(chunks));
        let (cutter, give_back) = Cutter::new(body, resource, start);
        for _ in 0..parsers {
            let (chunks, sender) = (Arc::clone(&chunks), parsed_sender.clone());
            let give_back = give_back.clone();
            scope.spawn(move || parse_chunks(&chunks, resource, &sender, &give_back));
        }
        drop((chunks, give_back));
        scope.spawn(move || read_chunks(cutter, &chunk_sender, &parsed_sender));
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (seq, result) in parsed {
            waiting.insert(seq, result);
            while let Some(result) = waiting.remove(&next) {
                let parsed = result?;
                state.offset = parsed.offset;
                state.records += parsed.records;
                state.watermark = newest(state.watermark.take(), parsed.newest);
                store.save_bulk(&parsed.batch, state)?;
                stats.orders += parsed.batch.orders.len() as u64;
                stats.line_items += parsed.batch.line_items.len() as u64;
                stats.customers += parsed.batch.customers.len() as u64;
                progress(resource, state.records as u64);
                next += 1;
            }
        }
        Ok(Ingested::Done)
    })
}

/// Whole lines of the result file: `bytes[..len]` starts at file offset `start`, and ends where
/// a top-level record begins (its grouped children always follow it) or at the end of the file.
struct Chunk {
    seq: u64,
    start: i64,
    bytes: Vec<u8>,
    len: usize,
}

impl Chunk {
    fn data(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Buffers of parsed chunks on their way back to the reader, which fills them again.
type Spare = (
    std::sync::mpsc::SyncSender<Vec<u8>>,
    std::sync::mpsc::Receiver<Vec<u8>>,
);

/// Buffers that may wait to be filled again.
const SPARE_BUFFERS: usize = 2;

/// Cut the file into chunks of about `BATCH_RECORDS` top-level records; a read error goes to
/// the writer in the place of the next chunk. Stops at the end, an error, or when no one reads.
fn read_chunks<R: Read>(
    mut cutter: Cutter<R>,
    chunks: &std::sync::mpsc::SyncSender<Chunk>,
    errors: &std::sync::mpsc::SyncSender<(u64, Result<Parsed>)>,
) {
    loop {
        match cutter.next_chunk() {
            Ok(Some(chunk)) => {
                if chunks.send(chunk).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = errors.send((cutter.seq, Err(e)));
                return;
            }
        }
    }
}

/// Bytes asked of the body at a time.
const READ_BLOCK: usize = 256 * 1024;

/// Reads the file in blocks straight into the chunk being filled and cuts it, in place, before
/// the top-level record after `BATCH_RECORDS` of them; what follows the cut starts the next.
/// Buffers come back from the parsers once read, so the file is read into memory that is
/// already there (no zeroing, no page faults).
struct Cutter<R> {
    body: R,
    resource: Resource,
    child: memchr::memmem::Finder<'static>,
    /// The next chunk's number and file offset.
    seq: u64,
    start: i64,
    /// `bytes[..filled]` was read; the rest is room for more.
    bytes: Vec<u8>,
    filled: usize,
    /// `bytes[..scanned]` are whole lines, `records` of them top-level.
    scanned: usize,
    records: usize,
    end: bool,
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl<R: Read> Cutter<R> {
    /// A cutter, and where a parsed chunk's buffer is handed back to it.
    fn new(
        body: R,
        resource: Resource,
        start: i64,
    ) -> (Self, std::sync::mpsc::SyncSender<Vec<u8>>) {
        let (give_back, spare): Spare = std::sync::mpsc::sync_channel(SPARE_BUFFERS);
        let cutter = Cutter {
            body,
            resource,
            child: memchr::memmem::Finder::new(b"\"__parentId\""),
            seq: 0,
            start,
            bytes: Vec::new(),
            filled: 0,
            scanned: 0,
            records: 0,
            end: false,
            spare,
        };
        (cutter, give_back)
    }

    /// The next chunk; `None` after the last. A line longer than `MAX_LINE` is an error.
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        loop {
            while let Some(n) = memchr::memchr(b'\n', &self.bytes[self.scanned..self.filled]) {
                let line = &self.bytes[self.scanned..=self.scanned + n];
                if line.len() > MAX_LINE {
                    bail!("a line of the bulk result is longer than {MAX_LINE} bytes");
                }
                let top = self.resource == Resource::Customers || self.child.find(line).is_none();
                if top && self.records >= BATCH_RECORDS {
                    let tail = self.filled - self.scanned;
                    let mut next = self.spare.try_recv().unwrap_or_default();
                    if next.len() < tail + READ_BLOCK {
                        next.resize(tail + READ_BLOCK, 0);
                    }
                    next[..tail].copy_from_slice(&self.bytes[self.scanned..self.filled]);
                    let bytes = std::mem::replace(&mut self.bytes, next);
                    let len = self.scanned;
                    self.filled = tail;
                    return Ok(Some(self.cut(bytes, len)));
                }
                self.records += usize::from(top);
                self.scanned += n + 1;
            }
            if self.filled - self.scanned > MAX_LINE {
                bail!("a line of the bulk result is longer than {MAX_LINE} bytes");
            }
            if self.end {
                if self.filled == 0 && self.seq > 0 {
                    return Ok(None);
                }
                let len = std::mem::take(&mut self.filled);
                let bytes = std::mem::take(&mut self.bytes);
                return Ok(Some(self.cut(bytes, len)));
            }
            if self.bytes.len() < self.filled + READ_BLOCK {
                self.bytes.resize(self.filled + READ_BLOCK, 0);
            }
            let read = loop {
                match self.body.read(&mut self.bytes[self.filled..]) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    read => break read,
                }
            };
            let read = read.context("failed to read the bulk result")?;
            self.filled += read;
            self.end = read == 0;
        }
    }

    fn cut(&mut self, bytes: Vec<u8>, len: usize) -> Chunk {
        let chunk = Chunk {
            seq: self.seq,
            start: self.start,
            bytes,
            len,
        };
        self.seq += 1;
        self.start += len as i64;
        self.scanned = 0;
        self.records = 0;
        chunk
    }
}

/// Take chunks until there are none, parse each, send the batches on with their place, and
/// hand each chunk's buffer back to the reader.
fn parse_chunks(
    chunks: &Mutex<std::sync::mpsc::Receiver<Chunk>>,
    resource: Resource,
    parsed: &std::sync::mpsc::SyncSender<(u64, Result<Parsed>)>,
    give_back: &std::sync::mpsc::SyncSender<Vec<u8>>,
) {
    loop {
        let chunk = match chunks.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = chunk else { return };
        let result = parse_chunk(&chunk, resource);
        let _ = give_back.try_send(chunk.bytes);
        if parsed.send((chunk.seq, result)).is_err() {
            return;
        }
    }
}

/// The records of one chunk.
fn parse_chunk(chunk: &Chunk, resource: Resource) -> Result<Parsed> {
    let mut parser = Parser::default();
    let mut parsed = Parsed {
        batch: Batch::default(),
        offset: chunk.start + chunk.len as i64,
        records: 0,
        newest: None,
    };
    // The chunk is checked as UTF-8 once, not line by line.
    let text = match std::str::from_utf8(chunk.data()) {
        Ok(text) => text,
        Err(e) => {
            let bad = &chunk.bytes[..e.valid_up_to()];
            let line = bad.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
            bail!(
                "a JSONL line that is not UTF-8, at byte {} of the bulk result",
                chunk.start + line as i64
            );
        }
    };
    let mut position = chunk.start;
    for line in text.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if !text.is_empty() {
            let record = parser
                .parse(resource, text)
                .with_context(|| format!("at byte {position} of the bulk result"))?;
            if let Record::Top = record {
                parsed.records += 1;
            }
            parser.take_into(&mut parsed.batch);
        }
        position += line.len() as i64;
    }
    let batch = &parsed.batch;
    let updated = batch.orders.iter().map(|o| &o.updated_at);
    let updated = updated.chain(batch.customers.iter().map(|c| &c.updated_at));
    parsed.newest = updated.max().cloned();
    Ok(parsed)
}

/// What a JSONL line was.
enum Record {
    /// An order or customer.
    Top,
    /// A line item, under the order before it.
    Child,
}

/// One line of a bulk result, as Shopify writes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, rename = "__parentId")]
    parent_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<Cow<'a, str>>,
    quantity: Option<i64>,
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    updated_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    customer: Option<Id<'a>>,
    #[serde(borrow)]
    total_price_set: Option<MoneyBag<'a>>,
    #[serde(borrow)]
    original_total_set: Option<MoneyBag<'a>>,
    #[serde(borrow)]
    number_of_orders: Option<Count<'a>>,
    #[serde(borrow)]
    amount_spent: Option<Money<'a>>,
    test: Option<bool>,
    #[serde(borrow)]
    processed_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cancelled_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    happened_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    action_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    line_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    total_amount: Option<MoneyBag<'a>>,
    #[serde(borrow)]
    total_discount_amount_before_taxes: Option<MoneyBag<'a>>,
    #[serde(borrow)]
    total_tax_amount: Option<MoneyBag<'a>>,
}

#[derive(Deserialize)]
struct Id<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyBag<'a> {
    #[serde(borrow)]
    shop_money: Money<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Money<'a> {
    #[serde(borrow)]
    amount: Cow<'a, str>,
    #[serde(borrow)]
    currency_code: Cow<'a, str>,
}

/// `UnsignedInt64` arrives as a string; accept a number too.
#[derive(Deserialize)]
#[serde(untagged)]
enum Count<'a> {
    Number(i64),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

/// Turns lines into records; the last parsed record waits in `pending` until taken. A sale's
/// order and agreement are the last ones read before it (children follow their parent).
#[derive(Default)]
struct Parser {
    pending: Option<Pending>,
    order: Option<i64>,
    /// The agreement being read: its GID and when it happened.
    agreement: Option<(String, String)>,
}

enum Pending {
    Order(Order),
    LineItem(LineItem),
    Sale(Sale),
    Customer(Customer),
}

/// The type in a GID: `gid://shopify/ProductSale/1` → `ProductSale`.
fn gid_type(gid: &str) -> &str {
    gid.strip_prefix("gid://shopify/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
}

/// A sale's amount in the shop's currency.
fn sale_amount<'a>(
    bag: Option<MoneyBag<'a>>,
    field: &str,
    id: &str,
) -> Result<(i64, Cow<'a, str>)> {
    let money = bag
        .with_context(|| format!("{id} has no {field}"))?
        .shop_money;
    let minor = money::parse_minor(&money.amount, &money.currency_code)
        .with_context(|| format!("sale {id}, {field}"))?;
    Ok((minor, money.currency_code))
}

fn required<'a>(value: Option<Cow<'a, str>>, what: &str, id: &str) -> Result<Cow<'a, str>> {
    value.with_context(|| format!("{id} has no {what}"))
}

impl Parser {
    fn parse(&mut self, resource: Resource, text: &str) -> Result<Record> {
        let line: Line<'_> = serde_json::from_str(text).context("a malformed JSONL line")?;
        let id = line.id.as_ref();
        match (resource, &line.parent_id) {
            (Resource::Orders, None) => {
                let money = line
                    .total_price_set
                    .with_context(|| format!("{id} has no totalPriceSet"))?
                    .shop_money;
                self.pending = Some(Pending::Order(Order {
                    id: gid_number("Order", id)?,
                    name: required(line.name, "name", id)?.into_owned(),
                    created_at: required(line.created_at, "createdAt", id)?.into_owned(),
                    updated_at: required(line.updated_at, "updatedAt", id)?.into_owned(),
                    total_minor: money::parse_minor(&money.amount, &money.currency_code)
                        .with_context(|| format!("order {id}"))?,
                    currency: money.currency_code.into_owned(),
                    customer_id: line
                        .customer
                        .map(|c| gid_number("Customer", &c.id))
                        .transpose()?,
                    test: line.test.with_context(|| format!("{id} has no test"))?,
                    cancelled_at: line.cancelled_at.map(Cow::into_owned),
                    processed_at: line.processed_at.map(Cow::into_owned),
                }));
                self.agreement = None;
                Ok(Record::Top)
            }
            (Resource::Orders, Some(parent)) if gid_type(id).ends_with("Agreement") => {
                let order = gid_number("Order", parent)?;
                if self.order != Some(order) {
                    bail!("{id}: an agreement not after its order {parent}");
                }
                let happened_at = required(line.happened_at, "happenedAt", id)?.into_owned();
                self.agreement = Some((id.to_owned(), happened_at));
                Ok(Record::Child)
            }
            (Resource::Orders, Some(parent)) if gid_type(id).ends_with("Sale") => {
                let (Some(order_id), Some((agreement_id, happened_at))) =
                    (self.order, &self.agreement)
                else {
                    bail!("{id}: a sale not after its agreement {parent}");
                };
                if agreement_id != parent {
                    bail!("{id}: a sale not after its agreement {parent}");
                }
                let action_type = required(line.action_type, "actionType", id)?;
                let Some(action_type) = ledger::known(ledger::ACTION_TYPES, &action_type) else {
                    bail!(
                        "sale {id}: actionType `{action_type}` is not one this client can report"
                    );
                };
                let line_type = required(line.line_type, "lineType", id)?;
                let Some(line_type) = ledger::known(ledger::LINE_TYPES, &line_type) else {
                    bail!("sale {id}: lineType `{line_type}` is not one this client can report");
                };
                let (total_minor, currency) = sale_amount(line.total_amount, "totalAmount", id)?;
                let (discount_minor, c2) = sale_amount(
                    line.total_discount_amount_before_taxes,
                    "totalDiscountAmountBeforeTaxes",
                    id,
                )?;
                let (tax_minor, c3) = sale_amount(line.total_tax_amount, "totalTaxAmount", id)?;
                if c2 != currency || c3 != currency {
                    bail!("sale {id}: amounts in more than one currency");
                }
                self.pending = Some(Pending::Sale(Sale {
                    id: id.to_owned(),
                    order_id,
                    agreement_id: agreement_id.clone(),
                    happened_at: happened_at.clone(),
                    action_type,
                    line_type,
                    quantity: line.quantity,
                    currency: currency.into_owned(),
                    total_minor,
                    discount_minor,
                    tax_minor,
                }));
                Ok(Record::Child)
            }
            (Resource::Orders, Some(parent)) => {
                let money = line
                    .original_total_set
                    .with_context(|| format!("{id} has no originalTotalSet"))?
                    .shop_money;
                self.pending = Some(Pending::LineItem(LineItem {
                    id: gid_number("LineItem", id)?,
                    order_id: gid_number("Order", parent)?,
                    title: required(line.title, "title", id)?.into_owned(),
                    quantity: line
                        .quantity
                        .with_context(|| format!("{id} has no quantity"))?,
                    total_minor: money::parse_minor(&money.amount, &money.currency_code)
                        .with_context(|| format!("line item {id}"))?,
                }));
                Ok(Record::Child)
            }
            (Resource::Customers, None) => {
                let money = line
                    .amount_spent
                    .with_context(|| format!("{id} has no amountSpent"))?;
                let orders_count = match line.number_of_orders {
                    Some(Count::Number(n)) => n,
                    Some(Count::Text(t)) => t
                        .parse()
                        .with_context(|| format!("{id} has a bad numberOfOrders"))?,
                    None => 0,
                };
                self.pending = Some(Pending::Customer(Customer {
                    id: gid_number("Customer", id)?,
                    created_at: required(line.created_at, "createdAt", id)?.into_owned(),
                    updated_at: required(line.updated_at, "updatedAt", id)?.into_owned(),
                    orders_count,
                    amount_spent_minor: money::parse_minor(&money.amount, &money.currency_code)
                        .with_context(|| format!("customer {id}"))?,
                    currency: money.currency_code.into_owned(),
                }));
                Ok(Record::Top)
            }
            (Resource::Customers, Some(_)) => bail!("{id}: a customer result with a child line"),
        }
    }

    fn take_into(&mut self, batch: &mut Batch) {
        match self.pending.take() {
            Some(Pending::Order(o)) => {
                self.order = Some(o.id);
                batch.ledgers.push(o.id);
                batch.orders.push(o);
            }
            Some(Pending::Sale(s)) => batch.sales.push(s),
            Some(Pending::LineItem(l)) => batch.line_items.push(l),
            Some(Pending::Customer(c)) => batch.customers.push(c),
            None => {}
        }
    }
}

/// Parse every line of a bulk result without storing anything: the baseline the backfill is
/// measured against: the same cutting and parsing, on one thread. Returns (top-level records,
/// line items and sales).
pub fn parse_only(body: impl Read, resource: Resource) -> Result<(u64, u64)> {
    let (mut cutter, give_back) = Cutter::new(body, resource, 0);
    let (mut top, mut children) = (0, 0);
    while let Some(chunk) = cutter.next_chunk()? {
        let parsed = parse_chunk(&chunk, resource)?;
        let _ = give_back.try_send(chunk.bytes);
        let batch = &parsed.batch;
        top += parsed.records as u64;
        children += (batch.line_items.len() + batch.sales.len()) as u64;
    }
    Ok((top, children))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cut and parse `text` as `ingest` does, in order.
    fn parse_all(text: &[u8], start: i64) -> Vec<Result<Parsed>> {
        let (chunk_sender, chunks) = std::sync::mpsc::sync_channel(1024);
        let (error_sender, errors) = std::sync::mpsc::sync_channel(8);
        let (cutter, _) = Cutter::new(text, Resource::Orders, start);
        read_chunks(cutter, &chunk_sender, &error_sender);
        drop((chunk_sender, error_sender));
        let mut out: Vec<Result<Parsed>> = chunks
            .into_iter()
            .map(|c: Chunk| parse_chunk(&c, Resource::Orders))
            .collect();
        out.extend(errors.into_iter().map(|(_, e)| e));
        out
    }

    fn lines(text: &str) -> Vec<Parsed> {
        parse_all(text.as_bytes(), 0)
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn orders_line_items_and_money_are_read_from_jsonl() {
        let text = concat!(
            r##"{"id":"gid://shopify/Order/7","name":"#1007","createdAt":"2026-01-02T00:00:00Z","updatedAt":"2026-01-03T00:00:00Z","test":false,"customer":{"id":"gid://shopify/Customer/3"},"totalPriceSet":{"shopMoney":{"amount":"1200.0","currencyCode":"JPY"}}}"##,
            "\n",
            r#"{"id":"gid://shopify/LineItem/70","title":"Tea \"Sencha\"","quantity":2,"originalTotalSet":{"shopMoney":{"amount":"1200.0","currencyCode":"JPY"}},"__parentId":"gid://shopify/Order/7"}"#,
            "\n"
        );
        let parsed = lines(text);
        assert_eq!(parsed.len(), 1);
        let batch = &parsed[0].batch;
        assert_eq!(batch.orders[0].id, 7);
        assert_eq!(batch.orders[0].total_minor, 1200, "yen have no minor unit");
        assert_eq!(batch.orders[0].customer_id, Some(3));
        assert_eq!(batch.line_items[0].order_id, 7);
        assert_eq!(batch.line_items[0].title, "Tea \"Sencha\"");
        assert_eq!(parsed[0].offset, text.len() as i64);
        assert_eq!(parsed[0].newest.as_deref(), Some("2026-01-03T00:00:00Z"));
    }

    #[test]
    fn a_bad_line_names_its_place() {
        let results = parse_all(&b"{\"id\":\"gid://shopify/Order/1\"}\n"[..], 10);
        let err = results.into_iter().find_map(Result::err).unwrap();
        assert!(format!("{err:#}").contains("at byte 10"), "{err:#}");
    }

    #[test]
    fn chunks_end_where_an_order_begins() {
        let mut text = String::new();
        let order = r##"{"id":"gid://shopify/Order/@","name":"#@","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","test":false,"totalPriceSet":{"shopMoney":{"amount":"1.00","currencyCode":"USD"} } }"##;
        let item = r##"{"id":"gid://shopify/LineItem/@","title":"x","quantity":1,"originalTotalSet":{"shopMoney":{"amount":"1.00","currencyCode":"USD"} },"__parentId":"gid://shopify/Order/@"}"##;
        for i in 1..=BATCH_RECORDS + 10 {
            for line in [order, item] {
                text.push_str(&line.replace('@', &i.to_string()));
                text.push('\n');
            }
        }
        let parsed = lines(&text);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].batch.orders.len(), BATCH_RECORDS);
        assert_eq!(
            parsed[0].batch.line_items.len(),
            BATCH_RECORDS,
            "children stay with their order"
        );
        assert_eq!(parsed[1].batch.orders.len(), 10);
        assert_eq!(parsed[1].offset, text.len() as i64);
        let first_end = parsed[0].offset as usize;
        assert!(
            text[first_end..].starts_with("{\"id\":\"gid://shopify/Order/"),
            "a chunk ends where an order begins"
        );
    }

    /// A body that hands out at most a few bytes per read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_split_across_reads_are_cut_as_whole_ones() {
        let mut text = String::new();
        let order = r##"{"id":"gid://shopify/Order/@","name":"#@","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","test":false,"totalPriceSet":{"shopMoney":{"amount":"1.00","currencyCode":"USD"}}}"##;
        let item = r##"{"id":"gid://shopify/LineItem/@","title":"x","quantity":1,"originalTotalSet":{"shopMoney":{"amount":"1.00","currencyCode":"USD"}},"__parentId":"gid://shopify/Order/@"}"##;
        for i in 1..=BATCH_RECORDS * 2 + 1 {
            for line in [order, item] {
                text.push_str(&line.replace('@', &i.to_string()));
                text.push('\n');
            }
        }
        // The last line without its newline.
        text.pop();
        let (mut cutter, _) = Cutter::new(Trickle(text.as_bytes()), Resource::Orders, 5);
        let mut chunks = Vec::new();
        while let Some(chunk) = cutter.next_chunk().unwrap() {
            chunks.push(chunk);
        }
        assert_eq!(chunks.len(), 3);
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.data().to_vec()).collect();
        assert_eq!(joined, text.as_bytes(), "every byte once, in order");
        assert_eq!(chunks[1].start, 5 + chunks[0].len as i64);
        let parsed: Vec<Parsed> = chunks
            .iter()
            .map(|c| parse_chunk(c, Resource::Orders).unwrap())
            .collect();
        assert_eq!(parsed[0].batch.orders.len(), BATCH_RECORDS);
        assert_eq!(parsed[0].batch.line_items.len(), BATCH_RECORDS);
        assert_eq!(parsed[2].batch.orders.len(), 1);
        assert_eq!(
            parsed[2].batch.line_items.len(),
            1,
            "the unterminated last line"
        );
        assert_eq!(parsed[2].offset, 5 + text.len() as i64);
        let (top, children) = parse_only(Trickle(text.as_bytes()), Resource::Orders).unwrap();
        assert_eq!(
            (top, children),
            (BATCH_RECORDS as u64 * 2 + 1, BATCH_RECORDS as u64 * 2 + 1)
        );
    }

    #[test]
    fn a_line_longer_than_the_limit_is_refused() {
        for text in [
            // Whole, and cut off by the end of the file.
            format!("[\"{}\"]\n[]\n", "x".repeat(MAX_LINE)),
            format!("[\"{}", "x".repeat(MAX_LINE)),
        ] {
            let results = parse_all(text.as_bytes(), 0);
            let err = results.into_iter().find_map(Result::err).unwrap();
            assert!(
                format!("{err:#}").contains(&format!("longer than {MAX_LINE} bytes")),
                "{err:#}"
            );
        }
        let fits = format!("[\"{}\"]\n", "x".repeat(MAX_LINE - 10));
        let err = parse_all(fits.as_bytes(), 0)
            .into_iter()
            .find_map(Result::err)
            .unwrap();
        assert!(!format!("{err:#}").contains("longer than"), "{err:#}");
    }

    #[test]
    fn queries_filter_from_the_watermark() {
        let q = bulk_query(Resource::Orders, Some("2026-01-03T00:00:00Z")).unwrap();
        assert!(
            q.contains(
                r#"orders(query: "updated_at:>='2026-01-03T00:00:00Z'", sortKey: UPDATED_AT)"#
            ),
            "{q}"
        );
        assert!(q.contains("lineItems"), "{q}");
        assert!(
            bulk_query(Resource::Customers, None)
                .unwrap()
                .contains("customers(sortKey: UPDATED_AT)")
        );
    }
}
