//! The routine sync against a mock Shopify on loopback: numbers, incremental runs, resumption,
//! the scope guard, the cost-aware limiter, throttling, token renewal, redirects, and the
//! truncated-history warning.

use crate::support;

use std::sync::Arc;
use support::capture::Capture;
use support::{Behaviour, MockShopify, TestDb, manual_clock, shop, shopify};

use globex::clock::{Clock, ManualClock, SystemClock};
use globex::shopify::MaxCostExceeded;
use globex::shopify::Shopify;
use globex::store::Resource;
use globex::store::Store;
use globex::{backfill, graphql, money, report, sync};

fn run_sync(shopify: &mut Shopify, store: &mut Store) -> anyhow::Result<sync::SyncStats> {
    sync::sync(shopify, store, &mut |_, _| {})
}

fn build_report(store: &mut Store) -> report::Report {
    report::from_store(store).unwrap()
}

/// `minor / count` rounded half away from zero (the report's average order value).
fn average(minor: i64, count: i64) -> i64 {
    (2 * minor + count) / (2 * count)
}

/// The report's totals equal what the shop holds, in each currency's own minor unit (each mock
/// order is one product sale of its whole total).
fn assert_totals(report: &report::Report, orders: impl IntoIterator<Item = usize>) {
    let expected = shop::expected_totals(orders);
    assert_eq!(report.totals.len(), expected.len());
    for row in &report.totals {
        let (count, minor) = expected[row.currency.as_str()];
        let exponent = money::exponent(&row.currency).unwrap();
        assert_eq!(row.orders, count, "{}", row.currency);
        assert_eq!(
            (&row.gross_sales, &row.net_sales, &row.total_sales),
            (
                &money::format(minor, exponent),
                &money::format(minor, exponent),
                &money::format(minor, exponent)
            ),
            "{}",
            row.currency
        );
        assert_eq!(
            row.average_order_value,
            money::format(average(minor, count), exponent),
            "{}",
            row.currency
        );
    }
}

#[test]
fn sync_and_report_match_the_shop() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!((stats.orders, stats.customers), (3000, 600));
    let order_pages = 3000_u64.div_ceil(u64::from(sync::page_size(Resource::Orders)));
    assert_eq!(stats.pages, order_pages + 3);
    assert_eq!(stats.bulk_operations, 0);
    assert!(
        mock.log(|l| l.bulk_queries.is_empty()),
        "fewer than sync::BULK_ORDERS changed orders are read page by page"
    );
    assert!(stats.full_history);
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));

    let report = build_report(&mut store);
    assert_totals(&report, 0..3000);
    let month_currencies: std::collections::BTreeSet<_> = (0..3000)
        .map(|i| (shop::order(i).0, shop::order(i).1))
        .collect();
    assert_eq!(report.months.len(), month_currencies.len());
    assert_eq!(report.months.iter().map(|r| r.orders).sum::<i64>(), 3000);
    assert!(report.complete_history);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let covers = report.covers.unwrap();
    assert_eq!(
        (covers.first_order.as_str(), covers.last_order.as_str()),
        ("2026-01-15", "2026-12-15")
    );
    let jpy = report.totals.iter().find(|r| r.currency == "JPY").unwrap();
    assert!(
        !jpy.total_sales.contains('.'),
        "yen have no decimals: {}",
        jpy.total_sales
    );
    let kwd = report.totals.iter().find(|r| r.currency == "KWD").unwrap();
    assert_eq!(
        kwd.total_sales.split('.').nth(1).map(str::len),
        Some(3),
        "{}",
        kwd.total_sales
    );
}

#[test]
fn a_routine_sync_reads_only_what_changed() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    let before = store.revenue_by_month().unwrap();

    let again = run_sync(&mut client, &mut store).unwrap();
    assert!(again.resumed.is_empty(), "a finished sync does not resume");
    let overlap = sync::OVERLAP_SECONDS as usize;
    assert_eq!(
        (again.orders, again.customers),
        (overlap as u64 + 1, overlap as u64 + 1),
        "only the records changed in the overlap window before the watermark"
    );
    assert_eq!(
        mock.log(|l| l.filters.last().cloned().flatten()),
        Some(format!(
            "updated_at:>='{}'",
            shop::updated_at(599 - overlap)
        ))
    );
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));
    assert_eq!(store.revenue_by_month().unwrap(), before, "no duplicates");

    mock.set(|b| b.orders = 3100);
    let more = run_sync(&mut client, &mut store).unwrap();
    assert_eq!(
        more.orders,
        100 + overlap as u64 + 1,
        "the 100 new orders and those of the overlap window"
    );
    assert_eq!(store.counts().unwrap(), (3100, 0, 600));
    assert_totals(&build_report(&mut store), 0..3100);
}

/// A shop of 3,000 orders, synced (page by page), that then takes 20,000 more: more than
/// `sync::BULK_ORDERS` changed since the last sync.
fn synced_then_grown(bulk_cut_after: Option<u64>) -> (ManualClock, MockShopify, TestDb) {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let db = TestDb::new();
    let first = run_sync(&mut shopify(&mock, &clock), &mut db.store()).unwrap();
    assert_eq!((first.orders, first.bulk_operations), (3000, 0));
    mock.set(|b| {
        b.orders = 23_000;
        b.bulk_cut_after = bulk_cut_after;
    });
    (clock, mock, db)
}

#[test]
fn many_changed_orders_are_read_through_one_bulk_operation_from_the_watermark() {
    let (clock, mock, db) = synced_then_grown(None);
    let mut store = db.store();
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    let overlap = sync::OVERLAP_SECONDS as u64 + 1;
    assert_eq!(stats.bulk_operations, 1);
    assert_eq!(
        stats.orders,
        20_000 + overlap,
        "the new orders and the overlap"
    );
    let queries = mock.log(|l| l.bulk_queries.clone());
    let from = sync::overlap(&shop::updated_at(2999)).unwrap();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert!(
        queries[0].contains(&format!("orders(query: \"updated_at:>='{from}'\"")),
        "from the watermark, less the overlap: {}",
        queries[0]
    );
    let first_read = 2999 - sync::OVERLAP_SECONDS as usize;
    assert_eq!(
        store.counts().unwrap(),
        (23_000, shop::expected_line_items(first_read..23_000), 600),
        "every order once; line items of those the bulk operation read"
    );
    assert_totals(&build_report(&mut store), 0..23_000);

    // The watermark moved past them: the next sync reads the overlap again, page by page.
    let next = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!((next.orders, next.bulk_operations), (overlap, 0));
    assert_eq!(mock.log(|l| l.bulk_queries.len()), 1);
    assert_eq!(store.counts().unwrap().0, 23_000);
}

#[test]
fn a_bulk_read_cut_mid_stream_is_continued_by_the_next_sync() {
    let (clock, mock, db) = synced_then_grown(Some(3_000_000));
    let mut store = db.store();
    assert!(run_sync(&mut shopify(&mock, &clock), &mut store).is_err());
    let committed = store.counts().unwrap().0;
    assert!(
        committed > 3000 && committed < 23_000,
        "some batches were committed: {committed}"
    );

    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!(stats.resumed, ["orders"]);
    assert_eq!(stats.bulk_operations, 0, "the same operation, continued");
    let downloads = mock.log(|l| l.bulk_downloads.clone());
    assert_eq!(downloads.len(), 2, "{downloads:?}");
    assert_eq!(downloads[1].0, 1, "the same result file");
    assert!(
        downloads[1].1 > 0 && downloads[1].1 <= 3_000_000,
        "from a committed line: {downloads:?}"
    );
    assert_eq!(store.counts().unwrap().0, 23_000);
    assert_totals(&build_report(&mut store), 0..23_000);
}

#[test]
fn a_backfill_after_a_cut_bulk_read_of_the_sync_starts_over_from_the_beginning() {
    let (clock, mock, db) = synced_then_grown(Some(3_000_000));
    let mut store = db.store();
    assert!(run_sync(&mut shopify(&mock, &clock), &mut store).is_err());

    let options = backfill::Options {
        poll_interval: std::time::Duration::from_secs(5),
        max_polls: 100,
    };
    let stats = backfill::backfill(
        &mut shopify(&mock, &clock),
        &mut store,
        &clock,
        options,
        &mut |_, _| {},
    )
    .unwrap();
    assert!(stats.resumed.is_empty(), "{:?}", stats.resumed);
    let queries = mock.log(|l| l.bulk_queries.clone());
    assert_eq!(
        queries.len(),
        3,
        "the sync's, orders and customers: {queries:?}"
    );
    assert!(
        queries[1].contains("orders(sortKey: UPDATED_AT)"),
        "the whole history: {}",
        queries[1]
    );
    assert_eq!(
        store.counts().unwrap(),
        (23_000, shop::expected_line_items(0..23_000), 600),
        "every order with its line items"
    );
    assert_totals(&build_report(&mut store), 0..23_000);
}

#[test]
fn interrupted_sync_resumes_from_the_last_cursor() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            fail_from: Some(6),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let err = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap_err();
    assert!(format!("{err:#}").contains("500"), "{err:#}");
    // Request 1 asked for the shop, request 2 counted the changed orders (too few for a bulk
    // operation); requests 3 to 5 were pages of orders.
    let committed = 3 * i64::from(sync::page_size(Resource::Orders));
    assert_eq!(
        store.counts().unwrap(),
        (committed, 0, 0),
        "three pages were committed before the failure"
    );

    mock.set(|b| b.fail_from = None);
    let requests_before = mock.log(|l| l.afters.len());
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!(stats.resumed, ["orders"]);
    assert_eq!(
        stats.orders,
        3000 - committed as u64,
        "only what was missing is fetched again"
    );
    assert_eq!(
        mock.log(|l| l.afters[requests_before].clone()),
        Some(format!("cursor-{}", committed - 1))
    );
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));
}

#[test]
fn throttled_as_200_or_429_and_rate_limited_requests_wait_and_retry() {
    for status in [200, 429] {
        let (clock, shared) = manual_clock();
        let behaviour = Behaviour {
            throttle_on: vec![2, 3],
            throttle_status: status,
            rate_limit_on: vec![5],
            ..Behaviour::default()
        };
        let mock = MockShopify::start(behaviour, shared);
        let db = TestDb::new();
        let mut store = db.store();
        let mut client = shopify(&mock, &clock);
        run_sync(&mut client, &mut store).unwrap();
        assert_eq!(
            (client.stats.throttled, client.stats.rate_limited),
            (2, 1),
            "THROTTLED with HTTP {status}"
        );
        // THROTTLED: (8 requested - 2 available) / 100 per second, under a second, twice;
        // 429: 2 s.
        assert!(clock.slept() >= 2, "slept {}", clock.slept());
        assert_eq!(store.counts().unwrap(), (3000, 0, 600));
    }
}

#[test]
fn the_cost_aware_limiter_keeps_within_the_bucket() {
    let (clock, shared) = manual_clock();
    // A small bucket: 1000 points, 50 restored per second; pages priced by Shopify's rules.
    let mock = MockShopify::start(
        Behaviour {
            cost_bucket: Some((1000.0, 50.0)),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    // The deletion events' query is one the limiter has not priced yet when it is first sent
    // after the customers drained the bucket: at most that one request meets a dry bucket.
    assert!(
        mock.log(|l| l.throttled) <= 1,
        "the limiter waited before the bucket ran dry"
    );
    assert!(client.stats.paced > 0);
    // The shop, pages of orders, 3 pages of customers and one of deletion events, each priced
    // by Shopify's rules, from a full bucket of 1000 refilling at 50 per second.
    let price = |document: &str, first: u32| {
        support::cost::requested_cost(document, &serde_json::json!({ "first": first })).unwrap()
    };
    let orders_page = price(graphql::ORDERS, sync::page_size(Resource::Orders));
    let customers_page = price(graphql::CUSTOMERS, sync::page_size(Resource::Customers));
    assert_eq!(
        (orders_page, customers_page),
        (873, 503),
        "2 + 6 × 145 + 1 and 2 + 250 × 2 + 1"
    );
    let shop = price(graphql::SHOP, 0);
    let deletions = price(graphql::DELETIONS, 250);
    let order_pages = 3000_u64.div_ceil(u64::from(sync::page_size(Resource::Orders)));
    let needed = (shop + order_pages * orders_page + 3 * customers_page + deletions - 1000) / 50;
    assert!(
        clock.slept() >= needed && clock.slept() <= needed + 18,
        "slept {} s, needed {needed} s",
        clock.slept()
    );
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));
}

#[test]
fn token_is_renewed_before_it_expires_during_a_long_sync() {
    let (clock, shared) = manual_clock();
    // Each page takes "three hours": the sync crosses the 24-hour mark twice.
    let behaviour = Behaviour {
        page_clock: Some((clock.clone(), 3 * 3600)),
        ..Behaviour::default()
    };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    let stats = run_sync(&mut client, &mut store).unwrap();
    assert_eq!(stats.orders, 3000);
    assert!(
        client.stats.tokens_requested >= 2,
        "renewed: {}",
        client.stats.tokens_requested
    );
    assert_eq!(
        mock.log(|l| l.expired_token_uses),
        0,
        "no request went out with an expired token"
    );
    assert_eq!(client.stats.unauthorized, 0);
}

#[test]
fn a_token_shorter_lived_than_the_renewal_margin_is_not_granted_per_request() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            expires_in: 120,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut db.store()).unwrap();
    assert_eq!(
        mock.log(|l| l.token_requests),
        1,
        "one grant for the whole sync"
    );
}

#[test]
fn the_token_endpoint_is_retried_after_429_and_5xx() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            token_failures: vec![429, 503],
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut db.store()).unwrap();
    assert_eq!(mock.log(|l| l.token_requests), 3);
    assert!(
        clock.slept() >= 3 + 2,
        "Retry-After 3 s, then a back-off: slept {}",
        clock.slept()
    );

    let mock = MockShopify::start(
        Behaviour {
            token_failures: vec![503; 10],
            ..Behaviour::default()
        },
        Arc::new(clock.clone()),
    );
    let err = shopify(&mock, &clock).token().unwrap_err();
    assert!(format!("{err:#}").contains("HTTP 503"), "{err:#}");
}

#[test]
fn token_revoked_mid_sync_is_renewed_once() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            revoke_on: vec![3],
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    assert_eq!(client.stats.unauthorized, 1);
    assert_eq!(mock.log(|l| l.token_requests), 2);
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));
}

#[test]
fn grant_with_a_write_scope_reads_nothing() {
    let clock = ManualClock::starting_at(support::CLOCK_START);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let behaviour = Behaviour {
        granted_scope: "read_orders,write_orders".into(),
        ..Behaviour::default()
    };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let err = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap_err();
    assert!(format!("{err:#}").contains("write_orders"), "{err:#}");
    assert_eq!(
        mock.log(|l| l.graphql_requests),
        0,
        "not a single data request"
    );
    assert_eq!(store.counts().unwrap(), (0, 0, 0));
}

#[test]
fn grant_wider_than_client_toml_reads_nothing() {
    let (clock, shared) = manual_clock();
    let scope = format!("{},read_inventory", support::READ_SCOPES);
    let mock = MockShopify::start(
        Behaviour {
            granted_scope: scope,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let err = run_sync(&mut shopify(&mock, &clock), &mut db.store()).unwrap_err();
    assert!(format!("{err:#}").contains("read_inventory"), "{err:#}");
    assert_eq!(mock.log(|l| l.graphql_requests), 0);
}

#[test]
fn a_sync_without_read_all_orders_warns_that_the_report_is_truncated() {
    let (clock, shared) = manual_clock();
    let scope = "read_orders,read_customers".to_owned();
    let mock = MockShopify::start(
        Behaviour {
            granted_scope: scope,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert!(!stats.full_history);
    assert!(
        stats.orders < 3000,
        "the shop hid orders older than 60 days: {}",
        stats.orders
    );
    let report = build_report(&mut store);
    assert!(!report.complete_history);
    assert_eq!(report.warnings, [report::TRUNCATED]);
    assert!(
        report::table(&report).contains("warning: the last sync's grant lacked read_all_orders")
    );
}

#[test]
fn redirects_are_errors_and_the_target_receives_nothing() {
    let capture = Capture::start();
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            redirect_token: Some(format!("{}/steal", capture.url)),
            ..Behaviour::default()
        },
        Arc::clone(&shared),
    );
    let err = shopify(&mock, &clock).token().unwrap_err();
    assert!(format!("{err:#}").contains("HTTP 302"), "{err:#}");

    let mock = MockShopify::start(
        Behaviour {
            redirect_graphql: Some(format!("{}/steal", capture.url)),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let err = run_sync(&mut shopify(&mock, &clock), &mut db.store()).unwrap_err();
    assert!(format!("{err:#}").contains("HTTP 302"), "{err:#}");
    assert_eq!(
        capture.received(),
        Vec::<String>::new(),
        "nothing followed the redirect"
    );
}

#[test]
fn debug_output_never_shows_the_token() {
    let clock = SystemClock;
    let mock = MockShopify::start(Behaviour::default(), Arc::new(SystemClock));
    let mut client = shopify(&mock, &clock);
    client.token().unwrap();
    let debug = format!("{client:?}");
    let issued = mock.log(|l| l.issued.clone());
    assert!(!debug.contains(&issued[0]), "{debug}");
    assert!(!debug.contains(support::client_secret()), "{debug}");
    assert!(debug.contains("Secret(***)"));
}

#[test]
fn mock_timestamps_round_trip() {
    assert_eq!(shop::timestamp(shop::UPDATED_BASE), "2026-01-01T00:00:00Z");
    assert_eq!(
        shop::timestamp(support::CLOCK_START),
        "2026-05-28T20:26:40Z"
    );
    for t in [shop::UPDATED_BASE, support::CLOCK_START, 951_782_400] {
        assert_eq!(shop::unix(&shop::timestamp(t)), Some(t));
    }
}

/// The mock prices a query as Shopify documents it (so a test cannot pass a query Shopify
/// would refuse).
#[test]
fn the_mock_prices_queries_by_shopify_rules() {
    use serde_json::json;
    use support::cost::requested_cost;
    let page = "query($first: Int!) { orders(first: $first) { pageInfo { hasNextPage } \
                nodes { id customer { id } totalPriceSet { shopMoney { amount } } } } }";
    // 2 + 250 × (order, customer, totalPriceSet, shopMoney) + pageInfo
    assert_eq!(requested_cost(page, &json!({ "first": 250 })), Ok(1003));
    assert_eq!(requested_cost(page, &json!({ "first": 100 })), Ok(403));
    let edges = "{ customers(first: 10) { edges { cursor node { id amountSpent { amount } } } } }";
    assert_eq!(requested_cost(edges, &json!({})), Ok(22));
    assert_eq!(
        requested_cost("mutation { appUninstall { app { id } } }", &json!({})),
        Ok(10)
    );
    assert_eq!(requested_cost("{ shop { name } }", &json!({})), Ok(1));
    assert!(requested_cost("{ orders(after: \"x\") { nodes { id } } }", &json!({})).is_err());
    assert!(requested_cost("{ orders(first: $missing) { nodes { id } } }", &json!({})).is_err());
    assert!(requested_cost("{ orders(first: 1) { ", &json!({})).is_err());
    // An argument without a value (a bulk query whose placeholder was not replaced) is refused,
    // as a query and as a bulk query; the bulk queries the client sends are not.
    let unreplaced = "{ orders(ARGS) { edges { node { id } } } }";
    assert!(requested_cost(unreplaced, &json!({})).is_err());
    assert!(support::cost::bulk_query_error(unreplaced).is_some());
    for resource in [Resource::Orders, Resource::Customers] {
        for from in [None, Some("2026-01-02T03:04:05Z")] {
            let query = globex::backfill::bulk_query(resource, from).unwrap();
            assert_eq!(support::cost::bulk_query_error(&query), None, "{query}");
        }
    }
}

#[test]
fn the_mock_refuses_a_query_over_the_cost_limit_as_shopify_does() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let mut client = shopify(&mock, &clock);
    // 7 orders a page: 2 + 7 × 145 + 1 = 1018 points, over Shopify's 1000 (an order is itself,
    // its customer, totalPriceSet, shopMoney and up to 3 agreements of up to 6 sales: 145).
    let error = client
        .graphql(graphql::ORDERS, serde_json::json!({ "first": 7 }))
        .unwrap_err();
    assert_eq!(
        error.downcast_ref::<MaxCostExceeded>(),
        Some(&MaxCostExceeded {
            cost: 1018.0,
            max_cost: 1000.0
        }),
        "{error:#}"
    );
    assert_eq!(mock.log(|l| (l.over_cost, l.page_sizes.len())), (1, 0));
    // The page the client really asks for is accepted.
    let first = sync::page_size(Resource::Orders);
    let data = client
        .graphql(graphql::ORDERS, serde_json::json!({ "first": first }))
        .unwrap();
    assert_eq!(
        data["orders"]["nodes"].as_array().unwrap().len(),
        first as usize
    );
}

#[test]
fn a_page_shopify_prices_over_the_limit_is_halved_and_the_sync_goes_on() {
    let (clock, shared) = manual_clock();
    // A shop that prices higher than the client: a page of 6 orders (873) or 250 customers
    // (503) is refused, half of either (438, 253) is not.
    let mock = MockShopify::start(
        Behaviour {
            max_cost: 500,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!((stats.orders, stats.customers), (3000, 600));
    assert_eq!(store.counts().unwrap(), (3000, 0, 600));
    let (refused, sizes) = mock.log(|l| (l.over_cost, l.page_sizes.clone()));
    assert_eq!(
        refused, 2,
        "one refusal per resource, then the smaller page is kept"
    );
    assert_eq!(&sizes[..1000], &[3; 1000], "1000 pages of 3 orders");
    assert_eq!(&sizes[1000..1005], &[125; 5], "5 pages of 125 customers");
    assert_totals(&build_report(&mut store), 0..3000);
}

#[test]
fn a_page_refused_even_at_one_record_stops_the_sync_with_shopify_reason() {
    let (clock, shared) = manual_clock();
    // A page of one order costs 2 + 145 + 1 = 148 points: over this shop's limit of 5.
    let mock = MockShopify::start(
        Behaviour {
            max_cost: 5,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let error = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap_err();
    assert_eq!(
        error.downcast_ref::<MaxCostExceeded>(),
        Some(&MaxCostExceeded {
            cost: 148.0,
            max_cost: 5.0
        }),
        "{error:#}"
    );
    // 6, 3, 1: three refusals, nothing stored.
    assert_eq!(mock.log(|l| (l.over_cost, l.page_sizes.len())), (3, 0));
    assert_eq!(store.counts().unwrap(), (0, 0, 0));
}
