//! What a run reads of the workspace before cargo answers, read once: the root manifest (parsed
//! once, with spans), its `[workspace.metadata.clientwall]` policy, and the client directories
//! the globs match, each one's `Cargo.toml` read and parsed once. The file scan's layout, the
//! standalone client workspaces cargo is asked about, and the client names all come from here.

use crate::error::{Error, IoAction, Result};
use crate::input::config::{self, Config, Role};
use crate::input::manifest::Manifest;
use crate::location::relative_path;
use camino::{Utf8Path, Utf8PathBuf};
use toml_edit::Item;

/// A directory the client globs match, with its `Cargo.toml`.
pub struct ClientManifest {
    /// `<dir>/Cargo.toml`, below the canonical workspace root.
    pub path: Utf8PathBuf,
    pub manifest: Manifest,
}

impl ClientManifest {
    /// The client's directory.
    pub fn dir(&self) -> &Utf8Path {
        self.path.parent().unwrap_or(&self.path)
    }

    /// `[package] name`, read from the parsed manifest (so `name = 'acme' # note` is `acme`);
    /// `None` for a virtual workspace.
    pub fn package_name(&self) -> Option<&str> {
        self.manifest
            .root()
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(Item::as_str)
    }

    /// The client's name: its package's name, or its directory's for a virtual workspace.
    pub fn client_name(&self) -> String {
        match self.package_name() {
            Some(name) => name.to_owned(),
            None => self
                .dir()
                .file_name()
                .unwrap_or(self.dir().as_str())
                .to_owned(),
        }
    }

    /// Is this manifest a workspace root of its own (a `[workspace]` table)?
    pub fn is_workspace_root(&self) -> bool {
        self.manifest.root().contains_key("workspace")
    }

    /// The role the package's `[package.metadata.clientwall]` declares, validated.
    pub fn role(&self) -> Result<Option<Role>> {
        config::package_role(&self.manifest)
    }
}

/// The root manifest, its policy and the client directories: everything a run reads of the
/// workspace before cargo has answered.
pub struct Workspace {
    /// The workspace root, as found from a canonical start (so canonical itself).
    pub root: Utf8PathBuf,
    pub manifest: Manifest,
    pub config: Config,
    /// Every directory the client globs match that holds a `Cargo.toml`, in path order.
    pub clients: Vec<ClientManifest>,
    /// The client globs (indices into `config.clients`) that match no directory at all.
    pub unmatched_globs: Vec<usize>,
}

impl Workspace {
    /// Read the workspace rooted at `root` (resolved to its canonical path first, so that the
    /// client directories are canonical).
    pub fn load(root: &Utf8Path) -> Result<Workspace> {
        let root = root
            .canonicalize_utf8()
            .map_err(|e| Error::io(IoAction::Resolve, root, e))?;
        let manifest = Manifest::load(&root.join("Cargo.toml"))?;
        Workspace::read(root, manifest)
    }

    /// Read the policy of the root manifest already parsed, and walk the client globs.
    fn read(root: Utf8PathBuf, manifest: Manifest) -> Result<Workspace> {
        let config = Config::from_manifest(&manifest)?;
        let walk = client_walk(&root, &config)?;
        let clients = walk
            .manifests
            .into_iter()
            .map(|path| {
                let manifest = Manifest::load(&path)?;
                Ok(ClientManifest { path, manifest })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Workspace {
            root,
            manifest,
            config,
            clients,
            unmatched_globs: walk.unmatched,
        })
    }
}

/// The workspace root a run expects cargo to report, and its manifest, parsed: found before
/// cargo answers.
pub struct Found {
    pub root: Utf8PathBuf,
    manifest: Manifest,
}

impl Found {
    /// Read the policy of the manifest already parsed and walk the client globs. Reading may
    /// fail; cargo's own error about the same manifest is then the one to show, so the result
    /// is kept rather than returned early.
    pub fn read(self) -> Expected {
        Expected {
            workspace: Workspace::read(self.root.clone(), self.manifest),
            root: self.root,
        }
    }
}

/// The workspace a run expects cargo to report, read before cargo answers.
pub struct Expected {
    pub root: Utf8PathBuf,
    pub workspace: Result<Workspace>,
}

/// Find the workspace cargo will report for `manifest_path` (or the current directory): the
/// nearest ancestor whose `Cargo.toml` has a `[workspace]` table. Its manifest is parsed once,
/// for finding it and for its policy.
pub fn find(manifest_path: Option<&Utf8Path>) -> Option<Found> {
    let start = match manifest_path {
        Some(path) => path.canonicalize_utf8().ok()?.parent()?.to_owned(),
        None => Utf8PathBuf::from_path_buf(std::env::current_dir().ok()?).ok()?,
    };
    start.ancestors().find_map(|dir| {
        let path = dir.join("Cargo.toml");
        let text = safe_read::read_to_string(path.as_std_path()).ok()?;
        let manifest = Manifest::parse(&path, text).ok()?;
        manifest.root().contains_key("workspace").then(|| Found {
            root: dir.to_owned(),
            manifest,
        })
    })
}

/// The directory cargo will report as the workspace root (see [`find`]).
pub fn expected_root(manifest_path: Option<&Utf8Path>) -> Option<Utf8PathBuf> {
    find(manifest_path).map(|found| found.root)
}

/// The `Cargo.toml` of every directory below `root` that the client globs match, in path order.
/// Hidden directories and `target/` are not entered, nor is a directory below a match.
pub fn client_dirs(root: &Utf8Path, config: &Config) -> Result<Vec<Utf8PathBuf>> {
    client_walk(root, config).map(|walk| walk.manifests)
}

/// What the walk of the client globs found.
pub struct ClientWalk {
    /// The `Cargo.toml` of every matched directory that has one, in path order.
    pub manifests: Vec<Utf8PathBuf>,
    /// The client globs (indices into [`Config::clients`]) that match no directory at all.
    pub unmatched: Vec<usize>,
}

/// Walk the client globs (see [`client_dirs`]), also telling which globs match no directory.
pub fn client_walk(root: &Utf8Path, config: &Config) -> Result<ClientWalk> {
    let mut matched = vec![false; config.clients.len()];
    let mut manifests = Vec::new();
    walk_globs(root, config, true, |dir, globs| {
        for i in globs {
            matched[i] = true;
        }
        let manifest = dir.join("Cargo.toml");
        let found = manifest.is_file();
        if found {
            manifests.push(manifest);
        }
        found
    })?;
    // A glob may only match directories inside a client found above (the walk does not enter
    // a client): those globs are looked for once more, entering every directory.
    if matched.contains(&false) {
        walk_globs(root, config, false, |_, globs| {
            for i in globs {
                matched[i] = true;
            }
            false
        })?;
    }
    let unmatched = matched
        .iter()
        .enumerate()
        .filter(|(_, m)| !**m)
        .map(|(i, _)| i)
        .collect();
    Ok(ClientWalk {
        manifests,
        unmatched,
    })
}

/// Visit every directory below `root` (hidden ones and `target/` not entered, no deeper than
/// the globs reach) that a client glob matches, with the indices of the globs matching it.
/// When `visit` returns true and `skip_matches` holds, the directory is not entered.
fn walk_globs(
    root: &Utf8Path,
    config: &Config,
    skip_matches: bool,
    mut visit: impl FnMut(&Utf8Path, Vec<usize>) -> bool,
) -> Result<()> {
    let mut walk = walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name();
    if let Some(depth) = config.client_glob_depth() {
        walk = walk.max_depth(depth);
    }
    let mut entries = walk.into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.file_type().is_dir() && !name.starts_with('.') && name != "target"
    });
    while let Some(entry) = entries.next() {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            Error::io(IoAction::List, path, e.into())
        })?;
        let Some(dir) = Utf8Path::from_path(entry.path()) else {
            continue;
        };
        let globs = config.client_globs_matching(&relative_path(dir, root));
        if globs.is_empty() {
            continue;
        }
        if visit(dir, globs) && skip_matches {
            entries.skip_current_dir();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> ClientManifest {
        let path = Utf8PathBuf::from("/ws/clients/dir/Cargo.toml");
        ClientManifest {
            manifest: Manifest::parse(&path, text.to_owned()).unwrap(),
            path,
        }
    }

    #[test]
    fn client_names_come_from_the_parsed_manifest() {
        let name = |text: &str| client(text).client_name();
        assert_eq!(name("[package]\nname = \"acme\" # note\n"), "acme");
        assert_eq!(name("[package]\nname = 'acme'\n"), "acme");
        assert_eq!(name("package = { name = \"acme\" }\n"), "acme");
        assert_eq!(
            name("[workspace]\nname = \"no\"\n[package]\nversion = \"1\"\nname = \"acme-corp\"\n"),
            "acme-corp"
        );
        assert_eq!(name("[workspace]\nmembers = []\n"), "dir");
    }

    #[test]
    fn roles_come_from_the_parsed_manifest() {
        let role = |text: &str| client(text).role().unwrap();
        assert_eq!(
            role("[package]\nname = \"a\"\n[package.metadata.clientwall]\nrole = 'shared'\n"),
            Some(Role::Shared)
        );
        assert_eq!(
            role("[package.metadata]\nclientwall = { role = \"credential-helper\" }\n"),
            Some(Role::CredentialHelper)
        );
        assert_eq!(role("[package]\nname = \"a\"\n"), None);
    }
}
