//! The check pipeline: load, run the rules, apply exceptions, report.
//!
//! A full run loads the workspace through cargo, runs the dependency-graph rules, scans every
//! client's files and reads every `client.toml`. An incremental run (`--staged` or explicit
//! files, for pre-commit) scans only the given files and runs no cargo at all, unless a
//! `Cargo.toml` or `Cargo.lock` is among them, in which case the graph rules run too.

use crate::classify;
use crate::client_toml::{self, ClientToml};
use crate::config::{AllowEntry, Config};
use crate::date::Date;
use crate::discover::{self, Loaded};
use crate::error::{Error, Result};
use crate::git;
use crate::graph::CrateGraph;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::offboarded;
use crate::report::{Report, Share, Summary};
use crate::rules::{self, GraphContext, Violation};
use crate::scan::{self, ScanOutput};
use crate::suggest;
use crate::targets;
use camino::Utf8PathBuf;
use std::collections::BTreeSet;
use std::path::PathBuf;

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

/// One of N equal shares of the clients (`--shard K/N`): the clients in name order, dealt out
/// round-robin, so each shard gets every N-th client and the N shards together are every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based: `1..=count`.
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not K/N, e.g. 1/4"))?;
        let parse = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{text}` is not K/N with whole numbers, e.g. 1/4"))
        };
        let (index, count) = (parse(k)?, parse(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!(
                "`{text}`: K must be between 1 and N, and N at least 1"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Any manifest inside the workspace; `None` means the current directory's workspace.
    pub manifest_path: Option<Utf8PathBuf>,
    /// Only check these clients (all when empty): their files, their `client.toml` and the
    /// findings about them.
    pub clients: Vec<String>,
    /// Only check this share of the clients (combined with `clients` when both are given).
    pub shard: Option<Shard>,
    /// The date `allow.expires` is compared with.
    pub today: Date,
    pub files: FileSelection,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            manifest_path: None,
            clients: Vec::new(),
            shard: None,
            today: Date::today_utc(),
            files: FileSelection::All,
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
    let selection = &run.selection;
    run.violations.retain(|v| selection.owns(&v.client));
    if let Some(used) = &run.allow_used {
        run.violations.extend(rules::stale_allow::check(
            &run.config.allow,
            used,
            options.today,
            |entry| selection.owns_allow(&entry.from, &entry.to),
        ));
    }
    sort(&mut run.violations);
    let summary = Summary {
        workspaces: run.workspaces,
        crates: run.crates,
        clients: run.selection.checked(),
        files: run.scan.files,
        share: run.selection.share(),
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
    /// The clients this run checks, of all the workspace's clients.
    selection: Selection,
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
    let (loaded, early) = std::thread::scope(|scope| {
        let cargo = scope.spawn(|| discover::load(options.manifest_path.as_deref()));
        let early = expected.as_deref().map(|root| {
            let config = Config::from_manifest(&Manifest::load(&root.join("Cargo.toml"))?)?;
            file_part(Layout::from_globs(root, &config)?, options)
        });
        (
            cargo
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            early,
        )
    });
    let loaded = loaded?;
    let layout = classify::client_layout(&loaded)?;
    let graph = CrateGraph::build(&loaded, &layout)?;
    let (mut violations, used) = graph_rules(&loaded, &graph, &layout, options.today)?;
    // Standalone clients get their own Cargo.lock from this very run: scan those after cargo.
    let files = match early {
        Some(Ok(early)) if loaded.workspaces.len() == 1 && early.layout.same_clients(&layout) => {
            early
        }
        _ => file_part(layout, options)?,
    };
    violations.extend(files.violations);
    Ok(Run {
        selection: files.selection,
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
    selection: Selection,
    scan: ScanOutput,
    violations: Vec<Violation>,
    notes: Vec<String>,
}

/// Scan the selected clients' files, ask git what is tracked, read the `client.toml` files.
fn file_part(layout: Layout, options: &CheckOptions) -> Result<FilePart> {
    let selection = Selection::new(options, &layout)?;
    let scan = scan::scan_clients(&layout, |name| selection.owns(name))?;
    let mut notes = Vec::new();
    let indexed = match git::indexed_files(layout.root.as_path(), &[])? {
        Some(files) => files,
        None => {
            notes.push("not a git repository: env-file-committed found nothing tracked".to_owned());
            Vec::new()
        }
    };
    let mut violations = file_rules(&scan, &layout, &indexed);
    violations.extend(config_rules(&layout, &selection)?);
    Ok(FilePart {
        layout,
        selection,
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
            // A hook run leaves the working tree as it found it: cargo may rewrite a
            // `Cargo.lock` for a staged manifest that is not staged with it.
            let _restore = LockFiles::save(&root, glob_layout.as_ref().ok().map(|(l, _)| l));
            let loaded = discover::load(Some(&root.join("Cargo.toml")))?;
            let layout = classify::client_layout(&loaded)?;
            let graph = CrateGraph::build(&loaded, &layout)?;
            let (found, used) = graph_rules(&loaded, &graph, &layout, options.today)?;
            violations = found;
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
    let selection = Selection::new(options, &layout)?;
    if named(client_toml::FILE_NAME) {
        violations.extend(config_rules(&layout, &selection)?);
    }
    Ok(Run {
        selection,
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

/// The `Cargo.lock` files of the root and of every client directory as they were, put back
/// when dropped: an incremental run (a pre-commit hook) must not change the working tree, and
/// `cargo metadata` rewrites a lock file whose manifest changed. A lock file that did not exist
/// is removed again.
struct LockFiles(Vec<(std::path::PathBuf, Option<Vec<u8>>)>);

impl LockFiles {
    fn save(root: &camino::Utf8Path, layout: Option<&Layout>) -> LockFiles {
        let dirs = std::iter::once(root.as_std_path().to_owned()).chain(
            layout
                .into_iter()
                .flat_map(|l| l.clients.iter().map(|a| a.dir.clone())),
        );
        LockFiles(
            dirs.map(|dir| {
                let path = dir.join("Cargo.lock");
                let contents = std::fs::read(&path).ok();
                (path, contents)
            })
            .collect(),
        )
    }
}

impl Drop for LockFiles {
    fn drop(&mut self) {
        for (path, before) in &self.0 {
            let now = std::fs::read(path).ok();
            if &now == before {
                continue;
            }
            let _ = match before {
                Some(contents) => std::fs::write(path, contents),
                None => std::fs::remove_file(path),
            };
        }
    }
}

/// The dependency-graph rules (and the target-path check, which reads the same metadata), with
/// `allow` entries applied; also which entries were used.
fn graph_rules(
    loaded: &Loaded,
    graph: &CrateGraph,
    layout: &Layout,
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
    let (mut kept, used) = apply_allow(found, &loaded.config.allow, today);
    kept.extend(rules::cross_client_file_reference::check(
        &targets::findings(loaded, graph, layout)?,
        layout,
    ));
    Ok((kept, used))
}

/// The rules that read the scanned files and git's index.
fn file_rules(scan: &ScanOutput, layout: &Layout, indexed: &[PathBuf]) -> Vec<Violation> {
    let mut found = rules::cross_client_file_reference::check(&scan.findings, layout);
    found.extend(rules::hardcoded_secret::check(&scan.findings));
    found.extend(rules::env_file_committed::check(indexed, layout));
    found
}

/// The rules that read the selected clients' `client.toml`. `shared-database` compares each
/// selected client with every other one, so it reads every client's file, and reports only
/// about the selected ones; it also compares them with the deletion certificates under
/// `offboarded/`.
fn config_rules(layout: &Layout, selection: &Selection) -> Result<Vec<Violation>> {
    let read = |keep: &dyn Fn(&str) -> bool| -> Result<Vec<ClientToml>> {
        layout
            .clients
            .iter()
            .filter(|a| keep(&a.name))
            .map(ClientToml::load)
            .filter_map(Result::transpose)
            .collect()
    };
    let selected = read(&|name| selection.owns(name))?;
    let mut found = rules::write_scope_requested::check(&selected);
    found.extend(rules::token_lifetime_too_long::check(&selected));
    let everyone = if selection.is_everything() {
        selected
    } else {
        read(&|_| true)?
    };
    let root = camino::Utf8Path::from_path(&layout.root).ok_or_else(|| Error::Layout {
        message: format!("{} is not a UTF-8 path", layout.root.display()),
        help: None,
    })?;
    let offboarded = offboarded::load_all(root)?;
    found.extend(
        rules::shared_database::check(&everyone, layout, &offboarded)
            .into_iter()
            .filter(|v| selection.owns(&v.client)),
    );
    Ok(found)
}

/// The clients a run checks (`--client`, `--shard`), of all the workspace's clients. Every
/// finding belongs to exactly one client, so each belongs to exactly one shard, and the shards'
/// union is the full run.
struct Selection {
    /// Every client of the workspace, in name order.
    all: Vec<String>,
    /// The checked ones; `None` means all.
    chosen: Option<BTreeSet<String>>,
    shard: Option<Shard>,
    /// Whether `--client` named clients.
    named: bool,
}

impl Selection {
    fn new(options: &CheckOptions, layout: &Layout) -> Result<Selection> {
        let all: BTreeSet<String> = layout.clients.iter().map(|a| a.name.clone()).collect();
        let mut chosen = select(&options.clients, &all)?;
        if let Some(shard) = options.shard {
            let share: BTreeSet<String> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| i % shard.count == shard.index - 1)
                .map(|(_, name)| name.clone())
                .collect();
            chosen = Some(match chosen {
                Some(named) => named.intersection(&share).cloned().collect(),
                None => share,
            });
        }
        Ok(Selection {
            all: all.into_iter().collect(),
            chosen,
            shard: options.shard,
            named: !options.clients.is_empty(),
        })
    }

    fn is_everything(&self) -> bool {
        self.chosen.is_none()
    }

    /// Does this run report about `client`? A finding about something that is not a client
    /// belongs to the first shard (and to no `--client` selection).
    fn owns(&self, client: &str) -> bool {
        match &self.chosen {
            None => true,
            Some(chosen) if chosen.contains(client) => true,
            Some(_) => {
                !self.named
                    && self.shard.is_some_and(|s| s.index == 1)
                    && !self.all.iter().any(|c| c == client)
            }
        }
    }

    /// Does this run report a stale `allow` entry? A `--client` run: when it names either side.
    /// A shard: the shard that owns the entry's `from` (or, when that is no client, its `to`).
    fn owns_allow(&self, from: &str, to: &str) -> bool {
        if self.shard.is_none() {
            return self.owns(from) || self.owns(to);
        }
        if self.all.iter().any(|c| c == from) {
            self.owns(from)
        } else {
            self.owns(to)
        }
    }

    fn checked(&self) -> usize {
        self.chosen.as_ref().map_or(self.all.len(), BTreeSet::len)
    }

    fn share(&self) -> Option<Share> {
        self.chosen.as_ref().map(|chosen| Share {
            checked: chosen.len(),
            total: self.all.len(),
            shard: self.shard.map(|s| s.to_string()),
        })
    }
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
