//! `sync`: the routine, incremental sync of orders (with their sales agreements) and customers
//! through the Admin GraphQL API, a page at a time (its size from the query's cost, halved while
//! Shopify still refuses it as too costly), sorted by `updated_at` and filtered from a little
//! before the last watermark, so a routine run reads only what changed (and what changed while
//! the last run was reading). Each page is upserted in one transaction with the cursor after it and the
//! watermark it reached, so an interrupted run resumes from its last page. The shop's time zone
//! and currency are recorded first, and orders deleted since the last sync are removed last.
//! When many orders changed (`BULK_ORDERS`, a first sync of a large shop), they are read
//! through one bulk operation instead, as `sync --backfill` reads the whole history. Line items
//! and the first full copy of a large shop come from `sync --backfill`.

use crate::graphql;
use crate::shopify::{MaxCostExceeded, Shopify};
use crate::store::{Batch, Customer, Order, Resource, Sale, Store, SyncState, gid_number};
use crate::{ledger, money, scopes};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// From this many changed orders on, a routine sync reads them through one bulk operation (as
/// `sync --backfill` does, from the watermark) instead of page by page: a page of orders with
/// their sales agreements requests about 145 points an order, so 5,000 orders are some 800
/// pages and 700,000 points, an hour and more of a standard shop's rate limit, where a bulk
/// operation has none. Fewer are read page by page, at once.
pub const BULK_ORDERS: u64 = 5_000;

/// Deletion events per page.
const DELETIONS_PAGE_SIZE: u32 = graphql::page_size(graphql::DELETIONS);

/// How far before the last watermark a routine sync starts again: an order changed while a
/// page was being read carries an `updated_at` before the newest one stored.
pub const OVERLAP_SECONDS: i64 = 300;

/// The `meta` keys of the shop's IANA time zone and currency.
pub const SHOP_ZONE_KEY: &str = "shop_time_zone";
pub const SHOP_CURRENCY_KEY: &str = "shop_currency";

/// The `meta` key recording whether the last sync could see the whole order history.
pub const HISTORY_KEY: &str = "orders_history";
/// The grant held `read_all_orders`: every order is visible.
pub const HISTORY_ALL: &str = "all";
/// The grant lacked `read_all_orders`: Shopify shows only the last 60 days of orders.
pub const HISTORY_60_DAYS: &str = "last 60 days";
/// The grant holds `read_all_orders` but the whole history has not been read under it yet.
pub const HISTORY_READING: &str = "being read";

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncStats {
    pub orders: u64,
    pub customers: u64,
    pub pages: u64,
    /// Orders removed because Shopify deleted them.
    pub deleted: u64,
    /// Resources that continued from a saved cursor (or a pending bulk read).
    pub resumed: Vec<&'static str>,
    /// Bulk operations started to read many changed orders at once.
    pub bulk_operations: u32,
    /// Whether the grant reached orders older than 60 days.
    pub full_history: bool,
}

/// One fetched page, converted and ready to store.
struct Fetched {
    batch: Batch,
    end_cursor: Option<String>,
    has_next: bool,
    newest: Option<String>,
}

/// Check the grant (nothing is read with a bad one) and record what history it reaches. A
/// grant with `read_all_orders` after one without it (or after an upgrade) means the history
/// is read again from the beginning: until a run finishes it, the history is `HISTORY_READING`
/// and no report claims the whole history (`finish_history`).
pub fn check_grant(shopify: &mut Shopify, store: &mut Store) -> Result<bool> {
    let full = scopes::has_full_history(&shopify.token()?.scopes);
    let recorded = store.meta(HISTORY_KEY)?;
    if !full {
        store.set_meta(HISTORY_KEY, HISTORY_60_DAYS)?;
    } else if recorded.as_deref() != Some(HISTORY_ALL)
        && recorded.as_deref() != Some(HISTORY_READING)
    {
        store.save_page(Resource::Orders, &Batch::default(), &SyncState::default())?;
        store.set_meta(HISTORY_KEY, HISTORY_READING)?;
    }
    Ok(full)
}

/// Every order was read under a grant with `read_all_orders`.
pub fn finish_history(store: &mut Store, full: bool) -> Result<()> {
    if full {
        store.set_meta(HISTORY_KEY, HISTORY_ALL)?;
    }
    Ok(())
}

/// Record the shop's time zone and currency (both checked: an IANA zone, an ISO 4217 code).
pub fn sync_shop(shopify: &mut Shopify, store: &mut Store) -> Result<()> {
    let data = shopify.graphql(graphql::SHOP, json!({}))?;
    let shop = &data["shop"];
    let zone = text(shop, "ianaTimezone").context("the shop")?;
    ledger::time_zone(&zone)?;
    let currency = text(shop, "currencyCode").context("the shop")?;
    money::exponent(&currency).context("the shop's currencyCode")?;
    store.set_meta(SHOP_ZONE_KEY, &zone)?;
    store.set_meta(SHOP_CURRENCY_KEY, &currency)?;
    Ok(())
}

/// Sync both resources; `progress` is told the running count after each page.
///
/// Fetching and storing overlap: a fetcher thread requests page n+1 while this thread writes
/// page n. Pages are still written strictly in order, each with the cursor after it, so an
/// interruption anywhere resumes from the last page that was committed.
pub fn sync(
    shopify: &mut Shopify,
    store: &mut Store,
    progress: &mut dyn FnMut(Resource, u64),
) -> Result<SyncStats> {
    let mut stats = SyncStats {
        full_history: check_grant(shopify, store)?,
        ..SyncStats::default()
    };
    sync_shop(shopify, store)?;
    let deletions_from = store.meta(crate::store::DELETIONS_KEY)?;
    let started = utc(shopify.now())?;
    for resource in [Resource::Orders, Resource::Customers] {
        let saved = store.sync_state(resource)?;
        let (cursor, run_from) = match &saved.cursor {
            Some(cursor) => {
                stats.resumed.push(resource.name());
                (Some(cursor.clone()), saved.run_from.clone())
            }
            None => (None, saved.watermark.as_deref().map(overlap).transpose()?),
        };
        let filter = run_from.as_deref().map(updated_since).transpose()?;
        if resource == Resource::Orders
            && (store.bulk_state(resource)?.is_some()
                || (cursor.is_none() && changed_orders(shopify, filter.as_deref())? >= BULK_ORDERS))
        {
            let read = crate::backfill::changed_orders(shopify, store, run_from, progress)?;
            stats.orders += read.orders;
            stats.bulk_operations += read.operations;
            stats.resumed.extend(read.resumed);
            finish_history(store, stats.full_history)?;
            continue;
        }
        let mut watermark = saved.watermark.clone();
        let mut count = 0;
        std::thread::scope(|scope| -> Result<()> {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Fetched>>(2);
            let shopify = &mut *shopify;
            let fetcher =
                scope.spawn(move || fetch_all(shopify, resource, cursor, filter, &sender));
            for fetched in receiver {
                let fetched = fetched?;
                watermark = newest(watermark.take(), fetched.newest);
                let state = SyncState {
                    cursor: fetched.end_cursor.filter(|_| fetched.has_next),
                    run_from: run_from.clone().filter(|_| fetched.has_next),
                    watermark: watermark.clone(),
                };
                store.save_page(resource, &fetched.batch, &state)?;
                let n = (fetched.batch.orders.len() + fetched.batch.customers.len()) as u64;
                match resource {
                    Resource::Orders => stats.orders += n,
                    Resource::Customers => stats.customers += n,
                }
                count += n;
                stats.pages += 1;
                progress(resource, count);
            }
            fetcher
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok(())
        })?;
        if resource == Resource::Orders {
            finish_history(store, stats.full_history)?;
        }
    }
    stats.deleted = sync_deletions(shopify, store, deletions_from.as_deref(), &started)?;
    Ok(stats)
}

/// How many orders match `filter`, counted up to `BULK_ORDERS`.
fn changed_orders(shopify: &mut Shopify, filter: Option<&str>) -> Result<u64> {
    let data = shopify.graphql(
        graphql::ORDERS_COUNT,
        json!({ "query": filter, "limit": BULK_ORDERS }),
    )?;
    data["ordersCount"]["count"]
        .as_u64()
        .context("ordersCount answered without a count")
}

/// Seconds since the epoch as Shopify writes timestamps (whole seconds, UTC).
fn utc(seconds: u64) -> Result<String> {
    let at = i64::try_from(seconds)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .context("the clock is out of range")?;
    Ok(at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `OVERLAP_SECONDS` before `watermark`.
pub fn overlap(watermark: &str) -> Result<String> {
    let at: jiff::Timestamp = watermark
        .parse()
        .with_context(|| format!("a stored watermark `{watermark}` is not a timestamp"))?;
    let earlier = at
        .checked_sub(jiff::SignedDuration::from_secs(OVERLAP_SECONDS))
        .with_context(|| format!("a stored watermark `{watermark}` is out of range"))?;
    Ok(earlier.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Remove the orders Shopify deleted since `from` (all its `destroy` events on a first sync),
/// and record `until` (when this sync started, so that nothing deleted during it is missed)
/// as where the next sync reads from. Returns how many orders were removed.
pub fn sync_deletions(
    shopify: &mut Shopify,
    store: &mut Store,
    from: Option<&str>,
    until: &str,
) -> Result<u64> {
    let mut filter = "subject_type:ORDER AND action:destroy".to_owned();
    if let Some(from) = from {
        updated_since(from)?;
        filter.push_str(&format!(" AND created_at:>='{}'", overlap(from)?));
    }
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let variables = json!({ "first": DELETIONS_PAGE_SIZE, "after": after, "query": filter });
        let data = shopify.graphql(graphql::DELETIONS, variables)?;
        let events = &data["events"];
        for event in events["nodes"].as_array().context("events without nodes")? {
            if event["action"] != "destroy" || event["subjectType"] != "ORDER" {
                continue;
            }
            let subject = text(event, "subjectId").context("a destroy event")?;
            ids.push(gid_number("Order", &subject)?);
        }
        after = events["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if events["pageInfo"]["hasNextPage"] != true || after.is_none() {
            break;
        }
    }
    store.delete_orders(&ids, Some(until))?;
    Ok(ids.len() as u64)
}

/// The later of two `updated_at` timestamps (same format, so text order is time order).
pub fn newest(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Shopify's search filter for records updated at or after `watermark` (at, so that records
/// sharing the watermark's second are not missed; upserts make the overlap harmless).
pub fn updated_since(watermark: &str) -> Result<String> {
    let plausible = !watermark.is_empty()
        && watermark
            .chars()
            .all(|c| c.is_ascii_digit() || "-:.TZ+".contains(c));
    if !plausible {
        bail!("a stored watermark `{watermark}` is not a timestamp");
    }
    Ok(format!("updated_at:>='{watermark}'"))
}

/// Fetch every page of `resource` from `cursor` on, in order, until the last page, an error,
/// or the receiver hanging up (the store failed).
fn fetch_all(
    shopify: &mut Shopify,
    resource: Resource,
    mut cursor: Option<String>,
    filter: Option<String>,
    sender: &std::sync::mpsc::SyncSender<Result<Fetched>>,
) {
    let mut first = page_size(resource);
    loop {
        let fetched = fetch_page(
            shopify,
            resource,
            cursor.as_deref(),
            filter.as_deref(),
            first,
        );
        if let Err(error) = &fetched
            && error.is::<MaxCostExceeded>()
            && first > 1
        {
            // Shopify priced the page higher than this client did: ask again for half as many,
            // from the same cursor, and keep the smaller page for the rest of the run.
            first /= 2;
            continue;
        }
        let next = match &fetched {
            Ok(f) if f.has_next && f.end_cursor.is_some() => f.end_cursor.clone(),
            _ => None,
        };
        if sender.send(fetched).is_err() || next.is_none() {
            return;
        }
        cursor = next;
    }
}

/// The page size a sync starts with: the one the query's document states, chosen from the cost
/// of one record so that a page stays well under Shopify's limit of 1,000 points.
pub const fn page_size(resource: Resource) -> u32 {
    match resource {
        Resource::Orders => graphql::page_size(graphql::ORDERS),
        Resource::Customers => graphql::page_size(graphql::CUSTOMERS),
    }
}

fn fetch_page(
    shopify: &mut Shopify,
    resource: Resource,
    cursor: Option<&str>,
    filter: Option<&str>,
    first: u32,
) -> Result<Fetched> {
    let (query, key) = match resource {
        Resource::Orders => (graphql::ORDERS, "orders"),
        Resource::Customers => (graphql::CUSTOMERS, "customers"),
    };
    let variables = json!({ "first": first, "after": cursor, "query": filter });
    let data = shopify.graphql(query, variables)?;
    let connection = &data[key];
    let nodes = connection["nodes"]
        .as_array()
        .context("a page without nodes")?;
    let mut batch = Batch::default();
    let mut newest_seen = None;
    for node in nodes {
        let updated = text(node, "updatedAt")?;
        newest_seen = newest(newest_seen, Some(updated));
        match resource {
            Resource::Orders => {
                let order = order(node)?;
                let gid = text(node, "id")?;
                let sales = if node["agreements"]["pageInfo"]["hasNextPage"] == true
                    || agreement_nodes(&node["agreements"], &gid)?
                        .iter()
                        .any(|a| a["sales"]["pageInfo"]["hasNextPage"] == true)
                {
                    all_sales(shopify, &gid, order.id)?
                } else {
                    sales(&node["agreements"], &gid, order.id)?
                };
                batch.ledgers.push(order.id);
                batch.sales.extend(sales);
                batch.orders.push(order);
            }
            Resource::Customers => batch.customers.push(customer(node)?),
        }
    }
    Ok(Fetched {
        batch,
        end_cursor: connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned),
        has_next: connection["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap_or(false),
        newest: newest_seen,
    })
}

fn text(node: &Value, key: &str) -> Result<String> {
    node[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("a record without `{key}`"))
}

fn agreement_nodes<'a>(agreements: &'a Value, order: &str) -> Result<&'a Vec<Value>> {
    agreements["nodes"]
        .as_array()
        .with_context(|| format!("order {order}: no `agreements`"))
}

/// The sales of the agreements in `agreements` (a connection's page).
fn sales(agreements: &Value, order: &str, order_id: i64) -> Result<Vec<Sale>> {
    let mut out = Vec::new();
    for agreement in agreement_nodes(agreements, order)? {
        let agreement_id = text(agreement, "id").with_context(|| format!("order {order}"))?;
        let happened_at =
            text(agreement, "happenedAt").with_context(|| format!("order {order}"))?;
        let nodes = agreement["sales"]["nodes"]
            .as_array()
            .with_context(|| format!("order {order}, agreement {agreement_id}: no `sales`"))?;
        for node in nodes {
            out.push(
                sale(node, order_id, &agreement_id, &happened_at)
                    .with_context(|| format!("order {order}, agreement {agreement_id}"))?,
            );
        }
    }
    Ok(out)
}

/// Every sale of an order with more agreements or sales than one page of orders carries.
fn all_sales(shopify: &mut Shopify, order: &str, order_id: i64) -> Result<Vec<Sale>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = shopify.graphql(
            graphql::ORDER_AGREEMENTS,
            json!({ "id": order, "after": after }),
        )?;
        let agreements = &data["order"]["agreements"];
        if let Some(big) = agreement_nodes(agreements, order)?
            .iter()
            .find(|a| a["sales"]["pageInfo"]["hasNextPage"] == true)
        {
            bail!(
                "order {order}, agreement {}: more than 100 sales in one agreement, more than \
                 this client reads in one request; nothing of this page was stored",
                big["id"]
            );
        }
        out.extend(sales(agreements, order, order_id)?);
        after = agreements["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        if agreements["pageInfo"]["hasNextPage"] != true || after.is_none() {
            return Ok(out);
        }
    }
}

/// One sale; an action or line type this client cannot place in the report, or an amount not
/// in an ISO 4217 currency, is an error naming the field.
fn sale(node: &Value, order_id: i64, agreement_id: &str, happened_at: &str) -> Result<Sale> {
    let id = text(node, "id")?;
    let field = |name: &str| -> Result<String> {
        let value = text(node, name).with_context(|| format!("sale {id}"))?;
        Ok(value)
    };
    let action_type = field("actionType")?;
    let Some(action_type) = ledger::known(ledger::ACTION_TYPES, &action_type) else {
        bail!("sale {id}: actionType `{action_type}` is not one this client can report");
    };
    let line_type = field("lineType")?;
    let Some(line_type) = ledger::known(ledger::LINE_TYPES, &line_type) else {
        bail!("sale {id}: lineType `{line_type}` is not one this client can report");
    };
    let mut currency = None;
    let mut amount = |name: &str| -> Result<i64> {
        let money = &node[name]["shopMoney"];
        let code = text(money, "currencyCode").with_context(|| format!("sale {id}, {name}"))?;
        let minor = money::parse_minor(&text(money, "amount")?, &code)
            .with_context(|| format!("sale {id}, {name}"))?;
        match &currency {
            None => currency = Some(code),
            Some(c) if *c == code => {}
            Some(c) => bail!("sale {id}, {name}: currency {code}, not {c} as its other amounts"),
        }
        Ok(minor)
    };
    let total_minor = amount("totalAmount")?;
    let discount_minor = amount("totalDiscountAmountBeforeTaxes")?;
    let tax_minor = amount("totalTaxAmount")?;
    Ok(Sale {
        order_id,
        agreement_id: agreement_id.to_owned(),
        happened_at: happened_at.to_owned(),
        action_type,
        line_type,
        quantity: node["quantity"].as_i64(),
        currency: currency.unwrap_or_default(),
        total_minor,
        discount_minor,
        tax_minor,
        id,
    })
}

fn order(node: &Value) -> Result<Order> {
    let money = &node["totalPriceSet"]["shopMoney"];
    let currency = text(money, "currencyCode")?;
    let id = text(node, "id")?;
    Ok(Order {
        id: gid_number("Order", &id)?,
        name: text(node, "name")?,
        created_at: text(node, "createdAt")?,
        updated_at: text(node, "updatedAt")?,
        total_minor: money::parse_minor(&text(money, "amount")?, &currency)
            .with_context(|| format!("order {id}"))?,
        currency,
        customer_id: node["customer"]["id"]
            .as_str()
            .map(|c| gid_number("Customer", c))
            .transpose()?,
        test: node["test"]
            .as_bool()
            .with_context(|| format!("order {id}: no `test`"))?,
        cancelled_at: node["cancelledAt"].as_str().map(str::to_owned),
        processed_at: node["processedAt"].as_str().map(str::to_owned),
    })
}

fn customer(node: &Value) -> Result<Customer> {
    let money = &node["amountSpent"];
    let currency = text(money, "currencyCode")?;
    let id = text(node, "id")?;
    let orders = &node["numberOfOrders"];
    Ok(Customer {
        id: gid_number("Customer", &id)?,
        created_at: text(node, "createdAt")?,
        updated_at: text(node, "updatedAt")?,
        orders_count: orders
            .as_str()
            .and_then(|n| n.parse().ok())
            .or(orders.as_i64())
            .unwrap_or(0),
        amount_spent_minor: money::parse_minor(&text(money, "amount")?, &currency)
            .with_context(|| format!("customer {id}"))?,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermarks_only_move_forward() {
        let t = |s: &str| Some(s.to_owned());
        assert_eq!(
            newest(t("2026-01-02T00:00:00Z"), t("2026-01-01T00:00:00Z")),
            t("2026-01-02T00:00:00Z")
        );
        assert_eq!(
            newest(None, t("2026-01-01T00:00:00Z")),
            t("2026-01-01T00:00:00Z")
        );
        assert_eq!(newest(None, None), None);
    }

    #[test]
    fn filters_embed_only_timestamps() {
        assert_eq!(
            updated_since("2026-01-02T03:04:05Z").unwrap(),
            "updated_at:>='2026-01-02T03:04:05Z'"
        );
        assert!(updated_since("2026' OR 1=1").is_err());
        assert!(updated_since("").is_err());
    }
}
