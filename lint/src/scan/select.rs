//! Which files a full scan visits: in a git work tree, exactly what git tracks plus the
//! untracked files git does not ignore (a tracked file is scanned even if a `.gitignore`
//! matches it); nested repositories and submodules the same way, with their own git. Outside
//! git, a walk that honours `.gitignore` files the way git would. Nothing else is skipped but
//! cargo's real target directories, as `cargo metadata` reports them (a module `src/target/` is
//! source). Symlinks are never followed.

use crate::error::{Error, Result};
use crate::input::git;
use crate::model::layout::Layout;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files to scan.
#[derive(Debug, Default)]
pub struct Selection {
    /// Absolute paths, sorted; files, symlinks and special files (never directories).
    pub files: Vec<PathBuf>,
    /// The files in git's index, for `env-file-committed`; `None` outside git.
    pub tracked: Option<Vec<PathBuf>>,
    /// What was not entered, one line each.
    pub notes: Vec<String>,
}

/// cargo's target directories below the workspace root: the only directories the scan skips.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDirs(Vec<PathBuf>);

impl TargetDirs {
    /// The directories `cargo metadata` reported (`target_directory` of every loaded
    /// workspace), those that exist.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> TargetDirs {
        let mut dirs: Vec<PathBuf> = dirs
            .into_iter()
            .filter_map(|d| d.canonicalize().ok())
            .collect();
        dirs.sort();
        dirs.dedup();
        TargetDirs(dirs)
    }

    /// A guess made before cargo answers, for the scan that runs while it does: cargo's own
    /// marker (`CACHEDIR.TAG`) in `target/` of the root and of each client (a standalone
    /// client's), or `CARGO_TARGET_DIR`. The check compares the guess with cargo's answer and
    /// scans again when they differ.
    pub fn predicted(layout: &Layout) -> TargetDirs {
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
            return TargetDirs::new([PathBuf::from(dir)]);
        }
        let candidates = std::iter::once(layout.root.join("target"))
            .chain(layout.clients.iter().map(|a| a.dir.join("target")));
        TargetDirs::new(candidates.filter(|d| d.join("CACHEDIR.TAG").is_file()))
    }

    /// Does `path` lie in one of these directories?
    pub fn contains(&self, path: &Path) -> bool {
        self.0.iter().any(|d| path.starts_with(d))
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.0
    }
}

/// The files below `root` (canonical) to scan.
pub fn select(root: &Path, targets: &TargetDirs) -> Result<Selection> {
    let mut selection = Selection::default();
    match git::listed_files(root, &|| blocking_ignore_file(root, targets))? {
        Some(listed) => {
            let mut tracked = Vec::new();
            from_git(root, listed, targets, &mut selection, &mut tracked)?;
            selection.tracked = Some(tracked);
        }
        None => selection.files = walk_watched(root, targets)?,
    }
    selection.files.sort();
    selection.files.dedup();
    Ok(selection)
}

fn from_git(
    root: &Path,
    listed: Vec<git::Listed>,
    targets: &TargetDirs,
    selection: &mut Selection,
    tracked: &mut Vec<PathBuf>,
) -> Result<()> {
    for entry in listed {
        let is_dir = entry
            .path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_dir());
        if entry.nested_repository || (entry.tracked && is_dir) {
            // A nested repository (untracked) or a submodule (tracked as a commit): its own git
            // knows its files. A submodule that is not checked out has none.
            match git::listed_files(&entry.path, &|| blocking_ignore_file(&entry.path, targets))? {
                Some(inner) if entry.path.join(".git").exists() => {
                    from_git(root, inner, targets, selection, tracked)?
                }
                _ if is_dir => selection.notes.push(format!(
                    "skipped {}: a submodule that is not checked out",
                    display(root, &entry.path)
                )),
                _ => {}
            }
            continue;
        }
        if !entry.tracked && targets.contains(&entry.path) {
            continue;
        }
        if entry.tracked {
            tracked.push(entry.path.clone());
        }
        selection.files.push(entry.path);
    }
    Ok(())
}

/// A `.gitignore` below `root` that is a FIFO or a device: git (and the walk outside git) would
/// block for good opening it. Looked for only when the listing is slow.
fn blocking_ignore_file(root: &Path, targets: &TargetDirs) -> Option<PathBuf> {
    crate::input::watch::blocking_file_named(root, &[".gitignore"], &|dir| targets.contains(dir))
}

/// [`walk`] on a thread of its own: if it has not finished within a second and a `.gitignore`
/// that blocks it is found, that is the error (the blocked thread is left behind).
fn walk_watched(root: &Path, targets: &TargetDirs) -> Result<Vec<PathBuf>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (owned_root, owned_targets) = (root.to_owned(), targets.clone());
    std::thread::spawn(move || {
        let _ = tx.send(walk(&owned_root, &owned_targets));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(1)) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Layout {
            message: "the walk of the workspace stopped".into(),
            help: None,
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            if let Some(path) = blocking_ignore_file(root, targets) {
                return Err(Error::Layout {
                    message: format!(
                        "{} is not a regular file: the walk blocks reading it as an ignore file",
                        path.display()
                    ),
                    help: Some("remove it, or make it a regular file".into()),
                });
            }
            rx.recv().unwrap_or_else(|_| {
                Err(Error::Layout {
                    message: "the walk of the workspace stopped".into(),
                    help: None,
                })
            })
        }
    }
}

/// Every file below `root` that the `.gitignore` files there do not exclude, walked in
/// parallel; `.git` and cargo's target directories are not entered.
fn walk(root: &Path, targets: &TargetDirs) -> Result<Vec<PathBuf>> {
    let targets = targets.clone();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && (e.file_name() == ".git" || targets.contains(e.path())))
        });
    let collected: Mutex<Result<Vec<PathBuf>>> = Mutex::new(Ok(Vec::new()));
    builder.build_parallel().run(|| {
        let collected = &collected;
        Box::new(move |entry| {
            use ignore::WalkState;
            let mut shared = collected.lock().unwrap_or_else(|p| p.into_inner());
            match (entry, &mut *shared) {
                (Ok(entry), Ok(files)) => {
                    if !entry.file_type().is_some_and(|t| t.is_dir()) {
                        files.push(entry.into_path());
                    }
                    WalkState::Continue
                }
                (Err(e), Ok(_)) => {
                    *shared = Err(Error::Layout {
                        message: format!("failed to walk the workspace: {e}"),
                        help: None,
                    });
                    WalkState::Quit
                }
                (_, Err(_)) => WalkState::Quit,
            }
        })
    });
    collected.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
