//! This client's own database (SQLite, in a per-client data directory
//! outside the repository). Records are keyed by their Shopify GID (its number,
//! checked against its type) and upserted, so a re-sync or a resumed backfill adds no
//! duplicates. A page, or a batch of a bulk result, is written in one transaction together with
//! the position after it, so an interruption resumes where the last commit left off.

use crate::config::ClientConfig;
use anyhow::{Context, Result, bail};

/// An order as stored: money in minor units of its currency (see `money`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub currency: String,
    pub total_minor: i64,
    pub customer_id: Option<i64>,
    /// A test order (Shopify's `test`): never in the sales report.
    pub test: bool,
    pub cancelled_at: Option<String>,
    /// When the order was placed (`processedAt`; an imported order's original date).
    pub processed_at: Option<String>,
}

/// One sale of an order's sales agreement (order, edit, refund or return): the rows Shopify's
/// own sales reports are built from. Amounts are in the shop's currency, minor units, signed as
/// Shopify sends them (a return's sales are negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// The sale's GID (its type is part of it: `gid://shopify/ProductSale/1`).
    pub id: String,
    pub order_id: i64,
    /// The agreement's GID (`gid://shopify/RefundAgreement/3`).
    pub agreement_id: String,
    /// When the agreement happened: the date the sale counts on.
    pub happened_at: String,
    /// One of `ledger::ACTION_TYPES`.
    pub action_type: &'static str,
    /// One of `ledger::LINE_TYPES`.
    pub line_type: &'static str,
    pub quantity: Option<i64>,
    pub currency: String,
    /// `totalAmount`: after discounts, with taxes.
    pub total_minor: i64,
    /// `totalDiscountAmountBeforeTaxes`.
    pub discount_minor: i64,
    /// `totalTaxAmount`.
    pub tax_minor: i64,
}

/// A line item of an order, in the order's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub id: i64,
    pub order_id: i64,
    pub title: String,
    pub quantity: i64,
    pub total_minor: i64,
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub orders_count: i64,
    pub amount_spent_minor: i64,
    pub currency: String,
}

/// Records to write together.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    pub orders: Vec<Order>,
    pub line_items: Vec<LineItem>,
    pub customers: Vec<Customer>,
    /// Sales of the orders in `ledgers`.
    pub sales: Vec<Sale>,
    /// Orders whose whole sales ledger is in `sales`: what was stored for them is replaced.
    pub ledgers: Vec<i64>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.line_items.is_empty()
            && self.customers.is_empty()
            && self.sales.is_empty()
            && self.ledgers.is_empty()
    }
}

/// The number in a GID of the given type: `gid://shopify/Order/123` → 123.
pub fn gid_number(kind: &str, gid: &str) -> Result<i64> {
    gid.strip_prefix("gid://shopify/")
        .and_then(|rest| rest.strip_prefix(kind))
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .with_context(|| format!("`{gid}` is not a {kind} GID"))
}

/// What is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Orders,
    Customers,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Orders => "orders",
            Resource::Customers => "customers",
        }
    }
}

/// Where a routine (paged) sync of a resource stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// The cursor after the last committed page of an unfinished run.
    pub cursor: Option<String>,
    /// The `updated_at` filter of that unfinished run.
    pub run_from: Option<String>,
    /// The newest `updated_at` stored by the last finished run (or backfill).
    pub watermark: Option<String>,
}

/// A bulk operation being read into the database, so that a killed backfill resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkState {
    pub resource: Resource,
    pub operation_id: String,
    /// The `updated_at` filter the operation was started with.
    pub from: Option<String>,
    /// The result file, once the operation completed.
    pub url: Option<String>,
    /// Bytes of the result file committed so far (always at the end of a line).
    pub offset: i64,
    /// Records committed so far.
    pub records: i64,
    /// The newest `updated_at` among the committed top-level records.
    pub watermark: Option<String>,
}

/// Revenue of one month in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub orders: i64,
    pub revenue_minor: i64,
}

/// A sale as the report reads it (orders that are not tests only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSale {
    pub happened_at: String,
    pub action_type: String,
    pub line_type: String,
    pub currency: String,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
}

/// An order as the report counts it: when it was placed, in which currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub at: String,
    pub currency: String,
}

/// Row counts: (orders, line items, customers).
pub type Counts = (i64, i64, i64);

/// The schema; `schema_version` records which of these steps a database has.
const SCHEMA: &[&str] = &[
    "CREATE TABLE orders (
        id ID_KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        currency TEXT NOT NULL,
        total_minor BIGINT NOT NULL,
        customer_id BIGINT,
        test BIGINT NOT NULL DEFAULT 0,
        cancelled_at TEXT,
        processed_at TEXT
    )",
    "CREATE TABLE line_items (
        id ID_KEY,
        order_id BIGINT NOT NULL,
        title TEXT NOT NULL,
        quantity BIGINT NOT NULL,
        total_minor BIGINT NOT NULL
    )",
    "CREATE TABLE customers (
        id ID_KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        orders_count BIGINT NOT NULL,
        amount_spent_minor BIGINT NOT NULL,
        currency TEXT NOT NULL
    )",
    "CREATE TABLE sync_state (
        resource TEXT PRIMARY KEY,
        cursor TEXT,
        run_from TEXT,
        watermark TEXT
    )",
    "CREATE TABLE bulk_state (
        resource TEXT PRIMARY KEY,
        operation_id TEXT NOT NULL,
        from_watermark TEXT,
        url TEXT,
        byte_offset BIGINT NOT NULL,
        records BIGINT NOT NULL,
        watermark TEXT
    )",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    SALES_TABLE,
    SALES_INDEX,
];

/// The sales ledger (template 0.3.0).
const SALES_TABLE: &str = "CREATE TABLE sales (
        id TEXT PRIMARY KEY,
        order_id BIGINT NOT NULL,
        agreement_id TEXT NOT NULL,
        happened_at TEXT NOT NULL,
        action_type TEXT NOT NULL,
        line_type TEXT NOT NULL,
        quantity BIGINT,
        currency TEXT NOT NULL,
        total_minor BIGINT NOT NULL,
        discount_minor BIGINT NOT NULL,
        tax_minor BIGINT NOT NULL
    )";
const SALES_INDEX: &str = "CREATE INDEX sales_by_order ON sales (order_id)";

/// A database of template 0.2.x (schema version 2) gains the sales ledger and the orders'
/// `test`, `cancelled_at` and `processed_at`. The orders' watermark is dropped so that the next
/// sync reads every order again, now with its agreements, and the history is recorded as being
/// read (`sync::HISTORY_READING`), so that no report claims the whole history until it has.
const FROM_2: &[&str] = &[
    "ALTER TABLE orders ADD COLUMN test BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE orders ADD COLUMN cancelled_at TEXT",
    "ALTER TABLE orders ADD COLUMN processed_at TEXT",
    SALES_TABLE,
    SALES_INDEX,
    "DELETE FROM sync_state WHERE resource = 'orders'",
    "UPDATE meta SET value = 'being read' WHERE key = 'orders_history'",
];

/// A numeric key: SQLite's `INTEGER PRIMARY KEY` is the table's own row id, so upserts go to
/// one B-tree; PostgreSQL needs 64 bits for Shopify's ids.
const ID_KEY: &str = "INTEGER PRIMARY KEY";

/// A step of `SCHEMA` in this database's dialect.
fn schema_step(step: &str) -> String {
    step.replace("ID_KEY", ID_KEY)
}

/// The current schema version.
const SCHEMA_VERSION: i64 = 3;

/// A database written by template 0.1.0 (text GIDs, every amount in hundredths, no
/// `updated_at`): its rows are carried over with numeric ids, and its sync state is dropped so
/// the next sync reads everything again (and corrects what the conversion cannot know).
const FROM_0_1: &[&str] = &[
    "ALTER TABLE orders RENAME TO orders_0_1",
    "ALTER TABLE customers RENAME TO customers_0_1",
    "DROP TABLE sync_state",
];
const COPY_0_1: &[&str] = &[
    "INSERT INTO orders (id, name, created_at, updated_at, currency, total_minor, customer_id)
        SELECT CAST(substr(id, 21) AS BIGINT), name, created_at, created_at, currency, total_minor,
            CAST(substr(customer_id, 24) AS BIGINT)
        FROM orders_0_1 WHERE id LIKE 'gid://shopify/Order/%'",
    "INSERT INTO customers (id, created_at, updated_at, orders_count, amount_spent_minor, currency)
        SELECT CAST(substr(id, 24) AS BIGINT), created_at, created_at, orders_count,
            amount_spent_minor, currency
        FROM customers_0_1 WHERE id LIKE 'gid://shopify/Customer/%'",
    "DROP TABLE orders_0_1",
    "DROP TABLE customers_0_1",
];

const ORDER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "created_at",
    "updated_at",
    "currency",
    "total_minor",
    "customer_id",
    "test",
    "cancelled_at",
    "processed_at",
];
const SALE_COLUMNS: &[&str] = &[
    "id",
    "order_id",
    "agreement_id",
    "happened_at",
    "action_type",
    "line_type",
    "quantity",
    "currency",
    "total_minor",
    "discount_minor",
    "tax_minor",
];
const LINE_ITEM_COLUMNS: &[&str] = &["id", "order_id", "title", "quantity", "total_minor"];
const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "orders_count",
    "amount_spent_minor",
    "currency",
];

/// `INSERT INTO table (columns) VALUES (..), (..) ON CONFLICT (id) DO UPDATE SET ..` for `rows`
/// rows, with numbered placeholders (`$1`, which SQLite reads too).
fn upsert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    sql.push_str(&format!(
        " ON CONFLICT (id) DO UPDATE SET {}",
        updates.join(", ")
    ));
    sql
}

const SAVE_SYNC_STATE: &str = "INSERT INTO sync_state (resource, cursor, run_from, watermark)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (resource) DO UPDATE SET cursor = excluded.cursor, run_from = excluded.run_from,
        watermark = excluded.watermark";
const SAVE_BULK_STATE: &str = "INSERT INTO bulk_state
        (resource, operation_id, from_watermark, url, byte_offset, records, watermark)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (resource) DO UPDATE SET operation_id = excluded.operation_id,
        from_watermark = excluded.from_watermark, url = excluded.url,
        byte_offset = excluded.byte_offset, records = excluded.records,
        watermark = excluded.watermark";
const SAVE_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value";
const LEDGER: &str = "SELECT s.happened_at, s.action_type, s.line_type, s.currency,
        s.total_minor, s.discount_minor, s.tax_minor
    FROM sales s JOIN orders o ON o.id = s.order_id WHERE o.test = 0";
const PLACED: &str =
    "SELECT COALESCE(processed_at, created_at), currency FROM orders WHERE test = 0";
/// The `meta` key: the time up to which order deletion events were read.
pub const DELETIONS_KEY: &str = "deletions_read_to";
/// Remove a deleted order and everything of its.
const DELETE_ORDER: &[&str] = &[
    "DELETE FROM sales WHERE order_id = $1",
    "DELETE FROM line_items WHERE order_id = $1",
    "DELETE FROM orders WHERE id = $1",
];
const REVENUE_BY_MONTH: &str = "SELECT substr(created_at, 1, 7) AS month, currency,
        CAST(COUNT(*) AS BIGINT), CAST(SUM(total_minor) AS BIGINT)
    FROM orders GROUP BY month, currency ORDER BY month, currency";

/// Rescale amounts carried over from 0.1.0, which stored hundredths for every currency.
fn rescale_from_hundredths(currency: &str) -> Option<(&'static str, i64)> {
    match crate::money::exponent(currency).ok()? {
        2 => None,
        0 => Some(("/", 100)),
        e => Some(("*", 10i64.pow(e - 2))),
    }
}

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;

/// Rows per multi-row upsert statement: fewer statements to step through for a large batch.
const ROWS_PER_STATEMENT: usize = 64;

/// The database connection.
pub struct Store {
    conn: Connection,
    path: std::path::PathBuf,
}

impl Store {
    /// Open the client's database: `ACME_DATABASE_PATH` if set, else the `path` in
    /// `client.toml` (`~/` is the home directory; a relative path is refused).
    pub fn open(config: &ClientConfig) -> Result<Store> {
        let path = match crate::config::optional_env("DATABASE_PATH") {
            Some(path) => {
                crate::connect::resolve(&path, &crate::config::env_name("DATABASE_PATH"))?
            }
            None => {
                let path = config
                    .database
                    .path
                    .as_deref()
                    .context("client.toml [database] has no path")?;
                crate::connect::resolve(path, "client.toml [database] path")?
            }
        };
        Store::open_path(&path)
    }

    /// Open (creating it, and the directories it needs, for its owner only) the database at
    /// `path`, and bring the schema up to date.
    pub fn open_path(path: &Path) -> Result<Store> {
        crate::connect::prepare(path)?;
        let conn =
            Connection::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Sorts and temporary tables stay in memory: the run-time sandbox lets this process
        // write only beneath its data directory, not SQLite's default /var/tmp or /tmp.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let version: Option<i64> =
            tx.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?;
        match version {
            Some(v) if v == SCHEMA_VERSION => return Ok(()),
            Some(2) => {
                for step in FROM_2 {
                    tx.execute_batch(step)
                        .context("failed to add the sales ledger to a 0.2 database")?;
                }
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [SCHEMA_VERSION],
                )?;
                tx.commit().context("failed to migrate the database")?;
                return Ok(());
            }
            Some(v) => bail!("the database has schema version {v}, newer than this build knows"),
            None => {}
        }
        let from_0_1 = tx
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'",
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if from_0_1 {
            for step in FROM_0_1 {
                tx.execute_batch(step)?;
            }
        }
        for step in SCHEMA {
            tx.execute_batch(&schema_step(step))
                .context("failed to create the schema")?;
        }
        if from_0_1 {
            for step in COPY_0_1 {
                tx.execute_batch(step)
                    .context("failed to carry over the 0.1.0 data")?;
            }
            for (table, column) in [
                ("orders", "total_minor"),
                ("customers", "amount_spent_minor"),
            ] {
                let currencies: Vec<String> = tx
                    .prepare(&format!("SELECT DISTINCT currency FROM {table}"))?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for currency in currencies {
                    if let Some((op, factor)) = rescale_from_hundredths(&currency) {
                        tx.execute(
                            &format!(
                                "UPDATE {table} SET {column} = {column} {op} {factor} \
                                 WHERE currency = ?1"
                            ),
                            [&currency],
                        )?;
                    }
                }
            }
        }
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [SCHEMA_VERSION],
        )?;
        tx.commit().context("failed to migrate the database")?;
        Ok(())
    }

    /// The directory of this client's data (the database's own directory).
    pub fn data_dir(&self) -> Option<&Path> {
        self.path.parent()
    }

    /// Where the routine sync of `resource` stands.
    pub fn sync_state(&mut self, resource: Resource) -> Result<SyncState> {
        let state = self
            .conn
            .query_row(
                "SELECT cursor, run_from, watermark FROM sync_state WHERE resource = ?1",
                [resource.name()],
                |r| {
                    Ok(SyncState {
                        cursor: r.get(0)?,
                        run_from: r.get(1)?,
                        watermark: r.get(2)?,
                    })
                },
            )
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// Upsert a page and record the sync state after it, in one transaction.
    pub fn save_page(
        &mut self,
        resource: Resource,
        batch: &Batch,
        state: &SyncState,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        write_batch(&tx, batch)?;
        tx.execute(
            SAVE_SYNC_STATE,
            params![
                resource.name(),
                state.cursor,
                state.run_from,
                state.watermark
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Upsert a batch of a bulk result and record how far the file was read, in one transaction.
    pub fn save_bulk(&mut self, batch: &Batch, state: &BulkState) -> Result<()> {
        let tx = self.conn.transaction()?;
        write_batch(&tx, batch)?;
        save_bulk_state(&tx, state)?;
        tx.commit()?;
        Ok(())
    }

    /// The bulk operation being read for `resource`, if any.
    pub fn bulk_state(&mut self, resource: Resource) -> Result<Option<BulkState>> {
        let row = self
            .conn
            .query_row(
                "SELECT operation_id, from_watermark, url, byte_offset, records, watermark
                 FROM bulk_state WHERE resource = ?1",
                [resource.name()],
                |r| {
                    Ok(BulkState {
                        resource,
                        operation_id: r.get(0)?,
                        from: r.get(1)?,
                        url: r.get(2)?,
                        offset: r.get(3)?,
                        records: r.get(4)?,
                        watermark: r.get(5)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// While a bulk result is read: every batch is committed together with the file offset
    /// after it, so a batch lost to a crash is simply read again (WAL keeps the file
    /// consistent). The writes therefore need not wait for the disk (`synchronous = OFF`);
    /// `false` restores `NORMAL` and checkpoints the log with a full sync.
    pub fn set_bulk_loading(&mut self, on: bool) -> Result<()> {
        if on {
            self.conn.pragma_update(None, "synchronous", "OFF")?;
        } else {
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Record a bulk operation's progress (without data).
    pub fn set_bulk_state(&mut self, state: &BulkState) -> Result<()> {
        save_bulk_state(&self.conn, state)
    }

    /// A backfill of `resource` finished: forget its operation and move the routine sync's
    /// watermark up to what it stored.
    pub fn finish_bulk(&mut self, resource: Resource, watermark: Option<&str>) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM bulk_state WHERE resource = ?1",
            [resource.name()],
        )?;
        tx.execute(
            "INSERT INTO sync_state (resource, watermark) VALUES (?1, ?2)
             ON CONFLICT (resource) DO UPDATE SET watermark = MAX(
                 COALESCE(sync_state.watermark, excluded.watermark), excluded.watermark)",
            params![resource.name(), watermark],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(SAVE_META, [key, value])?;
        Ok(())
    }

    /// Rows stored: (orders, line items, customers).
    pub fn counts(&mut self) -> Result<Counts> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM line_items),
                (SELECT COUNT(*) FROM customers)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }

    /// The first and last order date stored.
    pub fn order_dates(&mut self) -> Result<Option<(String, String)>> {
        let (first, last): (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT MIN(created_at), MAX(created_at) FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(first.zip(last))
    }

    /// Every sale of an order that is not a test.
    pub fn ledger(&mut self) -> Result<Vec<LedgerSale>> {
        let mut statement = self.conn.prepare(LEDGER)?;
        let rows = statement.query_map([], |r| {
            Ok(LedgerSale {
                happened_at: r.get(0)?,
                action_type: r.get(1)?,
                line_type: r.get(2)?,
                currency: r.get(3)?,
                total_minor: r.get(4)?,
                discount_minor: r.get(5)?,
                tax_minor: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When each order that is not a test was placed.
    pub fn placed(&mut self) -> Result<Vec<Placed>> {
        let mut statement = self.conn.prepare(PLACED)?;
        let rows = statement.query_map([], |r| {
            Ok(Placed {
                at: r.get(0)?,
                currency: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remove deleted orders with their line items and sales, and record what the deletion
    /// events were read up to, in one transaction.
    pub fn delete_orders(&mut self, ids: &[i64], read_to: Option<&str>) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            for step in DELETE_ORDER {
                tx.execute(step, [id])?;
            }
        }
        if let Some(read_to) = read_to {
            tx.execute(SAVE_META, [DELETIONS_KEY, read_to])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn revenue_by_month(&mut self) -> Result<Vec<MonthRevenue>> {
        let mut statement = self.conn.prepare(REVENUE_BY_MONTH)?;
        let rows = statement.query_map([], |r| {
            Ok(MonthRevenue {
                month: r.get(0)?,
                currency: r.get(1)?,
                orders: r.get(2)?,
                revenue_minor: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn save_bulk_state(conn: &Connection, state: &BulkState) -> Result<()> {
    conn.execute(
        SAVE_BULK_STATE,
        params![
            state.resource.name(),
            state.operation_id,
            state.from,
            state.url,
            state.offset,
            state.records,
            state.watermark
        ],
    )?;
    Ok(())
}

fn write_batch(tx: &Transaction<'_>, batch: &Batch) -> Result<()> {
    let highest: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM orders")?
        .query_row([], |r| r.get(0))?;
    upsert(tx, "orders", ORDER_COLUMNS, &batch.orders, |o| {
        [
            &o.id,
            &o.name,
            &o.created_at,
            &o.updated_at,
            &o.currency,
            &o.total_minor,
            &o.customer_id,
            &o.test,
            &o.cancelled_at,
            &o.processed_at,
        ]
    })?;
    // The orders' sales are replaced: `ROWS_PER_STATEMENT` orders a statement, the rest one by one.
    // Only an order stored before has sales to delete (sales are written with their order, and
    // deleted with it): one above the highest id stored is new, as every order of a first
    // backfill in id order is.
    let replaced: Vec<i64> = batch
        .ledgers
        .iter()
        .copied()
        .filter(|id| *id <= highest)
        .collect();
    let mut chunks = replaced.chunks_exact(ROWS_PER_STATEMENT);
    if chunks.len() > 0 {
        let mut many = tx.prepare_cached(&delete_sales_sql(ROWS_PER_STATEMENT))?;
        for chunk in &mut chunks {
            many.execute(rusqlite::params_from_iter(chunk))?;
        }
    }
    if !chunks.remainder().is_empty() {
        let mut one = tx.prepare_cached(&delete_sales_sql(1))?;
        for order in chunks.remainder() {
            one.execute([order])?;
        }
    }
    upsert(tx, "sales", SALE_COLUMNS, &batch.sales, |s| {
        [
            &s.id,
            &s.order_id,
            &s.agreement_id,
            &s.happened_at,
            &s.action_type,
            &s.line_type,
            &s.quantity,
            &s.currency,
            &s.total_minor,
            &s.discount_minor,
            &s.tax_minor,
        ]
    })?;
    upsert(
        tx,
        "line_items",
        LINE_ITEM_COLUMNS,
        &batch.line_items,
        |l| [&l.id, &l.order_id, &l.title, &l.quantity, &l.total_minor],
    )?;
    upsert(tx, "customers", CUSTOMER_COLUMNS, &batch.customers, |c| {
        [
            &c.id,
            &c.created_at,
            &c.updated_at,
            &c.orders_count,
            &c.amount_spent_minor,
            &c.currency,
        ]
    })
}

/// `DELETE FROM sales WHERE order_id IN ($1, .., $rows)`: the sales of `rows` orders.
fn delete_sales_sql(rows: usize) -> String {
    let placeholders: Vec<String> = (1..=rows).map(|n| format!("${n}")).collect();
    format!(
        "DELETE FROM sales WHERE order_id IN ({})",
        placeholders.join(", ")
    )
}

/// Upsert `rows`, `ROWS_PER_STATEMENT` at a time, the rest one by one.
fn upsert<T, const N: usize>(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[&str],
    rows: &[T],
    values: impl for<'a> Fn(&'a T) -> [&'a dyn ToSql; N],
) -> Result<()> {
    let mut chunks = rows.chunks_exact(ROWS_PER_STATEMENT);
    if chunks.len() > 0 {
        let mut many = tx.prepare_cached(&upsert_sql(table, columns, ROWS_PER_STATEMENT))?;
        for chunk in &mut chunks {
            let mut index = 1;
            for row in chunk {
                for value in values(row) {
                    many.raw_bind_parameter(index, value)?;
                    index += 1;
                }
            }
            many.raw_execute()?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut one = tx.prepare_cached(&upsert_sql(table, columns, 1))?;
        for row in rest {
            one.execute(&values(row)[..])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_are_checked_against_their_type() {
        assert_eq!(gid_number("Order", "gid://shopify/Order/42").unwrap(), 42);
        assert_eq!(
            gid_number("LineItem", "gid://shopify/LineItem/7").unwrap(),
            7
        );
        assert!(gid_number("Order", "gid://shopify/Customer/42").is_err());
        assert!(gid_number("Order", "gid://shopify/OrderX/42").is_err());
        assert!(gid_number("Order", "gid://shopify/Order/").is_err());
        assert!(gid_number("Order", "gid://shopify/Order/0").is_err());
        assert!(gid_number("Order", "42").is_err());
    }

    #[test]
    fn upserts_cover_every_column_but_the_key() {
        let sql = upsert_sql("line_items", LINE_ITEM_COLUMNS, 2);
        assert!(sql.starts_with("INSERT INTO line_items (id, order_id, title, quantity, total_minor) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET order_id = excluded.order_id"), "{sql}");
        assert!(!sql.contains("id = excluded.id,"), "{sql}");
    }

    #[test]
    fn sales_are_deleted_for_every_order_named() {
        assert_eq!(
            delete_sales_sql(3),
            "DELETE FROM sales WHERE order_id IN ($1, $2, $3)"
        );
    }

    fn order_with_sales(id: i64, sales: &[&str]) -> Batch {
        Batch {
            orders: vec![Order {
                id,
                name: format!("#{id}"),
                created_at: "2026-01-01T00:00:00Z".into(),
                updated_at: "2026-01-01T00:00:00Z".into(),
                currency: "USD".into(),
                total_minor: 100,
                customer_id: None,
                test: false,
                cancelled_at: None,
                processed_at: None,
            }],
            sales: sales
                .iter()
                .map(|sale| Sale {
                    id: format!("gid://shopify/ProductSale/{sale}"),
                    order_id: id,
                    agreement_id: format!("gid://shopify/OrderAgreement/{id}"),
                    happened_at: "2026-01-01T00:00:00Z".into(),
                    action_type: "ORDER",
                    line_type: "PRODUCT",
                    quantity: Some(1),
                    currency: "USD".into(),
                    total_minor: 100,
                    discount_minor: 0,
                    tax_minor: 0,
                })
                .collect(),
            ledgers: vec![id],
            ..Batch::default()
        }
    }

    #[test]
    fn an_order_stored_before_has_its_sales_replaced_and_a_new_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_path(&dir.path().join("db.sqlite")).unwrap();
        let state = SyncState::default();
        store
            .save_page(Resource::Orders, &order_with_sales(5, &["1", "2"]), &state)
            .unwrap();
        // Order 5 again with one sale, and orders below and above it, new, with theirs.
        let mut batch = order_with_sales(5, &["2"]);
        for (id, sale) in [(3, "30"), (9, "90")] {
            let other = order_with_sales(id, &[sale]);
            batch.orders.extend(other.orders);
            batch.sales.extend(other.sales);
            batch.ledgers.extend(other.ledgers);
        }
        store.save_page(Resource::Orders, &batch, &state).unwrap();
        let sales: Vec<(String, i64)> = store
            .conn
            .prepare("SELECT id, order_id FROM sales ORDER BY order_id, id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let sale = |n: &str, order| (format!("gid://shopify/ProductSale/{n}"), order);
        assert_eq!(sales, vec![sale("30", 3), sale("2", 5), sale("90", 9)]);
    }

    #[test]
    fn amounts_from_0_1_are_rescaled_to_the_real_exponent() {
        assert_eq!(rescale_from_hundredths("USD"), None);
        assert_eq!(rescale_from_hundredths("JPY"), Some(("/", 100)));
        assert_eq!(rescale_from_hundredths("KWD"), Some(("*", 10)));
    }
}
