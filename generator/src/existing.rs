//! What the workspace already has: package names, so a new client never takes one.

use crate::error::{Error, Result};
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;

/// How deep below the root packages are looked for (`clients/NAME/Cargo.toml` is depth 3).
const MAX_DEPTH: usize = 4;

/// The package name of every `Cargo.toml` below `root`, read without a full TOML parse. Hidden
/// directories, `target/` and the insides of a package (its `src/`, `tests/`, ...) are not
/// entered, so the walk costs about one directory read per package.
pub fn package_names(root: &Utf8Path) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut stack: Vec<(Utf8PathBuf, usize)> = vec![(root.to_owned(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let manifest = dir.join("Cargo.toml");
        if depth > 0 && manifest.is_file() {
            let text =
                std::fs::read_to_string(&manifest).map_err(|e| Error::io("read", &manifest, e))?;
            if let Some(name) = clientwall_check::layout::package_name(&text) {
                names.insert(name);
            }
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("read", &dir, e))?;
        for entry in entries.flatten() {
            let Ok(path) = Utf8PathBuf::from_path_buf(entry.path()) else {
                continue;
            };
            let Some(file_name) = path.file_name() else {
                continue;
            };
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if depth + 1 < MAX_DEPTH && !file_name.starts_with('.') && file_name != "target" {
                    stack.push((path, depth + 1));
                }
            } else if file_name == "Cargo.toml" && depth > 0 {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                if let Some(name) = clientwall_check::layout::package_name(&text) {
                    names.insert(name);
                }
            }
        }
    }
    Ok(names)
}
