//! Cargo configuration files inside a client (`.cargo/config.toml`, `.cargo/config`): cargo
//! reads them whenever it runs in that directory or below, so a path in them that leaves the
//! client pulls another client's (or the shared tree's) code into the client's build, outside
//! the dependency graph the lint sees from the workspace root.
//!
//! The keys read: `paths` (path overrides), `[patch.<registry>.<name>] path`/`git`,
//! `[source.<name>] directory`/`local-registry`/`registry`/`git` (source replacement),
//! `[registries.<name>] index`, `[env.<NAME>] value` with `relative = true`, and `include`
//! (followed into included files that stay inside the client). As cargo does, paths are
//! relative to the directory above the one holding the file (`include` paths to the file's
//! own directory), and `file://` URLs name local paths.

use crate::error::Result;
use crate::manifest::Manifest;
use crate::scan::references::{Reading, Reference, Via, normalize, resolve};
use camino::Utf8Path;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Value};

/// Is `path` a cargo configuration file (`config.toml` or `config` in a `.cargo` directory)?
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "config.toml" || n == "config")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == ".cargo")
}

/// The paths in the configuration file `file` (contents `text`) that leave `home_dir`. Spans
/// are in `text`; a path found in an included file is located at the `include` entry.
pub fn references(file: &Utf8Path, text: &str, home_dir: &Path) -> Result<Vec<Reference>> {
    let config = Manifest::parse(file, text.to_owned())?;
    let mut found = Vec::new();
    collect(&config, home_dir, None, 0, &mut found);
    found.retain(|r| !r.resolved.starts_with(home_dir));
    Ok(found)
}

/// A place in the top file that findings are reported at: the key's span there, and the key
/// path that leads to it.
#[derive(Clone)]
struct Anchor {
    key: String,
    span: std::ops::Range<usize>,
}

const MAX_INCLUDE_DEPTH: usize = 8;

fn collect(
    config: &Manifest,
    home_dir: &Path,
    anchor: Option<&Anchor>,
    depth: usize,
    found: &mut Vec<Reference>,
) {
    let file = config.path.as_std_path();
    let file_dir = file.parent().unwrap_or(Path::new(""));
    // Relative paths in cargo configuration are relative to the parent of `.cargo`.
    let base = file_dir.parent().unwrap_or(file_dir);
    let root = config.root();
    let mut out = Vec::new();
    let mut nested = Vec::new();
    let mut push = |key: String, item: &dyn Spanned, written: &str, path: PathBuf| {
        let (key, span) = match anchor {
            Some(anchor) => (format!("{} → {key}", anchor.key), anchor.span.clone()),
            None => (key, item.span_of().unwrap_or(0..0)),
        };
        out.push(Reference {
            via: Via::CargoConfig(key),
            written: written.to_owned(),
            resolved: resolve(&path),
            partial: false,
            reading: Reading::Always,
            start: span.start,
            end: span.end,
        });
    };
    let located = |value: &str| -> Option<PathBuf> {
        match value.strip_prefix("file://") {
            Some(url_path) => Some(PathBuf::from(url_path)),
            None if value.contains("://") => None,
            None => Some(normalize(&base.join(value))),
        }
    };

    if let Some(paths) = root.get("paths").and_then(Item::as_array) {
        for value in paths.iter() {
            if let Some(path) = value.as_str().and_then(located) {
                push("paths".into(), value, value.as_str().unwrap_or(""), path);
            }
        }
    }
    for (registry, deps) in tables(root.get("patch")) {
        for (name, dep) in tables(Some(deps)) {
            for key in ["path", "git"] {
                if let Some(value) = dep.as_table_like().and_then(|t| t.get(key)) {
                    let written = value.as_str().unwrap_or("");
                    if let Some(path) = located(written) {
                        push(
                            format!("patch.{registry}.{name}.{key}"),
                            value,
                            written,
                            path,
                        );
                    }
                }
            }
        }
    }
    for (name, source) in tables(root.get("source")) {
        for key in ["directory", "local-registry", "registry", "git"] {
            if let Some(value) = source.as_table_like().and_then(|t| t.get(key)) {
                let written = value.as_str().unwrap_or("");
                if let Some(path) = located(written).filter(|_| {
                    matches!(key, "directory" | "local-registry") || written.starts_with("file://")
                }) {
                    push(format!("source.{name}.{key}"), value, written, path);
                }
            }
        }
    }
    for (name, registry) in tables(root.get("registries")) {
        if let Some(value) = registry.as_table_like().and_then(|t| t.get("index")) {
            let written = value.as_str().unwrap_or("");
            if written.starts_with("file://")
                && let Some(path) = located(written)
            {
                push(format!("registries.{name}.index"), value, written, path);
            }
        }
    }
    for (name, var) in tables(root.get("env")) {
        let Some(table) = var.as_table_like() else {
            continue;
        };
        let relative = table
            .get("relative")
            .and_then(Item::as_bool)
            .unwrap_or(false);
        if let (true, Some(value)) = (relative, table.get("value")) {
            let written = value.as_str().unwrap_or("");
            push(
                format!("env.{name}.value"),
                value,
                written,
                normalize(&base.join(written)),
            );
        }
    }
    for (written, item) in includes(root.get("include")) {
        let path = resolve(&file_dir.join(&written));
        let entry_anchor = anchor.cloned().unwrap_or_else(|| Anchor {
            key: "include".into(),
            span: item.span_of().unwrap_or(0..0),
        });
        if !path.starts_with(home_dir) {
            push("include".into(), item, &written, path);
            continue;
        }
        if depth >= MAX_INCLUDE_DEPTH {
            continue;
        }
        // An included file inside the client: what it points at counts as this file's.
        let Ok(utf8) = camino::Utf8PathBuf::from_path_buf(path) else {
            continue;
        };
        let Ok(text) = crate::scan::read::read_regular_to_string(utf8.as_std_path()) else {
            continue;
        };
        if let Ok(included) = Manifest::parse(&utf8, text) {
            collect(
                &included,
                home_dir,
                Some(&entry_anchor),
                depth + 1,
                &mut nested,
            );
        }
    }
    found.append(&mut out);
    found.append(&mut nested);
}

/// The `(key, item)` pairs of a table (inline or not); nothing for anything else.
fn tables(item: Option<&Item>) -> Vec<(&str, &Item)> {
    item.and_then(Item::as_table_like)
        .map(|t| t.iter().collect())
        .unwrap_or_default()
}

/// The paths of `include`: a string, an array of strings, or an array of `{ path = .. }`.
fn includes(item: Option<&Item>) -> Vec<(String, &dyn Spanned)> {
    let Some(item) = item else {
        return Vec::new();
    };
    if let Some(path) = item.as_str() {
        return vec![(path.to_owned(), item as &dyn Spanned)];
    }
    let Some(array) = item.as_array() else {
        return Vec::new();
    };
    array
        .iter()
        .filter_map(|value| match value {
            Value::String(s) => Some((s.value().clone(), value as &dyn Spanned)),
            Value::InlineTable(t) => t
                .get("path")
                .and_then(Value::as_str)
                .map(|p| (p.to_owned(), value as &dyn Spanned)),
            _ => None,
        })
        .collect()
}

/// Anything toml_edit can give a source span for.
trait Spanned {
    fn span_of(&self) -> Option<std::ops::Range<usize>>;
}

impl Spanned for Item {
    fn span_of(&self) -> Option<std::ops::Range<usize>> {
        self.span()
    }
}

impl Spanned for Value {
    fn span_of(&self) -> Option<std::ops::Range<usize>> {
        self.span()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn every_key_that_names_a_path_is_resolved_from_above_dot_cargo() {
        let text = r#"paths = ["../globex", "vendor/own"]
include = ["../../globex/extra.toml"]

[patch.crates-io]
report = { path = "../../shared/report" }
own = { path = "crates/own" }

[source.crates-io]
replace-with = "vendored"

[source.vendored]
directory = "../globex/vendor"

[env]
DATA = { value = "../globex/data", relative = true }
PLAIN = "../globex/not-a-path-to-cargo"
"#;
        let file = Utf8Path::new("/w/clients/acme/.cargo/config.toml");
        let found = references(file, text, Path::new("/w/clients/acme")).unwrap();
        let got: Vec<(String, String, usize)> = found
            .iter()
            .map(|r| {
                (
                    r.via.describe(),
                    r.resolved.display().to_string(),
                    crate::location::line_column(text, r.start).0,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "cargo configuration `paths`".into(),
                    "/w/clients/globex".into(),
                    1
                ),
                (
                    "cargo configuration `patch.crates-io.report.path`".into(),
                    "/w/shared/report".into(),
                    5
                ),
                (
                    "cargo configuration `source.vendored.directory`".into(),
                    "/w/clients/globex/vendor".into(),
                    12
                ),
                (
                    "cargo configuration `env.DATA.value`".into(),
                    "/w/clients/globex/data".into(),
                    15
                ),
                (
                    "cargo configuration `include`".into(),
                    "/w/clients/globex/extra.toml".into(),
                    2
                ),
            ]
        );
    }
}
