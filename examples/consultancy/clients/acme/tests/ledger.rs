//! The sales report by Shopify's definitions, worked out by hand from the synthetic shop
//! (`support::ledger_shop`): months in the shop's time zone, test orders left out, refunds and
//! cancellations dated when they happen, gift cards not sales, deleted orders removed, and a
//! sale Shopify sends that the client cannot place refused with nothing half-written.

use crate::support;

use serde_json::json;
use support::{Behaviour, MockShopify, TestDb, ledger_shop, manual_clock, shopify};

use acme::report::{self, Row};
use acme::store::Store;
use acme::sync;

fn ledger_mock() -> (support::mock::ManualClockRef, MockShopify) {
    let (clock, shared) = manual_clock();
    let mock = MockShopify::start(
        Behaviour {
            customers: 0,
            shop_zone: ledger_shop::ZONE.to_owned(),
            shop_currency: ledger_shop::CURRENCY.to_owned(),
            ledger: Some(ledger_shop::orders()),
            ..Behaviour::default()
        },
        shared,
    );
    (clock, mock)
}

fn run_sync(
    mock: &MockShopify,
    clock: &support::mock::ManualClockRef,
    store: &mut Store,
) -> anyhow::Result<sync::SyncStats> {
    sync::sync(&mut shopify(mock, clock), store, &mut |_, _| {})
}

/// A row as the report prints it: month, orders, then gross, discounts, returns, net,
/// shipping, duties, fees, taxes, total, average order value.
fn row(month: &str, orders: i64, amounts: [&str; 10]) -> Row {
    let [
        gross,
        discounts,
        returns,
        net,
        shipping,
        duties,
        fees,
        taxes,
        total,
        aov,
    ] = amounts;
    Row {
        month: month.to_owned(),
        currency: "USD".to_owned(),
        orders,
        gross_sales: gross.to_owned(),
        discounts: discounts.to_owned(),
        returns: returns.to_owned(),
        net_sales: net.to_owned(),
        shipping: shipping.to_owned(),
        duties: duties.to_owned(),
        fees: fees.to_owned(),
        taxes: taxes.to_owned(),
        total_sales: total.to_owned(),
        average_order_value: aov.to_owned(),
    }
}

/// The report of the synthetic shop once order 7 is deleted, from the definitions:
///
/// January (Los Angeles): orders 1, 2 and 4 (placed 23:30 on the 31st, 1 February in UTC);
/// gross 100.00 + 30.00 + 20.00 = 150.00; discounts −10.00; returns −30.00 (order 2 cancelled
/// on the 21st); net 110.00; shipping 5.00 + 5.00 − 5.00 = 5.00; taxes 7.20 + 0.40 + 2.40 −
/// 2.40 = 7.60; total 110.00 + 5.00 + 7.60 = 122.60; AOV (150.00 − 10.00) ÷ 3 = 46.67.
///
/// February: orders 5, 6 and 8; gross 40.00 (the gift card is no sale) + 60.00 + 25.00 =
/// 125.00; returns −45.00 (order 1's item, refunded on the 12th) − 60.00 (order 6, refunded at
/// 22:00 on the 28th, 1 March in UTC) = −105.00; net 20.00; duties 3.00; taxes −3.60 + 4.80 −
/// 4.80 = −3.60; total 20.00 + 3.00 − 3.60 = 19.40; AOV 125.00 ÷ 3 = 41.67.
///
/// March: order 9 (seven items of 1.00) and order 8's edit (25.00 on the 3rd): gross and net
/// 32.00, total 32.00, one order, AOV 32.00.
///
/// The test order 3 (999.00) is in no figure; the deleted order 7 (15.00) is gone.
fn expected() -> (Vec<Row>, Vec<Row>) {
    (
        vec![
            row(
                "2026-01",
                3,
                [
                    "150.00", "-10.00", "-30.00", "110.00", "5.00", "0.00", "0.00", "7.60",
                    "122.60", "46.67",
                ],
            ),
            row(
                "2026-02",
                3,
                [
                    "125.00", "0.00", "-105.00", "20.00", "0.00", "3.00", "0.00", "-3.60", "19.40",
                    "41.67",
                ],
            ),
            row(
                "2026-03",
                1,
                [
                    "32.00", "0.00", "0.00", "32.00", "0.00", "0.00", "0.00", "0.00", "32.00",
                    "32.00",
                ],
            ),
        ],
        vec![row(
            "total",
            7,
            [
                "307.00", "-10.00", "-135.00", "162.00", "5.00", "3.00", "0.00", "4.00", "174.00",
                "42.43",
            ],
        )],
    )
}

#[test]
fn the_synthetic_shops_report_is_exact() {
    let (clock, mock) = ledger_mock();
    let db = TestDb::new();
    let mut store = db.store();
    let stats = run_sync(&mock, &clock, &mut store).unwrap();
    assert_eq!(stats.orders, 9);
    assert_eq!(stats.deleted, 0);

    // Before the deletion: order 7's 15.00 counts in January.
    let before = report::from_store(&mut store).unwrap();
    assert_eq!(before.months[0].orders, 4);
    assert_eq!(before.months[0].gross_sales, "165.00");
    assert_eq!(before.time_zone, ledger_shop::ZONE);

    // Shopify deletes order 7: the next sync removes it and its sales.
    mock.set(|b| b.deleted = vec![ledger_shop::DELETED]);
    let again = run_sync(&mock, &clock, &mut store).unwrap();
    assert_eq!(again.deleted, 1);
    let report = report::from_store(&mut store).unwrap();
    let (months, totals) = expected();
    assert_eq!(report.months, months);
    assert_eq!(report.totals, totals);
    assert!(report.complete_history);

    // The same figures in every format.
    let csv = report::csv(&report);
    assert!(
        csv.contains(
            "\ntotal,USD,7,307.00,-10.00,-135.00,162.00,5.00,3.00,0.00,4.00,174.00,42.43\n"
        ),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&report::json(&report).unwrap()).unwrap();
    assert_eq!(json["months"][1]["returns"], "-105.00");
    assert_eq!(json["time_zone"], ledger_shop::ZONE);
    let table = report::table(&report);
    assert!(
        table.contains("duties") && !table.contains("fees"),
        "{table}"
    );

    // A third sync changes nothing (the overlap window re-reads, upserts replace).
    run_sync(&mock, &clock, &mut store).unwrap();
    assert_eq!(report::from_store(&mut store).unwrap(), report);
}

#[test]
fn a_sale_the_client_cannot_place_is_refused_and_nothing_of_its_page_is_written() {
    let (clock, mock) = ledger_mock();
    let mut orders = ledger_shop::orders();
    orders[1]["agreements"]["nodes"][0]["sales"]["nodes"][0]["lineType"] = json!("MYSTERY");
    mock.set(|b| b.ledger = Some(orders));
    let db = TestDb::new();
    let mut store = db.store();
    let err = run_sync(&mock, &clock, &mut store).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("gid://shopify/Order/9002"), "{text}");
    assert!(text.contains("lineType `MYSTERY`"), "{text}");
    assert_eq!(store.counts().unwrap().0, 0, "the page was not written");

    let mut orders = ledger_shop::orders();
    orders[0]["agreements"]["nodes"][0]["sales"]["nodes"][0]["totalAmount"]["shopMoney"]["currencyCode"] =
        json!("XYZ");
    mock.set(|b| b.ledger = Some(orders));
    let text = format!("{:#}", run_sync(&mock, &clock, &mut store).unwrap_err());
    assert!(
        text.contains("gid://shopify/Order/9001") && text.contains("totalAmount"),
        "{text}"
    );
    assert!(text.contains("`XYZ`"), "{text}");
    assert_eq!(store.counts().unwrap().0, 0);
}

/// A database as template 0.2.2 left it (schema version 2): the orders' totals, no ledger.
const SCHEMA_0_2: &str = "
    CREATE TABLE orders (id ID_KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, currency TEXT NOT NULL, total_minor BIGINT NOT NULL,
        customer_id BIGINT);
    CREATE TABLE line_items (id ID_KEY, order_id BIGINT NOT NULL, title TEXT NOT NULL,
        quantity BIGINT NOT NULL, total_minor BIGINT NOT NULL);
    CREATE TABLE customers (id ID_KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        orders_count BIGINT NOT NULL, amount_spent_minor BIGINT NOT NULL, currency TEXT NOT NULL);
    CREATE TABLE sync_state (resource TEXT PRIMARY KEY, cursor TEXT, run_from TEXT, watermark TEXT);
    CREATE TABLE bulk_state (resource TEXT PRIMARY KEY, operation_id TEXT NOT NULL,
        from_watermark TEXT, url TEXT, byte_offset BIGINT NOT NULL, records BIGINT NOT NULL,
        watermark TEXT);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE schema_version (version BIGINT NOT NULL);
    INSERT INTO schema_version VALUES (2);
    INSERT INTO orders VALUES
        (9001, '#L1', '2026-01-10T18:00:00Z', '2026-03-20T00:00:01Z', 'USD', 10260, NULL),
        (9007, '#L7', '2026-01-12T18:00:00Z', '2026-03-20T00:00:07Z', 'USD', 1500, NULL);
    INSERT INTO sync_state VALUES ('orders', NULL, NULL, '2026-03-20T00:00:09Z');
    INSERT INTO meta VALUES ('orders_history', 'all');
";

#[test]
fn a_database_of_template_0_2_migrates_and_reports_after_one_sync() {
    let db = TestDb::new();
    std::fs::create_dir_all(db.path.parent().unwrap()).unwrap();
    db.raw()
        .execute_batch(&SCHEMA_0_2.replace("ID_KEY", "INTEGER PRIMARY KEY"))
        .unwrap();
    let mut store = db.store();
    assert_eq!(store.counts().unwrap(), (2, 0, 0), "the 0.2 rows are kept");
    let before = report::from_store(&mut store).unwrap();
    assert!(
        !before.complete_history,
        "no claim before the ledger is read"
    );
    assert!(
        before.warnings.contains(&report::READING.to_owned()),
        "{:?}",
        before.warnings
    );

    let (clock, mock) = ledger_mock();
    mock.set(|b| b.deleted = vec![ledger_shop::DELETED]);
    let stats = run_sync(&mock, &clock, &mut store).unwrap();
    assert_eq!(
        stats.orders, 8,
        "every order read again, not only from the 0.2 watermark"
    );
    assert_eq!(stats.deleted, 1);
    let report = report::from_store(&mut store).unwrap();
    let (months, totals) = expected();
    assert_eq!(report.months, months);
    assert_eq!(report.totals, totals);
    assert!(report.complete_history);
    drop(store);
    assert_eq!(
        report::from_store(&mut db.store()).unwrap(),
        report,
        "opening it again migrates nothing twice"
    );
}
