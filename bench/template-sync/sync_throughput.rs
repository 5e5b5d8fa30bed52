//! Copied into a generated client's `tests/` by `cargo xtask bench`: P5, the routine sync's
//! throughput into the client's SQLite database from the loopback mock, next to the mock's own
//! fetch-only throughput measured in the same run. Prints one JSON line.

mod support;

use std::time::Instant;
use support::{Behaviour, MockShopify, TestDb, manual_clock, shopify};

#[test]
fn sync_throughput() {
    let orders: usize = std::env::var("BENCH_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour { orders, customers: 0, ..Behaviour::default() }, shared);

    // Baseline: the same pages (the sync's own query and page size) fetched and parsed, nothing
    // stored.
    let mut client = shopify(&mock, &clock);
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let mut fetched = 0usize;
    loop {
        let data = client
            .graphql(
                acme::graphql::ORDERS,
                serde_json::json!({ "first": acme::sync::page_size(acme::store::Resource::Orders), "after": cursor }),
            )
            .unwrap();
        let page = &data["orders"];
        fetched += page["nodes"].as_array().unwrap().len();
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        cursor = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let fetch_secs = started.elapsed().as_secs_f64();
    assert_eq!(fetched, orders);

    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    let started = Instant::now();
    let stats = acme::sync::sync(&mut client, &mut store, &mut |_, _| {}).unwrap();
    let sync_secs = started.elapsed().as_secs_f64();
    assert_eq!(stats.orders as usize, orders);
    assert_eq!(store.counts().unwrap().0 as usize, orders);
    println!(
        "BENCH {{\"orders\":{orders},\"sync_seconds\":{sync_secs},\"fetch_only_seconds\":{fetch_secs},\"orders_per_second\":{},\"fetch_only_orders_per_second\":{}}}",
        orders as f64 / sync_secs,
        orders as f64 / fetch_secs
    );
}
