//! `sync`: orders and customers through the Admin GraphQL API, 250 per page, each page upserted
//! in one transaction with the cursor after it; resumes from that cursor after an interruption.

use crate::shopify::Shopify;
use crate::store::{Customer, Order, Resource, Store, parse_minor};
use anyhow::{Context, Result};
use serde_json::{Value, json};

pub const PAGE_SIZE: u32 = 250;

const ORDERS_QUERY: &str = "query Orders($first: Int!, $after: String) {
  orders(first: $first, after: $after, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id name createdAt customer { id } totalPriceSet { shopMoney { amount currencyCode } } }
  }
}";

const CUSTOMERS_QUERY: &str = "query Customers($first: Int!, $after: String) {
  customers(first: $first, after: $after, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id createdAt numberOfOrders amountSpent { amount currencyCode } }
  }
}";

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncStats {
    pub orders: u64,
    pub customers: u64,
    pub pages: u64,
    /// Resources that continued from a saved cursor.
    pub resumed: Vec<&'static str>,
}

/// One fetched page, converted and ready to store.
enum Page {
    Orders(Vec<Order>),
    Customers(Vec<Customer>),
}

struct Fetched {
    page: Page,
    end_cursor: Option<String>,
    has_next: bool,
}

/// Sync both resources; `progress` is told the running count after each page.
///
/// Fetching and storing overlap: a fetcher thread requests page n+1 while this thread writes
/// page n. Pages are still written strictly in order, each with the cursor after it, so an
/// interruption anywhere resumes from the last page that was committed.
pub fn sync(shopify: &mut Shopify, store: &mut Store, progress: &mut dyn FnMut(Resource, u64)) -> Result<SyncStats> {
    // The token (and with it the scope guard) comes first: nothing is read with a bad grant.
    shopify.token()?;
    let mut stats = SyncStats::default();
    for resource in [Resource::Orders, Resource::Customers] {
        let cursor = store.resume_cursor(resource)?;
        if cursor.is_some() {
            stats.resumed.push(resource.name());
        }
        let mut count = 0;
        std::thread::scope(|scope| -> Result<()> {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Fetched>>(2);
            let shopify = &mut *shopify;
            let fetcher = scope.spawn(move || fetch_all(shopify, resource, cursor, &sender));
            for fetched in receiver {
                let fetched = fetched?;
                let n = match &fetched.page {
                    Page::Orders(orders) => {
                        store.save_orders(orders, fetched.end_cursor.as_deref(), !fetched.has_next)?;
                        stats.orders += orders.len() as u64;
                        orders.len()
                    }
                    Page::Customers(customers) => {
                        store.save_customers(customers, fetched.end_cursor.as_deref(), !fetched.has_next)?;
                        stats.customers += customers.len() as u64;
                        customers.len()
                    }
                };
                count += n as u64;
                stats.pages += 1;
                progress(resource, count);
            }
            fetcher.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok(())
        })?;
    }
    Ok(stats)
}

/// Fetch every page of `resource` from `cursor` on, in order, until the last page, an error,
/// or the receiver hanging up (the store failed).
fn fetch_all(shopify: &mut Shopify, resource: Resource, mut cursor: Option<String>, sender: &std::sync::mpsc::SyncSender<Result<Fetched>>) {
    loop {
        let fetched = fetch_page(shopify, resource, cursor.as_deref());
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

fn fetch_page(shopify: &mut Shopify, resource: Resource, cursor: Option<&str>) -> Result<Fetched> {
    let (query, key) = match resource {
        Resource::Orders => (ORDERS_QUERY, "orders"),
        Resource::Customers => (CUSTOMERS_QUERY, "customers"),
    };
    let data = shopify.graphql(query, json!({ "first": PAGE_SIZE, "after": cursor }))?;
    let connection = &data[key];
    let nodes = connection["nodes"].as_array().context("a page without nodes")?;
    let page = match resource {
        Resource::Orders => Page::Orders(nodes.iter().map(order).collect::<Result<_>>()?),
        Resource::Customers => Page::Customers(nodes.iter().map(customer).collect::<Result<_>>()?),
    };
    Ok(Fetched {
        page,
        end_cursor: connection["pageInfo"]["endCursor"].as_str().map(str::to_owned),
        has_next: connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false),
    })
}

fn text(node: &Value, key: &str) -> Result<String> {
    node[key].as_str().map(str::to_owned).with_context(|| format!("a record without `{key}`"))
}

fn order(node: &Value) -> Result<Order> {
    let money = &node["totalPriceSet"]["shopMoney"];
    Ok(Order {
        id: text(node, "id")?,
        name: text(node, "name")?,
        created_at: text(node, "createdAt")?,
        currency: text(money, "currencyCode")?,
        total_minor: parse_minor(&text(money, "amount")?)?,
        customer_id: node["customer"]["id"].as_str().map(str::to_owned),
    })
}

fn customer(node: &Value) -> Result<Customer> {
    let money = &node["amountSpent"];
    Ok(Customer {
        id: text(node, "id")?,
        created_at: text(node, "createdAt")?,
        orders_count: node["numberOfOrders"].as_str().and_then(|n| n.parse().ok()).or(node["numberOfOrders"].as_i64()).unwrap_or(0),
        amount_spent_minor: parse_minor(&text(money, "amount")?)?,
        currency: text(money, "currencyCode")?,
    })
}
