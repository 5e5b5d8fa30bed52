//! Loading the workspaces to check: the root workspace, every standalone client workspace
//! under the client globs and every workspace of its own inside a client, each through one
//! `cargo metadata` call, over the [`Workspace`] read (once) while cargo runs.

use crate::error::{Error, IoAction, Result};
use crate::input::config::Config;
use crate::input::manifest::Manifest;
use crate::input::workspace::{ClientManifest, Expected, Workspace};
use crate::location::relative_path;
use camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::{CargoOpt, Metadata, MetadataCommand};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use crate::input::workspace::expected_root;

/// Everything a check starts from.
pub struct Loaded {
    /// The root workspace directory; report paths are relative to it.
    pub root: Utf8PathBuf,
    pub root_manifest: Manifest,
    pub config: Config,
    /// Every directory the client globs match, with its `Cargo.toml`, in path order (a virtual
    /// workspace's among them: it has no package in any metadata).
    pub client_manifests: Vec<ClientManifest>,
    /// The client globs (indices into `config.clients`) that match no directory at all.
    pub unmatched_globs: Vec<usize>,
    /// The root workspace first, then standalone client workspaces in path order.
    pub workspaces: Vec<Metadata>,
}

/// Load the workspace containing `manifest_path` (or the current directory) and its standalone
/// clients: `cargo metadata` for the root runs on a thread while this one reads the workspace
/// it expects cargo to report.
pub fn load(manifest_path: Option<&Utf8Path>) -> Result<Loaded> {
    let (root_metadata, expected) = std::thread::scope(|scope| {
        let cargo = scope.spawn(|| metadata(manifest_path));
        let expected = crate::input::workspace::find(manifest_path).map(|found| found.read());
        let root_metadata = cargo
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (root_metadata, expected)
    });
    finish(expected, root_metadata)
}

/// Complete the load once cargo has answered for the root: the workspace read while cargo ran
/// is used when cargo reports the root it was read at (else the workspace at cargo's root is
/// read), then the standalone client workspaces are loaded. Cargo's error comes first: it
/// names what is wrong with a manifest both read.
pub fn finish(expected: Option<Expected>, root_metadata: Result<Metadata>) -> Result<Loaded> {
    let root_metadata = root_metadata?;
    let root = root_metadata.workspace_root.clone();
    let workspace = match expected {
        Some(expected) if expected.root == root => expected.workspace?,
        _ => Workspace::load(&root)?,
    };
    let mut standalone = standalone_clients(&workspace, &root_metadata)?;
    standalone.extend(nested_workspaces(&workspace, &root_metadata)?);
    let mut workspaces = vec![root_metadata];
    workspaces.extend(load_all(&standalone)?);
    Ok(Loaded {
        root,
        root_manifest: workspace.manifest,
        config: workspace.config,
        client_manifests: workspace.clients,
        unmatched_globs: workspace.unmatched_globs,
        workspaces,
    })
}

/// `cargo metadata --all-features` for one workspace: every optional dependency is resolved, and
/// no `--filter-platform`, so every target's dependencies are in the graph.
pub fn metadata(manifest_path: Option<&Utf8Path>) -> Result<Metadata> {
    let mut command = MetadataCommand::new();
    command.features(CargoOpt::AllFeatures);
    if let Some(path) = manifest_path {
        if !path.is_file() {
            return Err(Error::Layout {
                message: format!("manifest `{path}` does not exist"),
                help: Some("pass --manifest-path with the workspace's root Cargo.toml".into()),
            });
        }
        let path = path
            .canonicalize_utf8()
            .map_err(|e| Error::io(IoAction::Resolve, path, e))?;
        command.manifest_path(&path);
        // Cargo reads `.cargo/config.toml` from the working directory up: use the workspace's.
        if let Some(dir) = path.parent().filter(|d| !d.as_str().is_empty()) {
            command.current_dir(dir);
        }
    }
    let manifest = manifest_path.map_or_else(|| "Cargo.toml".into(), Utf8Path::to_owned);
    // cargo blocks for good on a FIFO `Cargo.lock` (or manifest, or config): watch it.
    let workspace_dir = manifest
        .canonicalize_utf8()
        .ok()
        .and_then(|m| m.parent().map(Utf8Path::to_owned))
        .or_else(|| Utf8PathBuf::from_path_buf(std::env::current_dir().ok()?).ok())
        .unwrap_or_else(|| ".".into());
    let blocker = || crate::input::watch::blocking_cargo_input(workspace_dir.as_std_path());
    let output = match crate::input::watch::output(&mut command.cargo_command(), &blocker) {
        Ok(output) => output,
        Err(crate::input::watch::Stopped::Io(e)) => {
            return Err(Error::metadata(manifest, cargo_metadata::Error::Io(e)));
        }
        Err(crate::input::watch::Stopped::BlockedBy(path)) => {
            return Err(Error::Layout {
                message: format!(
                    "{} is not a regular file: cargo blocks reading it",
                    path.display()
                ),
                help: Some("remove it, or make it a regular file".into()),
            });
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(Error::metadata(
            manifest,
            cargo_metadata::Error::CargoMetadata { stderr },
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .ok_or(cargo_metadata::Error::NoJson)
        .and_then(MetadataCommand::parse)
        .map_err(|source| Error::metadata(manifest.clone(), source))
}

/// The client manifests that are not members of the root workspace. Each must be a workspace of
/// its own (`[workspace]` table); anything else is a layout error.
fn standalone_clients(workspace: &Workspace, root_metadata: &Metadata) -> Result<Vec<Utf8PathBuf>> {
    let members: HashSet<&Utf8Path> = root_metadata
        .workspace_packages()
        .into_iter()
        .map(|p| p.manifest_path.as_path())
        .collect();
    let mut standalone = Vec::new();
    for client in workspace
        .clients
        .iter()
        .filter(|c| !members.contains(c.path.as_path()))
    {
        if !client.is_workspace_root() {
            return Err(Error::Layout {
                message: format!(
                    "{} matches the client globs but is neither a member of the workspace nor a standalone workspace",
                    relative_path(&client.path, &workspace.root)
                ),
                help: Some(
                    "add it to the root's `members`, or give it its own [workspace] table and list it in the root's `exclude`"
                        .into(),
                ),
            });
        }
        standalone.push(client.path.clone());
    }
    Ok(standalone)
}

/// The workspaces of their own that lie inside a client, below its root (a `fuzz/` crate as
/// cargo-fuzz makes it, a `tools/` workspace): cargo builds them from there, so what they
/// depend on is what the client reaches. Found by their manifests' `[workspace]` table; cargo's
/// `target` directories and hidden directories are not walked, nor are symlinks followed.
fn nested_workspaces(workspace: &Workspace, root_metadata: &Metadata) -> Result<Vec<Utf8PathBuf>> {
    let members: HashSet<&Utf8Path> = root_metadata
        .workspace_packages()
        .into_iter()
        .map(|p| p.manifest_path.as_path())
        .collect();
    let mut nested = Vec::new();
    for client in &workspace.clients {
        let walk = walkdir::WalkDir::new(client.dir())
            .min_depth(1)
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.file_type().is_dir() && (name == "target" || name.starts_with('.')))
            });
        // A directory that cannot be read is skipped here: the file scan stops the check on it.
        for entry in walk.filter_map(std::result::Result::ok) {
            if !entry.file_type().is_file() || entry.file_name() != "Cargo.toml" {
                continue;
            }
            let Ok(path) = Utf8PathBuf::from_path_buf(entry.into_path()) else {
                continue;
            };
            if path == client.path || members.contains(path.as_path()) {
                continue;
            }
            let text = safe_read::read_to_string(path.as_std_path())
                .map_err(|e| Error::io(IoAction::Read, &path, e))?;
            let is_workspace = text
                .parse::<toml_edit::DocumentMut>()
                .is_ok_and(|doc| doc.contains_key("workspace"));
            if is_workspace {
                nested.push(path);
            }
        }
    }
    Ok(nested)
}

/// Run `cargo metadata` for each manifest, a few at a time; fails on the first error in path order.
fn load_all(manifests: &[Utf8PathBuf]) -> Result<Vec<Metadata>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(manifests.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Metadata>>>> =
        Mutex::new((0..manifests.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(manifest) = manifests.get(i) else {
                        break;
                    };
                    let result = metadata(Some(manifest));
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every manifest is loaded by a worker"))
        .collect()
}
