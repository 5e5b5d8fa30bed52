//! `cargo clientwall graph`: the isolation map. Clients are islands (one cluster each), shared
//! crates sit between them, credential helpers are marked, and every edge on a violation's path
//! is drawn in red. Only the workspace's own crates are drawn, not registry dependencies.
//! `--client NAME` draws one client's island and the crates it reaches.

use cargo_metadata::DependencyKind;
use clientwall_lint::classify::Kind;
use clientwall_lint::graph::{CrateGraph, NodeId, kind_name};
use clientwall_lint::report::Checked;
use std::collections::BTreeSet;

pub mod svg;

/// An edge of the map: (from, to, kind), red when it lies on a violation's path.
#[derive(Debug, Clone, Copy)]
pub struct DrawnEdge {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: DependencyKind,
    pub red: bool,
}

/// The map's content, independent of the output syntax.
pub struct MapContent<'g> {
    graph: &'g CrateGraph,
    nodes: Vec<NodeId>,
    edges: Vec<DrawnEdge>,
}

/// What the map shows of the workspace: every local crate, or (`Some(client)`) the client's
/// own crates and the local crates it reaches (what cargo compiles for it).
fn map<'c>(
    checked: &'c Checked,
    client: Option<&str>,
) -> clientwall_lint::error::Result<Option<MapContent<'c>>> {
    let Some(graph) = checked.graph.as_ref() else {
        return Ok(None);
    };
    let shown: Option<BTreeSet<NodeId>> = match client {
        None => None,
        Some(name) => {
            let own = graph.client_crates(name);
            if own.is_empty() {
                return Err(clientwall_lint::error::Error::Layout {
                    message: format!("no client named `{name}`"),
                    help: None,
                });
            }
            Some(own.into_iter().chain(graph.client_closure(name)).collect())
        }
    };
    let visible = |n: NodeId| {
        graph.nodes[n].source.is_local() && shown.as_ref().is_none_or(|s| s.contains(&n))
    };
    let mut nodes: Vec<NodeId> = (0..graph.nodes.len()).filter(|&n| visible(n)).collect();
    nodes.sort_by_key(|&n| {
        (
            graph.nodes[n].kind != Kind::Client,
            graph.nodes[n].name.clone(),
        )
    });
    let red: BTreeSet<(String, String, String)> = checked
        .report
        .violations
        .iter()
        .flat_map(|v| {
            v.path.windows(2).filter_map(|w| {
                let kind = kind_name(w[1].kind?);
                Some((w[0].name.clone(), w[1].name.clone(), kind.to_owned()))
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut edges: Vec<DrawnEdge> = graph
        .edges
        .iter()
        .filter(|e| visible(e.from) && visible(e.to))
        .filter(|e| seen.insert((e.from, e.to, kind_name(e.kind))))
        .map(|e| {
            let key = (
                graph.nodes[e.from].name.clone(),
                graph.nodes[e.to].name.clone(),
                kind_name(e.kind).to_owned(),
            );
            DrawnEdge {
                from: e.from,
                to: e.to,
                kind: e.kind,
                red: red.contains(&key),
            }
        })
        .collect();
    edges.sort_by_key(|e| {
        (
            graph.nodes[e.from].name.clone(),
            graph.nodes[e.to].name.clone(),
            kind_name(e.kind),
        )
    });
    Ok(Some(MapContent {
        graph,
        nodes,
        edges,
    }))
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT.
pub fn dot(checked: &Checked, client: Option<&str>) -> clientwall_lint::error::Result<String> {
    let Some(map) = map(checked, client)? else {
        return Ok("digraph isolation {}\n".to_owned());
    };
    let g = map.graph;
    let mut out = String::from(
        "digraph isolation {\n  rankdir=LR;\n  graph [fontname=\"Helvetica\", fontsize=11];\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for &n in &map.nodes {
        let node = &g.nodes[n];
        let id = quote(&node.name);
        match node.kind {
            // One island per client, holding all of its crates.
            Kind::Client => out.push_str(&format!(
                "  subgraph {} {{\n    label={}; style=\"rounded,dashed\"; color=\"#4a7ab8\";\n    {id} [shape=box, style=\"rounded,filled\", fillcolor=\"#dbe8f7\"];\n  }}\n",
                quote(&format!("cluster_{}", g.owner_name(n))),
                quote(&format!("client {}", g.owner_name(n))),
            )),
            Kind::CredentialHelper => out.push_str(&format!(
                "  {id} [shape=octagon, style=filled, fillcolor=\"#f6c9a8\", label=\"{}\\n(credential helper)\"];\n",
                &quote(&node.name)[1..quote(&node.name).len() - 1]
            )),
            _ => out.push_str(&format!("  {id} [shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n")),
        }
    }
    // Every role override, as a note: a crate under a client glob that left the wall.
    for (i, role_override) in checked.role_overrides.iter().enumerate() {
        let color = match role_override.allowed {
            Some(_) => "#f7e3a8",
            None => "#f4b6b6",
        };
        out.push_str(&format!(
            "  {} [shape=note, style=filled, fillcolor=\"{color}\", label={}];\n",
            quote(&format!("role_override_{i}")),
            quote(&format!("role override: {}", role_override.describe()))
        ));
    }
    for &DrawnEdge {
        from,
        to,
        kind,
        red,
    } in &map.edges
    {
        let style = match kind {
            DependencyKind::Development => ", style=dashed",
            DependencyKind::Build => ", style=dotted",
            _ => "",
        };
        let color = if red {
            ", color=red, fontcolor=red, penwidth=2"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} -> {} [label={}{style}{color}];\n",
            quote(&g.nodes[from].name),
            quote(&g.nodes[to].name),
            quote(kind_name(kind))
        ));
    }
    out.push_str("}\n");
    Ok(out)
}

/// Mermaid flowchart.
pub fn mermaid(checked: &Checked, client: Option<&str>) -> clientwall_lint::error::Result<String> {
    let Some(map) = map(checked, client)? else {
        return Ok("graph LR\n".to_owned());
    };
    let g = map.graph;
    let id = |n: NodeId| format!("n{n}");
    let mut out = String::from("graph LR\n");
    for &n in &map.nodes {
        let node = &g.nodes[n];
        match node.kind {
            Kind::Client => out.push_str(&format!(
                "  subgraph island_{n}[\"client {}\"]\n    {}([\"{}\"])\n  end\n",
                g.owner_name(n),
                id(n),
                node.name
            )),
            Kind::CredentialHelper => {
                out.push_str(&format!(
                    "  {}{{{{\"{} (credential helper)\"}}}}\n",
                    id(n),
                    node.name
                ));
            }
            _ => out.push_str(&format!("  {}[\"{}\"]\n", id(n), node.name)),
        }
    }
    for (i, role_override) in checked.role_overrides.iter().enumerate() {
        out.push_str(&format!(
            "  role_override_{i}>\"role override: {}\"]\n",
            role_override.describe().replace('"', "#quot;")
        ));
    }
    let mut red = Vec::new();
    for (
        i,
        &DrawnEdge {
            from,
            to,
            kind,
            red: is_red,
        },
    ) in map.edges.iter().enumerate()
    {
        let arrow = if kind == DependencyKind::Development {
            "-.->"
        } else {
            "-->"
        };
        out.push_str(&format!(
            "  {} {arrow}|{}| {}\n",
            id(from),
            kind_name(kind),
            id(to)
        ));
        if is_red {
            red.push(i.to_string());
        }
    }
    if !red.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:red,stroke-width:2px\n",
            red.join(",")
        ));
    }
    Ok(out)
}

/// SVG, laid out in-process ([`mod@svg`]): no Graphviz needed. A standalone document, with its XML
/// declaration.
pub fn svg(checked: &Checked, client: Option<&str>) -> clientwall_lint::error::Result<String> {
    let body = match map(checked, client)? {
        Some(content) => svg::render(&content),
        None => "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"40\" viewBox=\"0 0 120 40\"></svg>\n".to_owned(),
    };
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}"
    ))
}

/// The island of `client` and what it reaches, as an `<svg>` element to inline in a page.
pub fn svg_of_client(checked: &Checked, client: &str) -> clientwall_lint::error::Result<String> {
    Ok(match map(checked, Some(client))? {
        Some(content) => svg::render(&content),
        None => String::new(),
    })
}
