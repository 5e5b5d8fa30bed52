//! Every compile input cargo reports for a client's crates: each target's source file (`[lib]`,
//! `[[bin]]`, `[[test]]`, `[[example]]`, `[[bench]]` and the build script, at whatever path the
//! manifest gives) must lie inside the client. A target path that leads into another client's
//! directory or the shared tree compiles that file into this client's crate. A shared crate's
//! target must not lie in a client: every client using the crate would compile that client's
//! file.

use crate::error::Result;
use crate::input::discover::Loaded;
use crate::input::manifest::ManifestCache;
use crate::location::Location;
use crate::location::{normalize, resolve};
use crate::model::graph::CrateGraph;
use crate::model::layout::Layout;
use crate::scan::references::{Reading, Reference, Via};
use crate::scan::{Finding, Owner};
use std::collections::{HashMap, HashSet};

/// A finding for every target of a client's local crate whose source file lies outside the
/// client (but inside the workspace), and of a shared crate whose source file lies in a
/// client, located at the manifest key that names it.
pub(crate) fn findings(
    loaded: &Loaded,
    graph: &CrateGraph,
    layout: &Layout,
) -> Result<Vec<Finding>> {
    let owners: HashMap<&str, &str> = graph
        .nodes
        .iter()
        .filter(|n| n.source.is_local())
        .filter_map(|n| Some((n.manifest_path.as_str(), n.client.as_deref()?)))
        .collect();
    let mut manifests = ManifestCache::default();
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    let packages = loaded
        .workspaces
        .iter()
        .flat_map(|m| &m.packages)
        .filter(|p| p.source.is_none());
    for package in packages {
        if !seen.insert(package.manifest_path.as_str()) {
            continue;
        }
        // A client's crate stays in its client's directory; a shared crate has none of its
        // own to stay in: its targets are judged by where they land.
        let (owner, home) = match owners.get(package.manifest_path.as_str()) {
            Some(&client) => match layout.client(client) {
                Some(area) => (Owner::Client(client.to_owned()), Some(&area.dir)),
                None => continue,
            },
            None => match package.manifest_path.parent() {
                Some(dir) => (Owner::Shared(resolve(dir.as_std_path())), None),
                None => continue,
            },
        };
        for target in &package.targets {
            // Lexically inside needs no file-system call (a symlink on the way out of the
            // client is a finding of its own).
            let inside = |path: &std::path::Path| home.is_some_and(|home| path.starts_with(home));
            if inside(&normalize(target.src_path.as_std_path())) {
                continue;
            }
            let resolved = resolve(target.src_path.as_std_path());
            if inside(&resolved) {
                continue;
            }
            let landing = layout.landing(&resolved);
            if !owner.is_breached_by(&landing) {
                continue;
            }
            let kind = target
                .kind
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            let manifest = manifests.get(&package.manifest_path)?;
            let (key, location) = manifest
                .target_path(&kind, &target.name, target.src_path.as_std_path())
                .unwrap_or_else(|| {
                    (
                        format!("{kind} target"),
                        Location::start_of(&package.manifest_path),
                    )
                });
            let written = manifest.text[location.span.clone()]
                .trim_matches(['"', '\''])
                .to_owned();
            found.push(Finding::Reference {
                owner: owner.clone(),
                reference: Reference {
                    via: Via::Target(key),
                    written,
                    resolved,
                    partial: false,
                    reading: Reading::Always,
                    start: location.span.start,
                    end: location.span.end,
                },
                location,
                landing,
            });
        }
    }
    Ok(found)
}
