//! `sync --backfill` against the mock's bulk operations: the whole history with line items,
//! resumption after an interruption mid-stream (a range request on the same file), and a new
//! operation from the watermark once the result URL has expired.

use crate::support;

use support::{Behaviour, MockShopify, TestDb, manual_clock, shop, shopify};

use globex::backfill::{self, BackfillStats, Options};
use globex::clock::ManualClock;
use globex::shopify::Shopify;
use globex::store::Store;
use globex::{money, report, sync};

fn options() -> Options {
    Options {
        poll_interval: std::time::Duration::from_secs(5),
        max_polls: 100,
    }
}

fn run(
    shopify: &mut Shopify,
    store: &mut Store,
    clock: &ManualClock,
) -> anyhow::Result<BackfillStats> {
    backfill::backfill(shopify, store, clock, options(), &mut |_, _| {})
}

fn assert_whole_shop(store: &mut Store, orders: usize, customers: usize) {
    assert_eq!(
        store.counts().unwrap(),
        (
            orders as i64,
            shop::expected_line_items(0..orders),
            customers as i64
        ),
        "(orders, line items, customers): every record once"
    );
    let report = report::from_store(store).unwrap();
    let expected = shop::expected_totals(0..orders);
    for row in &report.totals {
        let (count, minor) = expected[row.currency.as_str()];
        let exponent = money::exponent(&row.currency).unwrap();
        assert_eq!(
            (row.orders, row.currency.as_str()),
            (count, row.currency.as_str())
        );
        // Each order's one product sale came through the bulk result's agreement lines.
        assert_eq!(
            row.gross_sales,
            money::format(minor, exponent),
            "{}",
            row.currency
        );
    }
    assert_eq!(report.time_zone, "America/Los_Angeles");
    assert!(report.complete_history);
}

#[test]
fn backfill_copies_the_whole_shop_through_bulk_operations() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            bulk_polls: 3,
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run(&mut shopify(&mock, &clock), &mut store, &clock).unwrap();
    assert_eq!(
        (stats.orders, stats.customers, stats.operations),
        (3000, 600, 2)
    );
    assert_eq!(stats.line_items as i64, shop::expected_line_items(0..3000));
    assert!(
        clock.slept() >= 2 * 3 * 5,
        "polled while RUNNING: slept {}",
        clock.slept()
    );
    assert_whole_shop(&mut store, 3000, 600);
    assert!(mock.log(|l| l.bulk_queries[0].contains("lineItems")));
    assert_eq!(mock.log(|l| l.afters.len()), 0, "no page was read");

    // The routine sync goes on from where the backfill ended.
    let routine = sync::sync(&mut shopify(&mock, &clock), &mut store, &mut |_, _| {}).unwrap();
    let overlap = sync::OVERLAP_SECONDS as u64 + 1;
    assert_eq!((routine.orders, routine.customers), (overlap, overlap));
    assert_whole_shop(&mut store, 3000, 600);
}

#[test]
fn a_backfill_cut_mid_stream_resumes_with_a_range_request() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            orders: 20_000,
            bulk_cut_after: Some(6_000_000),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    assert!(
        run(&mut shopify(&mock, &clock), &mut store, &clock).is_err(),
        "the connection was cut"
    );
    let (committed, _, _) = store.counts().unwrap();
    assert!(
        committed > 0 && committed < 20_000,
        "some batches were committed: {committed}"
    );

    let stats = run(&mut shopify(&mock, &clock), &mut store, &clock).unwrap();
    assert_eq!(stats.resumed, ["orders"]);
    assert_eq!(stats.operations, 1, "only the customers' operation was new");
    let downloads = mock.log(|l| l.bulk_downloads.clone());
    let (operation, offset) = downloads[1];
    assert_eq!(operation, 1, "the same result file");
    assert!(
        offset > 0 && offset <= 6_000_000,
        "resumed at a committed line: {offset}"
    );
    assert_whole_shop(&mut store, 20_000, 600);
}

#[test]
fn after_the_result_url_expires_a_new_operation_starts_from_the_watermark() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            orders: 20_000,
            bulk_cut_after: Some(6_000_000),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    assert!(run(&mut shopify(&mock, &clock), &mut store, &clock).is_err());
    mock.expire_bulk_results();

    let stats = run(&mut shopify(&mock, &clock), &mut store, &clock).unwrap();
    assert_eq!(stats.restarted_after_expiry, 1);
    let queries = mock.log(|l| l.bulk_queries.clone());
    assert_eq!(
        queries.len(),
        3,
        "orders, orders again, customers: {queries:?}"
    );
    assert!(
        queries[1].contains("updated_at:>='2026-01-01T"),
        "from the watermark: {}",
        queries[1]
    );
    assert!(
        stats.orders < 20_000,
        "the second operation read only what was missing: {}",
        stats.orders
    );
    assert_whole_shop(&mut store, 20_000, 600);
}

#[test]
fn a_backfill_without_read_all_orders_warns_and_sees_only_60_days() {
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
    let stats = run(&mut shopify(&mock, &clock), &mut store, &clock).unwrap();
    assert!(!stats.full_history);
    assert!(stats.orders < 3000);
    let report = report::from_store(&mut store).unwrap();
    assert_eq!(report.warnings, [report::TRUNCATED]);
}
