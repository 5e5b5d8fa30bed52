//! Copied into a generated client's `tests/` by `cargo xtask bench`: P5, the routine sync's
//! throughput into the client's SQLite database from the loopback mock (every order changed, so
//! the sync reads them through a bulk operation), next to the fetch-only throughput of the same
//! requests measured in the same run. Prints one JSON line.

mod support;

use std::time::Instant;
use support::{Behaviour, MockShopify, TestDb, manual_clock, shopify};

#[test]
fn sync_throughput() {
    let orders: usize = std::env::var("BENCH_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour { orders, customers: 0, ..Behaviour::default() }, shared);

    // The result file is made before anything is timed: the mock's work is not measured.
    mock.completed_orders_operation();

    // Baseline: what the sync fetches (the count of changed orders, then, as that many orders
    // are read through a bulk operation, the operation and its result file), fetched and parsed
    // without storing anything.
    let mut client = shopify(&mock, &clock);
    let started = Instant::now();
    let count = client
        .graphql(acme::graphql::ORDERS_COUNT, serde_json::json!({ "query": null, "limit": acme::sync::BULK_ORDERS }))
        .unwrap();
    assert!(count["ordersCount"]["count"].as_u64().unwrap() >= acme::sync::BULK_ORDERS);
    let query = acme::backfill::bulk_query(acme::store::Resource::Orders, None).unwrap();
    let run = client.graphql(acme::graphql::BULK_RUN, serde_json::json!({ "query": query })).unwrap();
    let id = run["bulkOperationRunQuery"]["bulkOperation"]["id"].as_str().unwrap().to_owned();
    let url = loop {
        let op = client.graphql(acme::graphql::BULK_OPERATION, serde_json::json!({ "id": id })).unwrap();
        if op["bulkOperation"]["status"] == "COMPLETED" {
            break op["bulkOperation"]["url"].as_str().unwrap().to_owned();
        }
    };
    let body = client.open_result(&url, 0).unwrap().unwrap();
    let (fetched, _) = acme::backfill::parse_only(body, acme::store::Resource::Orders).unwrap();
    let fetch_secs = started.elapsed().as_secs_f64();
    assert_eq!(fetched as usize, orders);

    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    let started = Instant::now();
    let stats = acme::sync::sync(&mut client, &mut store, &mut |_, _| {}).unwrap();
    let sync_secs = started.elapsed().as_secs_f64();
    assert_eq!(stats.orders as usize, orders);
    assert_eq!(stats.bulk_operations, 1, "{stats:?}");
    assert_eq!(store.counts().unwrap().0 as usize, orders);
    println!(
        "BENCH {{\"orders\":{orders},\"sync_seconds\":{sync_secs},\"fetch_only_seconds\":{fetch_secs},\"orders_per_second\":{},\"fetch_only_orders_per_second\":{}}}",
        orders as f64 / sync_secs,
        orders as f64 / fetch_secs
    );
}
