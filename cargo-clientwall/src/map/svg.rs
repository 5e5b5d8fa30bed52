//! The isolation map as SVG, laid out in-process (no Graphviz): every client's crates inside a
//! rounded island labelled with the client, the islands packed in a grid, the shared crates and
//! credential helpers (octagons) in a band below them, and every edge routed orthogonally
//! through the gaps so that it never crosses an island it does not start or end in.
//!
//! Each edge leaves and enters a crate through a port on the crate's right side; the port's
//! label (the dependency kind) sits in a zone beside the crate that only that port's own
//! horizontal line runs through, so no edge crosses a label. Edges between islands run down
//! the gutter right of their island's column to a channel between the grid and the band, one
//! track per band crate (edges to the same crate share it as a bus), then to their target.
//! Layout is arithmetic on sorted input: the same workspace gives the same bytes.

use super::{DrawnEdge, MapContent};
use cargo_metadata::DependencyKind;
use clientwall_lint::classify::Kind;
use clientwall_lint::graph::kind_name;
use std::collections::BTreeMap;
use std::fmt::Write;

const FONT: f64 = 12.0;
/// Width of one character at `FONT`, generous for proportional sans-serif fonts.
const CHAR_W: f64 = 7.4;
const LABEL_FONT: f64 = 10.0;
const LABEL_CHAR_W: f64 = 6.2;
/// Vertical distance between two ports of a crate.
const SLOT: f64 = 18.0;
/// The zone beside a crate that holds its ports' labels.
const LABEL_ZONE: f64 = 54.0;
const LANE: f64 = 8.0;
const PAD: f64 = 12.0;
const GUTTER: f64 = 40.0;
const MARGIN: f64 = 20.0;
const TRACK: f64 = 8.0;
const MAX_TRACKS: usize = 40;
/// Above this many islands, edges inside an island are left out (`--client` shows them).
pub const DETAILED_ISLANDS: usize = 60;
/// Above this many crates, the map is not drawn: a note points to `--client`.
pub const MAX_CRATES: usize = 6000;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Where a crate is drawn.
#[derive(Debug, Clone)]
struct Placed {
    rect: Rect,
    /// The y of each port, in port order.
    ports: Vec<f64>,
    /// The x of each port's vertical lane (inside an island for edges within it, or in the
    /// band crate's gap).
    lanes: Vec<f64>,
    /// The island's grid column, for crates in an island.
    column: Option<usize>,
    /// Index of a band crate, for its channel track.
    band_index: Option<usize>,
}

/// Where an edge leaves and where it arrives.
#[derive(Debug, Clone, Copy)]
struct Ends {
    from_port: usize,
    to_port: usize,
}

fn text_width(text: &str, char_w: f64) -> f64 {
    text.chars().count() as f64 * char_w
}

fn escape(text: &str) -> String {
    super::super::attest::html::escape(text)
}

fn node_label(content: &MapContent, n: usize) -> (String, Option<&'static str>) {
    let node = &content.graph.nodes[n];
    match node.kind {
        Kind::CredentialHelper => (node.name.clone(), Some("credential helper")),
        _ => (node.name.clone(), None),
    }
}

/// A name ordered naturally: runs of digits compare as numbers, so `c2` sorts before `c10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NaturalKey<'a>(&'a str);

impl NaturalKey<'_> {
    /// Text runs as they are, digit runs as (length without leading zeros, digits).
    fn chunks(&self) -> Vec<(bool, usize, &str)> {
        let mut out = Vec::new();
        let mut rest = self.0;
        while let Some(first) = rest.chars().next() {
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            let run = if digit {
                run.trim_start_matches('0')
            } else {
                run
            };
            out.push((digit, if digit { run.len() } else { 0 }, run));
            rest = tail;
        }
        out
    }
}

impl Ord for NaturalKey<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.chunks()
            .cmp(&other.chunks())
            .then_with(|| self.0.cmp(other.0))
    }
}

impl PartialOrd for NaturalKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The whole map as an `<svg>` element (no XML declaration).
pub fn render(content: &MapContent) -> String {
    if content.nodes.len() > MAX_CRATES {
        return too_large(content);
    }
    let g = content.graph;
    // Islands (by client name) and the band.
    // Islands in natural order of their client's name (`c2` before `c10`).
    let mut islands: BTreeMap<NaturalKey<'_>, Vec<usize>> = BTreeMap::new();
    let mut band: Vec<usize> = Vec::new();
    for &n in &content.nodes {
        match g.nodes[n].kind {
            Kind::Client => islands
                .entry(NaturalKey(g.owner_name(n)))
                .or_default()
                .push(n),
            _ => band.push(n),
        }
    }
    for crates in islands.values_mut() {
        // The client's own package first, then its other crates by name.
        crates.sort_by_key(|&n| (g.nodes[n].name != g.owner_name(n), g.nodes[n].name.clone()));
    }
    let island_of = |n: usize| (g.nodes[n].kind == Kind::Client).then(|| g.owner_name(n));
    let detailed = islands.len() <= DETAILED_ISLANDS;
    let edges: Vec<&DrawnEdge> = content
        .edges
        .iter()
        .filter(|e| detailed || island_of(e.from).is_none() || island_of(e.from) != island_of(e.to))
        .collect();

    // Ports: every edge leaves through a port of its own; edges arriving at a band crate from
    // the islands share one port per (kind, red).
    let mut ports: BTreeMap<usize, Vec<(String, bool)>> = BTreeMap::new();
    let mut bus: BTreeMap<(usize, &'static str, bool), usize> = BTreeMap::new();
    let mut ends: Vec<Ends> = Vec::new();
    let mut port_of = |node: usize, label: String, red: bool| {
        let list = ports.entry(node).or_default();
        list.push((label, red));
        list.len() - 1
    };
    for e in &edges {
        let label = kind_name(e.kind);
        let from_port = port_of(e.from, label.to_owned(), e.red);
        let to_port = if island_of(e.to).is_none() && island_of(e.from).is_some() {
            match bus.get(&(e.to, label, e.red)) {
                Some(&p) => p,
                None => {
                    let p = port_of(e.to, label.to_owned(), e.red);
                    bus.insert((e.to, label, e.red), p);
                    p
                }
            }
        } else {
            port_of(e.to, label.to_owned(), e.red)
        };
        ends.push(Ends { from_port, to_port });
    }
    let port_count = |n: usize| ports.get(&n).map_or(0, Vec::len);
    let node_size = |n: usize| {
        let (name, sub) = node_label(content, n);
        let w = text_width(&name, CHAR_W).max(sub.map_or(0.0, |s| text_width(s, LABEL_CHAR_W)))
            + if sub.is_some() { 36.0 } else { 24.0 };
        let min_h: f64 = if sub.is_some() { 42.0 } else { 28.0 };
        let h = min_h.max(port_count(n) as f64 * SLOT + 10.0);
        (w, h)
    };

    // Lay out each island at the origin: title, then its crates stacked.
    let mut placed: BTreeMap<usize, Placed> = BTreeMap::new();
    struct Island<'a> {
        name: &'a str,
        crates: Vec<usize>,
        rect: Rect,
    }
    let mut laid: Vec<Island> = Vec::new();
    for (NaturalKey(name), crates) in &islands {
        let column_w = crates.iter().map(|&n| node_size(n).0).fold(0.0, f64::max);
        let intra_ports: usize = crates
            .iter()
            .map(|&n| ports.get(&n).map_or(0, |p| p.len()))
            .sum();
        let title = format!("client {name}");
        let lanes_w = intra_ports as f64 * LANE + 8.0;
        let w = (PAD + column_w + LABEL_ZONE + lanes_w + PAD)
            .max(text_width(&title, CHAR_W) + 2.0 * PAD);
        let mut y = 30.0;
        let mut lane_index = 0;
        for &n in crates {
            let (_, h) = node_size(n);
            let count = port_count(n);
            let port_ys: Vec<f64> = (0..count).map(|p| y + 16.0 + p as f64 * SLOT).collect();
            let lanes: Vec<f64> = (0..count)
                .map(|_| {
                    lane_index += 1;
                    PAD + column_w + LABEL_ZONE + lane_index as f64 * LANE
                })
                .collect();
            placed.insert(
                n,
                Placed {
                    rect: Rect {
                        x: PAD,
                        y,
                        w: column_w,
                        h,
                    },
                    ports: port_ys,
                    lanes,
                    column: None,
                    band_index: None,
                },
            );
            y += h + 14.0;
        }
        laid.push(Island {
            name,
            crates: crates.clone(),
            rect: Rect {
                x: 0.0,
                y: 0.0,
                w,
                h: y - 14.0 + PAD,
            },
        });
    }

    // Pack the islands in a grid.
    let count = laid.len();
    let columns = match count {
        0 => 1,
        1..=4 => count,
        _ => (count as f64).sqrt().ceil() as usize,
    };
    let rows = count.div_ceil(columns).max(1);
    let mut col_w = vec![0.0f64; columns];
    let mut row_h = vec![0.0f64; rows];
    for (i, island) in laid.iter().enumerate() {
        col_w[i % columns] = col_w[i % columns].max(island.rect.w);
        row_h[i / columns] = row_h[i / columns].max(island.rect.h);
    }
    let col_x: Vec<f64> = (0..columns)
        .scan(MARGIN, |x, c| {
            let here = *x;
            *x += col_w[c] + GUTTER;
            Some(here)
        })
        .collect();
    let row_y: Vec<f64> = (0..rows)
        .scan(MARGIN, |y, r| {
            let here = *y;
            *y += row_h[r] + 24.0;
            Some(here)
        })
        .collect();
    let gutter_x =
        |c: usize, red: bool| col_x[c] + col_w[c] + GUTTER / 2.0 + if red { 5.0 } else { -3.0 };
    for (i, island) in laid.iter_mut().enumerate() {
        let (c, r) = (i % columns, i / columns);
        let (dx, dy) = (col_x[c], row_y[r]);
        island.rect.x += dx;
        island.rect.y += dy;
        for n in &island.crates {
            let p = placed.get_mut(n).expect("placed above");
            p.rect.x += dx;
            p.rect.y += dy;
            p.ports.iter_mut().for_each(|y| *y += dy);
            p.lanes.iter_mut().for_each(|x| *x += dx);
            p.column = Some(c);
        }
    }
    let crosses = edges
        .iter()
        .any(|e| island_of(e.from).is_none() || island_of(e.from) != island_of(e.to));
    let grid_w = if count == 0 {
        0.0
    } else {
        // The last column's gutter only when an edge may run down it.
        col_x[columns - 1] + col_w[columns - 1] + if crosses { GUTTER } else { 0.0 } - MARGIN
    };
    let grid_bottom = if count == 0 {
        MARGIN
    } else {
        row_y[rows - 1] + row_h[rows - 1]
    };

    // The channel below the grid, then the band of shared crates.
    // Tracks: one per band crate for the edges into it, one for edges between islands, and
    // one per band crate for the edges out of it into an island, so no two of these overlap.
    let tracks = if crosses {
        (2 * band.len() + 1).min(MAX_TRACKS)
    } else {
        0
    };
    let track_y = |t: usize| grid_bottom + 14.0 + (t % MAX_TRACKS) as f64 * TRACK;
    let violation_track = band.len();
    let band_top = match (tracks, band.is_empty()) {
        (0, true) => grid_bottom,
        (0, false) => grid_bottom + 24.0,
        _ => grid_bottom + 14.0 + tracks as f64 * TRACK + 14.0,
    };
    let mut x = MARGIN;
    let mut band_h: f64 = 0.0;
    for (i, &n) in band.iter().enumerate() {
        let (w, h) = node_size(n);
        let count = port_count(n);
        let port_ys: Vec<f64> = (0..count)
            .map(|p| band_top + 16.0 + p as f64 * SLOT)
            .collect();
        let lanes: Vec<f64> = (0..count)
            .map(|p| x + w + LABEL_ZONE + (p + 1) as f64 * LANE)
            .collect();
        placed.insert(
            n,
            Placed {
                rect: Rect {
                    x,
                    y: band_top,
                    w,
                    h,
                },
                ports: port_ys,
                lanes,
                column: None,
                band_index: Some(i),
            },
        );
        x += w + LABEL_ZONE + (count + 1) as f64 * LANE + 16.0;
        band_h = band_h.max(h);
    }
    let band_w = x - MARGIN;
    let band_bottom = band_top + band_h;

    // Route every edge.
    let mut bottom_tracks = 0usize;
    let mut paths: Vec<(Vec<(f64, f64)>, &DrawnEdge)> = Vec::new();
    for (e, end) in edges.iter().zip(&ends) {
        let (from, to) = (&placed[&e.from], &placed[&e.to]);
        let start = (from.rect.x + from.rect.w, from.ports[end.from_port]);
        let end_y = to.ports[end.to_port];
        let stop = (to.rect.x + to.rect.w, end_y);
        let mut points = vec![start];
        let same_island = island_of(e.from).is_some() && island_of(e.from) == island_of(e.to);
        match (from.column, to.column) {
            _ if same_island => {
                let lane = from.lanes[end.from_port];
                points.push((lane, start.1));
                points.push((lane, end_y));
            }
            (Some(c), None) => {
                let track = track_y(to.band_index.unwrap_or(0));
                let lane = to.lanes[end.to_port];
                points.push((gutter_x(c, e.red), start.1));
                points.push((gutter_x(c, e.red), track));
                points.push((lane, track));
                points.push((lane, end_y));
            }
            (Some(c), Some(d)) => {
                let track = track_y(violation_track);
                points.push((gutter_x(c, e.red), start.1));
                points.push((gutter_x(c, e.red), track));
                points.push((gutter_x(d, e.red), track));
                points.push((gutter_x(d, e.red), end_y));
            }
            (None, Some(d)) => {
                let track = track_y(band.len() + 1 + from.band_index.unwrap_or(0));
                let lane = from.lanes[end.from_port];
                points.push((lane, start.1));
                points.push((lane, track));
                points.push((gutter_x(d, e.red), track));
                points.push((gutter_x(d, e.red), end_y));
            }
            (None, None) => {
                let track = band_bottom + 14.0 + (bottom_tracks % MAX_TRACKS) as f64 * TRACK;
                bottom_tracks += 1;
                let (out, into) = (from.lanes[end.from_port], to.lanes[end.to_port]);
                points.push((out, start.1));
                points.push((out, track));
                points.push((into, track));
                points.push((into, end_y));
            }
        }
        points.push(stop);
        paths.push((points, e));
    }
    let bottom = if bottom_tracks > 0 {
        band_bottom + 14.0 + bottom_tracks.min(MAX_TRACKS) as f64 * TRACK
    } else {
        band_bottom
    };
    let note = (!detailed).then(|| {
        format!(
            "{} clients: the edges inside each island are left out at this size; `graph --client NAME` draws one client's island with all of them.",
            islands.len()
        )
    });
    let note_h = if note.is_some() { 24.0 } else { 0.0 };
    let width = (grid_w.max(band_w) + 2.0 * MARGIN).max(120.0).ceil();
    let height = (bottom.max(grid_bottom) + MARGIN + note_h).ceil();

    // Draw.
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"{FONT}\">\n<title>isolation map</title>\n<defs>\n<marker id=\"cw-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker>\n<marker id=\"cw-arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d00\"/></marker>\n</defs>\n<rect class=\"canvas\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n"
    );
    for island in &laid {
        let r = island.rect;
        let _ = writeln!(
            out,
            "<g class=\"island\" data-client=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"12\" fill=\"#f3f8fe\" stroke=\"#4a7ab8\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"#2c5282\">client {}</text></g>",
            escape(island.name),
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + PAD,
            r.y + 19.0,
            escape(island.name)
        );
    }
    for (i, (points, e)) in paths.iter().enumerate() {
        let d: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(k, (x, y))| format!("{}{x} {y}", if k == 0 { "M" } else { "L" }))
            .collect();
        let dash = match e.kind {
            DependencyKind::Development => " stroke-dasharray=\"6 4\"",
            DependencyKind::Build => " stroke-dasharray=\"2 3\"",
            _ => "",
        };
        let (stroke, width, marker) = if e.red {
            ("#d00", 2.5, "cw-arrow-red")
        } else {
            ("#555", 1.2, "cw-arrow")
        };
        let _ = writeln!(
            out,
            "<path class=\"edge{}\" data-edge=\"{i}\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"/>",
            if e.red { " violation" } else { "" },
            escape(&g.nodes[e.from].name),
            escape(&g.nodes[e.to].name),
            d.join(" ")
        );
    }
    for n in content.nodes.iter().filter(|n| placed.contains_key(n)) {
        let p = &placed[n];
        let r = p.rect;
        let node = &g.nodes[*n];
        let (name, sub) = node_label(content, *n);
        let shape = match node.kind {
            Kind::Client => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#dbe8f7\" stroke=\"#4a7ab8\"/>",
                r.x, r.y, r.w, r.h
            ),
            Kind::CredentialHelper => {
                let c = 10.0;
                let (x0, y0, x1, y1) = (r.x, r.y, r.x + r.w, r.y + r.h);
                format!(
                    "<polygon class=\"octagon\" points=\"{} {y0} {} {y0} {x1} {} {x1} {} {} {y1} {} {y1} {x0} {} {x0} {}\" fill=\"#f6c9a8\" stroke=\"#9c4221\" stroke-width=\"1.5\"/>",
                    x0 + c,
                    x1 - c,
                    y0 + c,
                    y1 - c,
                    x1 - c,
                    x0 + c,
                    y1 - c,
                    y0 + c
                )
            }
            _ => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"#eeeeee\" stroke=\"#555\"/>",
                r.x, r.y, r.w, r.h
            ),
        };
        let kind = match node.kind {
            Kind::Client => "client",
            Kind::Shared => "shared",
            Kind::CredentialHelper => "credential-helper",
            Kind::External => "external",
        };
        let mut text = format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            r.x + r.w / 2.0,
            r.y + if sub.is_some() { 18.0 } else { 18.5 },
            escape(&name)
        );
        if let Some(sub) = sub {
            let _ = write!(
                text,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{LABEL_FONT}\" fill=\"#7b341e\">({sub})</text>",
                r.x + r.w / 2.0,
                r.y + 32.0
            );
        }
        let _ = writeln!(
            out,
            "<g class=\"node {kind}\" data-name=\"{}\" data-island=\"{}\" data-x=\"{}\" data-y=\"{}\" data-width=\"{}\" data-height=\"{}\">{shape}{text}</g>",
            escape(&node.name),
            escape(island_of(*n).unwrap_or("")),
            r.x,
            r.y,
            r.w,
            r.h
        );
        // The labels of its ports, beside it, each above its own line.
        for (port, (label, red)) in ports.get(n).into_iter().flatten().enumerate() {
            let y = p.ports[port];
            let lx = r.x + r.w + 10.0;
            let lw = text_width(label, LABEL_CHAR_W);
            let _ = writeln!(
                out,
                "<g class=\"edge-label\"><rect class=\"label-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"11\" fill=\"#ffffff\" fill-opacity=\"0.85\"/><text x=\"{lx}\" y=\"{}\" font-size=\"{LABEL_FONT}\" fill=\"{}\">{}</text></g>",
                lx - 2.0,
                y - 14.0,
                lw + 4.0,
                y - 5.0,
                if *red { "#d00" } else { "#444" },
                escape(label)
            );
        }
    }
    if let Some(note) = note {
        let _ = writeln!(
            out,
            "<text class=\"note\" x=\"{MARGIN}\" y=\"{}\" font-size=\"{LABEL_FONT}\" fill=\"#444\">{}</text>",
            height - MARGIN / 2.0 - 4.0,
            escape(&note)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A map too large to be useful: a note that says so and points to `--client`.
fn too_large(content: &MapContent) -> String {
    let note = format!(
        "{} crates are too many to draw as one useful map; `cargo clientwall graph --format svg --client NAME` draws one client's island and what it reaches.",
        content.nodes.len()
    );
    let width = (text_width(&note, CHAR_W) + 2.0 * MARGIN).ceil();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"60\" viewBox=\"0 0 {width} 60\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"{FONT}\">\n<title>isolation map</title>\n<rect class=\"canvas\" x=\"0\" y=\"0\" width=\"{width}\" height=\"60\" fill=\"#ffffff\"/>\n<text class=\"note\" x=\"{MARGIN}\" y=\"34\">{}</text>\n</svg>\n",
        escape(&note)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientwall_lint::graph::{CrateGraph, Node};
    use clientwall_lint::source::PackageSource;

    fn graph(clients: usize, crates_each: usize) -> CrateGraph {
        let mut graph = CrateGraph::default();
        for c in 0..clients {
            for k in 0..crates_each {
                graph.nodes.push(Node {
                    name: format!("c{c}-{k}"),
                    version: "0.1.0".into(),
                    source: PackageSource::Local,
                    manifest_path: format!("/w/clients/c{c}/k{k}/Cargo.toml").into(),
                    kind: Kind::Client,
                    package: None,
                    client: Some(format!("c{c}")),
                });
            }
        }
        graph
    }

    fn content(graph: &CrateGraph) -> MapContent<'_> {
        MapContent {
            graph,
            nodes: (0..graph.nodes.len()).collect(),
            edges: Vec::new(),
        }
    }

    #[test]
    fn islands_are_in_natural_order() {
        let mut names = vec!["c10", "c2", "b", "c1", "c02x", "a10b2", "a10b10"];
        names.sort_by_key(|n| NaturalKey(n));
        assert_eq!(names, ["a10b2", "a10b10", "b", "c1", "c2", "c02x", "c10"]);
    }

    /// Past the cap the map is only a note that points to `--client`, not a huge picture.
    #[test]
    fn a_map_past_the_cap_is_a_note_pointing_to_client() {
        let big = graph(MAX_CRATES / 2 + 1, 2);
        let svg = render(&content(&big));
        assert!(svg.contains("are too many to draw"), "{svg}");
        assert!(svg.contains("--client NAME"));
        assert!(!svg.contains("class=\"island\""));
        assert!(svg.len() < 2000);
        // At the cap it is drawn.
        let at_cap = graph(MAX_CRATES / 2, 2);
        let svg = render(&content(&at_cap));
        assert_eq!(svg.matches("<g class=\"island\"").count(), MAX_CRATES / 2);
    }
}
