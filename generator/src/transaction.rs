//! All or nothing. The client is rendered into a temporary directory beside its destination;
//! the root manifest is backed up and replaced atomically (temp file + rename); a journal
//! records what is in flight, so an interrupted run is rolled back by the next one (or by
//! [`recover`]). A lock file serialises concurrent runs on one workspace.

use crate::error::{Error, Result};
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;

pub const LOCK_FILE: &str = ".new-client.lock";
pub const JOURNAL_FILE: &str = ".new-client.journal";
pub const BACKUP_FILE: &str = ".new-client.Cargo.toml.backup";

/// What a run in flight may have changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    /// The client directory that is being created.
    pub client_dir: Utf8PathBuf,
    /// The temporary directory it is rendered into.
    pub staging_dir: Utf8PathBuf,
    /// The root manifest (its original is in [`BACKUP_FILE`]).
    pub manifest: Utf8PathBuf,
}

/// The exclusive lock on a workspace, held until dropped.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Wait for and take the workspace's lock.
    pub fn acquire(root: &Utf8Path) -> Result<Lock> {
        let path = root.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("create", &path, e))?;
        file.lock().map_err(|e| Error::io("lock", &path, e))?;
        Ok(Lock { _file: file })
    }
}

/// A generation in progress.
pub struct Transaction {
    root: Utf8PathBuf,
    journal: Journal,
}

impl Transaction {
    /// Start: roll back anything an earlier run left, then write the journal and the backup.
    pub fn begin(
        root: &Utf8Path,
        client_dir: &Utf8Path,
        manifest: &Utf8Path,
        original_manifest: &str,
    ) -> Result<Transaction> {
        recover(root)?;
        let name = client_dir.file_name().unwrap_or("client");
        let staging_dir =
            client_dir.with_file_name(format!(".{name}.new-client-{}", std::process::id()));
        let journal = Journal {
            client_dir: client_dir.to_owned(),
            staging_dir,
            manifest: manifest.to_owned(),
        };
        write_synced(&root.join(BACKUP_FILE), original_manifest.as_bytes())?;
        let text = serde_json::to_string(&journal).expect("journal serializes");
        write_synced(&root.join(JOURNAL_FILE), text.as_bytes())?;
        Ok(Transaction {
            root: root.to_owned(),
            journal,
        })
    }

    pub fn staging_dir(&self) -> &Utf8Path {
        &self.journal.staging_dir
    }

    /// Replace the root manifest atomically.
    pub fn write_manifest(&self, text: &str) -> Result<()> {
        replace_atomically(&self.journal.manifest, text.as_bytes())
    }

    /// Move the rendered client into place.
    pub fn publish_client(&self) -> Result<()> {
        std::fs::rename(&self.journal.staging_dir, &self.journal.client_dir)
            .map_err(|e| Error::io("move into place", &self.journal.client_dir, e))
    }

    /// The commit point: from here on the new client stays.
    pub fn commit(self) -> Result<()> {
        remove_file(&self.root.join(JOURNAL_FILE))?;
        remove_file(&self.root.join(BACKUP_FILE))
    }

    /// Undo everything.
    pub fn rollback(self) -> Result<()> {
        recover(&self.root)
    }
}

/// Roll back a run that did not finish, if its journal is there: remove the client directory
/// and the staging directory, restore the manifest from the backup. Safe to repeat.
pub fn recover(root: &Utf8Path) -> Result<()> {
    let journal_path = root.join(JOURNAL_FILE);
    let text = match std::fs::read_to_string(&journal_path) {
        Ok(text) => text,
        // No journal: nothing was changed yet. A backup without one is from a run killed
        // while writing it (the journal is only written after the backup is complete).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return remove_file(&root.join(BACKUP_FILE));
        }
        Err(e) => return Err(Error::io("read", &journal_path, e)),
    };
    let Ok(journal) = serde_json::from_str::<Journal>(&text) else {
        // A journal cut short by a kill: nothing after it was done yet.
        remove_file(&root.join(BACKUP_FILE))?;
        return remove_file(&journal_path);
    };
    for dir in [&journal.staging_dir, &journal.client_dir] {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io("remove", dir, e));
            }
            _ => {}
        }
    }
    let backup = root.join(BACKUP_FILE);
    match std::fs::read(&backup) {
        Ok(original) => replace_atomically(&journal.manifest, &original)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("read", &backup, e)),
    }
    remove_file(&backup)?;
    remove_stale_temp_files(&journal.manifest)?;
    remove_file(&journal_path)
}

/// Temporary files [`replace_atomically`] left beside `path` when a run was killed mid-write.
fn remove_stale_temp_files(path: &Utf8Path) -> Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(());
    };
    let prefix = format!(".{name}.new-client-");
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))?;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") {
            remove_file(&dir.join(file_name.as_ref()))?;
        }
    }
    Ok(())
}

/// Write to a temporary file beside `path`, flush it to disk, and rename it over `path`.
pub fn replace_atomically(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    let name = path.file_name().unwrap_or("file");
    let temp = path.with_file_name(format!(".{name}.new-client-{}.tmp", std::process::id()));
    write_synced(&temp, contents)?;
    std::fs::rename(&temp, path).map_err(|e| Error::io("replace", path, e))
}

fn write_synced(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(|e| Error::io("create", path, e))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("write", path, e))
}

fn remove_file(path: &Utf8Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}
