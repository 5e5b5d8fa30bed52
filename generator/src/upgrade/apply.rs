//! Writing one client's upgrade all or nothing. Before anything changes, the original of every
//! file to be written or removed is copied into `.clientwall-upgrade/backup/` at the workspace
//! root, then a journal naming the client and its changes is put in place atomically. The
//! files are then replaced atomically one by one (temp file + rename, as `new-client` writes
//! the root manifest). Removing the journal is the commit point. A run killed before it is
//! rolled back by the next run ([`recover`]): every original restored, every new file removed.

use crate::INTERRUPTED;
use crate::error::{Error, Result};
use crate::transaction::replace_atomically;
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// The upgrade's working directory, at the workspace root.
pub const WORK_DIR: &str = ".clientwall-upgrade";
const JOURNAL: &str = "journal.json";
const BACKUP: &str = "backup";

/// Test knobs: pause before each file (`CLIENTWALL_UPGRADE_STEP_DELAY_MS`) and fail at a
/// step (`CLIENTWALL_UPGRADE_FAILPOINT` = `after-backup`, `after-first-file`, `before-commit`).
const DELAY_ENV: &str = "CLIENTWALL_UPGRADE_STEP_DELAY_MS";
const FAILPOINT_ENV: &str = "CLIENTWALL_UPGRADE_FAILPOINT";

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    client_dir: Utf8PathBuf,
    /// Relative path → whether the file existed before (its original is in the backup).
    changes: BTreeMap<String, bool>,
}

/// Write `writes` (path → contents, `None` to remove) into `client_dir`, all or nothing.
pub fn apply(
    root: &Utf8Path,
    client_dir: &Utf8Path,
    writes: &BTreeMap<String, Option<Vec<u8>>>,
) -> Result<()> {
    recover(root)?;
    match write_all(root, client_dir, writes) {
        Ok(()) => Ok(()),
        Err(err) => {
            recover(root)?;
            Err(err)
        }
    }
}

fn write_all(
    root: &Utf8Path,
    client_dir: &Utf8Path,
    writes: &BTreeMap<String, Option<Vec<u8>>>,
) -> Result<()> {
    let work = root.join(WORK_DIR);
    let backup = work.join(BACKUP);
    std::fs::create_dir_all(&backup).map_err(|e| Error::io("create", &backup, e))?;
    let mut changes = BTreeMap::new();
    for path in writes.keys() {
        let original = client_dir.join(path);
        let existed = match safe_read::read_limited_if_exists(
            original.as_std_path(),
            safe_read::MAX_CARGO_BYTES,
        ) {
            Ok(Some(contents)) => {
                write_synced(&backup.join(path), &contents)?;
                true
            }
            Ok(None) => false,
            Err(e) => return Err(Error::io("read", &original, e)),
        };
        changes.insert(path.clone(), existed);
    }
    step("after-backup")?;
    let journal = Journal {
        client_dir: client_dir.to_owned(),
        changes,
    };
    let text = serde_json::to_vec(&journal).expect("journal serializes");
    replace_atomically(&work.join(JOURNAL), &text)?;
    for (i, (path, contents)) in writes.iter().enumerate() {
        step(if i == 1 { "after-first-file" } else { "file" })?;
        let target = client_dir.join(path);
        match contents {
            Some(contents) => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
                }
                replace_atomically(&target, contents)?;
            }
            None => remove_file(&target)?,
        }
    }
    step("before-commit")?;
    // The commit point.
    remove_file(&work.join(JOURNAL))?;
    remove_dir(&work)
}

/// Roll back an upgrade that did not finish, if its journal is there; remove the working
/// directory. Safe to repeat.
pub fn recover(root: &Utf8Path) -> Result<()> {
    let work = root.join(WORK_DIR);
    let journal_path = work.join(JOURNAL);
    let journal = match safe_read::read_if_exists(journal_path.as_std_path()) {
        Ok(text) => text.and_then(|text| serde_json::from_slice::<Journal>(&text).ok()),
        Err(e) => return Err(Error::io("read", &journal_path, e)),
    };
    if let Some(journal) = journal {
        let backup = work.join(BACKUP);
        for (path, existed) in &journal.changes {
            let target = journal.client_dir.join(path);
            if *existed {
                let saved = backup.join(path);
                let original =
                    safe_read::read_limited(saved.as_std_path(), safe_read::MAX_CARGO_BYTES)
                        .map_err(|e| Error::io("read", &saved, e))?;
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
                }
                replace_atomically(&target, &original)?;
            } else {
                remove_file(&target)?;
                remove_empty_parents(&journal.client_dir, &target);
            }
            remove_stale_temp_files(&target)?;
        }
        remove_file(&journal_path)?;
    }
    remove_dir(&work)
}

/// Between files: honour an interruption, and the test knobs.
fn step(name: &str) -> Result<()> {
    if let Some(ms) = std::env::var(DELAY_ENV).ok().and_then(|v| v.parse().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    if std::env::var(FAILPOINT_ENV).is_ok_and(|f| f == name) {
        return Err(Error::io(
            "continue",
            name,
            std::io::Error::other("injected failure"),
        ));
    }
    Ok(())
}

fn write_synced(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    }
    replace_atomically(path, contents)
}

fn remove_file(path: &Utf8Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}

fn remove_dir(path: &Utf8Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}

/// Directories an added file needed, once empty again.
fn remove_empty_parents(client_dir: &Utf8Path, file: &Utf8Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == client_dir || !d.starts_with(client_dir) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Temporary files `replace_atomically` left beside `path` when a run was killed mid-write.
fn remove_stale_temp_files(path: &Utf8Path) -> Result<()> {
    match safe_read::write::remove_stale(path.as_std_path()) {
        // The directory itself is gone: nothing was left in it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(|e| Error::io("remove", path, e)),
    }
}
