//! Where this client's SQLite database lives, and making its place private: the directories
//! the tool creates for it get 0700, the file 0600. A directory that already exists (the home
//! directory, a shared data directory) is never changed.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A configured database path: absolute, or under `~/`. A relative path would depend on the
/// directory the tool runs from, so it is refused; `origin` names where it was configured.
pub fn resolve(path: &str, origin: &str) -> Result<PathBuf> {
    if let Some(rest) = path.strip_prefix("~/") {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .context("HOME is not set, so `~/` cannot be resolved")?;
        return Ok(PathBuf::from(home).join(rest));
    }
    let path = PathBuf::from(path);
    if !path.is_absolute() {
        bail!(
            "{origin} `{}` is relative; give an absolute path or one under ~/",
            path.display()
        );
    }
    Ok(path)
}

/// Create what is missing of `path`'s directories (0700 each) and the file itself (0600).
pub fn prepare(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .context("the database path has no directory")?;
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(d) = cursor {
        if d.exists() {
            break;
        }
        missing.push(d);
        cursor = d.parent();
    }
    for d in missing.into_iter().rev() {
        create_private_dir(d)?;
    }
    create_private_file(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("failed to chmod {}", dir.display())),
        // Someone else made it meanwhile: it is theirs, and left as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to create {}", dir.display())),
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("failed to chmod {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to create {}", path.display())),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_file(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_directories_it_creates_are_made_private() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = shared.join("new/deeper/client.sqlite3");
        prepare(&file).unwrap();
        assert_eq!(mode(&shared), 0o755, "an existing directory keeps its mode");
        assert_eq!(mode(&shared.join("new")), 0o700);
        assert_eq!(mode(&shared.join("new/deeper")), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn relative_paths_are_refused() {
        let err = resolve("data/acme.sqlite3", "client.toml [database] path").unwrap_err();
        assert!(format!("{err}").contains("is relative"), "{err}");
        assert!(resolve("/var/lib/acme.sqlite3", "x").is_ok());
    }
}
