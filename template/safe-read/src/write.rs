//! How clientwall writes a file it must not half-write (a manifest, a record, a journal, an
//! attestation, a released template's manifest): the contents go to a temporary file beside the
//! target (same directory, so the same file system), are flushed to disk with `sync_all`, and
//! the temporary file is renamed over the target. A reader sees the old file or the new one,
//! never a part; a run killed mid-write leaves at most a temporary file named by
//! [`temp_prefix`], which [`remove_stale`] clears.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What marks a temporary file's name: [`atomic`]'s own, and `new-client`, the generator's
/// before this module (left by a run an older clientwall was killed in).
const TAGS: [&str; 2] = ["clientwall", "new-client"];

/// The start of every temporary file's name beside `path` (`.NAME.clientwall-`).
pub fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    format!(".{name}.{}-", TAGS[0])
}

/// Is `file_name` the name of a temporary file [`atomic`] makes, for any target?
pub fn is_temp(file_name: &str) -> bool {
    file_name.starts_with('.')
        && file_name.ends_with(".tmp")
        && TAGS
            .iter()
            .any(|tag| file_name.contains(&format!(".{tag}-")))
}

/// Write `contents` to `path` atomically: a temporary file in `path`'s directory, `sync_all`,
/// then a rename over `path`. On failure the temporary file is removed and `path` is as it
/// was. A file replaced keeps no permissions of its own: the new one is made as any new file.
pub fn atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = dir.join(format!(
            "{}{}-{n}.tmp",
            temp_prefix(path),
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let (temp_path, mut file) = temp;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            std::fs::rename(&temp_path, path)
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp_path);
        return Err(e);
    }
    sync_dir(dir);
    Ok(())
}

/// Flush the directory entry of a rename to disk where the platform allows it (best effort: a
/// directory that cannot be opened as a file leaves the rename to the file system's own pace).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Temporary files [`atomic`] left beside `path` when a run was killed mid-write.
pub fn stale(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let target = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    let prefixes = TAGS.map(|tag| format!(".{target}.{tag}-"));
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if prefixes.iter().any(|p| name.starts_with(p.as_str())) && name.ends_with(".tmp") {
            found.push(dir.join(name.as_ref()));
        }
    }
    found.sort();
    Ok(found)
}

/// Remove the temporary files [`atomic`] left beside `path` (see [`stale`]).
pub fn remove_stale(path: &Path) -> std::io::Result<()> {
    for temp in stale(path)? {
        match std::fs::remove_file(&temp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_created_then_replaced_whole_with_no_temporary_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.toml");
        atomic(&path, b"first\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first\n");
        atomic(&path, b"second\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["record.toml"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_as_it_was_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken");
        // A directory where the file goes: the rename fails, nothing is left behind.
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"kept").unwrap();
        assert!(atomic(&path, b"new").is_err());
        assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"kept");
        assert!(stale(&path).unwrap().is_empty());
        let missing = dir.path().join("no-such-dir/file");
        assert!(atomic(&missing, b"x").is_err());
    }

    #[test]
    fn stale_temporaries_of_a_killed_run_are_found_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.toml");
        let left = dir.path().join(format!("{}123-0.tmp", temp_prefix(&path)));
        let older = dir.path().join(".journal.toml.new-client-77.tmp");
        std::fs::write(&left, b"half").unwrap();
        std::fs::write(&older, b"half, by an older clientwall").unwrap();
        std::fs::write(dir.path().join("other.tmp"), b"not ours").unwrap();
        assert_eq!(stale(&path).unwrap(), [left.clone(), older.clone()]);
        assert!(is_temp(&left.file_name().unwrap().to_string_lossy()));
        assert!(is_temp(".journal.toml.new-client-77.tmp"));
        assert!(!is_temp("other.tmp") && !is_temp(".hidden.tmp"));
        remove_stale(&path).unwrap();
        assert!(!left.exists() && !older.exists());
        assert!(dir.path().join("other.tmp").exists());
    }
}
