//! Where each client lives on disk: a client is everything under its directory (every crate
//! whose manifest lies there, every file). Also which crate a file belongs to, for what rustc
//! and cargo resolve relative to a crate's directory.

use crate::error::{Error, IoAction, Result};
use crate::input::config::Role;
use crate::input::workspace::Workspace;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A client's directory.
#[derive(Debug, Clone)]
pub struct Area {
    /// The client's name: its root package's name, or the directory's name when the client's
    /// root manifest is a virtual workspace (no `[package]`).
    pub name: String,
    /// Canonical directory of the client.
    pub dir: PathBuf,
}

/// The workspace root and every client directory.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Canonical workspace root.
    pub root: PathBuf,
    pub clients: Vec<Area>,
    /// Client index by directory (keyed by the path's bytes: hashing a `Path` walks its
    /// components, and these paths are canonical already).
    by_dir: HashMap<OsString, usize>,
    by_name: HashMap<String, usize>,
    /// Package manifests found above scanned files, by directory (`None`: no package there).
    packages: Arc<Mutex<HashMap<OsString, Option<Arc<PackageDir>>>>>,
}

/// A directory holding a package manifest, and the package's build scripts.
#[derive(Debug)]
struct PackageDir {
    dir: PathBuf,
    build_scripts: Vec<PathBuf>,
    /// Its library is a proc macro (`[lib] proc-macro = true`): rustc runs its code.
    proc_macro: bool,
}

/// What cargo says about a package, for [`Layout::know_packages`].
#[derive(Debug)]
pub struct KnownPackage {
    pub build_scripts: Vec<PathBuf>,
    pub proc_macro: bool,
}

/// Where something outside a client's directory lands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "in", content = "client", rename_all = "kebab-case")]
pub enum Landing {
    /// Inside another client's directory.
    Client(String),
    /// Elsewhere in the workspace (shared crates, the root).
    Shared,
    /// Outside the workspace.
    Outside,
}

/// The crate a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateOf {
    /// The directory of the nearest package manifest above the file (within its client), or
    /// the client's directory when there is none: what `env!("CARGO_MANIFEST_DIR")` names.
    pub dir: PathBuf,
    /// The file is that package's build script (`build.rs`, or the manifest's `build` path).
    pub is_build_script: bool,
    /// The file is a proc macro's source (not its build script): rustc runs it while it
    /// compiles the crates that use the macro.
    pub is_proc_macro: bool,
}

impl Layout {
    /// A layout from `(name, directory)` pairs of clients. Two clients may not share a name.
    pub fn new(
        root: &Utf8Path,
        clients: impl IntoIterator<Item = (String, Utf8PathBuf)>,
    ) -> Result<Layout> {
        let areas = clients
            .into_iter()
            .map(|(name, dir)| {
                Ok(Area {
                    name,
                    dir: canonical(dir.as_std_path())?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let layout = Layout::from_areas(canonical(root.as_std_path())?, areas);
        let mut names: Vec<&Area> = layout.clients.iter().collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = names.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(Error::Layout {
                message: format!(
                    "two clients are named `{}`: {} and {}",
                    pair[0].name,
                    layout.display(&pair[0].dir),
                    layout.display(&pair[1].dir)
                ),
                help: Some(
                    "a client is named after its root package (or its directory when the root is a virtual workspace): rename one"
                        .into(),
                ),
            });
        }
        Ok(layout)
    }

    /// A layout from areas whose directories are canonical already. An area inside another
    /// is part of the outer one: a client is everything under its directory.
    fn from_areas(root: PathBuf, mut areas: Vec<Area>) -> Layout {
        areas.sort_by(|a, b| a.dir.cmp(&b.dir));
        areas.dedup_by(|a, b| a.dir == b.dir);
        let mut outermost: Vec<Area> = Vec::with_capacity(areas.len());
        for area in areas {
            if !outermost
                .last()
                .is_some_and(|o| area.dir.starts_with(&o.dir))
            {
                outermost.push(area);
            }
        }
        let by_dir = outermost
            .iter()
            .enumerate()
            .map(|(i, a)| (a.dir.clone().into_os_string(), i))
            .collect();
        let by_name = outermost
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.clone(), i))
            .collect();
        Layout {
            root,
            clients: outermost,
            by_dir,
            by_name,
            packages: Arc::default(),
        }
    }

    /// The same clients with every directory under `from` moved under `to` (a run made on a
    /// copy of the workspace, placed back).
    pub fn relocated(&self, from: &Path, to: &Path) -> Layout {
        let moved = |dir: &Path| match dir.strip_prefix(from) {
            Ok(rest) => to.join(rest),
            Err(_) => dir.to_owned(),
        };
        let areas = self
            .clients
            .iter()
            .map(|a| Area {
                name: a.name.clone(),
                dir: moved(&a.dir),
            })
            .collect();
        Layout::from_areas(moved(&self.root), areas)
    }

    /// Client directories from the client globs alone, without cargo: for the scan that runs
    /// while cargo does, and for incremental runs. Each directory the walk of [`Workspace`]
    /// found is named after its package (its directory for a virtual workspace), from the
    /// manifest it parsed; one whose package is marked `role = "shared"` or
    /// `"credential-helper"` is not a client. The walk started at the canonical root and
    /// followed no symlinks, so the directories are canonical already: no path resolution.
    /// Clients marked by `role = "client"` outside the globs need cargo.
    pub fn from_globs(workspace: &Workspace) -> Result<Layout> {
        let mut areas = Vec::with_capacity(workspace.clients.len());
        let mut seeds = Vec::with_capacity(workspace.clients.len());
        for client in &workspace.clients {
            if matches!(client.role()?, Some(Role::Shared | Role::CredentialHelper)) {
                continue;
            }
            let dir = client.dir().as_std_path().to_owned();
            seeds.push((
                dir.clone(),
                package_dir_from_table(&dir, client.manifest.root()),
            ));
            areas.push(Area {
                name: client.client_name(),
                dir,
            });
        }
        let layout = Layout::from_areas(workspace.root.clone().into_std_path_buf(), areas);
        layout.seed(seeds);
        Ok(layout)
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
            .find_map(|dir| self.by_dir.get(dir.as_os_str()))
            .map(|&i| &self.clients[i])
    }

    /// The client named `name`.
    pub fn client(&self, name: &str) -> Option<&Area> {
        self.by_name.get(name).map(|&i| &self.clients[i])
    }

    /// Where a path outside some client's directory lands: in a client, elsewhere in the
    /// workspace (the shared tree), or outside it.
    pub fn landing(&self, target: &Path) -> Landing {
        match self.owner(target) {
            Some(area) => Landing::Client(area.name.clone()),
            None if target.starts_with(&self.root) => Landing::Shared,
            None => Landing::Outside,
        }
    }

    /// The crate `file` (inside the client `area`) belongs to: the nearest directory above it,
    /// up to the client's directory, whose `Cargo.toml` has a `[package]` (a sub-crate, a
    /// nested `fuzz/` crate that is its own workspace). A file that some package on the way
    /// names as its build script belongs to that package. Manifests are read once per check.
    pub fn crate_of(&self, area: &Area, file: &Path) -> CrateOf {
        self.package_within(&area.dir, file)
            .unwrap_or_else(|| CrateOf {
                is_build_script: file == area.dir.join("build.rs"),
                dir: area.dir.clone(),
                is_proc_macro: false,
            })
    }

    /// The package a file outside every client (a shared crate's, the root's) belongs to, the
    /// way [`Layout::crate_of`] finds it within the workspace; `None` when no package manifest
    /// lies above it: cargo compiles it nowhere.
    pub fn package_of(&self, file: &Path) -> Option<CrateOf> {
        self.package_within(&self.root, file)
    }

    /// The nearest package above `file`, up to `top`, or the package on the way that names the
    /// file as its build script.
    fn package_within(&self, top: &Path, file: &Path) -> Option<CrateOf> {
        let mut nearest: Option<Arc<PackageDir>> = None;
        for dir in file.ancestors().skip(1) {
            if !dir.starts_with(top) {
                break;
            }
            if let Some(package) = self.package_at(dir) {
                if package.build_scripts.iter().any(|b| b == file) {
                    return Some(CrateOf {
                        dir: package.dir.clone(),
                        is_build_script: true,
                        is_proc_macro: false,
                    });
                }
                nearest.get_or_insert(package);
            }
        }
        nearest.map(|package| CrateOf {
            dir: package.dir.clone(),
            is_build_script: false,
            is_proc_macro: package.proc_macro,
        })
    }

    /// Record what is known about package manifests (from cargo, or read already), so the
    /// scan need not read them again: `(directory, Some(package))` for a package,
    /// `(directory, None)` for a manifest without one.
    pub fn know_packages(
        &self,
        packages: impl IntoIterator<Item = (PathBuf, Option<KnownPackage>)>,
    ) {
        // Only paths spelled under the canonical root can match the scan's canonical paths.
        let packages = packages
            .into_iter()
            .filter(|(dir, _)| dir.starts_with(&self.root));
        self.seed(packages.map(|(dir, build_scripts)| {
            let package = build_scripts.map(|known| PackageDir {
                dir: dir.clone(),
                build_scripts: known.build_scripts,
                proc_macro: known.proc_macro,
            });
            (dir, package)
        }));
    }

    fn seed(&self, packages: impl IntoIterator<Item = (PathBuf, Option<PackageDir>)>) {
        let mut cache = self.packages.lock().unwrap_or_else(|p| p.into_inner());
        for (dir, package) in packages {
            cache.insert(dir.into_os_string(), package.map(Arc::new));
        }
    }

    fn package_at(&self, dir: &Path) -> Option<Arc<PackageDir>> {
        let mut cache = self.packages.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(dir.as_os_str()) {
            return found.clone();
        }
        let found = read_package_dir(dir).map(Arc::new);
        cache.insert(dir.as_os_str().to_owned(), found.clone());
        found
    }

    /// `path` relative to the workspace root, `/`-separated, for messages.
    pub fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }
}

/// The package manifest in `dir`, if there is one, with its build scripts: the `build` key
/// (a path, a list of paths, or `false`), else `build.rs`. A manifest that does not parse
/// still counts as a package with the default build script: the most cautious reading.
fn read_package_dir(dir: &Path) -> Option<PackageDir> {
    let text = safe_read::read_to_string(&dir.join("Cargo.toml")).ok()?;
    package_dir_from_text(dir, &text)
}

/// [`read_package_dir`] for a manifest already read.
fn package_dir_from_text(dir: &Path, text: &str) -> Option<PackageDir> {
    // Told from the text, cautiously: `proc-macro = true` anywhere but a comment.
    let proc_macro = PROC_MACRO_KEY.is_match(text);
    let default = || PackageDir {
        dir: dir.to_owned(),
        build_scripts: vec![dir.join("build.rs")],
        proc_macro,
    };
    if PACKAGE_TABLE.is_match(text) && !BUILD_KEY.is_match(text) {
        return Some(default());
    }
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return Some(default());
    };
    package_dir_from_table(dir, doc.as_table()).map(|package| PackageDir {
        proc_macro: package.proc_macro || proc_macro,
        ..package
    })
}

/// [`read_package_dir`] for a manifest already parsed.
fn package_dir_from_table(dir: &Path, manifest: &toml_edit::Table) -> Option<PackageDir> {
    let package = manifest
        .get("package")
        .or_else(|| manifest.get("project"))?;
    let paths = |item: &toml_edit::Item| -> Vec<PathBuf> {
        if let Some(path) = item.as_str() {
            return vec![crate::location::normalize(&dir.join(path))];
        }
        if let Some(false) = item.as_bool() {
            return Vec::new();
        }
        match item.as_array() {
            Some(list) => list
                .iter()
                .filter_map(|v| v.as_str())
                .map(|p| crate::location::normalize(&dir.join(p)))
                .collect(),
            None => vec![dir.join("build.rs")],
        }
    };
    let lib = manifest.get("lib");
    let proc_macro = ["proc-macro", "proc_macro"]
        .iter()
        .any(|key| lib.and_then(|lib| lib.get(key)).and_then(|v| v.as_bool()) == Some(true));
    Some(PackageDir {
        dir: dir.to_owned(),
        build_scripts: package
            .get("build")
            .map_or_else(|| vec![dir.join("build.rs")], paths),
        proc_macro,
    })
}

static PACKAGE_TABLE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?m)^\s*\[\s*package\s*\]").expect("pattern compiles")
});
static PROC_MACRO_KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?m)(?:^|[{,.])\s*["']?proc[-_]macro["']?\s*=\s*true"#)
        .expect("pattern compiles")
});
static BUILD_KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?m)(?:^|[{,.])\s*["']?build["']?\s*="#).expect("pattern compiles")
});

pub fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .map_err(|e| Error::io_at(IoAction::Resolve, path, e))
}
