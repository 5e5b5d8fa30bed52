//! `destroy`: the client's data, gone for good when the engagement ends, then verified gone.
//! It first counts the rows of every table of the client's (the deletion certificate states
//! them), says what it will remove, removes it, and checks that nothing of it remains.
//! On PostgreSQL it drops the whole database when this role may
//! (its owner, or a superuser), from the server's maintenance database; otherwise it drops the
//! client's tables (those its role owns in the current schema). A database that is already gone
//! is verified gone. Running it again is safe.

use crate::config::ClientConfig;
use crate::tables;
use anyhow::{Result, bail};
use serde::Serialize;

/// A table and its rows before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRows {
    pub table: String,
    pub rows: u64,
}

/// Something removed (or, in a dry run, to remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Object {
    /// `file`, `directory`, `table` or `database`.
    pub kind: &'static str,
    pub name: String,
}

/// What `destroy --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Destroyed {
    pub engine: &'static str,
    pub location: String,
    pub dry_run: bool,
    pub tables: Vec<TableRows>,
    pub objects: Vec<Object>,
    pub method: String,
    pub verified: bool,
    pub verification: String,
}

/// The plan: the tables with their row counts, and what goes.
pub fn inventory(config: &ClientConfig) -> Result<Destroyed> {
    let location = tables::locate(config)?;
    plan(&location)
}

fn plan(location: &tables::Location) -> Result<Destroyed> {
    let mut destroyed = Destroyed {
        engine: "postgres",
        location: location.shown.clone(),
        dry_run: true,
        tables: Vec::new(),
        objects: Vec::new(),
        method: String::new(),
        verified: false,
        verification: String::new(),
    };
    let Some(mut database) = tables::open(location)? else {
        destroyed.method = "nothing to do: the database does not exist".into();
        return Ok(destroyed);
    };
    for table in database.tables()? {
        let rows = database.rows(&table)?;
        destroyed.tables.push(TableRows { table, rows });
    }
    if database.may_drop_database()? && tables::maintenance(location).is_ok() {
        destroyed.method = format!(
            "DROP DATABASE {} WITH (FORCE), from the maintenance database",
            tables::quote(&location.name)
        );
        destroyed.objects.push(Object {
            kind: "database",
            name: location.name.clone(),
        });
    } else {
        destroyed.method =
            "DROP TABLE .. CASCADE of the client's tables, in one transaction (this role may not drop the database)"
                .into();
        destroyed.objects = destroyed
            .tables
            .iter()
            .map(|t| Object {
                kind: "table",
                name: t.table.clone(),
            })
            .collect();
    }
    Ok(destroyed)
}

/// Destroy, then verify.
pub fn destroy(config: &ClientConfig) -> Result<Destroyed> {
    let location = tables::locate(config)?;
    let mut destroyed = plan(&location)?;
    destroyed.dry_run = false;
    let drops_database = destroyed.objects.iter().any(|o| o.kind == "database");
    if drops_database {
        let mut admin = tables::maintenance(&location)?;
        admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            tables::quote(&location.name)
        ))?;
    } else if let Some(mut database) = tables::open(&location)? {
        let names: Vec<String> = destroyed.objects.iter().map(|o| o.name.clone()).collect();
        database.drop_tables(&names)?;
    }
    // Verify from scratch.
    match tables::open(&location)? {
        None => {
            if tables::database_exists(&location)? {
                bail!(
                    "the database {} cannot be opened, but the server still lists it",
                    location.shown
                );
            }
            destroyed.verification =
                format!("the server lists no database `{}` any more", location.name);
        }
        Some(mut database) => {
            if drops_database {
                bail!(
                    "the database {} is still there after DROP DATABASE",
                    location.shown
                );
            }
            let mut left = database.tables()?;
            for object in &destroyed.objects {
                if database.has_table(&object.name)? && !left.contains(&object.name) {
                    left.push(object.name.clone());
                }
            }
            if !left.is_empty() {
                bail!(
                    "tables of the client's are still there: {}",
                    left.join(", ")
                );
            }
            destroyed.verification = format!(
                "no table of the client's is left in {} (its role owns none in the current schema)",
                location.shown
            );
        }
    }
    destroyed.verified = true;
    Ok(destroyed)
}
