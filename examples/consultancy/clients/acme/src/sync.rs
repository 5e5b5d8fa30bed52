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

/// Sync both resources; `progress` is told the running count after each page.
pub fn sync(shopify: &mut Shopify, store: &mut Store, progress: &mut dyn FnMut(Resource, u64)) -> Result<SyncStats> {
    // The token (and with it the scope guard) comes first: nothing is read with a bad grant.
    shopify.token()?;
    let mut stats = SyncStats::default();
    for resource in [Resource::Orders, Resource::Customers] {
        let mut cursor = store.resume_cursor(resource)?;
        if cursor.is_some() {
            stats.resumed.push(resource.name());
        }
        let mut count = 0;
        loop {
            let (query, key) = match resource {
                Resource::Orders => (ORDERS_QUERY, "orders"),
                Resource::Customers => (CUSTOMERS_QUERY, "customers"),
            };
            let data = shopify.graphql(query, json!({ "first": PAGE_SIZE, "after": cursor }))?;
            let connection = &data[key];
            let nodes = connection["nodes"].as_array().context("a page without nodes")?;
            let has_next = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
            let end_cursor = connection["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            match resource {
                Resource::Orders => {
                    let orders = nodes.iter().map(order).collect::<Result<Vec<_>>>()?;
                    store.save_orders(&orders, end_cursor.as_deref(), !has_next)?;
                    stats.orders += orders.len() as u64;
                }
                Resource::Customers => {
                    let customers = nodes.iter().map(customer).collect::<Result<Vec<_>>>()?;
                    store.save_customers(&customers, end_cursor.as_deref(), !has_next)?;
                    stats.customers += customers.len() as u64;
                }
            }
            count += nodes.len() as u64;
            stats.pages += 1;
            progress(resource, count);
            if !has_next || end_cursor.is_none() {
                break;
            }
            cursor = end_cursor;
        }
    }
    Ok(stats)
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
