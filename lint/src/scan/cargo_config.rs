//! Cargo configuration files inside a client (`.cargo/config.toml`, `.cargo/config`): cargo
//! reads them whenever it runs in that directory or below, so a path in them that leaves the
//! client pulls another client's (or the shared tree's) code into the client's build, outside
//! the dependency graph the lint sees from the workspace root.
//!
//! The keys read: `paths` (path overrides), `[patch.<registry>.<name>] path`/`git`,
//! `[source.<name>] directory`/`local-registry`/`registry`/`git` (source replacement),
//! `[registries.<name>] index`, `[env.<NAME>] value` with `relative = true` (and any absolute
//! value), `include` (followed into included files that stay inside the client), the programs
//! cargo runs (`build.rustc`, `rustc-wrapper`, `rustc-workspace-wrapper`, `rustdoc`,
//! `target.<t>.linker`/`runner`, `host.linker`, credential providers, `doc.browser`), the paths
//! rustc is handed
//! (`rustflags`/`rustdocflags` in `[build]`, `[host]` and `[target.<t>]`: `-L`, `--extern`,
//! `-C link-arg(s)`, `@argfile`; `[target.<t>.<links>] rustc-link-search`/`rustc-flags`). As
//! cargo does, paths are relative to the directory above the one holding the file (`include`
//! paths to the file's own directory), and `file://` URLs name local paths; a program with no
//! `/` in its name is looked up on `PATH`. Flags are resolved as rustc does, against its
//! working directory: the workspace root (for a member) or the directory above `.cargo` (a
//! workspace of its own); both are tried.

use crate::error::Result;
use crate::input::manifest::Manifest;
use crate::location::{normalize, resolve};
use crate::scan::references::{LINK_KINDS, Reading, Reference, Via};
use camino::Utf8Path;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Value};

/// The paths in the configuration file `file` (contents `text`) that leave `home_dir`, for a
/// workspace rooted at `workspace_root`. Spans are in `text`; a path found in an included file
/// is located at the `include` entry.
pub(crate) fn references(
    file: &Utf8Path,
    text: &str,
    home_dir: &Path,
    workspace_root: &Path,
) -> Result<Vec<Reference>> {
    let config = Manifest::parse(file, text.to_owned())?;
    let mut found = Vec::new();
    let context = Context {
        home_dir,
        workspace_root,
    };
    collect(&config, &context, None, 0, &mut found);
    found.retain(|r| !r.resolved.starts_with(home_dir));
    found.dedup_by(|a, b| a.start == b.start && a.resolved == b.resolved);
    Ok(found)
}

/// What every file of one configuration chain is read against.
struct Context<'a> {
    home_dir: &'a Path,
    workspace_root: &'a Path,
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
    context: &Context,
    anchor: Option<&Anchor>,
    depth: usize,
    found: &mut Vec<Reference>,
) {
    let home_dir = context.home_dir;
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
    // An absolute value names that path whatever `relative` says.
    for (name, var) in tables(root.get("env")) {
        let (key, value) = match var.as_table_like() {
            Some(table) if table.get("relative").and_then(Item::as_bool) == Some(true) => continue,
            Some(table) => (format!("env.{name}.value"), table.get("value")),
            None => (format!("env.{name}"), Some(var)),
        };
        if let Some(value) = value
            && let Some(written) = value.as_str()
            && Path::new(written).is_absolute()
        {
            push(key, value, written, normalize(Path::new(written)));
        }
    }
    // Programs cargo runs: a name with a `/` is a path relative to `base`.
    let mut programs: Vec<(String, &Item)> = Vec::new();
    if let Some(build) = root.get("build").and_then(Item::as_table_like) {
        for key in [
            "rustc",
            "rustc-wrapper",
            "rustc-workspace-wrapper",
            "rustdoc",
        ] {
            if let Some(item) = build.get(key) {
                programs.push((format!("build.{key}"), item));
            }
        }
    }
    // The credential providers cargo runs for a registry's token (while it builds, for a
    // registry that needs one), and the browser `cargo doc --open` starts.
    if let Some(item) = root
        .get("registry")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("credential-provider"))
    {
        programs.push(("registry.credential-provider".into(), item));
    }
    for (name, registry) in tables(root.get("registries")) {
        if let Some(item) = registry
            .as_table_like()
            .and_then(|t| t.get("credential-provider"))
        {
            programs.push((format!("registries.{name}.credential-provider"), item));
        }
    }
    for (name, item) in tables(root.get("credential-alias")) {
        programs.push((format!("credential-alias.{name}"), item));
    }
    if let Some(item) = root
        .get("doc")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("browser"))
    {
        programs.push(("doc.browser".into(), item));
    }
    let mut flag_lists: Vec<(String, &Item)> = Vec::new();
    for section in ["build", "host"] {
        if let Some(table) = root.get(section).and_then(Item::as_table_like) {
            for key in ["rustflags", "rustdocflags"] {
                if let Some(item) = table.get(key) {
                    flag_lists.push((format!("{section}.{key}"), item));
                }
            }
            if let Some(item) = table.get("linker") {
                programs.push((format!("{section}.linker"), item));
            }
        }
    }
    for (target, table) in tables(root.get("target")) {
        let Some(table) = table.as_table_like() else {
            continue;
        };
        for (key, item) in table.iter() {
            match key {
                "linker" | "runner" => programs.push((format!("target.{target}.{key}"), item)),
                "rustflags" | "rustdocflags" => {
                    flag_lists.push((format!("target.{target}.{key}"), item))
                }
                // `[target.<t>.<links>]`: a build script's output, overridden.
                _ => {
                    if let Some(links) = item.as_table_like() {
                        if let Some(search) = links.get("rustc-link-search") {
                            for (written, spanned) in strings(search) {
                                let path = written
                                    .split_once('=')
                                    .filter(|(kind, _)| LINK_KINDS.contains(kind))
                                    .map_or(written.as_str(), |(_, p)| p);
                                for resolved in flag_path(path, base, context.workspace_root) {
                                    push(
                                        format!("target.{target}.{key}.rustc-link-search"),
                                        spanned,
                                        &written,
                                        resolved,
                                    );
                                }
                            }
                        }
                        if let Some(flags) = links.get("rustc-flags") {
                            flag_lists.push((format!("target.{target}.{key}.rustc-flags"), flags));
                        }
                    }
                }
            }
        }
    }
    for (key, item) in programs {
        let program = match item.as_array() {
            Some(list) => list.get(0).and_then(Value::as_str),
            None => item.as_str().and_then(|s| s.split_whitespace().next()),
        };
        if let Some(program) = program.filter(|p| p.contains('/')) {
            let written = program.to_owned();
            push(key, item, &written, normalize(&base.join(program)));
        }
    }
    // Each entry is a provider of its own: `"PATH ARGS"` (or an alias, a `cargo:` built-in).
    let global_providers = root
        .get("registry")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("global-credential-providers"))
        .and_then(Item::as_array);
    for entry in global_providers.into_iter().flatten() {
        let program = entry.as_str().and_then(|s| s.split_whitespace().next());
        if let Some(program) = program.filter(|p| p.contains('/')) {
            let key = "registry.global-credential-providers".to_owned();
            push(key, entry, program, normalize(&base.join(program)));
        }
    }
    for (key, item) in flag_lists {
        let words: Vec<String> = strings(item)
            .into_iter()
            .flat_map(|(s, _)| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        for path in flag_paths(&words) {
            for resolved in flag_path(&path, base, context.workspace_root) {
                push(key.clone(), item, &path, resolved);
            }
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
        let Ok(text) = safe_read::read_to_string(utf8.as_std_path()) else {
            continue;
        };
        if let Ok(included) = Manifest::parse(&utf8, text) {
            collect(
                &included,
                context,
                Some(&entry_anchor),
                depth + 1,
                &mut nested,
            );
        }
    }
    found.append(&mut out);
    found.append(&mut nested);
}

/// The paths in rustc flags: `-L [KIND=]PATH`, `--extern NAME=PATH`, `--sysroot PATH`,
/// `-C linker=PATH`, `-C profile-use=PATH`, `-C link-arg(s)=..` (each word that looks like a
/// path, `-L` stripped) and `@ARGFILE`.
fn flag_paths(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        let mut value = |flag: &str| -> Option<String> {
            if word == flag {
                i += 1;
                words.get(i).cloned()
            } else {
                word.strip_prefix(flag)
                    .map(|rest| rest.strip_prefix('=').unwrap_or(rest).to_owned())
            }
        };
        if let Some(search) = value("-L") {
            let path = search
                .split_once('=')
                .filter(|(kind, _)| LINK_KINDS.contains(kind))
                .map_or(search.as_str(), |(_, p)| p);
            out.push(path.to_owned());
        } else if let Some(extern_) = value("--extern") {
            if let Some((_, path)) = extern_.split_once('=') {
                out.push(path.to_owned());
            }
        } else if let Some(sysroot) = value("--sysroot") {
            out.push(sysroot);
        } else if let Some(codegen) = value("-C") {
            // Programs and files a codegen option names: `-C linker=..`, `-C profile-use=..`.
            if let Some(path) = codegen
                .strip_prefix("linker=")
                .or_else(|| codegen.strip_prefix("profile-use="))
            {
                out.push(path.to_owned());
            } else if let Some(args) = codegen
                .strip_prefix("link-args=")
                .or_else(|| codegen.strip_prefix("link-arg="))
            {
                for arg in args.split_whitespace() {
                    let arg = arg.strip_prefix("-L").unwrap_or(arg);
                    if arg.contains('/') {
                        out.push(arg.to_owned());
                    }
                }
            }
        } else if let Some(file) = word.strip_prefix('@') {
            out.push(file.to_owned());
        }
        i += 1;
    }
    out
}

/// Where a path rustc is handed lands: itself when absolute, else against rustc's working
/// directory, which is the workspace root or `base`.
fn flag_path(path: &str, base: &Path, workspace_root: &Path) -> Vec<PathBuf> {
    if path.is_empty() {
        return Vec::new();
    }
    let mut out = vec![normalize(&base.join(path))];
    let from_root = normalize(&workspace_root.join(path));
    if !out.contains(&from_root) {
        out.push(from_root);
    }
    out
}

/// The strings of an item: itself, or each string of an array, with the item to locate each.
fn strings(item: &Item) -> Vec<(String, &dyn Spanned)> {
    if let Some(s) = item.as_str() {
        return vec![(s.to_owned(), item as &dyn Spanned)];
    }
    item.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| Some((v.as_str()?.to_owned(), v as &dyn Spanned)))
                .collect()
        })
        .unwrap_or_default()
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
    fn rustc_flags_that_name_files_and_programs() {
        let words: Vec<String> = [
            "-C",
            "linker=../globex/ld",
            "-Cprofile-use=../globex/merged.profdata",
            "--sysroot",
            "../globex/sysroot",
            "-C",
            "opt-level=3",
            "-L",
            "native=../globex/lib",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            flag_paths(&words),
            [
                "../globex/ld",
                "../globex/merged.profdata",
                "../globex/sysroot",
                "../globex/lib"
            ]
        );
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
        let found = references(file, text, Path::new("/w/clients/acme"), Path::new("/w")).unwrap();
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
