//! The generation itself: validate, render, register, check; all or nothing.

use crate::error::{Error, Result};
use crate::existing;
use crate::name;
use crate::register;
use crate::template::{RenderedFile, Source};
use crate::transaction::{Lock, Transaction};
use crate::variables::Variables;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::check::CheckOptions;
use clientwall_lint::config::Config;
use clientwall_lint::manifest::Manifest;
use std::sync::atomic::{AtomicBool, Ordering};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub name: String,
    /// The consultancy workspace root (the directory of its root `Cargo.toml`).
    pub workspace: Utf8PathBuf,
    pub display_name: Option<String>,
    pub shop: Option<String>,
    pub database: Option<String>,
    pub standalone: bool,
    pub template: Option<Utf8PathBuf>,
    /// Run `cargo clientwall check` on the result (and undo everything if it fails).
    pub check: bool,
}

/// Everything a run would do, computed without writing anything.
#[derive(Debug, Clone)]
pub struct Plan {
    pub root: Utf8PathBuf,
    /// The new client's directory, relative to the root.
    pub relative_dir: String,
    pub source: Source,
    pub variables: Variables,
    pub files: Vec<RenderedFile>,
    pub manifest_before: String,
    pub manifest_after: String,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    /// The post-generation check's summary line, when it ran.
    pub check_summary: Option<String>,
}

/// Set by a signal handler: finish the current step, then roll back.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Steps at which tests inject a failure (`NEW_CLIENT_FAILPOINT`) or a pause
/// (`NEW_CLIENT_STEP_DELAY_MS`), to prove the all-or-nothing promise.
const STEPS: [&str; 4] = [
    "after-staging",
    "after-manifest",
    "after-publish",
    "before-commit",
];

/// Validate and render; writes nothing (`--dry-run`). A run killed earlier and not yet rolled
/// back is reported, not repaired: only [`generate`], under the lock, repairs.
pub fn plan(options: &Options) -> Result<Plan> {
    name::validate(&options.name)?;
    let root = canonical_root(&options.workspace)?;
    if root.join(crate::transaction::JOURNAL_FILE).exists() {
        return Err(Error::Workspace(format!(
            "an interrupted new-client run left {}; the next run without --dry-run rolls it back",
            root.join(crate::transaction::JOURNAL_FILE)
        )));
    }
    refuse_during_offboarding(&root)?;
    plan_in(&root, options)
}

/// An offboarding that was stopped part-way (its journal is still there) is finished before a
/// client is added: the workspace is between two states, and the check that ends the offboarding
/// must see what it removed, not a new client.
fn refuse_during_offboarding(root: &Utf8Path) -> Result<()> {
    match crate::offboard::journal::Journal::load(root)? {
        Some(journal) => Err(Error::Workspace(format!(
            "the offboarding of `{client}` is not finished ({file} at {root}): finish it first with `cargo clientwall offboard {client} --yes`",
            client = journal.client,
            file = crate::offboard::journal::JOURNAL_FILE,
        ))),
        None => Ok(()),
    }
}

/// Generate the client. On any error nothing is left behind.
///
/// The order matters: take the lock, roll back whatever a killed run left (its manifest entry
/// may name a directory that is gone), and only then read the workspace and plan.
pub fn generate(options: &Options) -> Result<Outcome> {
    name::validate(&options.name)?;
    let root = canonical_root(&options.workspace)?;
    let _lock = Lock::acquire(&root)?;
    crate::transaction::recover(&root)?;
    crate::upgrade::apply::recover(&root)?;
    refuse_during_offboarding(&root)?;
    let plan = plan_in(&root, options)?;
    let manifest_path = plan.root.join("Cargo.toml");
    let client_dir = plan.root.join(&plan.relative_dir);
    let transaction = Transaction::begin(
        &plan.root,
        &client_dir,
        &manifest_path,
        &plan.manifest_before,
    )?;
    match apply(&plan, &transaction, options) {
        Ok(check_summary) => {
            transaction.commit()?;
            Ok(Outcome {
                plan,
                check_summary,
            })
        }
        Err(err) => {
            transaction.rollback()?;
            Err(err)
        }
    }
}

fn canonical_root(workspace: &Utf8Path) -> Result<Utf8PathBuf> {
    let root = workspace
        .canonicalize_utf8()
        .map_err(|e| Error::io("resolve", workspace, e))?;
    if !root.join("Cargo.toml").is_file() {
        return Err(Error::Workspace(format!(
            "{root} has no Cargo.toml; make it a consultancy workspace with `cargo clientwall init`"
        )));
    }
    Ok(root)
}

/// Read the workspace as it is now, check the name is free, render, compute the new manifest.
fn plan_in(root: &Utf8Path, options: &Options) -> Result<Plan> {
    let manifest_path = root.join("Cargo.toml");
    let manifest_before = safe_read::read_to_string(manifest_path.as_std_path())
        .map_err(|e| Error::io("read", &manifest_path, e))?;
    let manifest =
        Manifest::parse(&manifest_path, manifest_before.clone()).map_err(Error::Policy)?;
    if !manifest.root().contains_key("workspace") {
        return Err(Error::Workspace(format!(
            "{manifest_path} has no [workspace] table; add the policy with `cargo clientwall init`"
        )));
    }
    let config = Config::from_manifest(&manifest).map_err(Error::Policy)?;
    let relative_dir = format!("{}/{}", clients_dir(&config), options.name);
    refuse_taken(root, &config, &relative_dir, &options.name)?;
    refuse_excluded(&manifest_before, &relative_dir, options)?;

    let variables = Variables::new(
        &options.name,
        options.display_name.clone(),
        options.shop.clone(),
        options.database.clone(),
    )?;
    let source = match (&options.template, &config.template) {
        (Some(dir), _) => Source::Dir(dir.clone()),
        (None, Some(dir)) => Source::Dir(root.join(dir)),
        (None, None) => Source::Embedded,
    };
    // The rendered template, a standalone client's `[workspace]`, and the client's record.
    let files = clientwall_template::client_files(&source, &variables, options.standalone)?;
    let manifest_after = register::register(&manifest_before, &relative_dir, options.standalone)?;
    Ok(Plan {
        root: root.to_owned(),
        relative_dir,
        source,
        variables,
        files,
        manifest_before,
        manifest_after,
    })
}

fn apply(plan: &Plan, transaction: &Transaction, options: &Options) -> Result<Option<String>> {
    write_tree(transaction.staging_dir(), &plan.files)?;
    step(STEPS[0])?;
    if plan.manifest_after != plan.manifest_before {
        transaction.write_manifest(&plan.manifest_after)?;
    }
    step(STEPS[1])?;
    transaction.publish_client()?;
    confirm_membership(plan, options)?;
    step(STEPS[2])?;
    let summary = if options.check {
        Some(post_check(plan, &options.name)?)
    } else {
        None
    };
    step(STEPS[3])?;
    Ok(summary)
}

/// Now that the client is in place cargo can load the workspace (a `members` glob that matched
/// nothing before now matches): the new client must be a member, under its own name, of a
/// workspace cargo accepts. A standalone client must not be one.
fn confirm_membership(plan: &Plan, options: &Options) -> Result<()> {
    let members = match existing::members(&plan.root) {
        Ok(members) => members,
        Err(err) => {
            let unmatched = existing::unmatched_globs(&plan.root)?;
            if unmatched.is_empty() {
                return Err(err);
            }
            return Err(Error::Workspace(format!(
                "{err}\nhelp: the `members` glob(s) {} match no directory with a Cargo.toml, and cargo reads such a glob as a path; remove them or add a crate there",
                unmatched
                    .iter()
                    .map(|g| format!("\"{g}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let manifest = plan.root.join(&plan.relative_dir).join("Cargo.toml");
    match (members.get(&manifest), options.standalone) {
        (Some(_), false) | (None, true) => Ok(()),
        (None, false) => Err(Error::Workspace(format!(
            "cargo does not count {} as a member of the workspace",
            plan.relative_dir
        ))),
        (Some(_), true) => Err(Error::Workspace(format!(
            "the standalone client {} is still a member of the root workspace",
            plan.relative_dir
        ))),
    }
}

/// Between steps: honour an interruption, and the test knobs.
fn step(name: &str) -> Result<()> {
    if let Some(ms) = std::env::var("NEW_CLIENT_STEP_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    if std::env::var("NEW_CLIENT_FAILPOINT").is_ok_and(|f| f == name) {
        return Err(Error::io(
            "continue",
            name,
            std::io::Error::other("injected failure"),
        ));
    }
    Ok(())
}

fn post_check(plan: &Plan, name: &str) -> Result<String> {
    let report = clientwall_lint::run(&CheckOptions {
        manifest_path: Some(plan.root.join("Cargo.toml")),
        clients: vec![name.to_owned()],
        ..CheckOptions::default()
    })
    .map_err(Error::Check)?;
    if !report.violations.is_empty() {
        eprint!("{}", clientwall_lint::report::human::render(&report, false));
    }
    if !report.passed() {
        return Err(Error::Violations(report.summary.violations));
    }
    Ok(report.summary.line())
}

fn write_tree(dir: &Utf8Path, files: &[RenderedFile]) -> Result<()> {
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&path, &file.contents).map_err(|e| Error::io("write", &path, e))?;
    }
    Ok(())
}

/// The directory new clients go in: the first `clients` glob's parent (`clients/*` → `clients`).
fn clients_dir(config: &Config) -> String {
    config
        .clients
        .first()
        .and_then(|glob| glob.trim_end_matches('/').strip_suffix("/*"))
        .filter(|dir| !dir.contains(['*', '?', '[', '{']))
        .unwrap_or("clients")
        .to_owned()
}

fn refuse_taken(root: &Utf8Path, config: &Config, relative_dir: &str, name: &str) -> Result<()> {
    let refuse = |reason: String| {
        Err(Error::Name {
            name: name.to_owned(),
            reason,
        })
    };
    if root.join(relative_dir).symlink_metadata().is_ok() {
        return refuse(format!("{relative_dir} already exists"));
    }
    match existing::taken(root, config, name)? {
        Some(taken) => refuse(taken.reason().to_owned()),
        None => Ok(()),
    }
}

/// A member client whose directory the root's `exclude` removes from the workspace would be
/// registered (or covered by a glob) and still not be a member: refuse before writing anything.
fn refuse_excluded(manifest: &str, relative_dir: &str, options: &Options) -> Result<()> {
    if options.standalone {
        return Ok(());
    }
    let doc: toml_edit::DocumentMut = manifest
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse the root Cargo.toml: {e}")))?;
    let excluded = doc
        .get("workspace")
        .and_then(|w| w.get("exclude"))
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(|e| e.trim_end_matches('/').trim_start_matches("./"))
        .find(|e| relative_dir == *e || relative_dir.starts_with(&format!("{e}/")));
    match excluded {
        Some(entry) => Err(Error::Workspace(format!(
            "`workspace.exclude` in the root Cargo.toml has \"{entry}\", which keeps {relative_dir} out of the workspace; remove that entry, or pass --standalone to give the client its own workspace"
        ))),
        None => Ok(()),
    }
}
