//! What names are already taken, so a new client never collides with one: cargo's own view of
//! the workspace (`cargo metadata --no-deps`: every member, however deep), the standalone
//! client workspaces under the client globs, every package in the workspace's `Cargo.lock`, and
//! every package the generated crate itself depends on.

use crate::error::{Error, Result};
use crate::name;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::config::Config;
use std::collections::{BTreeMap, BTreeSet};

/// Why a name is taken, for the refusal message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// A package of the workspace (or of a standalone client workspace).
    Package,
    /// A package in the workspace's `Cargo.lock`.
    Locked,
    /// A package the generated client crate depends on, directly or not.
    TemplateDependency,
}

impl Taken {
    /// The reason, as the tail of "invalid client name `x`: ...".
    pub fn reason(&self) -> &'static str {
        match self {
            Taken::Package => "a package with this name already exists in the workspace",
            Taken::Locked => {
                "a package with this name is in the workspace's Cargo.lock; the client crate could not depend on it"
            }
            Taken::TemplateDependency => {
                "the generated client crate depends on a package with this name, so it could not build"
            }
        }
    }
}

/// The package names of the generated client's whole dependency closure (both database
/// variants): `files/template-dependencies.txt`, which a test keeps equal to the registry
/// packages of `examples/consultancy/Cargo.lock`, exactly what `new-client` generates (the
/// tests regenerate it and build it `--locked`).
pub fn template_dependencies() -> BTreeSet<String> {
    include_str!("../files/template-dependencies.txt")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Is `candidate` taken in the workspace at `root`? `None` when it is free. Compares names as
/// crate names (`acme-corp` and `acme_corp` are the same crate).
pub fn taken(root: &Utf8Path, config: &Config, candidate: &str) -> Result<Option<Taken>> {
    let same = |other: &str| name::snake(other) == name::snake(candidate);
    if workspace_packages(root, config)?.iter().any(|n| same(n)) {
        return Ok(Some(Taken::Package));
    }
    let lock_path = root.join("Cargo.lock");
    let lock =
        safe_read::read_limited_if_exists(lock_path.as_std_path(), safe_read::MAX_CARGO_BYTES)
            .map_err(|e| Error::io("read", &lock_path, e))?;
    if let Some(lock) = lock
        && lock_names(&String::from_utf8_lossy(&lock))
            .iter()
            .any(|n| same(n))
    {
        return Ok(Some(Taken::Locked));
    }
    if template_dependencies().iter().any(|n| same(n)) {
        return Ok(Some(Taken::TemplateDependency));
    }
    Ok(None)
}

/// Every package of the root workspace as cargo sees it, and of every standalone client
/// workspace under the client globs.
///
/// Cargo cannot load a workspace whose `members` glob matches nothing yet (`clients/*` before the
/// first client). Then the members are the directories the other entries name, read here, and
/// [`members`] checks cargo's view again once the client is in place.
pub fn workspace_packages(root: &Utf8Path, config: &Config) -> Result<BTreeSet<String>> {
    let mut names = match members(root) {
        Ok(members) => members.into_values().collect(),
        Err(err) if unmatched_globs(root)?.is_empty() && missing_members(root)?.is_empty() => {
            return Err(err);
        }
        Err(_) => explicit_member_names(root)?,
    };
    let client_manifests =
        clientwall_lint::workspace::client_dirs(root, config).map_err(Error::Policy)?;
    for path in client_manifests {
        names.extend(package_name(&path)?);
    }
    Ok(names)
}

/// The root workspace's members as cargo sees them (`cargo metadata --no-deps`): manifest path
/// to package name.
pub fn members(root: &Utf8Path) -> Result<BTreeMap<Utf8PathBuf, String>> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .current_dir(root)
        .no_deps()
        .exec()
        .map_err(|e| {
            Error::Workspace(format!(
                "cargo cannot load the workspace at {root}: {}",
                cargo_error(&e)
            ))
        })?;
    Ok(metadata
        .workspace_packages()
        .into_iter()
        .map(|p| (p.manifest_path.clone(), p.name.to_string()))
        .collect())
}

/// The `workspace.members` entries with a glob that matches no directory holding a
/// `Cargo.toml`: cargo takes such an entry as a literal path and fails.
pub fn unmatched_globs(root: &Utf8Path) -> Result<Vec<String>> {
    let mut unmatched = Vec::new();
    for entry in member_entries(root)? {
        if !entry.contains(['*', '?', '[']) {
            continue;
        }
        if member_dirs(root, &entry)?.is_empty() {
            unmatched.push(entry);
        }
    }
    Ok(unmatched)
}

/// The `workspace.members` entries that name a directory (no glob) holding no `Cargo.toml`
/// yet: a client registered before it is generated. Cargo cannot load the workspace until it
/// exists.
pub fn missing_members(root: &Utf8Path) -> Result<Vec<String>> {
    Ok(member_entries(root)?
        .into_iter()
        .filter(|entry| !entry.contains(['*', '?', '[']))
        .filter(|entry| !root.join(entry).join("Cargo.toml").is_file())
        .collect())
}

/// The package names of the directories the `members` entries name (globs expanded).
fn explicit_member_names(root: &Utf8Path) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in member_entries(root)? {
        for dir in member_dirs(root, &entry)? {
            if let Some(name) = package_name(&dir.join("Cargo.toml"))? {
                names.insert(name);
            }
        }
    }
    Ok(names)
}

fn member_entries(root: &Utf8Path) -> Result<Vec<String>> {
    let path = root.join("Cargo.toml");
    let text =
        safe_read::read_to_string(path.as_std_path()).map_err(|e| Error::io("read", &path, e))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse {path}: {e}")))?;
    Ok(doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(|e| e.trim_end_matches('/').trim_start_matches("./").to_owned())
        .collect())
}

/// The directories with a `Cargo.toml` that a `members` entry (path or glob) names.
pub(crate) fn member_dirs(root: &Utf8Path, entry: &str) -> Result<Vec<Utf8PathBuf>> {
    let depth = entry.split('/').count();
    let matcher = globset::GlobBuilder::new(entry)
        .literal_separator(true)
        .build()
        .map_err(|e| Error::Workspace(format!("bad `members` entry \"{entry}\": {e}")))?
        .compile_matcher();
    let mut dirs = Vec::new();
    for found in walkdir::WalkDir::new(root)
        .min_depth(depth)
        .max_depth(depth)
        .into_iter()
        .filter_map(std::result::Result::ok)
    {
        let Some(dir) = Utf8Path::from_path(found.path()) else {
            continue;
        };
        let Ok(relative) = dir.strip_prefix(root) else {
            continue;
        };
        if found.file_type().is_dir()
            && matcher.is_match(relative.as_str())
            && dir.join("Cargo.toml").is_file()
        {
            dirs.push(dir.to_owned());
        }
    }
    Ok(dirs)
}

fn package_name(manifest: &Utf8Path) -> Result<Option<String>> {
    let text = safe_read::read_to_string(manifest.as_std_path())
        .map_err(|e| Error::io("read", manifest, e))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse {manifest}: {e}")))?;
    Ok(doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_owned))
}

/// The `name` of every registry or git `[[package]]` in a `Cargo.lock`. Path packages are left
/// out: they are the workspace's own (cargo's view covers those) or stale entries of removed
/// crates, which cargo drops on its next write.
fn lock_names(text: &str) -> BTreeSet<String> {
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return BTreeSet::new();
    };
    doc.get("package")
        .and_then(|p| p.as_array_of_tables())
        .map(|packages| {
            packages
                .iter()
                .filter(|p| p.contains_key("source"))
                .filter_map(|p| p.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// cargo's own error, without the command line cargo_metadata prepends.
fn cargo_error(error: &cargo_metadata::Error) -> String {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => stderr.trim().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    /// The list is the registry packages of the example's lock file, which `scripts/test.sh`
    /// keeps equal to what `new-client` generates; `CLIENTWALL_BLESS=1` rewrites it.
    #[test]
    fn template_dependencies_are_the_example_lock_files_packages() {
        let root = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR"));
        let lock =
            std::fs::read_to_string(root.join("../examples/consultancy/Cargo.lock")).unwrap();
        let expected = super::lock_names(&lock);
        if std::env::var_os("CLIENTWALL_BLESS").is_some() {
            let text: String = expected.iter().map(|n| format!("{n}\n")).collect();
            std::fs::write(root.join("files/template-dependencies.txt"), text).unwrap();
            return;
        }
        assert!(
            expected.len() > 50,
            "the example's lock file lists {} packages",
            expected.len()
        );
        assert_eq!(
            super::template_dependencies(),
            expected,
            "generator/files/template-dependencies.txt is stale: run the test with CLIENTWALL_BLESS=1"
        );
    }

    use super::*;

    #[test]
    fn the_template_closure_holds_the_crates_it_is_built_from() {
        let names = template_dependencies();
        for expected in ["serde", "anyhow", "rusqlite", "postgres", "libc"] {
            assert!(names.contains(expected), "{expected} missing");
        }
        assert!(!names.contains("acme"));
    }
}
