//! This client's database seen as plain tables, for `export` and `destroy`: where it is, which
//! tables are the client's, how many rows each holds, and every row as JSON. Nothing here
//! creates or migrates anything: a database that is not there is reported as not there.
{% if database == "postgres" %}
use crate::config::ClientConfig;
use crate::secret::Secret;
use anyhow::{Context, Result, bail};

/// Where the client's database is: its URL (it may hold a password), and how to show it.
pub struct Location {
    pub url: Secret,
    /// The URL without its password or parameters: `postgres://user@host:port/name`.
    pub shown: String,
    /// The database's name.
    pub name: String,
}

/// The database `client.toml`'s `url_env` names (one of this client's own variables).
pub fn locate(config: &ClientConfig) -> Result<Location> {
    let var = config
        .database
        .url_env
        .as_deref()
        .context("client.toml [database] has no url_env")?;
    let own = format!("{}_", crate::config::ENV_PREFIX);
    let Some(name) = var.strip_prefix(&own) else {
        bail!("url_env `{var}` is not one of this client's variables ({own}*)");
    };
    let url = Secret::new(crate::config::require_env(name)?);
    let policy = crate::connect::policy(url.expose())?;
    let config = &policy.config;
    let user = config.get_user().unwrap_or("");
    let name = config.get_dbname().unwrap_or(user).to_owned();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            postgres::config::Host::Tcp(host) => format!("{host}:{port}"),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let shown = format!("postgres://{user}@{}/{name}", hosts.join(","));
    Ok(Location { url, shown, name })
}

/// An open connection to the client's database.
pub struct Database {
    client: postgres::Client,
    pub name: String,
}

/// Connect, or `None` when the database does not exist (any more).
pub fn open(location: &Location) -> Result<Option<Database>> {
    match crate::connect::connect(location.url.expose()) {
        Ok(client) => Ok(Some(Database {
            client,
            name: location.name.clone(),
        })),
        Err(err) => match database_exists(location) {
            Ok(false) => Ok(None),
            _ => Err(err),
        },
    }
}

/// A connection to the server's maintenance database `postgres`, with the same settings.
pub fn maintenance(location: &Location) -> Result<postgres::Client> {
    let url = location.url.expose();
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut maintenance = format!("{}/postgres", &base[..authority_end]);
    if let Some(query) = query {
        maintenance.push('?');
        maintenance.push_str(query);
    }
    let maintenance = Secret::new(maintenance);
    crate::connect::connect(maintenance.expose())
        .context("failed to connect to the maintenance database `postgres`")
}

/// Whether the server lists the database.
pub fn database_exists(location: &Location) -> Result<bool> {
    let mut admin = maintenance(location)?;
    Ok(admin
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            &[&location.name],
        )?
        .is_some())
}

/// `"name"`, quoted as an SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Database {
    /// The client's tables: those of the current schema that its role owns.
    pub fn tables(&mut self) -> Result<Vec<String>> {
        let rows = self.client.query(
            "SELECT tablename::text FROM pg_tables \
             WHERE schemaname = current_schema() AND tableowner = current_user \
             ORDER BY tablename",
            &[],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub fn rows(&mut self, table: &str) -> Result<u64> {
        let count: i64 = self
            .client
            .query_one(&format!("SELECT COUNT(*) FROM {}", quote(table)), &[])?
            .get(0);
        Ok(count as u64)
    }

    /// Every row of `table` as one line of JSON, in a stable order; the number of rows.
    pub fn each_row(&mut self, table: &str, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
        let query = format!(
            "SELECT row_to_json(t)::text AS line FROM {} t ORDER BY line",
            quote(table)
        );
        let mut count = 0;
        for row in self.client.query(&query, &[])? {
            let line: String = row.get(0);
            f(&line)?;
            count += 1;
        }
        Ok(count)
    }

    /// May this connection's role drop the whole database? Its owner or a superuser may,
    /// unless it is one of the server's own databases.
    pub fn may_drop_database(&mut self) -> Result<bool> {
        if ["postgres", "template0", "template1"].contains(&self.name.as_str()) {
            return Ok(false);
        }
        let row = self.client.query_one(
            "SELECT pg_get_userbyid(d.datdba) = current_user \
                 OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) \
             FROM pg_database d WHERE d.datname = current_database()",
            &[],
        )?;
        Ok(row.get(0))
    }

    /// Drop `tables` in one transaction.
    pub fn drop_tables(&mut self, tables: &[String]) -> Result<()> {
        let mut tx = self.client.transaction()?;
        for table in tables {
            tx.batch_execute(&format!("DROP TABLE IF EXISTS {} CASCADE", quote(table)))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether a table of this name is still in the current schema.
    pub fn has_table(&mut self, table: &str) -> Result<bool> {
        Ok(self
            .client
            .query_one(
                "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) IS NOT NULL",
                &[&table],
            )?
            .get(0))
    }
}{% else %}
use crate::config::ClientConfig;
use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;

/// Where the client's database is.
pub struct Location {
    pub path: PathBuf,
    pub shown: String,
}

/// The file `{{ env_prefix }}_DATABASE_PATH` names, else the `path` of `client.toml` (as the
/// store opens it).
pub fn locate(config: &ClientConfig) -> Result<Location> {
    let path = match crate::config::optional_env("DATABASE_PATH") {
        Some(path) => crate::connect::resolve(&path, &crate::config::env_name("DATABASE_PATH"))?,
        None => {
            let path = config
                .database
                .path
                .as_deref()
                .context("client.toml [database] has no path")?;
            crate::connect::resolve(path, "client.toml [database] path")?
        }
    };
    let shown = path.display().to_string();
    Ok(Location { path, shown })
}

/// The files SQLite keeps beside the database: its write-ahead log, shared memory and rollback
/// journal.
pub const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// An open, read-only connection to the client's database.
pub struct Database {
    conn: Connection,
}

/// Open it read-only, or `None` when there is no file.
pub fn open(location: &Location) -> Result<Option<Database>> {
    if !location.path.exists() {
        return Ok(None);
    }
    let hint = || {
        format!(
            "failed to read {} without changing it (a crash may have left a journal to roll \
             back: run `{} report` once, then this again)",
            location.shown,
            crate::CLIENT
        )
    };
    let conn = Connection::open_with_flags(
        &location.path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(hint)?;
    // Reading the schema is where SQLite finds a journal it would have to roll back.
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .with_context(hint)?;
    Ok(Some(Database { conn }))
}

/// `"name"`, quoted as an SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Database {
    /// Every table of the file (SQLite's own aside): the whole file is the client's.
    pub fn tables(&mut self) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let names = statement.query_map([], |r| r.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    pub fn rows(&mut self, table: &str) -> Result<u64> {
        let count: i64 =
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {}", quote(table)), [], |r| {
                    r.get(0)
                })?;
        Ok(count as u64)
    }

    /// Every row of `table` as one line of JSON (column name to value; a blob as hex), in
    /// `rowid` order; the number of rows.
    pub fn each_row(&mut self, table: &str, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT * FROM {}", quote(table)))?;
        let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
        let mut rows = statement.query([])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let mut object = serde_json::Map::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                let value = match row.get_ref(i)? {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(n) => n.into(),
                    ValueRef::Real(x) => x.into(),
                    ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned().into(),
                    ValueRef::Blob(bytes) => bytes
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                        .into(),
                };
                object.insert(column.clone(), value);
            }
            f(&serde_json::Value::Object(object).to_string())?;
            count += 1;
        }
        Ok(count)
    }
}{% endif %}
