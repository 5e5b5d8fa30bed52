//! The check pipeline: load, run the rules, apply exceptions, report.
//!
//! A full run loads the workspace through cargo, runs the dependency-graph rules, scans every
//! file of the workspace (git's tracked and untracked-not-ignored files) and reads every
//! `client.toml`; with `--history` it also reads every commit's new content for secrets, on a
//! thread of its own while cargo and the scan run. An incremental run (`--staged` or explicit
//! files, for pre-commit) scans only the given files and runs no cargo at all, unless a
//! `Cargo.toml` or `Cargo.lock` is among them, in which case the graph rules run too.

use crate::error::{Error, IoAction, Result};
use crate::input::client_toml::{self, ClientToml};
use crate::input::config::{AllowEntry, Config};
use crate::input::date::Date;
use crate::input::discover::{self, Loaded};
use crate::input::git;
use crate::input::history::{self, HistoryScan, HistorySecret};
use crate::input::offboarded;
use crate::input::suggest;
use crate::input::workspace;
use crate::model::classify;
use crate::model::exposure::Exposure;
use crate::model::graph::CrateGraph;
use crate::model::layout::Layout;
use crate::report::{Checked, Report, Share, Summary};
use crate::rules::{
    self, ConfigContext, DriftContext, FilesContext, GraphContext, PolicyContext, Subject,
    Violation,
};
use crate::scan::targets;
use crate::scan::{self, Finding, ScanOutput, TargetDirs};
use camino::Utf8PathBuf;
use clientwall_template::Catalog;
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
    /// Also read the git history for secrets (`--history [--since REV]`); full runs only.
    pub history: Option<history::Range>,
    /// The template versions `template-drift` renders locked files from (`None`: the ones
    /// built into clientwall).
    pub templates: Option<Arc<Catalog>>,
    /// A full run that finds no client stops (`Error::NoClients`). Only a caller reporting on
    /// a workspace whose clients may all be gone (an offboarded client's attestation) turns it
    /// off.
    pub require_clients: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            manifest_path: None,
            clients: Vec::new(),
            shard: None,
            today: Date::today_utc(),
            files: FileSelection::All,
            history: None,
            templates: None,
            require_clients: true,
        }
    }
}

/// Run the rules. `Err` means the check could not be completed (exit 2); violations are in
/// the report (exit 1).
pub fn run(options: &CheckOptions) -> Result<Report> {
    run_detailed(options).map(|checked| checked.report)
}

/// [`run`], keeping the graph, the layout and the configuration.
pub fn run_detailed(options: &CheckOptions) -> Result<Checked> {
    let mut run = match (&options.files, &options.history) {
        (FileSelection::All, _) => full(options)?,
        (_, Some(_)) => {
            return Err(Error::Layout {
                message: "--history reads the whole repository; it does not combine with --staged or FILES".into(),
                help: None,
            });
        }
        (selection, None) => incremental(options, selection, false)?,
    };
    let selection = &run.selection;
    run.violations.retain(|v| selection.reports(v));
    // Secret entries are judged stale only by a run that saw every place a secret can be: the
    // whole tree and the whole history, for every client.
    let judges_secret_entries =
        options.history == Some(history::Range::All) && selection.is_everything();
    run.violations.extend(rules::policy_pass(&PolicyContext {
        config: &run.config,
        used: run.allow_used.as_deref(),
        today: options.today,
        judges: &|entry| match entry.is_secret_entry() {
            true => judges_secret_entries,
            false => selection.owns_allow(&entry.from, &entry.to),
        },
        unmatched_globs: &run.unmatched_globs,
        reports: &|v| selection.reports(v),
    })?);
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
        history: run.history,
        config: run.config,
        role_overrides: run.role_overrides,
    })
}

/// The state of one run, before selection and sorting.
struct Run {
    root: Utf8PathBuf,
    config: Config,
    violations: Vec<Violation>,
    /// Which `allow` entries excused something; `None` when the graph rules did not run.
    allow_used: Option<Vec<bool>>,
    /// The `clients` globs that match no directory (full runs).
    unmatched_globs: Vec<usize>,
    /// The clients this run checks, of all the workspace's clients.
    selection: Selection,
    workspaces: usize,
    crates: usize,
    scan: ScanOutput,
    notes: Vec<String>,
    graph: Option<CrateGraph>,
    layout: Layout,
    /// What `--history` read: `(commits, range)`.
    history: Option<(usize, String)>,
    role_overrides: Vec<rules::role_override::RoleOverride>,
}

/// The `client` and the other clients a violation concerns (for `--client`): a secret outside
/// the clients concerns every client that compiles it (and one the history shows in other
/// clients those too), a shared crate pulling in a client's file every client that compiles
/// that crate.
fn concerned_clients(v: &Violation) -> impl Iterator<Item = &str> {
    let others: &[String] = match &v.subject {
        Subject::Secret { exposed_to, .. } => exposed_to,
        Subject::PulledIntoShared { compiled_by, .. } => compiled_by,
        _ => &[],
    };
    std::iter::once(v.client.as_str()).chain(others.iter().map(String::as_str))
}

fn full(options: &CheckOptions) -> Result<Run> {
    // `cargo metadata` for the root runs on a thread. Meanwhile this one reads the workspace it
    // expects cargo to report (the root manifest parsed once, the client globs walked once) and
    // scans its files with the glob-found clients and the target directories cargo is expected
    // to report: in the usual case they are exactly what cargo reports, and the scan is then
    // already done. The history, if asked for, is read on a third thread.
    let manifest_path = options.manifest_path.as_deref();
    let (root_metadata, expected, early, early_history) = std::thread::scope(|scope| {
        scan::CARGO_RUNNING.store(true, std::sync::atomic::Ordering::Relaxed);
        let cargo = scope.spawn(|| {
            let metadata = discover::metadata(manifest_path);
            scan::CARGO_RUNNING.store(false, std::sync::atomic::Ordering::Relaxed);
            metadata
        });
        let found = workspace::find(manifest_path);
        let history = match (&options.history, &found) {
            (Some(range), Some(found)) => {
                let root = found.root.clone();
                Some(scope.spawn(move || history::scan(root.as_std_path(), range)))
            }
            _ => None,
        };
        let expected = found.map(workspace::Found::read);
        let early = expected
            .as_ref()
            .and_then(|e| e.workspace.as_ref().ok())
            .map(|workspace| {
                let layout = Layout::from_globs(workspace)?;
                let targets = TargetDirs::predicted(&layout);
                file_part(layout, &targets, true, options, &workspace.config)
            });
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<HistoryScan>>| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        (
            cargo
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            expected,
            early,
            history.map(join),
        )
    });
    let expected_root = expected.as_ref().map(|e| e.root.clone());
    let loaded = discover::finish(expected, root_metadata)?;
    let history = match (&options.history, early_history) {
        (None, _) => None,
        (Some(_), Some(scan)) if expected_root.as_deref() == Some(loaded.root.as_path()) => {
            Some(scan?)
        }
        (Some(range), _) => Some(history::scan(loaded.root.as_std_path(), range)?),
    };
    let layout = classify::client_layout(&loaded)?;
    if options.require_clients {
        require_clients(&loaded, &layout)?;
    }
    let graph = CrateGraph::build(&loaded, &layout)?;
    let targets = TargetDirs::new(
        loaded
            .workspaces
            .iter()
            .map(|w| w.target_directory.clone().into_std_path_buf()),
    );
    let mut files = match early {
        Some(Ok(early))
            if early.layout.same_clients(&layout) && early.scan.target_dirs == targets =>
        {
            early
        }
        _ => file_part(layout, &targets, false, options, &loaded.config)?,
    };
    // Cargo may have written lock files while the early scan ran: those are read now, the
    // lock file of every loaded workspace among them whether or not it existed when the files
    // were listed, so the count of files never depends on the race.
    let written_by_cargo: Vec<PathBuf> = loaded
        .workspaces
        .iter()
        .map(|w| w.workspace_root.join("Cargo.lock").into_std_path_buf())
        .filter(|lock| match files.layout.owner(lock) {
            Some(area) => files.selection.owns(&area.name),
            None => files.selection.reads_outside(),
        })
        .collect();
    files.scan.scan_deferred(&files.layout, &written_by_cargo)?;
    let (violations, used) = run_rules(
        Evidence {
            cargo: Some((&loaded, &graph)),
            config: &loaded.config,
            layout: &files.layout,
            selection: &files.selection,
            findings: &files.scan.findings,
            indexed: files.scan.tracked.as_deref().unwrap_or_default(),
            history: history.as_ref().map(|h| h.secrets.as_slice()),
            client_tomls: true,
            drift: std::mem::take(&mut files.drift),
        },
        options.today,
    )?;
    if files.scan.tracked.is_none() {
        files
            .notes
            .push("not a git repository: env-file-committed found nothing tracked".to_owned());
    }
    if let Some(history) = &history {
        files.notes.push(format!(
            "history: read {} commit{} ({}), {} blob{}",
            history.commits,
            if history.commits == 1 { "" } else { "s" },
            history.range,
            history.blobs,
            if history.blobs == 1 { "" } else { "s" },
        ));
        files.notes.extend(history.notes.iter().cloned());
    }
    let role_overrides = rules::role_override::overrides(
        &loaded.root,
        &loaded.config,
        &loaded.client_manifests,
        options.today,
    )?;
    Ok(Run {
        role_overrides,
        selection: files.selection,
        root: loaded.root,
        config: loaded.config,
        violations,
        allow_used: used,
        unmatched_globs: loaded.unmatched_globs.clone(),
        workspaces: loaded.workspaces.len(),
        crates: graph.nodes.len(),
        scan: files.scan,
        notes: files.notes,
        graph: Some(graph),
        layout: files.layout,
        history: history.map(|h| (h.commits, h.range)),
    })
}

/// A full check that finds no client has checked nothing a client could break: it stops (exit
/// 2), naming each client glob and what it matched, rather than pass.
fn require_clients(loaded: &Loaded, layout: &Layout) -> Result<()> {
    if !layout.clients.is_empty() {
        return Ok(());
    }
    let config = &loaded.config;
    let globs: Vec<String> = config
        .client_globs_written
        .iter()
        .enumerate()
        .map(|(i, glob)| {
            let matched = match loaded.unmatched_globs.contains(&i) {
                true => "no directory",
                false => "no directory holding a client crate",
            };
            let default = match glob.location {
                Some(_) => "",
                None => " (the default)",
            };
            format!("`{}`{default} matched {matched}", glob.written)
        })
        .collect();
    Err(Error::NoClients {
        root: loaded.root.clone(),
        globs: match globs.is_empty() {
            true => "`workspace.metadata.clientwall.clients` names no glob".to_owned(),
            false => globs.join(", "),
        },
    })
}

/// The workspace's files scanned for one layout.
struct FilePart {
    layout: Layout,
    selection: Selection,
    scan: ScanOutput,
    /// `template-drift` findings.
    drift: Vec<Violation>,
    notes: Vec<String>,
}

/// The template versions drift is checked against.
fn catalog(options: &CheckOptions) -> &Catalog {
    options
        .templates
        .as_deref()
        .unwrap_or_else(|| Catalog::embedded())
}

/// Scan the files of the selected clients and, when this run reports on them, every file
/// outside the clients (`defer_lockfiles`: leave `Cargo.lock` files for after cargo has run);
/// beside the scan, compare every selected generated client with its template.
fn file_part(
    layout: Layout,
    targets: &TargetDirs,
    defer_lockfiles: bool,
    options: &CheckOptions,
    config: &Config,
) -> Result<FilePart> {
    let selection = Selection::new(options, &layout)?;
    let catalog = catalog(options);
    let drift = || {
        rules::drift_pass(&DriftContext {
            layout: &layout,
            catalog,
            custom_template: config.template.is_some(),
            selected: &|name| selection.owns(name),
        })
    };
    let scan = || {
        scan::scan_workspace(
            &layout,
            targets,
            defer_lockfiles,
            &|client| selection.owns(client),
            selection.reads_outside(),
        )
    };
    // Drift reads records and renders locked files, independent of the scan. Beside a running
    // `cargo metadata` (lock files deferred) the two take turns on one core and leave cargo the
    // other, since cargo is what the run waits for; otherwise drift runs beside the scan.
    let (scan, drift) = if defer_lockfiles {
        (scan(), drift())
    } else {
        std::thread::scope(|scope| {
            let drift = scope.spawn(drift);
            (
                scan(),
                drift
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        })
    };
    let (scan, drift) = (scan?, drift?);
    Ok(FilePart {
        layout,
        selection,
        scan,
        drift,
        notes: Vec::new(),
    })
}

/// An incremental run. `in_index`: the workspace is the index written out as a tree, so every
/// file in it is in the index.
fn incremental(options: &CheckOptions, selection: &FileSelection, in_index: bool) -> Result<Run> {
    let found = workspace::find(options.manifest_path.as_deref()).ok_or_else(|| Error::Layout {
        message: "no Cargo.toml with a [workspace] table in this directory or above".into(),
        help: Some("run inside the consultancy workspace, or pass --manifest-path".into()),
    })?;
    let root = found.root.clone();
    // Ask git for the staged files while the workspace is read (its client globs walked): the
    // two are independent, and a pre-commit run is mostly these two waits.
    let (files, expected) = std::thread::scope(|scope| {
        let files = scope.spawn(|| -> Result<Vec<PathBuf>> {
            match selection {
                FileSelection::Staged => git::staged_files(root.as_std_path()),
                FileSelection::Only(files) => {
                    let cwd = std::env::current_dir()
                        .map_err(|e| Error::io(IoAction::Resolve, ".", e))?;
                    files
                        .iter()
                        .map(|f| given_file(&root, &cwd.join(f), f))
                        .collect()
                }
                FileSelection::All => unreachable!("full runs do not come here"),
            }
        });
        let expected = found.read();
        (
            files
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            expected,
        )
    });
    let files = files?;
    let named = |name: &str| {
        files
            .iter()
            .any(|f| f.file_name().is_some_and(|n| n == name))
    };
    // A staged manifest or lock file: cargo must judge the staged manifests, so the whole run
    // is made on the index written out as a tree.
    if *selection == FileSelection::Staged && (named("Cargo.toml") || named("Cargo.lock")) {
        return staged_manifests(options, &root, &files);
    }
    // The graph rules run only when a manifest or lock file is among the files.
    let cargo = if named("Cargo.toml") || named("Cargo.lock") {
        // A hook run leaves the working tree as it found it: cargo may rewrite a
        // `Cargo.lock` for a staged manifest that is not staged with it.
        let client_dirs = expected.workspace.as_ref().ok().map(|w| {
            w.clients
                .iter()
                .map(|c| c.dir().as_std_path().to_owned())
                .collect()
        });
        let _restore = LockFiles::save(&root, client_dirs.unwrap_or_default());
        let loaded = discover::finish(
            Some(expected),
            discover::metadata(Some(&root.join("Cargo.toml"))),
        )?;
        let layout = classify::client_layout(&loaded)?;
        let graph = CrateGraph::build(&loaded, &layout)?;
        Cargo::Ran {
            loaded: Box::new(loaded),
            graph,
            layout,
        }
    } else {
        let workspace = expected.workspace?;
        Cargo::NotRun {
            layout: Layout::from_globs(&workspace)?,
            config: workspace.config,
        }
    };
    let (layout, config) = match &cargo {
        Cargo::Ran { layout, loaded, .. } => (layout, &loaded.config),
        Cargo::NotRun { layout, config } => (layout, config),
    };
    // A hook checks what the commit will contain: the staged content, not the working tree.
    let staged = match selection {
        FileSelection::Staged => Some(crate::input::staged::read(root.as_std_path(), &files)?),
        _ => None,
    };
    let staged_run = staged.is_some();
    let scan = scan::scan_files(layout, &files, staged)?;
    let env_files: Vec<PathBuf> = files
        .iter()
        .filter(|f| rules::env_file_committed::is_env_file(f) && (staged_run || f.exists()))
        .cloned()
        .collect();
    let indexed = if env_files.is_empty() {
        Vec::new()
    } else if in_index {
        env_files
    } else {
        git::indexed_files(layout.root.as_path(), &env_files)?.unwrap_or_default()
    };
    let selection = Selection::new(options, layout)?;
    // Template drift, for the clients that own a given file.
    let owners: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let f = f.canonicalize().unwrap_or_else(|_| f.clone());
            layout.owner(&f).map(|a| a.name.clone())
        })
        .collect();
    let drift = if owners.is_empty() {
        Vec::new()
    } else {
        rules::drift_pass(&DriftContext {
            layout,
            catalog: catalog(options),
            custom_template: config.template.is_some(),
            selected: &|name| owners.contains(name) && selection.owns(name),
        })?
    };
    let (violations, allow_used) = run_rules(
        Evidence {
            cargo: match &cargo {
                Cargo::Ran { loaded, graph, .. } => Some((&**loaded, graph)),
                Cargo::NotRun { .. } => None,
            },
            config,
            layout,
            selection: &selection,
            findings: &scan.findings,
            indexed: &indexed,
            history: None,
            client_tomls: named(client_toml::FILE_NAME),
            drift,
        },
        options.today,
    )?;
    let (config, layout, graph, workspaces, crates) = match cargo {
        Cargo::Ran {
            loaded,
            graph,
            layout,
        } => {
            let crates = graph.nodes.len();
            (
                loaded.config,
                layout,
                Some(graph),
                loaded.workspaces.len(),
                crates,
            )
        }
        Cargo::NotRun { layout, config } => (config, layout, None, 0, 0),
    };
    Ok(Run {
        role_overrides: Vec::new(),
        selection,
        root,
        config,
        violations,
        allow_used,
        unmatched_globs: Vec::new(),
        workspaces,
        crates,
        scan,
        notes: Vec::new(),
        graph,
        layout,
        history: None,
    })
}

/// `--staged` with a staged manifest or lock file: the index is written out as a tree (what
/// the commit will hold, manifests and sources alike), the staged files are checked there
/// with cargo asked about that tree, and the findings are placed back in the workspace.
fn staged_manifests(
    options: &CheckOptions,
    root: &camino::Utf8Path,
    files: &[PathBuf],
) -> Result<Run> {
    let tree = crate::input::staged::IndexTree::write(root.as_std_path())?;
    let not_utf8 = |path: &std::path::Path| Error::Layout {
        message: format!("{} is not a UTF-8 path", path.display()),
        help: None,
    };
    let tree_root = Utf8PathBuf::from_path_buf(tree.root.clone()).map_err(|p| not_utf8(&p))?;
    if !tree_root.join("Cargo.toml").is_file() {
        return Err(Error::Layout {
            message: format!(
                "the index holds no {}: the commit would not be a cargo workspace, and its \
                 staged manifests cannot be checked",
                root.join("Cargo.toml")
            ),
            help: Some("stage the workspace's Cargo.toml (`git add Cargo.toml`)".into()),
        });
    }
    let in_tree = files
        .iter()
        .filter_map(|f| f.strip_prefix(root).ok())
        .map(|rest| {
            let path = tree_root.as_std_path().join(rest);
            Utf8PathBuf::from_path_buf(path).map_err(|p| not_utf8(&p))
        })
        .collect::<Result<Vec<_>>>()?;
    let tree_options = CheckOptions {
        manifest_path: Some(tree_root.join("Cargo.toml")),
        ..options.clone()
    };
    let mut run = incremental(&tree_options, &FileSelection::Only(in_tree), true)?;
    run.relocate(&tree_root, root);
    Ok(run)
}

impl Run {
    /// Place a run made on a copy of the workspace at `from` back at `to`: every location,
    /// message, note and the layout.
    fn relocate(&mut self, from: &camino::Utf8Path, to: &camino::Utf8Path) {
        let moved = |file: &mut Utf8PathBuf| {
            if let Ok(rest) = file.strip_prefix(from) {
                *file = to.join(rest);
            }
        };
        let text = |s: &mut String| {
            if s.contains(from.as_str()) {
                *s = s.replace(from.as_str(), to.as_str());
            }
        };
        for v in &mut self.violations {
            moved(&mut v.location.file);
            for hop in &mut v.path {
                if let Some(location) = &mut hop.location {
                    moved(&mut location.file);
                }
            }
            text(&mut v.message);
            text(&mut v.help);
        }
        self.notes.iter_mut().for_each(text);
        self.scan.notes.iter_mut().for_each(text);
        self.root = to.to_owned();
        self.layout = self.layout.relocated(from.as_std_path(), to.as_std_path());
        // The graph describes the copy, which is gone with the run.
        self.graph = None;
    }
}

/// A file named on the command line, which must exist inside the workspace: a path that
/// cannot be read or lies outside is never a pass (exit 2, naming it as given).
fn given_file(
    root: &camino::Utf8Path,
    path: &std::path::Path,
    given: &Utf8PathBuf,
) -> Result<PathBuf> {
    let meta = path.symlink_metadata().map_err(|e| Error::Layout {
        message: format!("cannot check `{given}`: {e}"),
        help: Some("name files that exist inside the workspace".into()),
    })?;
    // The directory is resolved, not the file: a symlink is checked as the link it is.
    let parent = path.parent().and_then(|p| p.canonicalize().ok());
    let inside = match (&parent, path.file_name()) {
        (Some(parent), Some(_)) => parent.starts_with(root.as_std_path()),
        _ => false,
    };
    if !inside {
        return Err(Error::Layout {
            message: format!("cannot check `{given}`: it is outside the workspace at {root}"),
            help: Some("name files inside the workspace, or pass its --manifest-path".into()),
        });
    }
    if meta.is_dir() {
        return Err(Error::Layout {
            message: format!("cannot check `{given}`: it is a directory"),
            help: Some("name the files to check (or run the full check)".into()),
        });
    }
    Ok(path.to_owned())
}

/// What an incremental run knows of the workspace: cargo's graph when a manifest or lock file
/// is among its files, else the client globs alone.
enum Cargo {
    Ran {
        loaded: Box<Loaded>,
        graph: CrateGraph,
        layout: Layout,
    },
    NotRun {
        layout: Layout,
        config: Config,
    },
}

/// The `Cargo.lock` files of the root and of every client directory as they were, put back
/// when dropped: an incremental run (a pre-commit hook) must not change the working tree, and
/// `cargo metadata` rewrites a lock file whose manifest changed. A lock file that did not exist
/// is removed again.
struct LockFiles(Vec<(std::path::PathBuf, Option<Vec<u8>>)>);

impl LockFiles {
    fn save(root: &camino::Utf8Path, client_dirs: Vec<PathBuf>) -> LockFiles {
        let dirs = std::iter::once(root.as_std_path().to_owned()).chain(client_dirs);
        LockFiles(
            dirs.filter_map(|dir| {
                let path = dir.join("Cargo.lock");
                match safe_read::read_limited(&path, crate::input::read::MAX_SOURCE_BYTES) {
                    Ok(contents) => Some((path, Some(contents))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some((path, None)),
                    // A FIFO, a device or a lock file that could not be read is left alone
                    // (cargo stops on it with an error): never removed as if it had not been.
                    Err(_) => None,
                }
            })
            .collect(),
        )
    }
}

impl Drop for LockFiles {
    fn drop(&mut self) {
        for (path, before) in &self.0 {
            let now = safe_read::read_limited(path, crate::input::read::MAX_SOURCE_BYTES).ok();
            if &now == before {
                continue;
            }
            let _ = match before {
                Some(contents) => safe_read::write::atomic(path, contents),
                None => std::fs::remove_file(path),
            };
        }
    }
}

/// The graph pass, with `allow` entries applied; also which entries were used.
fn graph_rules(
    loaded: &Loaded,
    graph: &CrateGraph,
    today: Date,
) -> Result<(Vec<Violation>, Vec<bool>)> {
    let reaches = graph.forbidden_reaches();
    let found = rules::graph_pass(&GraphContext {
        root: &loaded.root,
        config: &loaded.config,
        graph,
        reaches: &reaches,
        client_manifests: &loaded.client_manifests,
        manifests: Default::default(),
    })?;
    Ok(apply_allow(found, &loaded.config.allow, today))
}

/// What a run gathered for the rules to read.
struct Evidence<'a> {
    /// The loaded workspaces and their crate graph, when cargo ran.
    cargo: Option<(&'a Loaded, &'a CrateGraph)>,
    config: &'a Config,
    layout: &'a Layout,
    selection: &'a Selection,
    /// The file scan's findings.
    findings: &'a [Finding],
    /// The files in git's index, for `env-file-committed`.
    indexed: &'a [PathBuf],
    /// The secrets `--history` found.
    history: Option<&'a [HistorySecret]>,
    /// Read the selected clients' `client.toml` (every run but an incremental one not given any).
    client_tomls: bool,
    /// `template-drift`'s findings, made beside the scan.
    drift: Vec<Violation>,
}

/// Every pass over what a run gathered, `allow` entries applied: the one rules pipeline of full
/// and incremental runs. Also which `allow` entries excused something, when the graph rules ran
/// (only then can an entry be judged stale).
fn run_rules(evidence: Evidence, today: Date) -> Result<(Vec<Violation>, Option<Vec<bool>>)> {
    let Evidence {
        cargo,
        config,
        layout,
        selection,
        findings,
        indexed,
        history,
        client_tomls,
        drift,
    } = evidence;
    let (mut violations, mut used) = match cargo {
        Some((loaded, graph)) => {
            let (found, used) = graph_rules(loaded, graph, today)?;
            (found, Some(used))
        }
        None => (Vec::new(), None),
    };
    // The target paths cargo reports are references too, judged with the scan's.
    let mut references = match cargo {
        Some((loaded, graph)) => targets::findings(loaded, graph, layout)?,
        None => Vec::new(),
    };
    let exposure = cargo.map(|(_, graph)| Exposure::new(graph, layout));
    let mut excuses = SecretExcuses::new(&config.allow, today);
    let history = history.map(|secrets| excuses.history(secrets));
    references.extend(excuses.current(findings, layout));
    violations.extend(rules::files_pass(&FilesContext {
        layout,
        findings: &references,
        indexed,
        exposure: exposure.as_ref(),
        history: history.as_deref(),
    })?);
    if client_tomls {
        violations.extend(config_rules(layout, selection, today)?);
    }
    violations.extend(drift);
    if let Some(used) = &mut used {
        for (used, excused) in used.iter_mut().zip(excuses.used) {
            *used |= excused;
        }
    }
    Ok((violations, used))
}

/// The `allow` entries that name a secret by `path` (a glob, relative to the workspace root)
/// and/or `commit` (the commit that introduced it), and which of them excused something.
struct SecretExcuses<'a> {
    entries: Vec<(usize, &'a AllowEntry)>,
    /// Per entry of the whole `allow` list.
    used: Vec<bool>,
}

impl<'a> SecretExcuses<'a> {
    fn new(allow: &'a [AllowEntry], today: Date) -> SecretExcuses<'a> {
        SecretExcuses {
            entries: allow
                .iter()
                .enumerate()
                .filter(|(_, e)| e.is_secret_entry() && e.expires.is_none_or(|d| d >= today))
                .collect(),
            used: vec![false; allow.len()],
        }
    }

    fn excuses(&mut self, commit: Option<&str>, path: &str) -> bool {
        let mut excused = false;
        for (i, entry) in &self.entries {
            if entry.excuses_secret(commit, path) {
                self.used[*i] = true;
                excused = true;
            }
        }
        excused
    }

    /// The findings without the secrets an entry excuses by path.
    fn current(&mut self, findings: &[Finding], layout: &Layout) -> Vec<Finding> {
        if self.entries.is_empty() {
            return findings.to_vec();
        }
        findings
            .iter()
            .filter(|f| match f {
                Finding::Secret { location, .. } => {
                    !self.excuses(None, &layout.display(location.file.as_std_path()))
                }
                _ => true,
            })
            .cloned()
            .collect()
    }

    /// History's secrets, each without the occurrences an entry excuses (by commit and path);
    /// a secret with none left is gone.
    fn history(&mut self, secrets: &[HistorySecret]) -> Vec<HistorySecret> {
        secrets
            .iter()
            .filter_map(|secret| {
                let mut secret = secret.clone();
                secret
                    .occurrences
                    .retain(|o| !self.excuses(Some(&o.commit.id), &o.path));
                (!secret.occurrences.is_empty()).then_some(secret)
            })
            .collect()
    }
}

/// The `client.toml` pass: the selected clients' files, compared with every client's (so a
/// selected client is compared with every other one) and with the deletion certificates under
/// `offboarded/`; only the findings about the selected clients are kept.
fn config_rules(layout: &Layout, selection: &Selection, today: Date) -> Result<Vec<Violation>> {
    let read = |keep: &dyn Fn(&str) -> bool| {
        ClientToml::load_all(
            layout
                .clients
                .iter()
                .filter(|a| keep(&a.name))
                .map(|a| (a.name.as_str(), a.dir.as_path())),
        )
    };
    let selected = read(&|name| selection.owns(name))?;
    let everyone = match selection.is_everything() {
        true => None,
        false => Some(read(&|_| true)?),
    };
    let root = camino::Utf8Path::from_path(&layout.root).ok_or_else(|| Error::Layout {
        message: format!("{} is not a UTF-8 path", layout.root.display()),
        help: None,
    })?;
    let offboarded = offboarded::load_all(root)?;
    let found = rules::client_config_pass(&ConfigContext {
        layout,
        selected: &selected,
        everyone: everyone.as_deref().unwrap_or(&selected),
        offboarded: &offboarded,
        today,
    })?;
    Ok(found
        .into_iter()
        .filter(|v| selection.owns(&v.client))
        .collect())
}

/// The clients a run checks (`--client`, `--shard`), of all the workspace's clients. Every
/// finding belongs to exactly one shard (see [`Selection::reports`]), so the shards' union is
/// the full run.
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

    /// Does this run report `v`? A `--client` run reports what concerns a named client: its
    /// own findings, and a secret or a shared crate's pull of a client's file outside the
    /// clients when a named client compiles it. A shard reports the findings of its clients;
    /// what the files outside the clients show (secrets there, shared crates pulling in a
    /// client's file) belongs to the first shard, which alone reads those files, so every
    /// finding is in exactly one shard.
    fn reports(&self, v: &Violation) -> bool {
        match &self.chosen {
            None => true,
            Some(chosen) if self.named => concerned_clients(v).any(|c| chosen.contains(c)),
            Some(_) => match v.subject {
                Subject::PulledIntoShared { .. } => self.reads_outside(),
                _ => self.owns(&v.client),
            },
        }
    }

    /// Does this run read the files outside every client? A full run and a `--client` run do
    /// (a secret there may concern a named client); of the shards, only the first.
    fn reads_outside(&self) -> bool {
        self.chosen.is_none() || self.named || self.shard.is_none_or(|s| s.index == 1)
    }

    /// Does this run check `client`'s files, or report about `client`? A finding about
    /// something that is not a client belongs to the first shard (and to no `--client`
    /// selection).
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
            let close = suggest::closest(name, known.iter().copied(), 3);
            let quoted = |names: &[&str]| {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(Error::Layout {
                message: format!("no client named `{name}` in this workspace"),
                help: Some(match (close.as_slice(), known.is_empty()) {
                    ([best], _) => format!("did you mean `{best}`?"),
                    ([], true) => "this workspace has no client".to_owned(),
                    ([], false) => format!("clients: {}", quoted(&known)),
                    (close, _) => format!("the closest clients: {}", quoted(close)),
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
