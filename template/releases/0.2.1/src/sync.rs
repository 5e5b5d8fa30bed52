//! `sync`: the routine, incremental sync of orders and customers through the Admin GraphQL
//! API, 250 per page, sorted by `updated_at` and filtered from the last watermark, so a routine
//! run reads only what changed. Each page is upserted in one transaction with the cursor after
//! it and the watermark it reached, so an interrupted run resumes from its last page. Line
//! items and the first full copy of a large shop come from `sync --backfill` (`backfill`).

use crate::shopify::Shopify;
use crate::store::{Batch, Customer, Order, Resource, Store, SyncState, gid_number};
use crate::{money, scopes};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

pub const PAGE_SIZE: u32 = 250;

const ORDERS_QUERY: &str = "query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name createdAt updatedAt customer { id }
      totalPriceSet { shopMoney { amount currencyCode } }
    }
  }
}";

const CUSTOMERS_QUERY: &str = "query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id createdAt updatedAt numberOfOrders amountSpent { amount currencyCode } }
  }
}";

/// The `meta` key recording whether the last sync could see the whole order history.
pub const HISTORY_KEY: &str = "orders_history";
/// The grant held `read_all_orders`: every order is visible.
pub const HISTORY_ALL: &str = "all";
/// The grant lacked `read_all_orders`: Shopify shows only the last 60 days of orders.
pub const HISTORY_60_DAYS: &str = "last 60 days";

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncStats {
    pub orders: u64,
    pub customers: u64,
    pub pages: u64,
    /// Resources that continued from a saved cursor.
    pub resumed: Vec<&'static str>,
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

/// Check the grant (nothing is read with a bad one) and record what history it reaches.
pub fn check_grant(shopify: &mut Shopify, store: &mut Store) -> Result<bool> {
    let full = scopes::has_full_history(&shopify.token()?.scopes);
    store.set_meta(
        HISTORY_KEY,
        if full { HISTORY_ALL } else { HISTORY_60_DAYS },
    )?;
    Ok(full)
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
    for resource in [Resource::Orders, Resource::Customers] {
        let saved = store.sync_state(resource)?;
        let (cursor, run_from) = match &saved.cursor {
            Some(cursor) => {
                stats.resumed.push(resource.name());
                (Some(cursor.clone()), saved.run_from.clone())
            }
            None => (None, saved.watermark.clone()),
        };
        let filter = run_from.as_deref().map(updated_since).transpose()?;
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
    }
    Ok(stats)
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
    loop {
        let fetched = fetch_page(shopify, resource, cursor.as_deref(), filter.as_deref());
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

fn fetch_page(
    shopify: &mut Shopify,
    resource: Resource,
    cursor: Option<&str>,
    filter: Option<&str>,
) -> Result<Fetched> {
    let (query, key) = match resource {
        Resource::Orders => (ORDERS_QUERY, "orders"),
        Resource::Customers => (CUSTOMERS_QUERY, "customers"),
    };
    let variables = json!({ "first": PAGE_SIZE, "after": cursor, "query": filter });
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
            Resource::Orders => batch.orders.push(order(node)?),
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
