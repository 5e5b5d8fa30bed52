//! All or nothing. The client is rendered into a temporary directory beside its destination;
//! the root manifest and `Cargo.lock` are backed up and the manifest is replaced atomically
//! (temp file + rename); a journal records what is in flight, so an interrupted run is rolled
//! back by the next one, which calls [`recover`] under the lock before it reads anything. A
//! lock file serialises concurrent runs on one workspace and is removed when the run ends.

use crate::error::{Error, Result};
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};
use std::fs::File;

pub const LOCK_FILE: &str = ".new-client.lock";
pub const JOURNAL_FILE: &str = ".new-client.journal";
pub const BACKUP_FILE: &str = ".new-client.Cargo.toml.backup";
pub const LOCKFILE_BACKUP_FILE: &str = ".new-client.Cargo.lock.backup";

/// What a run in flight may have changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    /// The client directory that is being created.
    pub client_dir: Utf8PathBuf,
    /// The temporary directory it is rendered into.
    pub staging_dir: Utf8PathBuf,
    /// The root manifest (its original is in [`BACKUP_FILE`]).
    pub manifest: Utf8PathBuf,
    /// The workspace's `Cargo.lock` (its original, when there was one, is in
    /// [`LOCKFILE_BACKUP_FILE`]); the post-generation check's `cargo metadata` rewrites it.
    #[serde(default)]
    pub cargo_lock: Option<Utf8PathBuf>,
    /// Whether `cargo_lock` existed before the run; if not, rolling back removes it.
    #[serde(default)]
    pub cargo_lock_existed: bool,
    /// The clients directory when this run created it; rolling back removes it again if empty.
    #[serde(default)]
    pub created_parent: Option<Utf8PathBuf>,
}

/// The exclusive lock on a workspace, held until dropped. Dropping it removes the lock file, so
/// a run leaves no trace in `git status`.
pub struct Lock {
    file: File,
    path: Utf8PathBuf,
}

impl Lock {
    /// Wait for and take the workspace's lock.
    ///
    /// The file is removed by whoever holds the lock when it lets go, so a waiter may wake up
    /// holding the lock on a file that is no longer there: it then starts over on the new file.
    pub fn acquire(root: &Utf8Path) -> Result<Lock> {
        let path = root.join(LOCK_FILE);
        loop {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io("create", &path, e))?;
            file.lock().map_err(|e| Error::io("lock", &path, e))?;
            if still_linked(&file, &path) {
                return Ok(Lock { file, path });
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Unlink while still holding the lock, then let go by closing.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Is `file` still the file at `path` (not unlinked or replaced by the previous holder)?
#[cfg(unix)]
fn still_linked(file: &File, path: &Utf8Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_linked(_file: &File, path: &Utf8Path) -> bool {
    path.exists()
}

/// A generation in progress.
pub struct Transaction {
    root: Utf8PathBuf,
    journal: Journal,
}

impl Transaction {
    /// Start: write the backups, then the journal (the journal is the point from which a
    /// later run rolls this one back), then create the clients directory if it is missing.
    /// The caller holds the [`Lock`] and has already called [`recover`].
    pub fn begin(
        root: &Utf8Path,
        client_dir: &Utf8Path,
        manifest: &Utf8Path,
        original_manifest: &str,
    ) -> Result<Transaction> {
        let name = client_dir.file_name().unwrap_or("client");
        let staging_dir =
            client_dir.with_file_name(format!(".{name}.new-client-{}", std::process::id()));
        let parent = client_dir
            .parent()
            .ok_or_else(|| Error::Workspace(format!("{client_dir} has no parent directory")))?;
        let cargo_lock = manifest.with_file_name("Cargo.lock");
        let original_lock =
            safe_read::read_limited_if_exists(cargo_lock.as_std_path(), safe_read::MAX_CARGO_BYTES)
                .map_err(|e| Error::io("read", &cargo_lock, e))?;
        let journal = Journal {
            client_dir: client_dir.to_owned(),
            staging_dir,
            manifest: manifest.to_owned(),
            cargo_lock_existed: original_lock.is_some(),
            cargo_lock: Some(cargo_lock),
            created_parent: (!parent.exists()).then(|| parent.to_owned()),
        };
        replace_atomically(&root.join(BACKUP_FILE), original_manifest.as_bytes())?;
        if let Some(bytes) = &original_lock {
            replace_atomically(&root.join(LOCKFILE_BACKUP_FILE), bytes)?;
        }
        let text = serde_json::to_string(&journal).expect("journal serializes");
        replace_atomically(&root.join(JOURNAL_FILE), text.as_bytes())?;
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
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
        remove_file(&self.root.join(LOCKFILE_BACKUP_FILE))?;
        remove_file(&self.root.join(BACKUP_FILE))
    }

    /// Undo everything.
    pub fn rollback(self) -> Result<()> {
        recover(&self.root)
    }
}

/// Roll back a run that did not finish, if its journal is there: remove the client directory
/// and the staging directory, restore the manifest and `Cargo.lock` from the backups, remove a
/// clients directory the run created. Safe to repeat. Call it holding the [`Lock`].
pub fn recover(root: &Utf8Path) -> Result<()> {
    let journal_path = root.join(JOURNAL_FILE);
    // A backup or the journal is written whole beside itself and renamed: a run killed mid-write
    // leaves its temporary file, removed with it.
    let remove_backups = || {
        for name in [LOCKFILE_BACKUP_FILE, BACKUP_FILE] {
            remove_file(&root.join(name))?;
            remove_stale_temp_files(&root.join(name))?;
        }
        remove_stale_temp_files(&journal_path)
    };
    let text = match safe_read::read_to_string(journal_path.as_std_path()) {
        Ok(text) => text,
        // No journal: nothing was changed yet. A backup without one is from a run killed
        // while writing it (the journal is only written after the backups are complete).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            remove_backups()?;
            return remove_stale_temp_files(&root.join("Cargo.toml"));
        }
        Err(e) => return Err(Error::io("read", &journal_path, e)),
    };
    let Ok(journal) = serde_json::from_str::<Journal>(&text) else {
        // A journal cut short by a kill: nothing after it was done yet.
        remove_backups()?;
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
    match safe_read::read_if_exists(backup.as_std_path()) {
        Ok(Some(original)) => replace_atomically(&journal.manifest, &original)?,
        Ok(None) => {}
        Err(e) => return Err(Error::io("read", &backup, e)),
    }
    if let Some(cargo_lock) = &journal.cargo_lock {
        let lock_backup = root.join(LOCKFILE_BACKUP_FILE);
        match safe_read::read_limited(lock_backup.as_std_path(), safe_read::MAX_CARGO_BYTES) {
            Ok(original) => replace_atomically(cargo_lock, &original)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !journal.cargo_lock_existed {
                    remove_file(cargo_lock)?;
                }
            }
            Err(e) => return Err(Error::io("read", &lock_backup, e)),
        }
        remove_stale_temp_files(cargo_lock)?;
    }
    if let Some(parent) = &journal.created_parent {
        // Only if empty: another client may have been added there since.
        let _ = std::fs::remove_dir(parent);
    }
    remove_backups()?;
    remove_stale_temp_files(&journal.manifest)?;
    remove_file(&journal_path)
}

/// Temporary files [`replace_atomically`] left beside `path` when a run was killed mid-write.
fn remove_stale_temp_files(path: &Utf8Path) -> Result<()> {
    safe_read::write::remove_stale(path.as_std_path()).map_err(|e| Error::io("remove", path, e))
}

/// Write `path` whole ([`safe_read::write::atomic`]: a temporary file beside it, flushed to
/// disk, renamed over it).
pub fn replace_atomically(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    safe_read::write::atomic(path.as_std_path(), contents)
        .map_err(|e| Error::io("replace", path, e))
}

fn remove_file(path: &Utf8Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}
