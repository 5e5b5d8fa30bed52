//! `reconcile` against Shopify's own sales report, answered by the mock from the synthetic
//! shop's figures worked out by hand (the same as `tests/ledger.rs`): agreement, a planted
//! difference, a difference within one minor unit, and the two ways Shopify cannot be asked.

use crate::support;

use serde_json::{Value, json};
use support::{Behaviour, MockShopify, TestDb, ledger_shop, manual_clock};

use globex::config::ClientConfig;
use globex::reconcile::{self, CouldNotAsk};
use globex::shopify::Shopify;
use globex::store::Store;
use globex::sync;

/// Shopify's answer for the synthetic shop (order 7 deleted), month by month: orders, gross,
/// discounts, returns, net, shipping, duties, fees, taxes, total.
fn shopify_table() -> Value {
    let columns: Vec<Value> = [
        "month",
        "orders",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "shipping_charges",
        "duties",
        "additional_fees",
        "taxes",
        "total_sales",
    ]
    .iter()
    .map(|name| json!({ "name": name, "dataType": "STRING" }))
    .collect();
    json!({ "columns": columns, "rows": [
        { "month": "2026-01-01", "orders": "3", "gross_sales": "150.00", "discounts": "-10.00", "returns": "-30.00",
          "net_sales": "110.00", "shipping_charges": "5.00", "duties": "0.00", "additional_fees": "0.00", "taxes": "7.60", "total_sales": "122.60" },
        { "month": "2026-02-01", "orders": "3", "gross_sales": "125.00", "discounts": "0.00", "returns": "-105.00",
          "net_sales": "20.00", "shipping_charges": "0.00", "duties": "3.00", "additional_fees": "0.00", "taxes": "-3.60", "total_sales": "19.40" },
        { "month": "2026-03-01", "orders": "1", "gross_sales": "32.00", "discounts": "0.00", "returns": "0.00",
          "net_sales": "32.00", "shipping_charges": "0.00", "duties": "0.00", "additional_fees": "0.00", "taxes": "0.00", "total_sales": "32.00" }
    ] })
}

/// The client's configuration with reconciliation enabled (`read_reports` asked for).
fn config() -> ClientConfig {
    let mut config = support::client_config();
    config.shopify.scopes.push(reconcile::SCOPE.to_owned());
    config
}

fn connect<'c>(
    mock: &MockShopify,
    config: &ClientConfig,
    clock: &'c dyn globex::clock::Clock,
) -> Shopify<'c> {
    let endpoint = globex::config::endpoint(&config.shopify.shop, Some(&mock.url)).unwrap();
    Shopify::new(config, endpoint, support::credentials(), clock).unwrap()
}

/// A synced synthetic shop whose grant holds `read_reports`.
fn synced() -> (support::mock::ManualClockRef, MockShopify, TestDb, Store) {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            customers: 0,
            granted_scope: format!("{},{}", support::READ_SCOPES, reconcile::SCOPE),
            shop_zone: ledger_shop::ZONE.to_owned(),
            ledger: Some(ledger_shop::orders()),
            deleted: vec![ledger_shop::DELETED],
            shopifyql: Some(shopify_table()),
            ..Behaviour::default()
        },
        shared,
    );
    let db = TestDb::new();
    let mut store = db.store();
    let config = config();
    sync::sync(
        &mut connect(&mock, &config, &clock),
        &mut store,
        &mut |_, _| {},
    )
    .unwrap();
    (clock, mock, db, store)
}

#[test]
fn the_report_agrees_with_shopifys_own() {
    let (clock, mock, _db, mut store) = synced();
    let config = config();
    let r =
        reconcile::reconcile(&mut connect(&mock, &config, &clock), &mut store, None, None).unwrap();
    assert_eq!(r.months, ["2026-01", "2026-02", "2026-03"]);
    assert_eq!(r.lines.len(), 3 * reconcile::METRICS.len());
    assert!(r.agreed, "{}", reconcile::table(&r));
    assert_eq!(
        mock.log(|l| l.shopifyql.clone()),
        [reconcile::shopifyql("2026-01", "2026-03").unwrap()]
    );
    let record = reconcile::record(&r, 1_780_000_000).unwrap();
    assert_eq!(record.at, "2026-05-28T20:26:40Z");
    assert!(record.agreed);
}

#[test]
fn a_planted_difference_is_reported_and_one_minor_unit_is_not() {
    let (clock, mock, _db, mut store) = synced();
    let config = config();
    let mut planted = shopify_table();
    planted["rows"][0]["total_sales"] = json!("122.62");
    planted["rows"][1]["taxes"] = json!("-3.59");
    mock.set(|b| b.shopifyql = Some(planted));
    let r = reconcile::reconcile(
        &mut connect(&mock, &config, &clock),
        &mut store,
        Some("2026-01"),
        Some("2026-02"),
    )
    .unwrap();
    assert!(!r.agreed);
    assert_eq!(r.months, ["2026-01", "2026-02"]);
    let differing: Vec<_> = r.lines.iter().filter(|l| !l.agrees).collect();
    assert_eq!(differing.len(), 1, "{}", reconcile::table(&r));
    assert_eq!(
        (
            differing[0].month.as_str(),
            differing[0].metric.as_str(),
            differing[0].difference.as_str()
        ),
        ("2026-01", "total_sales", "0.02")
    );
    assert!(reconcile::table(&r).contains("DIFFERS"));
}

#[test]
fn without_read_reports_or_protected_data_access_nothing_is_compared() {
    let (clock, mock, _db, mut store) = synced();
    // The grant without read_reports.
    mock.set(|b| b.granted_scope = support::READ_SCOPES.to_owned());
    let config = config();
    let err = reconcile::reconcile(&mut connect(&mock, &config, &clock), &mut store, None, None)
        .unwrap_err();
    assert!(err.downcast_ref::<CouldNotAsk>().is_some(), "{err:#}");
    assert!(format!("{err:#}").contains("read_reports"), "{err:#}");
    assert!(mock.log(|l| l.shopifyql.is_empty()), "nothing was asked");

    // Shopify refuses: protected customer data (level 2) is not enabled for the app.
    mock.set(|b| {
        b.granted_scope = format!("{},{}", support::READ_SCOPES, reconcile::SCOPE);
        b.shopifyql_refused = true;
    });
    let err = reconcile::reconcile(&mut connect(&mock, &config, &clock), &mut store, None, None)
        .unwrap_err();
    assert!(err.downcast_ref::<CouldNotAsk>().is_some(), "{err:#}");
    assert!(
        format!("{err:#}").contains("protected customer data, level 2"),
        "{err:#}"
    );
}
