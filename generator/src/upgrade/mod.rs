//! `cargo clientwall upgrade`: every client on the current template.
//!
//! For each client: its record (or, for a client older than records, the answers recovered from
//! its files) names the template version it is at. Its upgrade is [planned](plan) in memory:
//! locked files replaced by the new render, managed files merged three-way (base = the old
//! template rendered with the client's answers, ours = the client's file, theirs = the new
//! template), migrations run, the record rewritten. Then it is [applied](apply) all or
//! nothing, under the workspace lock, after a refusal of clients with uncommitted changes.
//! Finally the check runs on the upgraded clients.

pub mod apply;
pub mod dirty;
pub mod plan;

use crate::error::{Error, Result};
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::check::CheckOptions;
use clientwall_lint::layout::Layout;
use clientwall_lint::workspace::Workspace;
use clientwall_template::Catalog;
use clientwall_template::record::Origin;
use plan::ClientPlan;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use apply::recover;

/// What `upgrade` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Upgrade and write.
    Apply,
    /// Compute every upgrade and report it; write nothing.
    DryRun,
    /// Only tell which clients are behind the current template (exit 1 if any).
    Check,
}

/// An upgrade run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The consultancy workspace root.
    pub workspace: Utf8PathBuf,
    /// The clients to upgrade (package names); all when empty.
    pub clients: Vec<String>,
    pub mode: Mode,
    /// Upgrade clients with uncommitted changes too.
    pub allow_dirty: bool,
    /// The template versions to upgrade between (`None`: the ones built into clientwall).
    pub templates: Option<Arc<Catalog>>,
    /// Run the check on the upgraded clients afterwards.
    pub check: bool,
}

/// How a client came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// At the current template already.
    Current,
    /// Behind the current template (`--check`), or would be upgraded (`--dry-run`).
    Behind,
    /// Upgraded; every managed file merged cleanly.
    Clean,
    /// Upgraded; these files hold conflict markers to resolve.
    Conflicts(Vec<String>),
    /// Left alone, for this reason.
    Skipped(String),
    /// Refused (uncommitted changes, no git) or failed; nothing of it was written.
    Refused(String),
}

/// One client's line of the summary.
#[derive(Debug, Clone)]
pub struct ClientOutcome {
    pub name: String,
    /// Relative to the workspace root.
    pub dir: String,
    pub from: Option<String>,
    pub to: String,
    pub status: Status,
    /// The upgrade (planned, or done).
    pub plan: Option<ClientPlan>,
    /// Answers recovered from the client's own files (clients older than records).
    pub recovered: Option<Vec<String>>,
}

/// The check that runs after an upgrade.
#[derive(Debug, Clone)]
pub enum PostCheck {
    Passed(String),
    /// Violations, with the human report.
    Violations(usize, String),
    /// The check could not run.
    Failed(String),
}

/// What an upgrade run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub mode: Mode,
    pub current: String,
    pub clients: Vec<ClientOutcome>,
    pub post_check: Option<PostCheck>,
}

/// Run an upgrade.
pub fn run(options: &Options) -> Result<Report> {
    let root = options
        .workspace
        .canonicalize_utf8()
        .map_err(|e| Error::io("resolve", &options.workspace, e))?;
    let workspace = Workspace::load(&root).map_err(Error::Policy)?;
    let layout = Layout::from_globs(&workspace).map_err(Error::Policy)?;
    let config = workspace.config;
    let catalog: &Catalog = options
        .templates
        .as_deref()
        .unwrap_or_else(|| Catalog::embedded());
    let current = catalog.current_version().to_owned();
    for name in &options.clients {
        if layout.client(name).is_none() {
            let known: Vec<&str> = layout.clients.iter().map(|a| a.name.as_str()).collect();
            let hint = match clientwall_lint::suggest::did_you_mean(name, known.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("clients: {}", known.join(", ")),
            };
            return Err(Error::Workspace(format!(
                "no client named `{name}` in this workspace; {hint}"
            )));
        }
    }
    let _lock = match options.mode {
        Mode::Apply => {
            let lock = crate::transaction::Lock::acquire(&root)?;
            apply::recover(&root)?;
            Some(lock)
        }
        _ => None,
    };
    let legacy = if config.template.is_some() {
        Origin::Custom
    } else {
        Origin::Clientwall
    };
    let mut outcomes = Vec::new();
    for area in &layout.clients {
        if !options.clients.is_empty() && !options.clients.contains(&area.name) {
            continue;
        }
        let dir = Utf8PathBuf::from_path_buf(area.dir.clone())
            .map_err(|p| Error::Workspace(format!("{} is not a UTF-8 path", p.display())))?;
        outcomes.push(inspect(
            &area.name,
            &root,
            &dir,
            catalog,
            legacy,
            options.mode,
        ));
    }

    if options.mode == Mode::Apply {
        write(&root, &mut outcomes, options.allow_dirty);
    }
    let post_check = if options.mode == Mode::Apply && options.check {
        post_check(&root, &outcomes, options)
    } else {
        None
    };
    Ok(Report {
        mode: options.mode,
        current,
        clients: outcomes,
        post_check,
    })
}

/// A client's version and, unless only checking, its planned upgrade.
fn inspect(
    name: &str,
    root: &Utf8Path,
    dir: &Utf8Path,
    catalog: &Catalog,
    legacy: Origin,
    mode: Mode,
) -> ClientOutcome {
    let mut outcome = ClientOutcome {
        name: name.to_owned(),
        dir: dir.strip_prefix(root).unwrap_or(dir).to_string(),
        from: None,
        to: catalog.current_version().to_owned(),
        status: Status::Current,
        plan: None,
        recovered: None,
    };
    let client = match clientwall_template::client::read(dir, catalog, legacy) {
        Ok(Some(client)) => client,
        Ok(None) => {
            outcome.status = Status::Skipped("not generated from the template".into());
            return outcome;
        }
        Err(e) => {
            // With its causes: `failed to read PATH: a FIFO, not a regular file, never opened`.
            let mut why = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                why.push_str(&format!(": {c}"));
                cause = c.source();
            }
            outcome.status = Status::Refused(why);
            return outcome;
        }
    };
    let version = client.record.template_version.clone();
    outcome.from = Some(version.clone());
    outcome.recovered.clone_from(&client.recovered);
    if client.record.origin == Origin::Custom {
        outcome.status = Status::Skipped("generated from a custom template".into());
        return outcome;
    }
    if catalog.is_ahead(&version) {
        outcome.status = Status::Refused(format!(
            "at template {version}, newer than this clientwall's {}; update clientwall",
            catalog.current_version()
        ));
        return outcome;
    }
    let behind = catalog.is_behind(&version);
    if mode == Mode::Check || (!behind && client.recovered.is_none()) {
        outcome.status = if behind {
            Status::Behind
        } else {
            Status::Current
        };
        return outcome;
    }
    match plan::plan(dir, name, &client, catalog) {
        Ok(plan) => {
            outcome.status = if plan.writes.is_empty() {
                Status::Current
            } else {
                Status::Behind
            };
            outcome.plan = Some(plan);
        }
        Err(e) => outcome.status = Status::Refused(e),
    }
    outcome
}

/// Apply every planned upgrade, refusing clients with uncommitted changes.
fn write(root: &Utf8Path, outcomes: &mut [ClientOutcome], allow_dirty: bool) {
    let pending: Vec<Utf8PathBuf> = outcomes
        .iter()
        .filter(|o| o.status == Status::Behind)
        .map(|o| root.join(&o.dir))
        .collect();
    let dirty = if allow_dirty {
        Ok(Default::default())
    } else {
        dirty::dirty_dirs(root, &pending)
    };
    for outcome in outcomes.iter_mut().filter(|o| o.status == Status::Behind) {
        let dir = root.join(&outcome.dir);
        match &dirty {
            Err(why) => {
                outcome.status =
                    Status::Refused(format!("{why}; commit first or pass --allow-dirty"));
                continue;
            }
            Ok(dirty) if dirty.contains(&dir) => {
                outcome.status = Status::Refused(
                    "uncommitted changes; commit or stash them, or pass --allow-dirty".into(),
                );
                continue;
            }
            Ok(_) => {}
        }
        if crate::INTERRUPTED.load(Ordering::SeqCst) {
            outcome.status = Status::Refused("interrupted before its turn".into());
            continue;
        }
        let plan = outcome.plan.as_ref().expect("a pending client has a plan");
        outcome.status = match apply::apply(root, &dir, &plan.writes) {
            Ok(()) => {
                let conflicts: Vec<String> =
                    plan.conflicts().into_iter().map(str::to_owned).collect();
                if conflicts.is_empty() {
                    Status::Clean
                } else {
                    Status::Conflicts(conflicts)
                }
            }
            Err(e) => Status::Refused(format!(
                "{}; nothing of it was written",
                clientwall_lint::report::error::message(&e)
            )),
        };
    }
}

fn post_check(root: &Utf8Path, outcomes: &[ClientOutcome], options: &Options) -> Option<PostCheck> {
    let upgraded: Vec<String> = outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Clean | Status::Conflicts(_)))
        .map(|o| o.name.clone())
        .collect();
    if upgraded.is_empty() {
        return None;
    }
    Some(
        match clientwall_lint::run(&CheckOptions {
            manifest_path: Some(root.join("Cargo.toml")),
            clients: upgraded,
            templates: options.templates.clone(),
            ..CheckOptions::default()
        }) {
            Ok(report) if report.passed() => PostCheck::Passed(report.summary.line()),
            Ok(report) => PostCheck::Violations(
                report.summary.violations,
                clientwall_lint::report::human::render(&report, false),
            ),
            Err(e) => PostCheck::Failed(clientwall_lint::report::error::message(&e)),
        },
    )
}

impl Report {
    /// 0: done (or nothing behind); 1: clients behind (`--check`), conflicts left, or the
    /// post-upgrade check found violations; 2: a client was refused or failed, or the check
    /// could not run.
    pub fn exit_code(&self) -> u8 {
        let refused = self
            .clients
            .iter()
            .any(|c| matches!(c.status, Status::Refused(_)));
        let conflicts = self
            .clients
            .iter()
            .any(|c| matches!(c.status, Status::Conflicts(_)));
        let behind = self.clients.iter().any(|c| c.status == Status::Behind);
        if refused {
            return 2;
        }
        match (&self.post_check, self.mode) {
            (Some(PostCheck::Failed(_)), _) if !conflicts => 2,
            (Some(PostCheck::Violations(..)), _) => 1,
            (_, Mode::Check) if behind => 1,
            _ if conflicts => 1,
            _ => 0,
        }
    }

    /// Per client, what happened to each file (or would, for `--dry-run`).
    pub fn details(&self) -> String {
        let mut out = String::new();
        for client in &self.clients {
            let Some(plan) = &client.plan else { continue };
            if plan.changes.is_empty() || matches!(client.status, Status::Refused(_)) {
                continue;
            }
            out.push_str(&format!(
                "{} ({}), template {} -> {}:\n",
                client.name, client.dir, plan.from, plan.to
            ));
            if let Some(notes) = &client.recovered {
                out.push_str(
                    "  answers recovered from the client's own files (it had no record)\n",
                );
                for note in notes {
                    out.push_str(&format!("    {note}\n"));
                }
            }
            for migration in &plan.migrations {
                out.push_str(&format!("  migration: {migration}\n"));
            }
            for change in &plan.changes {
                let renamed = change
                    .renamed_from
                    .as_deref()
                    .map(|from| format!(" (renamed from {from})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {}{renamed}: {}\n",
                    change.path,
                    change.action.describe()
                ));
            }
        }
        out
    }

    /// The summary table: per client, from -> to and the result.
    pub fn table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .clients
            .iter()
            .map(|c| {
                let files = c.plan.as_ref().map_or(0, |p| {
                    p.changes.iter().filter(|ch| ch.action.writes()).count()
                });
                let restored: Vec<&str> = c.plan.as_ref().map_or(Vec::new(), |p| {
                    p.changes
                        .iter()
                        .filter(|ch| matches!(ch.action, plan::Action::Restored { .. }))
                        .map(|ch| ch.path.as_str())
                        .collect()
                });
                let restored = if restored.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; hand-edited locked file restored: {}",
                        restored.join(", ")
                    )
                };
                let result = match &c.status {
                    Status::Current => "current".to_owned(),
                    Status::Behind if self.mode == Mode::Check => "behind".to_owned(),
                    Status::Behind => {
                        let conflicts = c.plan.as_ref().map_or(0, |p| p.conflicts().len());
                        if conflicts == 0 {
                            format!("would upgrade: clean ({})", plural(files, "file"))
                        } else {
                            format!(
                                "would upgrade: conflicts in {} of {}",
                                conflicts,
                                plural(files, "file")
                            )
                        }
                    }
                    Status::Clean => format!("clean ({})", plural(files, "file")),
                    Status::Conflicts(list) => format!("conflicts ({})", list.join(", ")),
                    Status::Skipped(why) => format!("skipped: {why}"),
                    Status::Refused(why) => format!("refused: {why}"),
                };
                let result = match &c.status {
                    Status::Behind | Status::Clean | Status::Conflicts(_) => result + &restored,
                    _ => result,
                };
                [
                    c.name.clone(),
                    c.from.clone().unwrap_or_else(|| "-".into()),
                    c.to.clone(),
                    result,
                ]
            })
            .collect();
        let header = ["client", "from", "to", "result"];
        let width = |i: usize| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        let mut out = format!(
            "{:w0$}  {:w1$}     {:w2$}  {}\n",
            header[0], header[1], header[2], header[3]
        );
        for r in &rows {
            out.push_str(&format!(
                "{:w0$}  {:w1$}  ->  {:w2$}  {}\n",
                r[0], r[1], r[2], r[3]
            ));
        }
        out
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
