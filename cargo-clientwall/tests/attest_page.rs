//! The attestation page and the in-process map as a person meets them: the three renderings of
//! an attestation state the same facts; the map's geometry, read back from the SVG, keeps every
//! crate inside its island, every label clear of every edge and the drawing fitted to its
//! canvas, at three clients and at a thousand; and headless Chromium opens the page and the
//! map, screenshots them (kept under `target/screenshots/`), prints the page to PDF and is
//! refused any network request on the way.

use crate::support;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use support::{Fixture, repo_root};

fn clientwall(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The SVG read back: the map's own markup, parsed as geometry.

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x
            && o.y >= self.y
            && o.x + o.w <= self.x + self.w
            && o.y + o.h <= self.y + self.h
    }

    /// Whether the axis-parallel segment a-b passes through the inside of this rectangle.
    fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        x1 > self.x && x0 < self.x + self.w && y1 > self.y && y0 < self.y + self.h
    }
}

/// The value of attribute `name` in the tag text `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        .parse()
        .unwrap()
}

/// Every opening tag `<name ...>` whose text starts with `prefix` (e.g. `<g class="island"`).
fn tags<'s>(svg: &'s str, prefix: &str) -> Vec<&'s str> {
    svg.match_indices(prefix)
        .map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap() + 1])
        .collect()
}

/// The first `<rect ...>` after position of `tag` in `svg`.
fn rect_after(svg: &str, tag: &str) -> Rect {
    let at = svg.find(tag).unwrap() + tag.len();
    let rect = &svg[at..at + svg[at..].find("/>").unwrap()];
    Rect {
        x: num(rect, "x"),
        y: num(rect, "y"),
        w: num(rect, "width"),
        h: num(rect, "height"),
    }
}

/// An edge read back: from, to, and the corners of its line.
type Edge = (String, String, Vec<(f64, f64)>);

struct Map {
    width: f64,
    height: f64,
    islands: Vec<(String, Rect)>,
    /// (name, island, box)
    nodes: Vec<(String, String, Rect)>,
    /// (from, to, points)
    edges: Vec<Edge>,
    labels: Vec<Rect>,
}

fn read_map(svg: &str) -> Map {
    let root = tags(svg, "<svg ")[0];
    let islands = tags(svg, "<g class=\"island\"")
        .into_iter()
        .map(|t| (attr(t, "data-client").unwrap(), rect_after(svg, t)))
        .collect();
    let nodes = tags(svg, "<g class=\"node ")
        .into_iter()
        .map(|t| {
            (
                attr(t, "data-name").unwrap(),
                attr(t, "data-island").unwrap(),
                Rect {
                    x: num(t, "data-x"),
                    y: num(t, "data-y"),
                    w: num(t, "data-width"),
                    h: num(t, "data-height"),
                },
            )
        })
        .collect();
    let edges = tags(svg, "<path class=\"edge")
        .into_iter()
        .map(|t| {
            let d = attr(t, "d").unwrap();
            let points = d
                .split(['M', 'L'])
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let mut it = p.split_whitespace().map(|v| v.parse::<f64>().unwrap());
                    (it.next().unwrap(), it.next().unwrap())
                })
                .collect();
            (
                attr(t, "data-from").unwrap(),
                attr(t, "data-to").unwrap(),
                points,
            )
        })
        .collect();
    let labels = tags(svg, "<rect class=\"label-box\"")
        .into_iter()
        .map(|t| Rect {
            x: num(t, "x"),
            y: num(t, "y"),
            w: num(t, "width"),
            h: num(t, "height"),
        })
        .collect();
    Map {
        width: num(root, "width"),
        height: num(root, "height"),
        islands,
        nodes,
        edges,
        labels,
    }
}

/// The geometry every map keeps: crates inside their islands (and band crates in none), edges
/// that cross no island they do not start or end in and no label, and a drawing that fills
/// its canvas with a margin.
fn assert_geometry(svg: &str) -> Map {
    let map = read_map(svg);
    let island = |name: &str| map.islands.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
    let node_island = |name: &str| {
        map.nodes
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, i, _)| i.clone())
            .unwrap()
    };
    for (name, home, rect) in &map.nodes {
        if home.is_empty() {
            for (client, r) in &map.islands {
                let corners = ((rect.x, rect.y), (rect.x + rect.w, rect.y + rect.h));
                assert!(
                    !r.crossed_by(corners.0, corners.1),
                    "shared crate {name} overlaps island {client}"
                );
            }
        } else {
            let r = island(home).unwrap_or_else(|| panic!("no island {home}"));
            assert!(
                r.contains(rect),
                "crate {name} ({rect:?}) outside its island {home} ({r:?})"
            );
        }
    }
    for (from, to, points) in &map.edges {
        let ends = [node_island(from), node_island(to)];
        for w in points.windows(2) {
            assert!(
                w[0].0 == w[1].0 || w[0].1 == w[1].1,
                "edge {from} -> {to} is not orthogonal"
            );
            for (client, r) in &map.islands {
                if !ends.contains(client) {
                    assert!(
                        !r.crossed_by(w[0], w[1]),
                        "edge {from} -> {to} crosses island {client}"
                    );
                }
            }
            for label in &map.labels {
                assert!(
                    !label.crossed_by(w[0], w[1]),
                    "edge {from} -> {to} ({:?}-{:?}) crosses the label at {label:?}",
                    w[0],
                    w[1]
                );
            }
        }
    }
    // The drawing's bounding box against the canvas.
    let mut boxes: Vec<Rect> = map.islands.iter().map(|(_, r)| *r).collect();
    boxes.extend(map.nodes.iter().map(|(_, _, r)| *r));
    boxes.extend(map.labels.iter().copied());
    for (_, _, points) in &map.edges {
        boxes.extend(points.iter().map(|&(x, y)| Rect {
            x,
            y,
            w: 0.0,
            h: 0.0,
        }));
    }
    let min_x = boxes.iter().map(|r| r.x).fold(f64::MAX, f64::min);
    let min_y = boxes.iter().map(|r| r.y).fold(f64::MAX, f64::min);
    let max_x = boxes.iter().map(|r| r.x + r.w).fold(0.0, f64::max);
    let max_y = boxes.iter().map(|r| r.y + r.h).fold(0.0, f64::max);
    for (side, margin) in [
        ("left", min_x),
        ("top", min_y),
        ("right", map.width - max_x),
        ("bottom", map.height - max_y),
    ] {
        assert!(
            (8.0..=70.0).contains(&margin),
            "{side} margin {margin} of a {}x{} canvas (drawing {min_x},{min_y} to {max_x},{max_y})",
            map.width,
            map.height
        );
    }
    map
}

fn map_of(manifest: &Utf8Path, extra: &[&str]) -> String {
    let mut args = vec![
        "graph",
        "--format",
        "svg",
        "--manifest-path",
        manifest.as_str(),
    ];
    args.extend_from_slice(extra);
    let output = clientwall(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

#[test]
fn map_of_the_violations_example_has_islands_octagons_and_clear_labels() {
    let manifest = repo_root().join("examples/violations/Cargo.toml");
    let svg = map_of(&manifest, &[]);
    let map = assert_geometry(&svg);
    let clients: Vec<&str> = map.islands.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(clients, ["acme", "globex", "initech"]);
    assert_eq!(
        svg.matches("class=\"octagon\"").count(),
        1,
        "one credential helper"
    );
    assert!(svg.contains("<g class=\"node credential-helper\" data-name=\"agency-credentials\""));
    assert!(
        svg.matches("class=\"edge violation\"").count() >= 3,
        "{svg}"
    );
    assert!(!map.labels.is_empty());
    // Same input, same bytes.
    assert_eq!(svg, map_of(&manifest, &[]));
}

#[test]
fn map_of_one_client_draws_its_island_and_what_it_reaches() {
    let manifest = repo_root().join("examples/violations/Cargo.toml");
    let svg = map_of(&manifest, &["--client", "acme"]);
    let map = assert_geometry(&svg);
    let names: Vec<&str> = map.nodes.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(names.contains(&"acme"), "{names:?}");
    assert!(
        !names.contains(&"initech"),
        "initech is not reached by acme: {names:?}"
    );
    let unknown = clientwall(&[
        "graph",
        "--format",
        "svg",
        "--client",
        "nobody",
        "--manifest-path",
        manifest.as_str(),
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no client named `nobody`"));
}

/// A workspace of `clients` clients, each using `shared-0`; client 0 depends on client 1.
fn many_clients(root: &Utf8Path, clients: usize) {
    let write = |path: Utf8PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\", \"shared/*\"]\n".to_owned(),
    );
    write(
        root.join("shared/s0/Cargo.toml"),
        "[package]\nname = \"shared-0\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".to_owned(),
    );
    write(root.join("shared/s0/src/lib.rs"), String::new());
    for i in 0..clients {
        let extra = if i == 0 {
            "c1 = { path = \"../c1\" }\n"
        } else {
            ""
        };
        write(
            root.join(format!("clients/c{i}/Cargo.toml")),
            format!(
                "[package]\nname = \"c{i}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nshared-0 = {{ path = \"../../shared/s0\" }}\n{extra}"
            ),
        );
        write(root.join(format!("clients/c{i}/src/lib.rs")), String::new());
    }
}

#[test]
fn map_of_a_thousand_clients_is_a_grid_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8Path::from_path(dir.path()).unwrap();
    many_clients(root, 1000);
    let svg = map_of(&root.join("Cargo.toml"), &[]);
    let map = assert_geometry(&svg);
    assert_eq!(map.islands.len(), 1000);
    // Packed: about as many rows as columns, not one long line.
    let columns = {
        let mut xs: Vec<i64> = map.islands.iter().map(|(_, r)| r.x as i64).collect();
        xs.sort();
        xs.dedup();
        xs.len()
    };
    assert!((25..=40).contains(&columns), "{columns} columns");
    assert!(map.width < 10.0 * map.height && map.height < 10.0 * map.width);
    assert!(
        svg.contains("`graph --client NAME`"),
        "the note points to --client"
    );
    assert!(svg.contains("class=\"edge violation\""));
}

// ---------------------------------------------------------------------------------------------
// The attestation: three renderings, one set of facts.

/// The text a reader sees in the HTML: tags dropped, entities decoded, spaces collapsed.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("<body>").unwrap()..];
    let mut out = String::new();
    let mut tag = None::<String>;
    for c in body.chars() {
        match (c, &mut tag) {
            ('<', None) => tag = Some(String::new()),
            ('>', Some(name)) => {
                // Inline markup joins its text; every other tag separates.
                let name = name.trim_start_matches('/').split(' ').next().unwrap_or("");
                if !matches!(name, "code" | "strong") {
                    out.push(' ');
                }
                tag = None;
            }
            (c, Some(name)) => name.push(c),
            (c, None) => out.push(c),
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    collapse(&out)
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A sentence as the page shows it: code spans without their backticks.
fn plain(text: &str) -> String {
    collapse(&text.replace('`', ""))
}

/// One attestation, rendered three ways (one run: the facts cannot change between renderings,
/// as they could between three commands while the work tree changes).
fn attest_formats(manifest: &Utf8Path, client: &str) -> (String, serde_json::Value, String) {
    let attested = clientwall::attest::attest_any(Some(manifest.to_owned()), client).unwrap();
    let json = serde_json::from_str(&attested.json()).unwrap();
    (attested.markdown(), json, attested.html())
}

/// Every fact of the JSON is stated by the Markdown and by the page.
fn assert_same_facts(md: &str, json: &serde_json::Value, html: &str) {
    let text = visible_text(html);
    let md_text = collapse(md);
    let axes = json["axes"].as_array().unwrap();
    assert_eq!(axes.len(), 4);
    for axis in axes {
        let name = axis["axis"].as_str().unwrap();
        let verdict = match axis["verdict"].as_str().unwrap() {
            "met" => "met",
            "not-met" => "NOT MET",
            _ => "not applicable",
        };
        let summary = axis["summary"].as_str().unwrap();
        assert!(
            md_text.contains(&format!("**{name}: {verdict}**. {}", collapse(summary))),
            "md lacks axis {name}: {md}"
        );
        assert!(
            text.contains(&format!("{name} {verdict} {}", plain(summary))),
            "page lacks axis {name} {verdict}: {text}"
        );
        for evidence in axis["evidence"].as_array().unwrap() {
            let evidence = evidence.as_str().unwrap();
            assert!(
                md_text.contains(&collapse(evidence)),
                "md lacks `{evidence}`"
            );
            assert!(text.contains(&plain(evidence)), "page lacks `{evidence}`");
        }
    }
    for rule in json["rules"].as_array().unwrap() {
        let code = rule["rule"].as_str().unwrap();
        let result = match (
            rule["applicable"].as_bool().unwrap(),
            rule["passed"].as_bool().unwrap(),
        ) {
            (false, _) if code == "template-drift" => {
                "not applicable (not made from clientwall's template)".to_owned()
            }
            (false, _) => "not applicable (no client.toml)".to_owned(),
            (true, true) => "pass".to_owned(),
            (true, false) => "fail".to_owned(),
        };
        assert!(
            md_text.to_lowercase().contains(&format!(
                "| `{code}` | {} |",
                result
                    .replace("no client.toml", "no `client.toml`")
                    .replace("fail", "**fail**")
            )),
            "md: {code} {result}"
        );
        assert!(
            text.to_lowercase().contains(&format!("{code} {result}")),
            "page: {code} {result}: {text}"
        );
        for finding in rule["findings"].as_array().unwrap() {
            let finding = collapse(finding.as_str().unwrap());
            assert!(
                md_text.contains(&finding) && text.contains(&finding),
                "{finding}"
            );
        }
    }
    let checksum = json["checksum_sha256"].as_str().unwrap();
    assert!(md.contains(checksum) && text.contains(checksum));
    match json["commit"].as_str() {
        Some(commit) => assert!(md.contains(commit) && text.contains(commit)),
        None => assert!(text.contains("(not in git)") || text.contains("(no commits yet)")),
    }
    match json["template_version"].as_str() {
        Some(v) => assert!(
            md.contains(&format!("`{v}`")) && text.contains(&format!("template version: {v}"))
        ),
        None => assert!(text.contains("not made from clientwall's template")),
    }
    let reconciliation = json["reconciliation"]["statement"].as_str().unwrap();
    assert!(md_text.contains(reconciliation) && text.contains(reconciliation));
    assert_eq!(
        md.contains("**Result: every rule passed**"),
        text.contains("Result: every rule passed")
    );
    assert_eq!(
        json["passed"].as_bool().unwrap(),
        text.contains("Result: every rule passed")
    );
    assert_eq!(
        json["dependencies"].as_array().unwrap().len().to_string(),
        text.split("Dependency closure (")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
    );
}

/// The page is self-contained: no script, no URL that a browser would fetch.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in [
        "<script", "http://", "https://", "src=", "href=", "url(http", "@import", "<link",
        "<iframe", "<img",
    ] {
        let hits: Vec<&str> = html
            .match_indices(forbidden)
            .map(|(i, _)| &html[i.saturating_sub(40)..(i + 60).min(html.len())])
            // The SVG's namespace is a name, never fetched.
            .filter(|context| !context.contains("xmlns=\"http://www.w3.org/2000/svg\""))
            .collect();
        assert!(hits.is_empty(), "`{forbidden}` in the page: {hits:?}");
    }
}

#[test]
fn three_renderings_of_a_clean_client_state_the_same_facts() {
    let manifest = repo_root().join("examples/consultancy/Cargo.toml");
    let (md, json, html) = attest_formats(&manifest, "acme");
    assert_same_facts(&md, &json, &html);
    assert_self_contained(&html);
    assert!(
        html.contains("<g class=\"island\" data-client=\"acme\""),
        "the island is on the page"
    );
    assert_eq!(json["axes"][0]["verdict"], "met");
    // Every scope the template asks for is read by a command that needs it.
    assert_eq!(json["axes"][3]["verdict"], "met", "{}", json["axes"][3]);
    assert!(!visible_text(&html).contains("NOT MET"));
}

#[test]
fn a_recorded_reconciliation_is_stated_in_every_rendering_and_none_is_never_claimed() {
    let fixture = Fixture::example("consultancy");
    let data = fixture.root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = fixture.root.join("clients/acme/client.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("path = "))
        .unwrap()
        .to_owned();
    let database = data.join("acme.sqlite3");
    std::fs::write(
        &config,
        text.replace(&line, &format!("path = \"{database}\"")),
    )
    .unwrap();
    let manifest = fixture.manifest();

    // Nothing recorded: said plainly.
    let (_, json, _) = attest_formats(&manifest, "acme");
    assert_eq!(json["reconciliation"]["recorded"], false);
    assert!(json["reconciliation"].get("agreed").is_none());

    // A record that agreed, and one that differed: stated as they are, in all three.
    for (agreed, says) in [(true, "every figure agreed"), (false, "DIFFERED")] {
        std::fs::write(
            data.join("last-reconciliation.json"),
            format!(r#"{{"at":"2026-12-01T10:00:00Z","months":["2026-10","2026-11"],"agreed":{agreed}}}"#),
        )
        .unwrap();
        let (md, json, html) = attest_formats(&manifest, "acme");
        assert_same_facts(&md, &json, &html);
        let r = &json["reconciliation"];
        assert_eq!(
            (r["recorded"].as_bool(), r["agreed"].as_bool()),
            (Some(true), Some(agreed))
        );
        assert_eq!(r["months"], serde_json::json!(["2026-10", "2026-11"]));
        let statement = r["statement"].as_str().unwrap();
        assert!(
            statement.contains("2026-10 to 2026-11") && statement.contains(says),
            "{statement}"
        );
        assert!(collapse(&md).contains(statement) && visible_text(&html).contains(statement));
    }

    // A record that is not one: not counted, and the page says why.
    std::fs::write(data.join("last-reconciliation.json"), "{\"agreed\": true}").unwrap();
    let (_, json, _) = attest_formats(&manifest, "acme");
    assert_eq!(json["reconciliation"]["recorded"], false);
    assert!(
        json["reconciliation"]["statement"]
            .as_str()
            .unwrap()
            .starts_with("not counted"),
        "{}",
        json["reconciliation"]
    );
}

#[test]
fn three_renderings_of_a_failing_client_state_the_same_facts() {
    let manifest = repo_root().join("examples/violations/Cargo.toml");
    let (md, json, html) = attest_formats(&manifest, "acme");
    assert_same_facts(&md, &json, &html);
    assert_self_contained(&html);
    assert_eq!(json["axes"][0]["axis"], "isolated");
    assert_eq!(json["axes"][0]["verdict"], "not-met", "{json:#}");
    let text = visible_text(&html);
    assert!(text.contains("isolated NOT MET"), "{text}");
    assert!(text.contains("Result: FAILED"));
    assert!(
        html.contains("class=\"edge violation\""),
        "the island shows the breach in red"
    );
}

#[test]
fn a_client_without_client_toml_is_not_applicable_never_met() {
    let fixture = Fixture::example("violations");
    let toml = fixture.root.join("clients/acme/client.toml");
    if toml.exists() {
        std::fs::remove_file(&toml).unwrap();
    }
    let (md, json, html) = attest_formats(&fixture.manifest(), "acme");
    assert_same_facts(&md, &json, &html);
    for axis in 1..4 {
        assert_eq!(json["axes"][axis]["verdict"], "not-applicable", "{json:#}");
    }
    let text = visible_text(&html);
    for name in ["read-only", "short-lived", "minimal"] {
        assert!(
            text.contains(&format!(
                "{name} not applicable Not applicable: this crate has no client.toml"
            )),
            "{text}"
        );
    }
}

#[test]
fn a_written_page_is_what_was_printed() {
    let fixture = Fixture::example("consultancy");
    let out = fixture.root.join("acme.html");
    let printed = stdout(&clientwall(&[
        "attest",
        "acme",
        "--format",
        "html",
        "--manifest-path",
        fixture.manifest().as_str(),
    ]));
    let written = clientwall(&[
        "attest",
        "acme",
        "--format",
        "html",
        "--output",
        out.as_str(),
        "--manifest-path",
        fixture.manifest().as_str(),
    ]);
    assert!(written.status.code().is_some_and(|c| c <= 1), "{written:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), printed);
}

// ---------------------------------------------------------------------------------------------
// Seen in a browser.

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
];

fn find_chromium() -> Option<std::path::PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn chromium() -> std::path::PathBuf {
    find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed: apt-get install chromium (.ci/run does)")
    })
}

/// Run headless Chromium on `file` with `action` (`--screenshot=..` or `--print-to-pdf=..`).
fn browse(file: &Utf8Path, action: &str, window: &str) {
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={window}"))
        .arg("--hide-scrollbars")
        .arg("--no-pdf-header-footer")
        .arg(action)
        .arg(format!("file://{file}"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn screenshots() -> Utf8PathBuf {
    let dir = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The pixels of a PNG screenshot as luminance.
fn luminance(png: &Utf8Path) -> (usize, usize, Vec<f64>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match channels {
            1 | 2 => f64::from(p[0]),
            _ => 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]),
        })
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

/// Not blank: the picture's luminance varies, and the inked part is not a sliver.
fn assert_not_blank(png: &Utf8Path) -> (usize, usize, Vec<f64>) {
    let (w, h, pixels) = luminance(png);
    let mean = pixels.iter().sum::<f64>() / pixels.len() as f64;
    let variance = pixels.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / pixels.len() as f64;
    assert!(variance > 50.0, "{png} looks blank (variance {variance})");
    (w, h, pixels)
}

/// Pages of a PDF (`/Type /Page` objects) and whether it holds text (a font and text drawing).
fn pdf_facts(pdf: &[u8]) -> (usize, bool) {
    let text = String::from_utf8_lossy(pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let pages = if pages == 0 {
        text.matches("/Type/Page").count() - text.matches("/Type/Pages").count()
    } else {
        pages
    };
    (
        pages,
        text.contains("/Font") && (text.contains("/ToUnicode")),
    )
}

/// The picture's inked box against the `cw`x`ch` canvas drawn at its top left: not blank,
/// nothing outside the canvas, every side a margin and none a large blank area.
fn assert_fills_canvas(png: &Utf8Path, picture: &(usize, usize, Vec<f64>), cw: usize, ch: usize) {
    let (sw, sh, pixels) = picture;
    let (sw, sh) = (*sw, *sh);
    let mean = pixels.iter().sum::<f64>() / pixels.len() as f64;
    let variance = pixels.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / pixels.len() as f64;
    assert!(variance > 50.0, "{png} looks blank (variance {variance})");
    assert!(
        (0..sh).all(|y| (cw..sw).all(|x| pixels[y * sw + x] > 250.0))
            && (ch..sh).all(|y| (0..sw).all(|x| pixels[y * sw + x] > 250.0)),
        "{png}: ink outside the {cw}x{ch} canvas"
    );
    let (w, h) = (cw.min(sw), ch.min(sh));
    let inked: Vec<(usize, usize)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| pixels[y * sw + x] < 200.0)
        .collect();
    let (x0, x1) = (
        inked.iter().map(|p| p.0).min().unwrap(),
        inked.iter().map(|p| p.0).max().unwrap(),
    );
    let (y0, y1) = (
        inked.iter().map(|p| p.1).min().unwrap(),
        inked.iter().map(|p| p.1).max().unwrap(),
    );
    for (side, margin) in [
        ("left", x0),
        ("top", y0),
        ("right", w - 1 - x1),
        ("bottom", h - 1 - y1),
    ] {
        assert!(
            (4..=80).contains(&margin),
            "{png}: {side} margin {margin}px of {w}x{h}"
        );
    }
}

/// Rasterize `svg` with resvg (no browser needed), keep the picture as `png`, and return its
/// luminance.
fn rasterize(svg: &str, png: &Utf8Path) -> (usize, usize, Vec<f64>) {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &options).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let (w, h) = (size.width() as usize, size.height() as usize);
    let file = std::io::BufWriter::new(std::fs::File::create(png).unwrap());
    let mut encoder = png::Encoder::new(file, w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .unwrap()
        .write_image_data(pixmap.data())
        .unwrap();
    let pixels = pixmap
        .data()
        .chunks(4)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    (w, h, pixels)
}

/// The maps and a client's island, rasterized in-process: the picture every run looks at, with
/// or without a browser (kept under `target/screenshots/`).
fn rasterized_maps_fill_their_canvas() {
    let dir = screenshots();
    for name in ["consultancy", "violations"] {
        let manifest = repo_root().join(format!("examples/{name}/Cargo.toml"));
        for (label, svg) in [
            ("map", map_of(&manifest, &[])),
            ("island", map_of(&manifest, &["--client", "acme"])),
        ] {
            let map = read_map(&svg);
            let png = dir.join(format!("{label}-{name}-resvg.png"));
            let picture = rasterize(&svg, &png);
            assert_eq!(
                (picture.0, picture.1),
                (map.width as usize, map.height as usize)
            );
            assert_fills_canvas(&png, &picture, picture.0, picture.1);
        }
    }
}

#[test]
fn the_page_and_the_map_as_a_browser_shows_them() {
    // Every run looks at a picture: the maps rasterized in-process. Without a browser that is
    // all it can look at; CI (`.ci/run`) installs Chromium and requires it.
    rasterized_maps_fill_their_canvas();
    if find_chromium().is_none() && std::env::var_os("CLIENTWALL_REQUIRE_BROWSER").is_some() {
        panic!("chromium is not installed: apt-get install chromium (.ci/run does)");
    }
    if find_chromium().is_none() {
        eprintln!(
            "chromium is not installed: the maps were rasterized with resvg, the page was not opened (apt-get install chromium)"
        );
        return;
    }
    let dir = screenshots();
    let consultancy = repo_root().join("examples/consultancy/Cargo.toml");
    let violations = repo_root().join("examples/violations/Cargo.toml");
    for (name, manifest) in [("consultancy", &consultancy), ("violations", &violations)] {
        let html = stdout(&clientwall(&[
            "attest",
            "acme",
            "--format",
            "html",
            "--manifest-path",
            manifest.as_str(),
        ]));
        assert_self_contained(&html);
        let page = dir.join(format!("attest-{name}.html"));
        std::fs::write(&page, &html).unwrap();
        let png = dir.join(format!("attest-{name}.png"));
        browse(&page, &format!("--screenshot={png}"), "900,1300");
        assert_not_blank(&png);
        let pdf = dir.join(format!("attest-{name}.pdf"));
        browse(&page, &format!("--print-to-pdf={pdf}"), "900,1300");
        let (pages, has_text) = pdf_facts(&std::fs::read(&pdf).unwrap());
        assert!(has_text, "{pdf}: no selectable text");
        assert!((1..=2).contains(&pages), "{pdf}: {pages} pages");
        // Chromium prints on Letter; the same page forced to A4 (narrower, taller) fits too.
        let a4_page = dir.join(format!("attest-{name}-a4.html"));
        std::fs::write(
            &a4_page,
            html.replace("</style>", "@page { size: A4; }</style>"),
        )
        .unwrap();
        let a4 = dir.join(format!("attest-{name}-a4.pdf"));
        browse(&a4_page, &format!("--print-to-pdf={a4}"), "900,1300");
        let bytes = std::fs::read(&a4).unwrap();
        let (pages, has_text) = pdf_facts(&bytes);
        assert!(has_text && (1..=2).contains(&pages), "{a4}: {pages} pages");
        assert!(
            String::from_utf8_lossy(&bytes).contains("/MediaBox [0 0 594.9"),
            "{a4} is not A4"
        );

        let svg = map_of(manifest, &[]);
        let map_file = dir.join(format!("map-{name}.svg"));
        std::fs::write(&map_file, &svg).unwrap();
        let map = read_map(&svg);
        let png = dir.join(format!("map-{name}.png"));
        // A window larger than the canvas (Chromium has a minimum window size): the canvas is
        // drawn at its top left, 1:1.
        let (cw, ch) = (map.width as usize, map.height as usize);
        browse(
            &map_file,
            &format!("--screenshot={png}"),
            &format!("{},{}", cw.max(600) + 40, ch.max(400) + 40),
        );
        assert_fills_canvas(&png, &luminance(&png), cw, ch);
    }
    // The README's picture of the page is the one this test made.
    let readme_png = repo_root().join("docs/attestation-page.png");
    if std::env::var_os("CLIENTWALL_BLESS").is_some() {
        std::fs::copy(dir.join("attest-consultancy.png"), &readme_png).unwrap();
    }
    assert!(
        readme_png.is_file(),
        "docs/attestation-page.png is missing; make it with CLIENTWALL_BLESS=1"
    );
}
