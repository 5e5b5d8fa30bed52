//! The crate against a mock Shopify on loopback: numbers, idempotence, resumption, the scope
//! guard, rate limits, token expiry, and that no secret ever reaches a file or the output.

mod support;

use std::sync::Arc;
use support::{Behaviour, CLIENT_ID, client_secret, MockShopify, TestDb, client_config, expected_totals, manual_clock};
use {{ crate_name }}::clock::{Clock, ManualClock, SystemClock};
use {{ crate_name }}::config::Credentials;
use {{ crate_name }}::secret::Secret;
use {{ crate_name }}::shopify::Shopify;
use {{ crate_name }}::store::Store;
use {{ crate_name }}::{report, sync};

fn credentials() -> Credentials {
    Credentials { client_id: CLIENT_ID.to_owned(), client_secret: Secret::new(client_secret()) }
}

fn shopify<'c>(mock: &MockShopify, clock: &'c dyn Clock) -> Shopify<'c> {
    Shopify::new(&client_config(), mock.url.clone(), credentials(), clock)
}

fn run_sync(shopify: &mut Shopify, store: &mut Store) -> anyhow::Result<sync::SyncStats> {
    sync::sync(shopify, store, &mut |_, _| {})
}

#[test]
fn sync_and_report_match_the_shop() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!((stats.orders, stats.customers), (3000, 600));
    assert_eq!(stats.pages, 12 + 3);
    assert_eq!(store.counts().unwrap(), (3000, 600));

    let report = report::build(&store.revenue_by_month().unwrap());
    let expected = expected_totals(3000);
    assert_eq!(report.totals.len(), expected.len());
    for row in &report.totals {
        let (count, minor) = expected[row.currency.as_str()];
        assert_eq!(row.orders, count, "{}", row.currency);
        assert_eq!(row.revenue, report::money(minor), "{}", row.currency);
        assert_eq!(row.average_order, report::money(minor / count), "{}", row.currency);
    }
    assert_eq!(report.months.len(), 12 * 2);
    assert_eq!(report.months.iter().map(|r| r.orders).sum::<i64>(), 3000);
}

#[test]
fn resync_adds_no_duplicates() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour::default(), shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    let before = store.revenue_by_month().unwrap();
    let again = run_sync(&mut client, &mut store).unwrap();
    assert!(again.resumed.is_empty(), "a finished sync starts over, it does not resume");
    assert_eq!(again.orders, 3000);
    assert_eq!(store.counts().unwrap(), (3000, 600));
    assert_eq!(store.revenue_by_month().unwrap(), before);
}

#[test]
fn interrupted_sync_resumes_from_the_last_cursor() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour { fail_from: Some(5), ..Behaviour::default() }, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let err = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap_err();
    assert!(format!("{err:#}").contains("500"), "{err:#}");
    assert_eq!(store.counts().unwrap(), (1000, 0), "four pages were committed before the failure");

    mock.set(|b| b.fail_from = None);
    let requests_before = mock.log(|l| l.afters.len());
    let stats = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap();
    assert_eq!(stats.resumed, ["orders"]);
    assert_eq!(stats.orders, 2000, "only what was missing is fetched again");
    assert_eq!(mock.log(|l| l.afters[requests_before].clone()), Some("cursor-999".to_owned()));
    assert_eq!(store.counts().unwrap(), (3000, 600));
}

#[test]
fn throttled_and_rate_limited_requests_wait_and_retry() {
    let (clock, shared) = manual_clock();
    let behaviour = Behaviour { throttle_on: vec![2], rate_limit_on: vec![4], ..Behaviour::default() };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    assert_eq!((client.stats.throttled, client.stats.rate_limited), (1, 1));
    assert!(clock.slept() >= 2 + 5, "Retry-After 2 s and ~5 s for the query cost; slept {}", clock.slept());
    assert_eq!(store.counts().unwrap(), (3000, 600));
}

#[test]
fn token_is_renewed_before_it_expires_during_a_long_sync() {
    let (clock, shared) = manual_clock();
    // Each page takes "three hours": the sync crosses the 24-hour mark twice.
    let behaviour = Behaviour { page_clock: Some((clock.clone(), 3 * 3600)), ..Behaviour::default() };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    let stats = run_sync(&mut client, &mut store).unwrap();
    assert_eq!(stats.orders, 3000);
    assert!(client.stats.tokens_requested >= 2, "renewed: {}", client.stats.tokens_requested);
    assert_eq!(mock.log(|l| l.expired_token_uses), 0, "no request went out with an expired token");
    assert_eq!(client.stats.unauthorized, 0);
}

#[test]
fn token_revoked_mid_sync_is_renewed_once() {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour { revoke_on: vec![3], ..Behaviour::default() }, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let mut client = shopify(&mock, &clock);
    run_sync(&mut client, &mut store).unwrap();
    assert_eq!(client.stats.unauthorized, 1);
    assert_eq!(mock.log(|l| l.token_requests), 2);
    assert_eq!(store.counts().unwrap(), (3000, 600));
}

#[test]
fn grant_with_a_write_scope_reads_nothing() {
    let clock = ManualClock::starting_at(1_780_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let behaviour = Behaviour { granted_scope: "read_orders,write_orders".into(), ..Behaviour::default() };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let mut store = db.store();
    let err = run_sync(&mut shopify(&mock, &clock), &mut store).unwrap_err();
    assert!(format!("{err:#}").contains("write_orders"), "{err:#}");
    assert_eq!(mock.log(|l| l.graphql_requests), 0, "not a single data request");
    assert_eq!(store.counts().unwrap(), (0, 0));
}

#[test]
fn grant_wider_than_client_toml_reads_nothing() {
    let (clock, shared) = manual_clock();
    let behaviour = Behaviour { granted_scope: "read_orders,read_customers,read_products,read_inventory".into(), ..Behaviour::default() };
    let mock = MockShopify::start(behaviour, shared);
    let db = TestDb::new();
    let err = run_sync(&mut shopify(&mock, &clock), &mut db.store()).unwrap_err();
    assert!(format!("{err:#}").contains("read_inventory"), "{err:#}");
    assert_eq!(mock.log(|l| l.graphql_requests), 0);
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
    assert!(!debug.contains(client_secret()), "{debug}");
    assert!(debug.contains("Secret(***)"));
}
