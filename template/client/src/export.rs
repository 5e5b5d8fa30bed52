//! `export --dir DIR`: the client's data, returned before it is destroyed: every table of its
//! database as `TABLE.jsonl` (one JSON object per row) and a `manifest.json` listing each file
//! with its row count and SHA-256. The directory is made for its owner only; each file is
//! written beside its place and renamed into it, so an interrupted export leaves no half file
//! under a final name, and running it again writes the same files.

use crate::config::ClientConfig;
use crate::tables;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// One exported table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedTable {
    pub table: String,
    pub file: String,
    pub rows: u64,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub client: &'static str,
    /// The database exported: its file, or its URL without the password.
    pub source: String,
    pub tables: Vec<ExportedTable>,
}

/// What `export --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub dir: String,
    pub manifest_sha256: String,
    pub tables: Vec<ExportedTable>,
}

/// Export every table of the client's database to `dir`.
pub fn export(config: &ClientConfig, dir: &Path) -> Result<Exported> {
    let location = tables::locate(config)?;
    create_private_dir(dir)?;
    let mut exported = Vec::new();
    if let Some(mut database) = tables::open(&location)? {
        for table in database.tables()? {
            // A table name becomes a file name in `dir`: nothing in it may lead elsewhere.
            if table.is_empty()
                || !table
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                bail!("refusing to export table {table:?}: its name is not a plain file name");
            }
            let file = format!("{table}.jsonl");
            let (rows, sha256) = write_hashed(&dir.join(&file), &mut |out| {
                database.each_row(&table, &mut |line| {
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                    Ok(())
                })
            })?;
            exported.push(ExportedTable {
                table,
                file,
                rows,
                sha256,
            });
        }
    }
    let manifest = Manifest {
        client: crate::CLIENT,
        source: location.shown.clone(),
        tables: exported.clone(),
    };
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    let (_, manifest_sha256) = write_hashed(&dir.join(MANIFEST), &mut |out| {
        out.write_all(text.as_bytes())?;
        Ok(0)
    })?;
    Ok(Exported {
        dir: dir.display().to_string(),
        manifest_sha256,
        tables: exported,
    })
}

/// Write `path` through `fill` (which returns a count), hashing what it writes; the file goes
/// into place only once it is complete.
fn write_hashed(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> Result<u64>,
) -> Result<(u64, String)> {
    let temp = path.with_extension("partial");
    let file = create_private_file(&temp)?;
    let mut out = HashingWriter {
        inner: std::io::BufWriter::new(file),
        hash: Sha256::new(),
    };
    let count = fill(&mut out)?;
    let HashingWriter { inner, hash } = out;
    let file = inner
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("failed to write {}", temp.display()))?;
    file.sync_all()
        .with_context(|| format!("failed to write {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("failed to write {}", path.display()))?;
    let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((count, sha256))
}

struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hash.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))
}

fn create_private_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("failed to create {}", path.display()))
}
