//! Where each client lives on disk, for the rules that look at files rather than the graph.

use crate::config::Config;
use crate::error::{Error, Result};
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A client crate's directory.
#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    /// Canonical directory of the crate.
    pub dir: PathBuf,
}

/// The workspace root and every client directory.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Canonical workspace root.
    pub root: PathBuf,
    pub clients: Vec<Area>,
    by_dir: HashMap<PathBuf, usize>,
}

impl Layout {
    /// A layout from `(name, manifest path)` pairs of client crates.
    pub fn new(
        root: &Utf8Path,
        clients: impl IntoIterator<Item = (String, Utf8PathBuf)>,
    ) -> Result<Layout> {
        let areas = clients
            .into_iter()
            .map(|(name, manifest)| {
                let dir = manifest.parent().unwrap_or(&manifest).as_std_path();
                Ok(Area {
                    name,
                    dir: canonical(dir)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Layout::from_areas(canonical(root.as_std_path())?, areas))
    }

    /// A layout from areas whose directories are canonical already.
    fn from_areas(root: PathBuf, mut areas: Vec<Area>) -> Layout {
        areas.sort_by(|a, b| a.dir.cmp(&b.dir));
        areas.dedup_by(|a, b| a.dir == b.dir);
        let by_dir = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.dir.clone(), i))
            .collect();
        Layout {
            root,
            clients: areas,
            by_dir,
        }
    }

    /// Client directories from the `clients` globs alone, without cargo: for incremental runs.
    /// Names come from each manifest's `[package] name`. The walk starts at the canonical root
    /// and follows no symlinks, so the directories it finds are canonical already: one read
    /// per client and no path resolution.
    pub fn from_globs(root: &Utf8Path, config: &Config) -> Result<Layout> {
        let root = Utf8PathBuf::from_path_buf(canonical(root.as_std_path())?).map_err(|p| {
            Error::Layout {
                message: format!("{} is not a UTF-8 path", p.display()),
                help: None,
            }
        })?;
        let areas = crate::discover::client_manifests(&root, config)?
            .into_iter()
            .map(|manifest| {
                let text = crate::scan::read::read_regular_to_string(manifest.as_std_path())
                    .map_err(|e| Error::io(&manifest, e))?;
                let dir = manifest.parent().unwrap_or(&manifest);
                let name = package_name(&text)
                    .or_else(|| dir.file_name().map(str::to_owned))
                    .unwrap_or_default();
                Ok(Area {
                    name,
                    dir: dir.as_std_path().to_owned(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Layout::from_areas(root.into_std_path_buf(), areas))
    }

    /// Do both layouts hold the same clients in the same directories?
    pub fn same_clients(&self, other: &Layout) -> bool {
        self.root == other.root
            && self.clients.len() == other.clients.len()
            && self
                .clients
                .iter()
                .zip(&other.clients)
                .all(|(a, b)| a.name == b.name && a.dir == b.dir)
    }

    /// The client whose directory contains `path` (the innermost one).
    pub fn owner(&self, path: &Path) -> Option<&Area> {
        path.ancestors()
            .find_map(|dir| self.by_dir.get(dir))
            .map(|&i| &self.clients[i])
    }

    pub fn client(&self, name: &str) -> Option<&Area> {
        self.clients.iter().find(|a| a.name == name)
    }

    /// `path` relative to the workspace root, `/`-separated, for messages.
    pub fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }
}

/// The `name` of a manifest's `[package]` table, read without a full TOML parse.
pub fn package_name(text: &str) -> Option<String> {
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line
                .strip_prefix("name")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix('='))
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

pub fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .map_err(|e| Error::io(path.to_string_lossy().into_owned(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_name_without_a_parser() {
        let text = "[workspace]\nname = \"no\"\n[package]\nversion = \"1\"\nname = \"acme-corp\"\n";
        assert_eq!(package_name(text).as_deref(), Some("acme-corp"));
        assert_eq!(package_name("[workspace]\n"), None);
    }
}
