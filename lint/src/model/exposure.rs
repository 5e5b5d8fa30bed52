//! Who is exposed to a file outside every client: the crate it belongs to, and every client
//! that compiles that crate (and so carries whatever the file holds). A client compiles a crate
//! it reaches through normal and build dependencies at any depth, and through its own
//! dev-dependencies; cargo never builds the dev-dependencies of a dependency.

use crate::model::classify::Kind;
use crate::model::graph::{CrateGraph, NodeId};
use crate::model::layout::Layout;
use cargo_metadata::DependencyKind;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The crate of a file and the clients that compile it, computed on demand from the graph.
pub struct Exposure<'a> {
    graph: &'a CrateGraph,
    layout: &'a Layout,
    /// Directory of every local crate, made on first use (most checks never need it).
    by_dir: std::cell::OnceCell<HashMap<PathBuf, NodeId>>,
    /// Incoming edges of every crate, made on first use.
    incoming: std::cell::OnceCell<Vec<Vec<usize>>>,
    compiled_by: RefCell<HashMap<NodeId, Vec<String>>>,
}

impl<'a> Exposure<'a> {
    pub fn new(graph: &'a CrateGraph, layout: &'a Layout) -> Exposure<'a> {
        Exposure {
            graph,
            layout,
            by_dir: std::cell::OnceCell::new(),
            incoming: std::cell::OnceCell::new(),
            compiled_by: RefCell::new(HashMap::new()),
        }
    }

    /// The innermost local crate whose directory holds `path`.
    pub fn crate_of(&self, path: &Path) -> Option<NodeId> {
        let by_dir = self.by_dir.get_or_init(|| {
            self.graph
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.source.is_local())
                .filter_map(|(id, n)| {
                    let dir = n.manifest_path.parent()?.as_std_path();
                    Some((dir.canonicalize().unwrap_or_else(|_| dir.to_owned()), id))
                })
                .collect()
        });
        path.ancestors().find_map(|dir| by_dir.get(dir).copied())
    }

    /// The crate's name.
    pub fn name(&self, node: NodeId) -> &str {
        &self.graph.nodes[node].name
    }

    /// The clients that compile `node`, by name, sorted; `node` itself when it is a client.
    pub fn compiled_by(&self, node: NodeId) -> Vec<String> {
        if let Some(found) = self.compiled_by.borrow().get(&node) {
            return found.clone();
        }
        let graph = self.graph;
        let incoming = self.incoming.get_or_init(|| {
            let mut incoming = vec![Vec::new(); graph.nodes.len()];
            for (id, edge) in graph.edges.iter().enumerate() {
                incoming[edge.to].push(id);
            }
            incoming
        });
        let mut clients = BTreeSet::new();
        let mut seen = vec![false; graph.nodes.len()];
        let mut queue = vec![node];
        seen[node] = true;
        while let Some(current) = queue.pop() {
            if graph.nodes[current].kind == Kind::Client {
                clients.insert(self.client_name(current));
            }
            for &edge_id in &incoming[current] {
                let edge = &graph.edges[edge_id];
                let from = edge.from;
                if edge.kind == DependencyKind::Development {
                    // Only the crate's own tests build it: a client's, if `from` is one.
                    if graph.nodes[from].kind == Kind::Client {
                        clients.insert(self.client_name(from));
                    }
                    continue;
                }
                if !seen[from] {
                    seen[from] = true;
                    queue.push(from);
                }
            }
        }
        let found: Vec<String> = clients.into_iter().collect();
        self.compiled_by.borrow_mut().insert(node, found.clone());
        found
    }

    /// The clients that compile the crate holding `path`, and that crate's name.
    pub fn of_file(&self, path: &Path) -> Option<(String, Vec<String>)> {
        let node = self.crate_of(path)?;
        Some((self.name(node).to_owned(), self.compiled_by(node)))
    }

    /// A client crate's client, as the graph records it (a client's sub-crate is that
    /// client's), else the client that owns its directory.
    fn client_name(&self, node: NodeId) -> String {
        let n = &self.graph.nodes[node];
        if let Some(client) = &n.client {
            return client.clone();
        }
        n.manifest_path
            .parent()
            .and_then(|dir| {
                let dir = dir.as_std_path();
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
                self.layout.owner(&dir).map(|a| a.name.clone())
            })
            .unwrap_or_else(|| n.name.clone())
    }
}

/// `acme`, `globex` and 3 more: a list of names for a message, at most `shown` of them.
pub(crate) fn name_list(names: &[String], shown: usize) -> String {
    let quoted: Vec<String> = names.iter().take(shown).map(|n| format!("`{n}`")).collect();
    let mut text = quoted.join(", ");
    if names.len() > shown {
        text.push_str(&format!(" and {} more", names.len() - shown));
    }
    text
}
