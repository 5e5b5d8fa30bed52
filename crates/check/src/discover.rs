//! Finding and loading the workspaces to check: the root workspace and every standalone client
//! workspace under the client globs, each through one `cargo metadata` call.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::location::relative_path;
use crate::manifest::Manifest;
use camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::{CargoOpt, Metadata, MetadataCommand};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Everything a check starts from.
pub struct Loaded {
    /// The root workspace directory; report paths are relative to it.
    pub root: Utf8PathBuf,
    pub root_manifest: Manifest,
    pub config: Config,
    /// The `Cargo.toml` of every directory the client globs match, in path order (a virtual
    /// workspace's among them: it has no package in any metadata).
    pub client_manifests: Vec<Utf8PathBuf>,
    /// The root workspace first, then standalone client workspaces in path order.
    pub workspaces: Vec<Metadata>,
}

/// Load the workspace containing `manifest_path` (or the current directory) and its standalone
/// clients.
///
/// `cargo metadata` for the root runs on a thread while this one reads the policy and walks the
/// client directories of the workspace root it expects cargo to report; if cargo reports another
/// root, the walk is redone there.
pub fn load(manifest_path: Option<&Utf8Path>) -> Result<Loaded> {
    let expected_root = expected_root(manifest_path);
    let (root_metadata, early) = std::thread::scope(|scope| {
        let cargo = scope.spawn(|| metadata(manifest_path));
        let early = expected_root.as_deref().map(policy_and_client_dirs);
        let root_metadata = cargo
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (root_metadata, early)
    });
    let root_metadata = root_metadata?;
    let root = root_metadata.workspace_root.clone();
    let (root_manifest, config, client_dirs) = match early {
        Some(early) if expected_root.as_deref() == Some(root.as_path()) => early?,
        _ => policy_and_client_dirs(&root)?,
    };
    let standalone = standalone_clients(&root, &client_dirs, &root_metadata)?;
    let mut workspaces = vec![root_metadata];
    workspaces.extend(load_all(&standalone)?);
    Ok(Loaded {
        root,
        root_manifest,
        config,
        client_manifests: client_dirs,
        workspaces,
    })
}

/// The directory cargo will report as the workspace root: the nearest ancestor (of the manifest,
/// or of the current directory) whose `Cargo.toml` has a `[workspace]` table.
pub fn expected_root(manifest_path: Option<&Utf8Path>) -> Option<Utf8PathBuf> {
    let start = match manifest_path {
        Some(path) => path.canonicalize_utf8().ok()?.parent()?.to_owned(),
        None => Utf8PathBuf::from_path_buf(std::env::current_dir().ok()?).ok()?,
    };
    start.ancestors().find_map(|dir| {
        let text =
            crate::scan::read::read_regular_to_string(dir.join("Cargo.toml").as_std_path()).ok()?;
        let doc = toml_edit::Document::parse(text).ok()?;
        doc.contains_key("workspace").then(|| dir.to_owned())
    })
}

/// The root manifest, its policy, and the manifests of every directory the client globs match.
fn policy_and_client_dirs(root: &Utf8Path) -> Result<(Manifest, Config, Vec<Utf8PathBuf>)> {
    let root_manifest = Manifest::load(&root.join("Cargo.toml"))?;
    let config = Config::from_manifest(&root_manifest)?;
    let client_dirs = client_manifests(root, &config)?;
    Ok((root_manifest, config, client_dirs))
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
        let path = path.canonicalize_utf8().map_err(|e| Error::io(path, e))?;
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
    let blocker = || crate::watch::blocking_cargo_input(workspace_dir.as_std_path());
    let output = match crate::watch::output(&mut command.cargo_command(), &blocker) {
        Ok(output) => output,
        Err(crate::watch::Stopped::Io(e)) => {
            return Err(Error::metadata(manifest, cargo_metadata::Error::Io(e)));
        }
        Err(crate::watch::Stopped::BlockedBy(path)) => {
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

/// The `Cargo.toml` of every directory below `root` that the client globs match, in path order.
/// Hidden directories and `target/` are not entered, nor is a directory below a match.
pub fn client_manifests(root: &Utf8Path, config: &Config) -> Result<Vec<Utf8PathBuf>> {
    let mut walk = walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name();
    if let Some(depth) = config.client_glob_depth() {
        walk = walk.max_depth(depth);
    }
    let mut found = Vec::new();
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
            Error::io(path, e.into())
        })?;
        let Some(dir) = Utf8Path::from_path(entry.path()) else {
            continue;
        };
        if !config.is_client_dir(&relative_path(dir, root)) {
            continue;
        }
        let manifest = dir.join("Cargo.toml");
        if manifest.is_file() {
            found.push(manifest);
            entries.skip_current_dir();
        }
    }
    Ok(found)
}

/// The client manifests that are not members of the root workspace. Each must be a workspace of
/// its own (`[workspace]` table); anything else is a layout error.
fn standalone_clients(
    root: &Utf8Path,
    client_manifests: &[Utf8PathBuf],
    root_metadata: &Metadata,
) -> Result<Vec<Utf8PathBuf>> {
    let members: HashSet<&Utf8Path> = root_metadata
        .workspace_packages()
        .into_iter()
        .map(|p| p.manifest_path.as_path())
        .collect();
    let mut standalone = Vec::new();
    for manifest in client_manifests
        .iter()
        .filter(|m| !members.contains(m.as_path()))
    {
        if !Manifest::load(manifest)?.root().contains_key("workspace") {
            return Err(Error::Layout {
                message: format!(
                    "{} matches the client globs but is neither a member of the workspace nor a standalone workspace",
                    relative_path(manifest, root)
                ),
                help: Some(
                    "add it to the root's `members`, or give it its own [workspace] table and list it in the root's `exclude`"
                        .into(),
                ),
            });
        }
        standalone.push(manifest.clone());
    }
    Ok(standalone)
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
