//! The check pipeline: load, run the rules, apply exceptions, report.
//!
//! A full run loads the workspace through cargo, runs the dependency-graph rules, scans every
//! client's files and reads every `client.toml`. An incremental run (`--staged` or explicit
//! files, for pre-commit) scans only the given files and runs no cargo at all, unless a
//! `Cargo.toml` or `Cargo.lock` is among them, in which case the graph rules run too.

use crate::client_toml::{self, ClientToml};
use crate::config::{AllowEntry, Config};
use crate::date::Date;
use crate::discover::{self, Loaded};
use crate::error::{Error, Result};
use crate::git;
use crate::graph::CrateGraph;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::report::{Report, Summary};
use crate::rules::{self, GraphContext, Violation};
use crate::scan::{self, ScanOutput};
use crate::suggest;
use camino::Utf8PathBuf;
use scaffold::Catalog;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// Which files to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FileSelection {
    /// Everything: the graph and every client file.
    #[default]
    All,
    /// The files staged in git.
    Staged,
    /// These files (relative to the current directory, or absolute).
    Only(Vec<Utf8PathBuf>),
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Any manifest inside the workspace; `None` means the current directory's workspace.
    pub manifest_path: Option<Utf8PathBuf>,
    /// Only report findings about these clients (all when empty).
    pub clients: Vec<String>,
    /// The date `allow.expires` is compared with.
    pub today: Date,
    pub files: FileSelection,
    /// The template versions `template-drift` renders locked files from (`None`: the ones
    /// built into clientwall).
    pub templates: Option<Arc<Catalog>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            manifest_path: None,
            clients: Vec::new(),
            today: Date::today_utc(),
            files: FileSelection::All,
            templates: None,
        }
    }
}

/// Run the rules. `Err` means the check could not be completed (exit 2); violations are in
/// the report (exit 1).
pub fn run(options: &CheckOptions) -> Result<Report> {
    run_detailed(options).map(|checked| checked.report)
}

/// A check's report with the crate graph and layout it was made from, for the commands that
/// draw or attest what the check saw.
pub struct Checked {
    pub report: Report,
    /// `None` for an incremental run that did not need cargo.
    pub graph: Option<CrateGraph>,
    pub layout: Layout,
}

/// [`run`], keeping the graph and the layout.
pub fn run_detailed(options: &CheckOptions) -> Result<Checked> {
    let mut run = match &options.files {
        FileSelection::All => full(options)?,
        selection => incremental(options, selection)?,
    };
    let selected = select(&options.clients, &run.client_names)?;
    let concerns = |name: &str| selected.as_ref().is_none_or(|s| s.contains(name));
    run.violations.retain(|v| concerns(&v.client));
    if let Some(used) = &run.allow_used {
        run.violations.extend(rules::stale_allow::check(
            &run.config.allow,
            used,
            options.today,
            |entry| concerns(&entry.from) || concerns(&entry.to),
        ));
    }
    sort(&mut run.violations);
    let summary = Summary {
        workspaces: run.workspaces,
        crates: run.crates,
        clients: run.client_names.len(),
        files: run.scan.files,
        ..Summary::new(&run.violations)
    };
    let report = Report {
        root: run.root,
        violations: run.violations,
        notes: run.notes.into_iter().chain(run.scan.notes).collect(),
        summary,
    };
    Ok(Checked {
        report,
        graph: run.graph,
        layout: run.layout,
    })
}

/// The state of one run, before selection and sorting.
struct Run {
    root: Utf8PathBuf,
    config: Config,
    violations: Vec<Violation>,
    /// Which `allow` entries excused something; `None` when the graph rules did not run.
    allow_used: Option<Vec<bool>>,
    client_names: BTreeSet<String>,
    workspaces: usize,
    crates: usize,
    scan: ScanOutput,
    notes: Vec<String>,
    graph: Option<CrateGraph>,
    layout: Layout,
}

fn full(options: &CheckOptions) -> Result<Run> {
    // While cargo resolves the graph, scan the client directories the globs name: in the usual
    // case they are exactly the clients the graph finds, and the scan is then already done.
    let expected = discover::expected_root(options.manifest_path.as_deref());
    let catalog = catalog(options);
    let (loaded, early) = std::thread::scope(|scope| {
        let cargo = scope.spawn(|| discover::load(options.manifest_path.as_deref()));
        let early = expected.as_deref().map(|root| {
            let config = Config::from_manifest(&Manifest::load(&root.join("Cargo.toml"))?)?;
            file_part(Layout::from_globs(root, &config)?, &config, catalog)
        });
        (
            cargo
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            early,
        )
    });
    let loaded = loaded?;
    let graph = CrateGraph::build(&loaded)?;
    let (mut violations, used) = graph_rules(&loaded, &graph, options.today)?;
    let layout = graph_layout(&loaded, &graph)?;
    // Standalone clients get their own Cargo.lock from this very run: scan those after cargo.
    let files = match early {
        Some(Ok(early)) if loaded.workspaces.len() == 1 && early.layout.same_clients(&layout) => {
            early
        }
        _ => file_part(layout, &loaded.config, catalog)?,
    };
    violations.extend(files.violations);
    Ok(Run {
        client_names: files
            .layout
            .clients
            .iter()
            .map(|a| a.name.clone())
            .collect(),
        root: loaded.root,
        config: loaded.config,
        violations,
        allow_used: Some(used),
        workspaces: loaded.workspaces.len(),
        crates: graph.nodes.len(),
        scan: files.scan,
        notes: files.notes,
        graph: Some(graph),
        layout: files.layout,
    })
}

/// What the rules that read files found for one layout.
struct FilePart {
    layout: Layout,
    scan: ScanOutput,
    violations: Vec<Violation>,
    notes: Vec<String>,
}

/// The template versions drift is checked against.
fn catalog(options: &CheckOptions) -> &Catalog {
    options
        .templates
        .as_deref()
        .unwrap_or_else(|| Catalog::embedded())
}

/// Scan every client's files, ask git what is tracked, read every `client.toml`, compare
/// every generated client with its template.
fn file_part(layout: Layout, config: &Config, catalog: &Catalog) -> Result<FilePart> {
    // Drift reads records and renders locked files: independent of the scan, so beside it.
    let (scan, drift) = std::thread::scope(|scope| {
        let drift = scope.spawn(|| {
            rules::template_drift::check(&layout, catalog, config.template.is_some(), |_| true)
        });
        let scan = scan::scan_all(&layout);
        (
            scan,
            drift
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    });
    let (scan, drift) = (scan?, drift?);
    let mut notes = Vec::new();
    let indexed = match git::indexed_files(layout.root.as_path(), &[])? {
        Some(files) => files,
        None => {
            notes.push("not a git repository: env-file-committed found nothing tracked".to_owned());
            Vec::new()
        }
    };
    let mut violations = file_rules(&scan, &layout, &indexed);
    violations.extend(config_rules(&layout)?);
    violations.extend(drift);
    Ok(FilePart {
        layout,
        scan,
        violations,
        notes,
    })
}

fn incremental(options: &CheckOptions, selection: &FileSelection) -> Result<Run> {
    let root =
        discover::expected_root(options.manifest_path.as_deref()).ok_or_else(|| Error::Layout {
            message: "no Cargo.toml with a [workspace] table in this directory or above".into(),
            help: Some("run inside the consultancy workspace, or pass --manifest-path".into()),
        })?;
    // Ask git for the staged files while the client directories are walked: the two are
    // independent, and a pre-commit run is mostly these two waits.
    let (files, glob_layout) = std::thread::scope(|scope| {
        let files = scope.spawn(|| -> Result<Vec<PathBuf>> {
            match selection {
                FileSelection::Staged => git::staged_files(root.as_std_path()),
                FileSelection::Only(files) => {
                    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
                    Ok(files.iter().map(|f| cwd.join(f)).collect())
                }
                FileSelection::All => unreachable!("full runs do not come here"),
            }
        });
        let glob_layout = Manifest::load(&root.join("Cargo.toml"))
            .and_then(|m| Config::from_manifest(&m))
            .and_then(|config| Ok((Layout::from_globs(&root, &config)?, config)));
        (
            files
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            glob_layout,
        )
    });
    let files = files?;
    let named = |name: &str| {
        files
            .iter()
            .any(|f| f.file_name().is_some_and(|n| n == name))
    };
    let mut violations = Vec::new();
    let mut kept_graph = None;
    let (config, layout, allow_used, workspaces, crates) =
        if named("Cargo.toml") || named("Cargo.lock") {
            let loaded = discover::load(Some(&root.join("Cargo.toml")))?;
            let graph = CrateGraph::build(&loaded)?;
            let (found, used) = graph_rules(&loaded, &graph, options.today)?;
            violations = found;
            let layout = graph_layout(&loaded, &graph)?;
            let crates = graph.nodes.len();
            kept_graph = Some(graph);
            (
                loaded.config,
                layout,
                Some(used),
                loaded.workspaces.len(),
                crates,
            )
        } else {
            let (layout, config) = glob_layout?;
            (config, layout, None, 0, 0)
        };
    let scan = scan::scan_files(&layout, &files)?;
    let env_files: Vec<PathBuf> = files
        .iter()
        .filter(|f| rules::env_file_committed::is_env_file(f) && f.exists())
        .cloned()
        .collect();
    let indexed = if env_files.is_empty() {
        Vec::new()
    } else {
        git::indexed_files(layout.root.as_path(), &env_files)?.unwrap_or_default()
    };
    violations.extend(file_rules(&scan, &layout, &indexed));
    if named(client_toml::FILE_NAME) {
        violations.extend(config_rules(&layout)?);
    }
    // Template drift, for the clients that own a given file.
    let owners: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let f = f.canonicalize().unwrap_or_else(|_| f.clone());
            layout.owner(&f).map(|a| a.name.clone())
        })
        .collect();
    if !owners.is_empty() {
        violations.extend(rules::template_drift::check(
            &layout,
            catalog(options),
            config.template.is_some(),
            |name| owners.contains(name),
        )?);
    }
    Ok(Run {
        client_names: layout.clients.iter().map(|a| a.name.clone()).collect(),
        root,
        config,
        violations,
        allow_used,
        workspaces,
        crates,
        scan,
        notes: Vec::new(),
        graph: kept_graph,
        layout,
    })
}

/// The dependency-graph rules, with `allow` entries applied; also which entries were used.
fn graph_rules(
    loaded: &Loaded,
    graph: &CrateGraph,
    today: Date,
) -> Result<(Vec<Violation>, Vec<bool>)> {
    let reaches = graph.forbidden_reaches();
    let ctx = GraphContext {
        root: &loaded.root,
        config: &loaded.config,
        graph,
        reaches: &reaches,
        manifests: Default::default(),
    };
    let mut found = rules::client_depends_on_client::check(&ctx)?;
    found.extend(rules::client_reaches_credential_helper::check(&ctx)?);
    found.extend(rules::shared_depends_on_client::check(&ctx)?);
    Ok(apply_allow(found, &loaded.config.allow, today))
}

/// The rules that read the scanned files and git's index.
fn file_rules(scan: &ScanOutput, layout: &Layout, indexed: &[PathBuf]) -> Vec<Violation> {
    let mut found = rules::cross_client_file_reference::check(&scan.findings, layout);
    found.extend(rules::hardcoded_secret::check(&scan.findings));
    found.extend(rules::env_file_committed::check(indexed, layout));
    found
}

/// The rules that read every client's `client.toml`.
fn config_rules(layout: &Layout) -> Result<Vec<Violation>> {
    let configs: Vec<ClientToml> = layout
        .clients
        .iter()
        .map(ClientToml::load)
        .filter_map(Result::transpose)
        .collect::<Result<_>>()?;
    let mut found = rules::write_scope_requested::check(&configs);
    found.extend(rules::token_lifetime_too_long::check(&configs));
    found.extend(rules::shared_database::check(&configs));
    Ok(found)
}

/// Client directories from the graph: local client crates.
fn graph_layout(loaded: &Loaded, graph: &CrateGraph) -> Result<Layout> {
    let clients = graph
        .clients()
        .map(|n| &graph.nodes[n])
        .filter(|n| n.source.is_local());
    Layout::new(
        &loaded.root,
        clients.map(|n| (n.name.clone(), n.manifest_path.clone())),
    )
}

/// The `--client` selection, every name checked against the workspace's clients.
fn select(requested: &[String], clients: &BTreeSet<String>) -> Result<Option<BTreeSet<String>>> {
    if requested.is_empty() {
        return Ok(None);
    }
    for name in requested {
        if !clients.contains(name) {
            let known: Vec<&str> = clients.iter().map(String::as_str).collect();
            return Err(Error::Layout {
                message: format!("no client named `{name}` in this workspace"),
                help: Some(match suggest::did_you_mean(name, known.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("clients: {}", known.join(", ")),
                }),
            });
        }
    }
    Ok(Some(requested.iter().cloned().collect()))
}

/// Drop the violations an unexpired `allow` entry excuses; report which entries were used.
fn apply_allow(
    found: Vec<Violation>,
    allow: &[AllowEntry],
    today: Date,
) -> (Vec<Violation>, Vec<bool>) {
    let mut used = vec![false; allow.len()];
    let kept = found
        .into_iter()
        .filter(|violation| {
            let Some((from, to)) = &violation.allow_key else {
                return true;
            };
            let excusing = allow.iter().position(|entry| {
                &entry.from == from && &entry.to == to && entry.expires.is_none_or(|e| e >= today)
            });
            if let Some(i) = excusing {
                used[i] = true;
            }
            excusing.is_none()
        })
        .collect();
    (kept, used)
}

fn sort(violations: &mut [Violation]) {
    let key = |v: &Violation| {
        (
            v.rule.code,
            v.client.clone(),
            rules::format_path(&v.path),
            v.location.file.clone(),
            v.location.line,
            v.location.column,
        )
    };
    violations.sort_by_key(key);
}
