//! The generation itself: validate, render, register, check; all or nothing.

use crate::error::{Error, Result};
use crate::existing;
use crate::name;
use crate::register;
use crate::template::{RenderedFile, Source};
use crate::transaction::{Lock, Transaction};
use crate::variables::Variables;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_check::check::CheckOptions;
use clientwall_check::config::Config;
use clientwall_check::manifest::Manifest;
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

/// Validate and render; writes nothing.
pub fn plan(options: &Options) -> Result<Plan> {
    name::validate(&options.name)?;
    let root = options
        .workspace
        .canonicalize_utf8()
        .map_err(|e| Error::io("open", &options.workspace, e))?;
    let manifest_path = root.join("Cargo.toml");
    let manifest_before = std::fs::read_to_string(&manifest_path)
        .map_err(|e| Error::io("read", &manifest_path, e))?;
    let manifest =
        Manifest::parse(&manifest_path, manifest_before.clone()).map_err(Error::Policy)?;
    let config = Config::from_manifest(&manifest).map_err(Error::Policy)?;
    let relative_dir = format!("{}/{}", clients_dir(&config), options.name);
    refuse_taken(&root, &relative_dir, &options.name)?;

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
    let files = scaffold::client_files(&source, &variables, options.standalone)?;
    let manifest_after = register::register(&manifest_before, &relative_dir, options.standalone)?;
    Ok(Plan {
        root,
        relative_dir,
        source,
        variables,
        files,
        manifest_before,
        manifest_after,
    })
}

/// Generate the client. On any error nothing is left behind.
pub fn generate(options: &Options) -> Result<Outcome> {
    let mut plan = plan(options)?;
    let _lock = Lock::acquire(&plan.root)?;
    // Another run may have changed the workspace while this one waited. Runs are serialised by
    // the lock and each creates the directory named after its package, so under the lock it is
    // enough to see that the directory is still free, and to register against the manifest as
    // it is now. The render stands.
    let manifest_path = plan.root.join("Cargo.toml");
    plan.manifest_before = std::fs::read_to_string(&manifest_path)
        .map_err(|e| Error::io("read", &manifest_path, e))?;
    if plan
        .root
        .join(&plan.relative_dir)
        .symlink_metadata()
        .is_ok()
    {
        return Err(Error::Name {
            name: options.name.clone(),
            reason: format!("{} already exists", plan.relative_dir),
        });
    }
    plan.manifest_after = register::register(
        &plan.manifest_before,
        &plan.relative_dir,
        options.standalone,
    )?;
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

fn apply(plan: &Plan, transaction: &Transaction, options: &Options) -> Result<Option<String>> {
    write_tree(transaction.staging_dir(), &plan.files)?;
    step(STEPS[0])?;
    if plan.manifest_after != plan.manifest_before {
        transaction.write_manifest(&plan.manifest_after)?;
    }
    step(STEPS[1])?;
    transaction.publish_client()?;
    step(STEPS[2])?;
    let summary = if options.check {
        Some(post_check(plan, &options.name)?)
    } else {
        None
    };
    step(STEPS[3])?;
    Ok(summary)
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
    let report = clientwall_check::run(&CheckOptions {
        manifest_path: Some(plan.root.join("Cargo.toml")),
        clients: vec![name.to_owned()],
        ..CheckOptions::default()
    })
    .map_err(Error::Check)?;
    if !report.violations.is_empty() {
        eprint!(
            "{}",
            clientwall_check::report::human::render(&report, false)
        );
        return Err(Error::Violations(report.violations.len()));
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

fn refuse_taken(root: &Utf8Path, relative_dir: &str, name: &str) -> Result<()> {
    let taken = |reason: String| {
        Err(Error::Name {
            name: name.to_owned(),
            reason,
        })
    };
    if root.join(relative_dir).symlink_metadata().is_ok() {
        return taken(format!("{relative_dir} already exists"));
    }
    let names = existing::package_names(root)?;
    if names.contains(name) || names.contains(&name::snake(name)) {
        return taken("a package with this name already exists in the workspace".into());
    }
    Ok(())
}
