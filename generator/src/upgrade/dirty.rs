//! Which clients have uncommitted changes: one `git status` for all of them.

use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;
use std::process::Command;

/// The client directories (canonical) that hold uncommitted changes (modified, staged,
/// deleted or untracked files). `Err` when git cannot tell (not a repository, git missing).
pub fn dirty_dirs(root: &Utf8Path, dirs: &[Utf8PathBuf]) -> Result<BTreeSet<Utf8PathBuf>, String> {
    if dirs.is_empty() {
        return Ok(BTreeSet::new());
    }
    let toplevel = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("failed to run git: {e}"))?;
    if !toplevel.status.success() {
        return Err(format!(
            "{root} is not in a git repository, so local changes cannot be told from the upgrade's"
        ));
    }
    let toplevel = Utf8PathBuf::from(String::from_utf8_lossy(&toplevel.stdout).trim().to_owned());
    let toplevel = toplevel.canonicalize_utf8().unwrap_or(toplevel);
    let mut command = Command::new("git");
    command
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
        ])
        .current_dir(root);
    for dir in dirs {
        command.arg(dir.as_str());
    }
    let output = command
        .output()
        .map_err(|e| format!("failed to run git status: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git status failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut dirty = BTreeSet::new();
    let mut entries = output.stdout.split(|b| *b == 0).filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        if entry.len() < 4 {
            continue;
        }
        let status = &entry[..2];
        let path = toplevel.join(String::from_utf8_lossy(&entry[3..]).as_ref());
        // A rename or copy is followed by its source path.
        if status.contains(&b'R') || status.contains(&b'C') {
            entries.next();
        }
        if let Some(dir) = dirs.iter().find(|d| path.starts_with(d)) {
            dirty.insert(dir.clone());
        }
    }
    Ok(dirty)
}
