//! One crate graph over every loaded workspace, and the search for forbidden reaches.
//!
//! Nodes are crates identified by manifest path (local crates) or package id (everything else),
//! so the same client seen from two workspaces is one node, and a registry crate that shares a
//! client's name is a different node. Edges come from cargo's resolve graph (with every feature
//! on and every target) plus declared path dependencies that the resolve left out.
//!
//! A client can be many crates (sub-crates, the members of a client that is a virtual
//! workspace, a git checkout of this repository's copy of it): every node says which client it
//! belongs to, and searches start from all of a client's crates at once.

use crate::error::Result;
use crate::input::discover::Loaded;
use crate::input::source::PackageSource;
use crate::model::classify::{self, Class, Kind, ThisRepository};
use crate::model::layout::Layout;
use camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::{
    Dependency, DependencyKind, Metadata, Package, PackageId, Target, TargetKind,
};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

pub type NodeId = usize;
pub type EdgeId = usize;

/// A crate.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub version: String,
    pub source: PackageSource,
    pub manifest_path: Utf8PathBuf,
    pub kind: Kind,
    /// For local crates, cargo's package id and the package's main target (its library, else
    /// its first target), for messages that name a package as cargo does; `None` for registry
    /// and git crates and for a client directory that cargo did not resolve.
    pub package: Option<(PackageId, Target)>,
    /// For a client's crate, the client's name.
    pub client: Option<String>,
}

/// A declared dependency of `from` on `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: DependencyKind,
    /// The `[target.'..']` platform, if the dependency is target-specific.
    pub target: Option<String>,
    /// The key in `from`'s manifest: the rename if there is one, else the package name.
    pub key: String,
}

/// A client reaching a crate it must not reach, by the shortest path found.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The client's name.
    pub client: String,
    /// The client's crate the path starts at.
    pub from: NodeId,
    pub target: NodeId,
    /// The edges from `from` to the target, in order.
    pub edges: Vec<EdgeId>,
}

#[derive(Debug, Default)]
pub struct CrateGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    outgoing: Vec<Vec<EdgeId>>,
    incoming: Vec<Vec<EdgeId>>,
    by_identity: HashMap<String, NodeId>,
    seen_edges: HashSet<(NodeId, NodeId, u8, Option<String>)>,
}

impl CrateGraph {
    /// Build the graph of every workspace in `loaded`, with the clients of `layout`.
    pub fn build(loaded: &Loaded, layout: &Layout) -> Result<CrateGraph> {
        let mut graph = CrateGraph::default();
        for metadata in &loaded.workspaces {
            graph.add_workspace(metadata, loaded, layout)?;
        }
        graph.claim_checkouts_of_this_repository(loaded, layout)?;
        graph.sort_outgoing();
        Ok(graph)
    }

    /// Every client crate.
    pub fn clients(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|&n| self.nodes[n].kind == Kind::Client)
    }

    /// The crates under the directory of the client `name`.
    pub fn client_crates(&self, name: &str) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&n| self.is_own_local(n, name))
            .collect()
    }

    /// The client a crate belongs to, or its own name for anything else.
    pub fn owner_name(&self, node: NodeId) -> &str {
        self.nodes[node]
            .client
            .as_deref()
            .unwrap_or(&self.nodes[node].name)
    }

    pub fn outgoing(&self, node: NodeId) -> &[EdgeId] {
        &self.outgoing[node]
    }

    fn add_workspace(
        &mut self,
        metadata: &Metadata,
        loaded: &Loaded,
        layout: &Layout,
    ) -> Result<()> {
        let mut ids: HashMap<&PackageId, NodeId> = HashMap::with_capacity(metadata.packages.len());
        let mut packages: HashMap<&PackageId, &Package> =
            HashMap::with_capacity(metadata.packages.len());
        for package in &metadata.packages {
            let node = self.node_for(package, loaded, layout)?;
            ids.insert(&package.id, node);
            packages.insert(&package.id, package);
        }
        if let Some(resolve) = &metadata.resolve {
            for node in &resolve.nodes {
                let (Some(&from), Some(package)) = (ids.get(&node.id), packages.get(&node.id))
                else {
                    continue;
                };
                for dep in &node.deps {
                    let (Some(&to), Some(target_pkg)) = (ids.get(&dep.pkg), packages.get(&dep.pkg))
                    else {
                        continue;
                    };
                    for info in &dep.dep_kinds {
                        let target = info.target.as_ref().map(ToString::to_string);
                        let key = declared_key(package, target_pkg, info.kind, target.as_deref());
                        self.add_edge(Edge {
                            from,
                            to,
                            kind: info.kind,
                            target,
                            key,
                        });
                    }
                }
            }
        }
        for package in metadata.packages.iter().filter(|p| p.source.is_none()) {
            let from = ids[&package.id];
            for dep in &package.dependencies {
                let Some(dir) = &dep.path else { continue };
                let Some(to) = self.path_dependency_node(dep, dir, loaded, layout) else {
                    continue;
                };
                let target = dep.target.as_ref().map(ToString::to_string);
                let key = dep.rename.clone().unwrap_or_else(|| dep.name.clone());
                self.add_edge(Edge {
                    from,
                    to,
                    kind: dep.kind,
                    target,
                    key,
                });
            }
        }
        Ok(())
    }

    fn node_for(&mut self, package: &Package, loaded: &Loaded, layout: &Layout) -> Result<NodeId> {
        let identity = match package.source {
            None => package.manifest_path.to_string(),
            Some(_) => package.id.repr.clone(),
        };
        if let Some(&node) = self.by_identity.get(&identity) {
            return Ok(node);
        }
        let Class { kind, client } = classify::classify(package, loaded, layout)?;
        Ok(self.insert_node(
            identity,
            Node {
                name: package.name.to_string(),
                version: package.version.to_string(),
                source: PackageSource::from_metadata(package.source.as_ref()),
                manifest_path: package.manifest_path.clone(),
                kind,
                package: package
                    .source
                    .is_none()
                    .then(|| main_target(package))
                    .flatten()
                    .map(|target| (package.id.clone(), target)),
                client,
            },
        ))
    }

    /// The node of a declared path dependency: an already known crate, or a client directory that
    /// cargo did not resolve (an optional dependency of a crate outside the workspace).
    fn path_dependency_node(
        &mut self,
        dep: &Dependency,
        dir: &Utf8Path,
        loaded: &Loaded,
        layout: &Layout,
    ) -> Option<NodeId> {
        let manifest = dir.join("Cargo.toml");
        if let Some(&node) = self.by_identity.get(manifest.as_str()) {
            return Some(node);
        }
        let Class { kind, client } = classify::classify_local(&dep.name, dir, None, loaded, layout);
        (kind == Kind::Client && manifest.is_file()).then(|| {
            self.insert_node(
                manifest.to_string(),
                Node {
                    name: dep.name.clone(),
                    version: dep.req.to_string(),
                    source: PackageSource::Local,
                    manifest_path: manifest,
                    kind,
                    package: None,
                    client,
                },
            )
        })
    }

    /// A git dependency on this very repository is the client whose package it checks out:
    /// the client with a crate of that name, else the client whose directory the checked-out
    /// manifest sits in within the working tree. Git is asked about the repository only when
    /// some crate comes from git.
    fn claim_checkouts_of_this_repository(
        &mut self,
        loaded: &Loaded,
        layout: &Layout,
    ) -> Result<()> {
        let git_nodes: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&n| matches!(self.nodes[n].source, PackageSource::Git(_)))
            .collect();
        if git_nodes.is_empty() {
            return Ok(());
        }
        let repository = ThisRepository::of(loaded.root.as_std_path())?;
        let client_of_crate: HashMap<String, String> = self
            .nodes
            .iter()
            .filter(|n| n.source.is_local())
            .filter_map(|n| Some((n.name.clone(), n.client.clone()?)))
            .collect();
        for node in git_nodes {
            if !repository.is_source(&self.nodes[node].source.to_string()) {
                continue;
            }
            let by_location = || {
                let path =
                    repository.working_tree_path(self.nodes[node].manifest_path.as_std_path())?;
                layout
                    .owner(&crate::location::normalize(&path))
                    .map(|a| a.name.clone())
            };
            let owner = client_of_crate
                .get(&self.nodes[node].name)
                .cloned()
                .or_else(by_location);
            if let Some(owner) = owner {
                self.nodes[node].kind = Kind::Client;
                self.nodes[node].client = Some(owner);
            }
        }
        Ok(())
    }

    fn insert_node(&mut self, identity: String, node: Node) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(node);
        self.outgoing.push(Vec::new());
        self.incoming.push(Vec::new());
        self.by_identity.insert(identity, id);
        id
    }

    fn add_edge(&mut self, edge: Edge) {
        if !self.seen_edges.insert((
            edge.from,
            edge.to,
            kind_rank(edge.kind),
            edge.target.clone(),
        )) {
            return;
        }
        let id = self.edges.len();
        self.outgoing[edge.from].push(id);
        self.incoming[edge.to].push(id);
        self.edges.push(edge);
    }

    /// Every (client, forbidden crate) pair where the client reaches the crate, with a shortest
    /// path. Forbidden are other clients' crates and credential helpers. A client's reach is
    /// what cargo compiles for it: from each of its crates every edge counts, but beyond them a
    /// dev-dependency does not (cargo never builds a dependency's dev-dependencies). A path
    /// stops at the first forbidden crate on it: what lies beyond is that crate's own finding.
    ///
    /// Cost: one reverse sweep (linear in the graph) marks the crates from which anything
    /// forbidden is reachable; then each client's search (from all its crates at once) enters
    /// only marked crates. A clean client costs the size of its crates' direct dependency
    /// lists; a client that reaches the marked part costs that part it reaches. So a clean
    /// workspace is linear, and the worst case (a shared crate every client uses leads to a
    /// client) is clients × the marked subgraph, each client then having a finding to report.
    pub fn forbidden_reaches(&self) -> Vec<Reach> {
        let leads_to_forbidden = self.leads_to_forbidden();
        let mut reaches = Vec::new();
        let mut parent_edge: Vec<Option<EdgeId>> = vec![None; self.nodes.len()];
        let mut visited: Vec<bool> = vec![false; self.nodes.len()];
        let mut touched = Vec::new();
        for (client, crates) in self.crates_by_client() {
            let mut queue: VecDeque<NodeId> = crates.iter().copied().collect();
            for &node in &crates {
                visited[node] = true;
                touched.push(node);
            }
            while let Some(node) = queue.pop_front() {
                let own = self.is_own_local(node, client);
                for &edge_id in &self.outgoing[node] {
                    let edge = &self.edges[edge_id];
                    if edge.kind == DependencyKind::Development && !own {
                        continue;
                    }
                    let to = edge.to;
                    // The client's own crate from elsewhere (a git checkout of this repository)
                    // is compiled for it like any dependency: go through, do not report.
                    let forbidden = self.nodes[to].kind.is_forbidden_target()
                        && self.nodes[to].client.as_deref() != Some(client);
                    if visited[to] || !(forbidden || leads_to_forbidden[to]) {
                        continue;
                    }
                    visited[to] = true;
                    touched.push(to);
                    parent_edge[to] = Some(edge_id);
                    if forbidden {
                        let edges = self.path_to(to, &parent_edge);
                        reaches.push(Reach {
                            client: client.to_owned(),
                            from: self.edges[edges[0]].from,
                            target: to,
                            edges,
                        });
                    } else {
                        queue.push_back(to);
                    }
                }
            }
            for node in touched.drain(..) {
                visited[node] = false;
                parent_edge[node] = None;
            }
        }
        reaches
    }

    /// Each client's local crates (those under its directory), by client name.
    fn crates_by_client(&self) -> BTreeMap<&str, Vec<NodeId>> {
        let mut by_client: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
        for (id, node) in self.nodes.iter().enumerate() {
            if let (true, Some(client)) = (node.source.is_local(), node.client.as_deref()) {
                by_client.entry(client).or_default().push(id);
            }
        }
        by_client
    }

    /// Is `node` one of the crates under the directory of `client`?
    fn is_own_local(&self, node: NodeId, client: &str) -> bool {
        self.nodes[node].source.is_local() && self.nodes[node].client.as_deref() == Some(client)
    }

    /// Every crate cargo compiles for the client `name` (its dependency closure, with
    /// dev-dependencies only of the client's own crates), sorted by name; the client's own
    /// crates are not included.
    pub fn client_closure(&self, name: &str) -> Vec<NodeId> {
        let own = self.client_crates(name);
        let mut seen = vec![false; self.nodes.len()];
        for &node in &own {
            seen[node] = true;
        }
        let mut queue: VecDeque<NodeId> = own.iter().copied().collect();
        let mut out = Vec::new();
        while let Some(node) = queue.pop_front() {
            let from_own = self.is_own_local(node, name);
            for &edge in &self.outgoing[node] {
                let edge = &self.edges[edge];
                if edge.kind == DependencyKind::Development && !from_own {
                    continue;
                }
                if !seen[edge.to] {
                    seen[edge.to] = true;
                    out.push(edge.to);
                    queue.push_back(edge.to);
                }
            }
        }
        out.sort_by(|&a, &b| {
            (&self.nodes[a].name, &self.nodes[a].version)
                .cmp(&(&self.nodes[b].name, &self.nodes[b].version))
        });
        out
    }

    /// `marks[n]`: some forbidden crate is reachable from `n` through at least one edge that a
    /// search entering `n` follows (a dev-dependency only counts from a client's crate).
    fn leads_to_forbidden(&self) -> Vec<bool> {
        let mut marks = vec![false; self.nodes.len()];
        let mut queue: VecDeque<NodeId> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].kind.is_forbidden_target())
            .collect();
        let mut enqueued: Vec<bool> = (0..self.nodes.len())
            .map(|n| self.nodes[n].kind.is_forbidden_target())
            .collect();
        while let Some(node) = queue.pop_front() {
            for &edge_id in &self.incoming[node] {
                let edge = &self.edges[edge_id];
                let from = edge.from;
                if edge.kind == DependencyKind::Development && self.nodes[from].kind != Kind::Client
                {
                    continue;
                }
                marks[from] = true;
                if !enqueued[from] {
                    enqueued[from] = true;
                    queue.push_back(from);
                }
            }
        }
        marks
    }

    /// Put every crate's outgoing edges in a stable order (by crate name, then kind), once, so
    /// searches and reports are deterministic.
    fn sort_outgoing(&mut self) {
        let (edges, nodes) = (&self.edges, &self.nodes);
        for outgoing in &mut self.outgoing {
            outgoing.sort_by(|&a, &b| {
                let key = |e: EdgeId| {
                    (
                        &nodes[edges[e].to].name,
                        kind_rank(edges[e].kind),
                        &edges[e].target,
                    )
                };
                key(a).cmp(&key(b))
            });
        }
    }

    fn path_to(&self, mut node: NodeId, parent_edge: &[Option<EdgeId>]) -> Vec<EdgeId> {
        let mut path = Vec::new();
        while let Some(edge) = parent_edge[node] {
            path.push(edge);
            node = self.edges[edge].from;
        }
        path.reverse();
        path
    }
}

/// Normal before build before dev: the strongest reason a crate is linked comes first.
/// A package's library target, else its first target.
fn main_target(package: &Package) -> Option<Target> {
    package
        .targets
        .iter()
        .find(|t| t.kind.contains(&TargetKind::Lib))
        .or_else(|| package.targets.first())
        .cloned()
}

pub fn kind_rank(kind: DependencyKind) -> u8 {
    match kind {
        DependencyKind::Normal => 0,
        DependencyKind::Build => 1,
        DependencyKind::Development => 2,
        _ => 3,
    }
}

/// The word reports use for a dependency kind.
pub fn kind_name(kind: DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Normal => "normal",
        DependencyKind::Development => "dev",
        DependencyKind::Build => "build",
        _ => "unknown",
    }
}

/// The manifest key under which `package` declares `target_pkg` for this kind and platform.
fn declared_key(
    package: &Package,
    target_pkg: &Package,
    kind: DependencyKind,
    target: Option<&str>,
) -> String {
    let target_dir = target_pkg.manifest_path.parent();
    package
        .dependencies
        .iter()
        .filter(|d| {
            d.name == *target_pkg.name
                && d.kind == kind
                && d.target.as_ref().map(ToString::to_string).as_deref() == target
        })
        .max_by_key(|d| match (&d.path, target_dir) {
            (Some(path), Some(dir)) => path.as_path() == dir,
            _ => {
                d.source.as_ref().map(|s| s.repr.as_str())
                    == target_pkg.source.as_ref().map(|s| s.repr.as_str())
            }
        })
        .map(|d| d.rename.clone().unwrap_or_else(|| d.name.clone()))
        .unwrap_or_else(|| target_pkg.name.to_string())
}
