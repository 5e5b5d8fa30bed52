//! The SQLite database: a database written by template 0.1.0 carried over.

use crate::support;

use support::TestDb;

use acme::store::Resource;

#[test]
fn a_database_of_template_0_1_is_carried_over() {
    let db = TestDb::new();
    std::fs::create_dir_all(db.path.parent().unwrap()).unwrap();
    db.raw()
        .execute_batch(
            "CREATE TABLE orders (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
                 currency TEXT NOT NULL, total_minor BIGINT NOT NULL, customer_id TEXT);
             CREATE TABLE customers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
                 orders_count BIGINT NOT NULL, amount_spent_minor BIGINT NOT NULL, currency TEXT NOT NULL);
             CREATE TABLE sync_state (resource TEXT PRIMARY KEY, cursor TEXT, done BIGINT NOT NULL);
             INSERT INTO orders VALUES
                 ('gid://shopify/Order/1', '#1001', '2026-01-15T10:00:00Z', 'USD', 1999, 'gid://shopify/Customer/7'),
                 ('gid://shopify/Order/2', '#1002', '2026-01-16T10:00:00Z', 'JPY', 120000, NULL),
                 ('gid://shopify/Order/3', '#1003', '2026-01-17T10:00:00Z', 'KWD', 1230, NULL);
             INSERT INTO customers VALUES ('gid://shopify/Customer/7', '2025-12-01T09:00:00Z', 1, 1999, 'USD');
             INSERT INTO sync_state VALUES ('orders', NULL, 1);",
        )
        .unwrap();
    let mut store = db.store();
    assert_eq!(store.counts().unwrap(), (3, 0, 1));
    let raw = db.raw();
    let mut statement = raw
        .prepare("SELECT id, currency, total_minor, customer_id FROM orders ORDER BY id")
        .unwrap();
    let rows: Vec<(i64, String, i64, Option<i64>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            (1, "USD".into(), 1999, Some(7)),
            (2, "JPY".into(), 1200, None),
            (3, "KWD".into(), 12300, None)
        ]
    );
    assert_eq!(
        store.sync_state(Resource::Orders).unwrap().watermark,
        None,
        "the next sync reads everything again"
    );
    drop(store);
    assert_eq!(
        db.store().counts().unwrap(),
        (3, 0, 1),
        "migrating twice changes nothing"
    );
}
