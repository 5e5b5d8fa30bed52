//! `destroy`: the client's data, gone for good when the engagement ends, then verified gone.
//! It first counts the rows of every table of the client's (the deletion certificate states
//! them), says what it will remove, removes it, and checks that nothing of it remains.
//! {% if database == "postgres" %}On PostgreSQL it drops the whole database when this role may
//! (its owner, or a superuser), from the server's maintenance database; otherwise it drops the
//! client's tables (those its role owns in the current schema). A database that is already gone
//! is verified gone.{% else %}On SQLite it overwrites the database file and its `-wal`, `-shm` and
//! `-journal` companions with zeros, syncs and unlinks them, then removes the client's data
//! directory (the file's directory when it is named after the client). Files that are already
//! gone are verified gone.{% endif %} Running it again is safe.

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
{% if database == "postgres" %}
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
{% else %}
use std::path::{Path, PathBuf};

/// The database file, its companions that exist, and the client's data directory.
fn targets(location: &tables::Location) -> (Vec<PathBuf>, Option<PathBuf>) {
    let path = &location.path;
    let mut files = vec![path.clone()];
    for suffix in tables::COMPANIONS {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    let dir = path
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == crate::CLIENT))
        .map(Path::to_owned);
    (files, dir)
}

fn plan(location: &tables::Location) -> Result<Destroyed> {
    let (files, dir) = targets(location);
    let mut destroyed = Destroyed {
        engine: "sqlite",
        location: location.shown.clone(),
        dry_run: true,
        tables: Vec::new(),
        objects: Vec::new(),
        method: "each file overwritten with zeros, synced and unlinked; then the client's data directory removed".into(),
        verified: false,
        verification: String::new(),
    };
    if let Some(mut database) = tables::open(location)? {
        for table in database.tables()? {
            let rows = database.rows(&table)?;
            destroyed.tables.push(TableRows { table, rows });
        }
    }
    for file in files.iter().filter(|f| f.symlink_metadata().is_ok()) {
        destroyed.objects.push(Object {
            kind: "file",
            name: file.display().to_string(),
        });
    }
    if let Some(dir) = dir.filter(|d| d.exists()) {
        for entry in walk(&dir) {
            if !files.contains(&entry) {
                destroyed.objects.push(Object {
                    kind: if entry.is_dir() { "directory" } else { "file" },
                    name: entry.display().to_string(),
                });
            }
        }
        destroyed.objects.push(Object {
            kind: "directory",
            name: dir.display().to_string(),
        });
    }
    Ok(destroyed)
}

/// Everything below `dir`, deepest first.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// Overwrite a file with zeros and sync it, then unlink it. A symlink is unlinked, never
/// written through: what it points at is not the client's data.
fn overwrite_and_remove(path: &Path) -> Result<()> {
    use std::io::Write;
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        std::fs::remove_file(path)?;
        return Ok(());
    }
    let length = meta.len();
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let zeros = vec![0u8; 64 * 1024];
    let mut left = length;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    drop(file);
    std::fs::remove_file(path)?;
    Ok(())
}

/// Destroy, then verify.
pub fn destroy(config: &ClientConfig) -> Result<Destroyed> {
    let location = tables::locate(config)?;
    let mut destroyed = plan(&location)?;
    destroyed.dry_run = false;
    let (files, dir) = targets(&location);
    for file in files.iter().filter(|f| f.exists()) {
        overwrite_and_remove(file)
            .map_err(|e| e.context(format!("failed to destroy {}", file.display())))?;
    }
    if let Some(dir) = dir.as_ref().filter(|d| d.exists()) {
        for entry in walk(dir) {
            if entry
                .symlink_metadata()
                .is_ok_and(|m| !m.file_type().is_dir())
            {
                overwrite_and_remove(&entry)
                    .map_err(|e| e.context(format!("failed to destroy {}", entry.display())))?;
            }
        }
        std::fs::remove_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("failed to remove {}: {e}", dir.display()))?;
    }
    let left: Vec<String> = files
        .iter()
        .chain(dir.iter())
        .filter(|p| p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !left.is_empty() {
        bail!("still there after destroying: {}", left.join(", "));
    }
    destroyed.verification = format!(
        "none of {} remains",
        files
            .iter()
            .chain(dir.iter())
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    destroyed.verified = true;
    Ok(destroyed)
}
{% endif %}