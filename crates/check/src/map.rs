//! `cargo clientwall graph`: the isolation map. Clients are islands (one cluster each), shared
//! crates sit between them, credential helpers are marked, and every edge on a violation's path
//! is drawn in red. Only the workspace's own crates are drawn, not registry dependencies.

use crate::check::Checked;
use crate::classify::Kind;
use crate::graph::{CrateGraph, NodeId, kind_name};
use cargo_metadata::DependencyKind;
use std::collections::BTreeSet;

/// The map's content, independent of the output syntax.
struct Map<'g> {
    graph: &'g CrateGraph,
    nodes: Vec<NodeId>,
    /// (from, to, kind, red)
    edges: Vec<(NodeId, NodeId, DependencyKind, bool)>,
}

fn map(checked: &Checked) -> Option<Map<'_>> {
    let graph = checked.graph.as_ref()?;
    let mut nodes: Vec<NodeId> = (0..graph.nodes.len())
        .filter(|&n| graph.nodes[n].source.is_local())
        .collect();
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
    let mut edges: Vec<(NodeId, NodeId, DependencyKind, bool)> = graph
        .edges
        .iter()
        .filter(|e| graph.nodes[e.from].source.is_local() && graph.nodes[e.to].source.is_local())
        .filter(|e| seen.insert((e.from, e.to, kind_name(e.kind))))
        .map(|e| {
            let key = (
                graph.nodes[e.from].name.clone(),
                graph.nodes[e.to].name.clone(),
                kind_name(e.kind).to_owned(),
            );
            (e.from, e.to, e.kind, red.contains(&key))
        })
        .collect();
    edges.sort_by_key(|&(from, to, kind, _)| {
        (
            graph.nodes[from].name.clone(),
            graph.nodes[to].name.clone(),
            kind_name(kind),
        )
    });
    Some(Map {
        graph,
        nodes,
        edges,
    })
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT.
pub fn dot(checked: &Checked) -> String {
    let Some(map) = map(checked) else {
        return "digraph isolation {}\n".to_owned();
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
    for &(from, to, kind, red) in &map.edges {
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
    out
}

/// Mermaid flowchart.
pub fn mermaid(checked: &Checked) -> String {
    let Some(map) = map(checked) else {
        return "graph LR\n".to_owned();
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
    for (i, &(from, to, kind, is_red)) in map.edges.iter().enumerate() {
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
    out
}

/// SVG, laid out in-process (the `layout-rs` crate, pure Rust): no Graphviz needed. Clients are
/// blue rounded boxes, shared crates grey boxes, credential helpers orange double circles; dev
/// dependencies dashed, build dependencies dotted, edges on a violation's path red and wide.
pub fn svg(checked: &Checked) -> crate::error::Result<String> {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::color::Color;
    use layout::core::style::{LineStyleKind, StyleAttr};
    use layout::std_shapes::render::get_shape_size;
    use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
    use layout::topo::layout::VisualGraph;

    let Some(map) = map(checked) else {
        return Ok(SVGWriter::new().finalize());
    };
    let g = map.graph;
    let orientation = Orientation::LeftToRight;
    let mut visual = VisualGraph::new(orientation);
    let mut handles = std::collections::HashMap::new();
    for &n in &map.nodes {
        let node = &g.nodes[n];
        let (shape, line, fill, rounded) = match node.kind {
            Kind::Client => (
                ShapeKind::new_box(&format!("client {}", node.name)),
                0x4a7ab8ff,
                0xdbe8f7ff,
                12,
            ),
            Kind::CredentialHelper => (
                ShapeKind::new_double_circle(&format!("{} (credential helper)", node.name)),
                0x000000ff,
                0xf6c9a8ff,
                0,
            ),
            _ => (ShapeKind::new_box(&node.name), 0x000000ff, 0xeeeeeeff, 0),
        };
        let look = StyleAttr::new(Color::new(line), 1, Some(Color::new(fill)), rounded, 14);
        let size = get_shape_size(orientation, &shape, look.font_size, false);
        handles.insert(
            n,
            visual.add_node(Element::create(shape, look, orientation, size)),
        );
    }
    // One font size throughout: the SVG writer keys its styles by size in a hash map, so a
    // second size would make the output's order vary from run to run.
    for &(from, to, kind, red) in &map.edges {
        let (Some(&from), Some(&to)) = (handles.get(&from), handles.get(&to)) else {
            continue;
        };
        let line_style = match kind {
            DependencyKind::Development => LineStyleKind::Dashed,
            DependencyKind::Build => LineStyleKind::Dotted,
            _ => LineStyleKind::Normal,
        };
        let look = if red {
            StyleAttr::new(Color::fast("red"), 3, None, 0, 14)
        } else {
            StyleAttr::new(Color::fast("black"), 1, None, 0, 14)
        };
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            line_style,
            kind_name(kind),
            &look,
            &None,
            &None,
        );
        visual.add_edge(arrow, from, to);
    }
    // The layout library asserts on shapes it cannot place; a map it cannot draw is an error,
    // never a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut writer = SVGWriter::new();
        visual.do_it(false, false, false, &mut writer);
        writer.finalize()
    }))
    .map_err(|_| crate::error::Error::Layout {
        message: "failed to lay out the isolation map as SVG".into(),
        help: Some("use `--format dot` and Graphviz instead".into()),
    })
}
