//! This client's database seen as plain tables, for `export` and `destroy`: where it is, which
//! tables are the client's, how many rows each holds, and every row as JSON. Nothing here
//! creates or migrates anything: a database that is not there is reported as not there.

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

/// The file `ACME_DATABASE_PATH` names, else the `path` of `client.toml` (as the
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
    // Sorts stay in memory: the run-time sandbox refuses SQLite's default /var/tmp and /tmp.
    conn.pragma_update(None, "temp_store", "MEMORY")
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
}
