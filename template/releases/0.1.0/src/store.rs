//! This client's own database{% if database == "postgres" %} (PostgreSQL, reached through
//! `{{ env_prefix }}_DATABASE_URL`){% else %} (SQLite, in a per-client data directory outside the
//! repository: directory 0700, file 0600){% endif %}. Pages are written in one transaction
//! together with the cursor that follows them, so a sync can resume after an interruption and a
//! re-sync adds no duplicates.

use crate::config::ClientConfig;
use anyhow::{Context, Result, bail};

/// An order as stored: money in minor units (hundredths) of its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub currency: String,
    pub total_minor: i64,
    pub customer_id: Option<String>,
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub created_at: String,
    pub orders_count: i64,
    pub amount_spent_minor: i64,
    pub currency: String,
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

/// Revenue of one month in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub orders: i64,
    pub revenue_minor: i64,
}

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS orders (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        currency TEXT NOT NULL,
        total_minor BIGINT NOT NULL,
        customer_id TEXT
    )",
    "CREATE TABLE IF NOT EXISTS customers (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        orders_count BIGINT NOT NULL,
        amount_spent_minor BIGINT NOT NULL,
        currency TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS sync_state (
        resource TEXT PRIMARY KEY,
        cursor TEXT,
        done BIGINT NOT NULL
    )",
];

const UPSERT_ORDER: &str = "INSERT INTO orders (id, name, created_at, currency, total_minor, customer_id)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
        currency = excluded.currency, total_minor = excluded.total_minor, customer_id = excluded.customer_id";
const UPSERT_CUSTOMER: &str = "INSERT INTO customers (id, created_at, orders_count, amount_spent_minor, currency)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, orders_count = excluded.orders_count,
        amount_spent_minor = excluded.amount_spent_minor, currency = excluded.currency";
const SAVE_CURSOR: &str = "INSERT INTO sync_state (resource, cursor, done) VALUES ($1, $2, $3)
    ON CONFLICT (resource) DO UPDATE SET cursor = excluded.cursor, done = excluded.done";
const REVENUE_BY_MONTH: &str = "SELECT substr(created_at, 1, 7) AS month, currency, CAST(COUNT(*) AS BIGINT), CAST(SUM(total_minor) AS BIGINT)
    FROM orders GROUP BY month, currency ORDER BY month, currency";
{% if database == "postgres" %}
/// The database connection.
pub struct Store {
    client: postgres::Client,
}

impl Store {
    /// Connect to the URL in the variable `client.toml` names (which must be this client's own).
    pub fn open(config: &ClientConfig) -> Result<Store> {
        let var = config.database.url_env.as_deref().context("client.toml [database] has no url_env")?;
        if !var.starts_with(&format!("{}_", crate::ENV_PREFIX)) {
            bail!("url_env `{var}` is not one of this client's variables ({}_*)", crate::ENV_PREFIX);
        }
        let url = std::env::var(var).with_context(|| format!("{var} is not set"))?;
        Store::connect(&url)
    }

    /// Connect to `url` and apply the migrations.
    pub fn connect(url: &str) -> Result<Store> {
        let client = postgres::Client::connect(url, postgres::NoTls).context("failed to connect to the database")?;
        let mut store = Store { client };
        for migration in MIGRATIONS {
            store.client.batch_execute(migration).context("failed to migrate the database")?;
        }
        Ok(store)
    }

    /// The cursor to resume `resource` from, if its last sync did not finish.
    pub fn resume_cursor(&mut self, resource: Resource) -> Result<Option<String>> {
        let row = self.client.query_opt("SELECT cursor, done FROM sync_state WHERE resource = $1", &[&resource.name()])?;
        Ok(row.and_then(|r| if r.get::<_, i64>(1) == 0 { r.get::<_, Option<String>>(0) } else { None }))
    }

    /// Upsert a page of orders and record the cursor after it, in one transaction.
    pub fn save_orders(&mut self, orders: &[Order], cursor: Option<&str>, done: bool) -> Result<()> {
        let mut tx = self.client.transaction()?;
        let upsert = tx.prepare(UPSERT_ORDER)?;
        for o in orders {
            tx.execute(&upsert, &[&o.id, &o.name, &o.created_at, &o.currency, &o.total_minor, &o.customer_id])?;
        }
        tx.execute(SAVE_CURSOR, &[&Resource::Orders.name(), &cursor, &i64::from(done)])?;
        tx.commit()?;
        Ok(())
    }

    /// Upsert a page of customers and record the cursor after it, in one transaction.
    pub fn save_customers(&mut self, customers: &[Customer], cursor: Option<&str>, done: bool) -> Result<()> {
        let mut tx = self.client.transaction()?;
        let upsert = tx.prepare(UPSERT_CUSTOMER)?;
        for c in customers {
            tx.execute(&upsert, &[&c.id, &c.created_at, &c.orders_count, &c.amount_spent_minor, &c.currency])?;
        }
        tx.execute(SAVE_CURSOR, &[&Resource::Customers.name(), &cursor, &i64::from(done)])?;
        tx.commit()?;
        Ok(())
    }

    /// Rows stored: (orders, customers).
    pub fn counts(&mut self) -> Result<(i64, i64)> {
        let orders: i64 = self.client.query_one("SELECT COUNT(*) FROM orders", &[])?.get(0);
        let customers: i64 = self.client.query_one("SELECT COUNT(*) FROM customers", &[])?.get(0);
        Ok((orders, customers))
    }

    pub fn revenue_by_month(&mut self) -> Result<Vec<MonthRevenue>> {
        let rows = self.client.query(REVENUE_BY_MONTH, &[])?;
        Ok(rows
            .iter()
            .map(|r| MonthRevenue {
                month: r.get(0),
                currency: r.get(1),
                orders: r.get(2),
                revenue_minor: r.get(3),
            })
            .collect())
    }
}
{% else %}
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The database connection.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open the client's database: `{{ env_prefix }}_DATABASE_PATH` if set, else the `path` in
    /// `client.toml` (`~` is the home directory).
    pub fn open(config: &ClientConfig) -> Result<Store> {
        let path = match crate::config::optional_env("DATABASE_PATH") {
            Some(path) => PathBuf::from(path),
            None => expand_home(config.database.path.as_deref().context("client.toml [database] has no path")?)?,
        };
        Store::open_path(&path)
    }

    /// Open (creating with owner-only permissions) the database at `path` and migrate it.
    pub fn open_path(path: &Path) -> Result<Store> {
        let dir = path.parent().context("the database path has no directory")?;
        create_private_dir(dir)?;
        create_private_file(path)?;
        let conn = Connection::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        for migration in MIGRATIONS {
            conn.execute_batch(migration).context("failed to migrate the database")?;
        }
        Ok(Store { conn })
    }

    /// The cursor to resume `resource` from, if its last sync did not finish.
    pub fn resume_cursor(&mut self, resource: Resource) -> Result<Option<String>> {
        let row: Option<(Option<String>, i64)> = self
            .conn
            .query_row("SELECT cursor, done FROM sync_state WHERE resource = ?1", [resource.name()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.and_then(|(cursor, done)| if done == 0 { cursor } else { None }))
    }

    /// Upsert a page of orders and record the cursor after it, in one transaction.
    pub fn save_orders(&mut self, orders: &[Order], cursor: Option<&str>, done: bool) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(UPSERT_ORDER)?;
            for o in orders {
                upsert.execute(params![o.id, o.name, o.created_at, o.currency, o.total_minor, o.customer_id])?;
            }
            tx.execute(SAVE_CURSOR, params![Resource::Orders.name(), cursor, i64::from(done)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Upsert a page of customers and record the cursor after it, in one transaction.
    pub fn save_customers(&mut self, customers: &[Customer], cursor: Option<&str>, done: bool) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(UPSERT_CUSTOMER)?;
            for c in customers {
                upsert.execute(params![c.id, c.created_at, c.orders_count, c.amount_spent_minor, c.currency])?;
            }
            tx.execute(SAVE_CURSOR, params![Resource::Customers.name(), cursor, i64::from(done)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Rows stored: (orders, customers).
    pub fn counts(&mut self) -> Result<(i64, i64)> {
        let orders = self.conn.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))?;
        let customers = self.conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
        Ok((orders, customers))
    }

    pub fn revenue_by_month(&mut self) -> Result<Vec<MonthRevenue>> {
        let mut statement = self.conn.prepare(REVENUE_BY_MONTH)?;
        let rows = statement.query_map([], |r| {
            Ok(MonthRevenue { month: r.get(0)?, currency: r.get(1)?, orders: r.get(2)?, revenue_minor: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn expand_home(path: &str) -> Result<PathBuf> {
    match path.strip_prefix("~/") {
        Some(rest) => Ok(PathBuf::from(std::env::var("HOME").context("HOME is not set")?).join(rest)),
        None => Ok(PathBuf::from(path)),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("failed to create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_file(_: &Path) -> Result<()> {
    Ok(())
}
{% endif %}
/// `"12.34"` → 1234. Shopify sends money as decimal strings; anything past two decimals is
/// rounded toward zero.
pub fn parse_minor(amount: &str) -> Result<i64> {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().with_context(|| format!("bad amount `{amount}`"))?;
    let mut cents = fraction.chars().chain(std::iter::repeat('0')).take(2).collect::<String>();
    if !cents.chars().all(|c| c.is_ascii_digit()) {
        bail!("bad amount `{amount}`");
    }
    if cents.is_empty() {
        cents.push('0');
    }
    let minor = whole * 100 + cents.parse::<i64>()?;
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        assert_eq!(parse_minor("12.34").unwrap(), 1234);
        assert_eq!(parse_minor("12.3").unwrap(), 1230);
        assert_eq!(parse_minor("12").unwrap(), 1200);
        assert_eq!(parse_minor("-0.5").unwrap(), -50);
        assert_eq!(parse_minor("1200.0").unwrap(), 120000);
        assert!(parse_minor("1x.00").is_err());
        assert!(parse_minor("1.0x").is_err());
    }
}
