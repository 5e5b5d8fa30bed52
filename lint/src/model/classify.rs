//! What each crate is to the policy: a client's, shared code, a credential helper, or an
//! external dependency. Clients are identified by where they live (or their own marker), never
//! by name, and a client is everything under its directory.

use crate::error::{ConfigErrors, ConfigProblem, Error, IoAction, Result};
use crate::input::config::{self, Role};
use crate::input::discover::Loaded;
use crate::input::git::GitError;
use crate::input::manifest::Manifest;
use crate::input::suggest;
use crate::model::layout::Layout;
use camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::Package;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A crate's place in the isolation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Client,
    Shared,
    CredentialHelper,
    /// A registry or git dependency that is none of the above.
    External,
}

impl Kind {
    /// Clients and credential helpers are what no client may reach.
    pub fn is_forbidden_target(self) -> bool {
        matches!(self, Kind::Client | Kind::CredentialHelper)
    }
}

/// A crate's kind, and for a client's crate the client it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub kind: Kind,
    /// The client (by name) whose directory holds the crate.
    pub client: Option<String>,
}

impl Class {
    fn of(kind: Kind) -> Class {
        Class { kind, client: None }
    }

    fn client(name: &str) -> Class {
        Class {
            kind: Kind::Client,
            client: Some(name.to_owned()),
        }
    }
}

/// The clients of the loaded workspaces, and where they live.
///
/// A client is a directory: each one the client globs match and that holds a `Cargo.toml`
/// (unless its package is marked `role = "shared"` or `"credential-helper"`), and the
/// directory of each local package marked `role = "client"`. It is named after its root
/// package, or after its directory when its root manifest is a virtual workspace. A client
/// directory inside another belongs to the outer client.
pub fn client_layout(loaded: &Loaded) -> Result<Layout> {
    let packages: HashMap<&Utf8Path, &Package> = loaded
        .workspaces
        .iter()
        .flat_map(|m| &m.packages)
        .filter(|p| p.source.is_none())
        .map(|p| (p.manifest_path.as_path(), p))
        .collect();
    // Every package's marker is validated before any is used, so that every malformed one is
    // reported at once.
    let mut problems: Option<ConfigErrors> = None;
    let mut in_path_order: Vec<&&Package> = packages.values().collect();
    in_path_order.sort_by_key(|p| &p.manifest_path);
    for package in in_path_order {
        match (marker_role(package), &mut problems) {
            (Err(Error::Config(more)), Some(problems)) => problems.append(more),
            (Err(Error::Config(more)), None) => problems = Some(more),
            (Err(other), _) => return Err(other),
            (Ok(_), _) => {}
        }
    }
    if let Some(problems) = problems {
        return Err(Error::Config(problems));
    }
    let mut areas: Vec<(String, Utf8PathBuf)> = Vec::new();
    for client in &loaded.client_manifests {
        let dir = client.dir();
        match packages.get(client.path.as_path()) {
            Some(package) => {
                if matches!(
                    marker_role(package)?,
                    Some(Role::Shared | Role::CredentialHelper)
                ) {
                    continue;
                }
                areas.push((package.name.to_string(), dir.to_owned()));
            }
            None => areas.push((client.client_name(), dir.to_owned())),
        }
    }
    let mut marked = Vec::new();
    let local = loaded.workspaces.iter().flat_map(|m| &m.packages);
    for package in local.filter(|p| p.source.is_none()) {
        if marker_role(package)? == Some(Role::Client) {
            let dir = package.manifest_path.parent().unwrap_or(&loaded.root);
            marked.push((package.name.to_string(), dir.to_owned()));
        }
    }
    marked.sort();
    marked.dedup();
    areas.extend(marked);
    let virtual_roots: Vec<PathBuf> = loaded
        .client_manifests
        .iter()
        .filter(|c| !packages.contains_key(c.path.as_path()))
        .map(|c| c.dir().as_std_path().to_owned())
        .collect();
    let layout = Layout::new(&loaded.root, areas)?;
    // What cargo says about every package's directory and build script, for the file scan.
    layout.know_packages(
        packages
            .values()
            .filter_map(|p| {
                let dir = p.manifest_path.parent()?.as_std_path().to_owned();
                let build_scripts = p
                    .targets
                    .iter()
                    .filter(|t| t.kind.contains(&cargo_metadata::TargetKind::CustomBuild))
                    .map(|t| crate::location::normalize(t.src_path.as_std_path()))
                    .collect();
                let proc_macro = p
                    .targets
                    .iter()
                    .any(|t| t.kind.contains(&cargo_metadata::TargetKind::ProcMacro));
                let known = crate::model::layout::KnownPackage {
                    build_scripts,
                    proc_macro,
                };
                Some((dir, Some(known)))
            })
            .chain(virtual_roots.into_iter().map(|dir| (dir, None))),
    );
    Ok(layout)
}

/// Classify a package from `cargo metadata`.
///
/// Local (path) packages: a crate inside a client's directory is that client's, whatever its
/// marker; otherwise its `role` marker, then the credential-helper name globs; everything else
/// local is shared. Registry and git packages are never clients by name (a git checkout of this
/// very repository is claimed later, by the graph): only credential-helper name globs apply to
/// them, unless cargo takes their sources from inside a client's directory (a `[source]`
/// replacement by a `directory` there, a vendored copy): then they are that client's code.
pub fn classify(package: &Package, loaded: &Loaded, layout: &Layout) -> Result<Class> {
    if package.source.is_some() {
        let dir = package.manifest_path.parent().unwrap_or(&loaded.root);
        let owner = layout
            .owner(dir.as_std_path())
            .or_else(|| layout.owner(&canonical_or_lexical(dir.as_std_path())));
        if let Some(area) = owner {
            return Ok(Class::client(&area.name));
        }
        return Ok(Class::of(
            if loaded.config.is_credential_helper_name(&package.name) {
                Kind::CredentialHelper
            } else {
                Kind::External
            },
        ));
    }
    let dir = package.manifest_path.parent().unwrap_or(&loaded.root);
    let role = marker_role(package)?;
    Ok(classify_local(&package.name, dir, role, loaded, layout))
}

/// Classify a local crate from its name, directory and marker.
pub fn classify_local(
    name: &str,
    dir: &Utf8Path,
    role: Option<Role>,
    loaded: &Loaded,
    layout: &Layout,
) -> Class {
    // cargo's own path first; resolved through symlinks only when that is not a client's.
    let owner = layout
        .owner(dir.as_std_path())
        .or_else(|| layout.owner(&canonical_or_lexical(dir.as_std_path())));
    if let Some(area) = owner {
        return Class::client(&area.name);
    }
    match role {
        Some(Role::Client) => Class::client(name),
        Some(Role::Shared) => Class::of(Kind::Shared),
        Some(Role::CredentialHelper) => Class::of(Kind::CredentialHelper),
        None if loaded.config.is_credential_helper_name(name) => Class::of(Kind::CredentialHelper),
        None => Class::of(Kind::Shared),
    }
}

fn canonical_or_lexical(path: &Path) -> PathBuf {
    crate::location::resolve(path)
}

/// The repository the workspace lives in, to recognise a `git = ..` dependency on itself.
///
/// A git source is this repository when its URL is a `file://` path inside the repository (or
/// the workspace), or names the same repository as one of its remotes (each `remote.*.url` as
/// configured, before any `insteadOf` rewriting):
/// scheme, user, port, a trailing `.git` and letter case are ignored, so
/// `git@github.com:org/ws.git` and `https://github.com/org/ws` are the same repository.
#[derive(Debug)]
pub struct ThisRepository {
    /// The canonical workspace root.
    root: PathBuf,
    /// The repository's top level, when the workspace is in a git repository.
    toplevel: Option<PathBuf>,
    /// Normalized remote URLs (`host/path`).
    remotes: Vec<String>,
}

impl ThisRepository {
    /// Ask git (once for the top level, once for the remotes) about the repository holding
    /// `root`. Outside a repository, only `file://` paths inside the workspace match. A git
    /// command that fails for another reason is an error: a dependency on this repository
    /// must not pass for an external one because git could not be asked.
    pub fn of(root: &Path) -> Result<ThisRepository> {
        let git = |args: &[&str]| -> Result<Option<String>> {
            let output = crate::input::git::command(root)
                .args(args)
                .output()
                .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
            if output.status.success() {
                return Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()));
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            // Outside a repository; or `config --get-regexp` matching nothing (exit 1, silent).
            if stderr.contains("not a git repository") || stderr.trim().is_empty() {
                return Ok(None);
            }
            Err(GitError::new(args, root, output.status.code(), &stderr).into())
        };
        let toplevel = git(&["rev-parse", "--show-toplevel"])?
            .map(|t| canonical_or_lexical(Path::new(t.trim())));
        let mut remotes: Vec<String> = git(&["config", "--get-regexp", r"^remote\..*\.url$"])?
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_whitespace().nth(1))
            .filter_map(remote_key)
            .collect();
        remotes.sort();
        remotes.dedup();
        Ok(ThisRepository {
            root: canonical_or_lexical(root),
            toplevel,
            remotes,
        })
    }

    /// Is the git source URL (cargo's `git+<url>#<rev>` or a plain URL) this repository?
    pub fn is_source(&self, source: &str) -> bool {
        let url = source.strip_prefix("git+").unwrap_or(source);
        let url = url.split(['#', '?']).next().unwrap_or(url);
        if let Some(path) = url.strip_prefix("file://") {
            let path = canonical_or_lexical(Path::new(path));
            return path.starts_with(&self.root)
                || self.toplevel.as_ref().is_some_and(|t| path.starts_with(t));
        }
        remote_key(url).is_some_and(|key| self.remotes.contains(&key))
    }

    /// Where a file of a checkout of this repository lies in the working tree: the part of
    /// `path` after cargo's `git/checkouts/<repository>/<revision>/`, under the top level.
    pub fn working_tree_path(&self, path: &Path) -> Option<PathBuf> {
        let components: Vec<_> = path.components().collect();
        let at = components
            .windows(2)
            .rposition(|w| w[0].as_os_str() == "git" && w[1].as_os_str() == "checkouts")?;
        let inside: PathBuf = components.get(at + 4..)?.iter().collect();
        Some(self.toplevel.as_ref().unwrap_or(&self.root).join(inside))
    }
}

/// `host/path` of a git URL, lowercased, without scheme, user, port or a trailing `.git`;
/// `None` for `file://` and anything that is not a URL.
fn remote_key(url: &str) -> Option<String> {
    let url = url.strip_prefix("git+").unwrap_or(url);
    let (host, path) = match url.split_once("://") {
        Some(("file", _)) => return None,
        Some((_, rest)) => rest.split_once('/')?,
        // scp-like: `user@host:path`
        None => url.split_once(':')?,
    };
    let host = host.rsplit('@').next()?.split(':').next()?;
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (!host.is_empty() && !path.is_empty()).then(|| format!("{host}/{path}").to_lowercase())
}

/// The package's `[package.metadata.clientwall] role`, read from `cargo metadata`'s JSON; when it
/// is malformed the manifest is re-parsed so the error names the line.
fn marker_role(package: &Package) -> Result<Option<Role>> {
    let Some(table) = package.metadata.get("clientwall") else {
        return Ok(None);
    };
    let well_formed = table.as_object().is_some_and(|t| {
        t.keys().all(|k| k == "role" || k == "template-version")
            && t.get("template-version")
                .is_none_or(serde_json::Value::is_string)
    });
    let role = table
        .get("role")
        .and_then(|r| r.as_str())
        .filter(|_| well_formed);
    match role {
        None if well_formed && table.get("role").is_none() => Ok(None),
        Some("client") => Ok(Some(Role::Client)),
        Some("shared") => Ok(Some(Role::Shared)),
        Some("credential-helper") => Ok(Some(Role::CredentialHelper)),
        _ => {
            let manifest = Manifest::load(&package.manifest_path)?;
            config::package_role(&manifest)?;
            let problem = ConfigProblem {
                location: manifest.key_location(&["package", "metadata", "clientwall"]),
                message: "`package.metadata.clientwall` must be a table with a `role` string"
                    .into(),
                help: Some(suggest::hint(
                    "",
                    &["client", "shared", "credential-helper"],
                )),
            };
            Err(Error::Config(ConfigErrors::new(
                &manifest.path,
                &manifest.text,
                vec![problem],
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_name_one_repository_whatever_the_scheme() {
        let key = |u: &str| remote_key(u).unwrap();
        assert_eq!(key("git@github.com:Org/ws.git"), "github.com/org/ws");
        assert_eq!(key("https://github.com/org/ws"), "github.com/org/ws");
        assert_eq!(
            key("ssh://git@github.com:22/org/ws.git/"),
            "github.com/org/ws"
        );
        assert_eq!(remote_key("file:///srv/ws"), None);
        let repo = ThisRepository {
            root: PathBuf::from("/srv/ws"),
            toplevel: Some(PathBuf::from("/srv/ws")),
            remotes: vec!["github.com/org/ws".into()],
        };
        assert!(repo.is_source("git+https://github.com/org/ws.git?branch=main#0123abc"));
        assert!(repo.is_source("git+file:///srv/ws#0123abc"));
        assert!(!repo.is_source("git+file:///srv/other#0123abc"));
        assert!(!repo.is_source("git+https://github.com/org/other#0123abc"));
        assert_eq!(
            repo.working_tree_path(Path::new(
                "/home/u/.cargo/git/checkouts/ws-1a2b/29ff488/clients/globex/Cargo.toml"
            )),
            Some(PathBuf::from("/srv/ws/clients/globex/Cargo.toml"))
        );
    }
}
