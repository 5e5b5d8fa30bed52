//! Cargo.toml files re-parsed with spans, so diagnostics point at the exact key to change.

use crate::error::{Error, IoAction, Result};
use crate::location::Location;
use camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::DependencyKind;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use toml_edit::{Item, Key, Table, TableLike};

/// A manifest's text and its span-carrying parse tree.
pub struct Manifest {
    pub path: Utf8PathBuf,
    pub text: String,
    doc: toml_edit::Document<String>,
}

impl Manifest {
    /// Read and parse a TOML file, failing with the file name on any error.
    pub fn load(path: &Utf8Path) -> Result<Manifest> {
        let text = safe_read::read_to_string(path.as_std_path())
            .map_err(|e| Error::io(IoAction::Read, path, e))?;
        Manifest::parse(path, text)
    }

    /// Parse `text` as the contents of `path`.
    pub fn parse(path: &Utf8Path, text: String) -> Result<Manifest> {
        let doc = toml_edit::Document::parse(text.clone()).map_err(|e| Error::toml(path, e))?;
        Ok(Manifest {
            path: path.to_owned(),
            text,
            doc,
        })
    }

    pub fn root(&self) -> &Table {
        self.doc.as_table()
    }

    /// The location of a key or key span inside this file.
    pub fn locate(&self, span: Option<std::ops::Range<usize>>) -> Location {
        match span {
            Some(span) => Location::from_span(&self.path, &self.text, span),
            None => Location::start_of(&self.path),
        }
    }

    /// Where the dependency `key` of `kind` (under `target` when given) is declared.
    ///
    /// Finds `[dependencies] key = ..`, `[dependencies.key]`, the legacy underscore table names
    /// and `[target.'cfg(..)'.dependencies]`; falls back to the start of the file.
    pub fn dependency_location(
        &self,
        kind: DependencyKind,
        target: Option<&str>,
        key: &str,
    ) -> Location {
        let scope: Option<&dyn TableLike> = match target {
            None => Some(self.root()),
            Some(target) => self.target_table(target),
        };
        let found = scope.and_then(|scope| {
            table_names(kind)
                .iter()
                .filter_map(|name| scope.get(name).and_then(Item::as_table_like))
                .find_map(|deps| deps.get_key_value(key))
                .map(|(k, _)| k)
        });
        self.locate(found.and_then(Key::span))
    }

    fn target_table(&self, target: &str) -> Option<&dyn TableLike> {
        let targets = self.root().get("target")?.as_table_like()?;
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let wanted = squash(target);
        targets
            .iter()
            .find(|(name, _)| squash(name) == wanted)
            .and_then(|(_, item)| item.as_table_like())
    }

    /// The location of the key at `path` (e.g. `["workspace", "metadata", "clientwall", "allow"]`).
    pub fn key_location(&self, path: &[&str]) -> Location {
        let mut table: &dyn TableLike = self.root();
        let mut span = None;
        for (i, segment) in path.iter().enumerate() {
            let Some((key, item)) = table.get_key_value(segment) else {
                break;
            };
            span = key.span();
            if i + 1 < path.len() {
                match item.as_table_like() {
                    Some(inner) => table = inner,
                    None => break,
                }
            }
        }
        self.locate(span)
    }
}

impl Manifest {
    /// Where a target's source path is written: `[lib] path`, the `path` of the `[[bin]]` (or
    /// `[[example]]`, `[[test]]`, `[[bench]]`) entry named `name` or whose path resolves to
    /// `src_path`, or `package.build` for the build script. Returns the key to show and the
    /// value's location; `None` when the manifest does not write it (cargo found it itself).
    pub fn target_path(
        &self,
        kind: &str,
        name: &str,
        src_path: &std::path::Path,
    ) -> Option<(String, Location)> {
        let root = self.root();
        let located = |item: &Item| {
            item.as_value()
                .and_then(|v| v.span())
                .map(|s| self.locate(Some(s)))
        };
        match kind {
            "custom-build" => {
                let build = root.get("package")?.as_table_like()?.get("build")?;
                build.as_str()?;
                Some(("package.build".to_owned(), located(build)?))
            }
            "bin" | "example" | "test" | "bench" => {
                let dir = self.path.parent()?.as_std_path();
                let entries = root.get(kind)?.as_array_of_tables()?;
                entries.iter().find_map(|entry| {
                    let path = entry.get("path")?;
                    let written = path.as_str()?;
                    let same_path = crate::location::normalize(&dir.join(written))
                        == crate::location::normalize(src_path);
                    let same_name = entry.get("name").and_then(Item::as_str) == Some(name);
                    if !(same_path || same_name) {
                        return None;
                    }
                    Some((format!("[[{kind}]] path"), located(path)?))
                })
            }
            _ => {
                let path = root.get("lib")?.as_table_like()?.get("path")?;
                Some(("[lib] path".to_owned(), located(path)?))
            }
        }
    }
}

/// The table names cargo accepts for a dependency kind.
pub fn table_names(kind: DependencyKind) -> &'static [&'static str] {
    match kind {
        DependencyKind::Development => &["dev-dependencies", "dev_dependencies"],
        DependencyKind::Build => &["build-dependencies", "build_dependencies"],
        _ => &["dependencies"],
    }
}

/// Is `path` a cargo configuration file (`config.toml` or `config` in a `.cargo` directory)?
pub(crate) fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "config.toml" || n == "config")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == ".cargo")
}

/// Parsed manifests, each read at most once per check.
#[derive(Default)]
pub struct ManifestCache {
    files: HashMap<Utf8PathBuf, Arc<Manifest>>,
}

impl ManifestCache {
    pub fn get(&mut self, path: &Utf8Path) -> Result<Arc<Manifest>> {
        if let Some(found) = self.files.get(path) {
            return Ok(Arc::clone(found));
        }
        let manifest = Arc::new(Manifest::load(path)?);
        self.files.insert(path.to_owned(), Arc::clone(&manifest));
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Manifest {
        Manifest::parse(Utf8Path::new("Cargo.toml"), text.to_owned()).unwrap()
    }

    #[test]
    fn only_config_files_in_a_cargo_directory() {
        assert!(is_config_file(Path::new("/w/c/acme/.cargo/config.toml")));
        assert!(is_config_file(Path::new("/w/c/acme/.cargo/config")));
        assert!(!is_config_file(Path::new("/w/c/acme/config.toml")));
        assert!(!is_config_file(Path::new(
            "/w/c/acme/.cargo/credentials.toml"
        )));
    }

    #[test]
    fn finds_every_form_of_dependency_key() {
        let m = manifest(
            r#"[package]
name = "acme"

[dependencies]
report = { path = "../report" }

[dev-dependencies.kit]
path = "../kit"

[build_dependencies]
gen = "1"

[target.'cfg(any(unix, windows))'.dependencies]
plat = { path = "../plat" }
"#,
        );
        let line = |kind, target, key| m.dependency_location(kind, target, key).line;
        assert_eq!(line(DependencyKind::Normal, None, "report"), 5);
        assert_eq!(line(DependencyKind::Development, None, "kit"), 7);
        assert_eq!(line(DependencyKind::Build, None, "gen"), 11);
        assert_eq!(
            line(
                DependencyKind::Normal,
                Some("cfg(any(unix,windows))"),
                "plat"
            ),
            14
        );
        assert_eq!(line(DependencyKind::Normal, None, "missing"), 1);
    }

    #[test]
    fn key_location_walks_nested_tables() {
        let m = manifest("[workspace]\n\n[workspace.metadata.clientwall]\nclints = []\n");
        let loc = m.key_location(&["workspace", "metadata", "clientwall", "clints"]);
        assert_eq!((loc.line, loc.column), (4, 1));
    }
}
