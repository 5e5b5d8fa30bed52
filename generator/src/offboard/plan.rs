//! The plan: everything an offboarding would do, found without touching anything. Refuses when
//! a crate outside the client depends on one of its crates (the check's graph) or an `allow`
//! entry names it: removing it would break that crate, or leave a stale exception.

use super::Options;
use super::journal::{DeclaredDatabase, Journal, Step};
use super::unregister;
use crate::error::{Error, Result};
use crate::existing;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::check::CheckOptions;
use clientwall_lint::client_toml::{ClientToml, env_prefix};
use clientwall_lint::config::Config;
use clientwall_lint::manifest::Manifest;
use clientwall_lint::report::Checked;
use std::path::Path;

/// What `offboard` will do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub root: Utf8PathBuf,
    pub client: String,
    /// The crate directory, relative to the root.
    pub crate_dir: String,
    pub standalone: bool,
    pub shop: Option<String>,
    /// Files in the crate directory (build output included).
    pub files: u64,
    pub database: DeclaredDatabase,
    /// Where the client's data is, as far as it can be told without opening it.
    pub data: Vec<String>,
    /// The client's credential variables, and whether each is set (never their values).
    pub credentials: Vec<(String, bool)>,
    pub export_dir: Option<Utf8PathBuf>,
    pub manifest_before: String,
    pub manifest_after: String,
    pub manifest_edits: Vec<String>,
    /// The `members` glob that registers the client (no edit needed).
    pub covering_glob: Option<String>,
    /// That glob, when the client is the last crate it matches: cargo cannot load the
    /// workspace until the next client exists.
    pub glob_left_empty: Option<String>,
    pub commit: Option<String>,
    pub commit_note: Option<String>,
    /// Violations the check finds now (the check after offboarding should find none).
    pub violations_now: usize,
}

/// What `offboard` without `--yes` shows.
#[derive(Debug, Clone)]
pub enum Preview {
    /// A new offboarding.
    New(Box<Plan>),
    /// One that was interrupted: what is done and what is left.
    InProgress(Box<Journal>),
}

/// The workspace root of `options`, canonical.
pub(crate) fn canonical_root(workspace: &Utf8Path) -> Result<Utf8PathBuf> {
    let root = workspace
        .canonicalize_utf8()
        .map_err(|e| Error::io("resolve", workspace, e))?;
    if !root.join("Cargo.toml").is_file() {
        return Err(Error::Workspace(format!("{root} has no Cargo.toml")));
    }
    Ok(root)
}

/// The plan, or the offboarding in progress; writes nothing (a `Cargo.lock` that `cargo
/// metadata` rewrites is put back).
pub fn preview(options: &Options) -> Result<Preview> {
    let root = canonical_root(&options.workspace)?;
    if let Some(journal) = Journal::load(&root)? {
        // The progress shows the options it was started with; only `--yes` insists on them.
        in_progress_matches(
            &journal,
            &Options {
                export: journal.export_dir.clone(),
                ..options.clone()
            },
        )?;
        return Ok(Preview::InProgress(Box::new(journal)));
    }
    plan_in(&root, options).map(|plan| Preview::New(Box::new(plan)))
}

/// A journal found at the start of a run must be for this client and these options.
pub(crate) fn in_progress_matches(journal: &Journal, options: &Options) -> Result<()> {
    if journal.client != options.client {
        return Err(Error::OffboardRefused {
            client: options.client.clone(),
            reasons: format!(
                "the offboarding of `{}` (started {}) is not finished; run `cargo clientwall offboard {} --yes` to finish it first",
                journal.client, journal.started_at, journal.client
            ),
        });
    }
    let export = options.export.as_deref().map(absolute).transpose()?;
    if journal.export_dir != export && !journal.done(Step::Export) {
        return Err(Error::OffboardRefused {
            client: options.client.clone(),
            reasons: format!(
                "its interrupted offboarding was started {}; give the same options to continue it",
                match &journal.export_dir {
                    Some(dir) => format!("with --export {dir}"),
                    None => "without --export".to_owned(),
                }
            ),
        });
    }
    Ok(())
}

/// Read the workspace and the client, refuse what must be refused, and plan.
pub(crate) fn plan_in(root: &Utf8Path, options: &Options) -> Result<Plan> {
    let manifest_path = root.join("Cargo.toml");
    let checked = {
        let _locks = LockFiles::save(root);
        clientwall_lint::check::run_detailed(&CheckOptions {
            manifest_path: Some(manifest_path.clone()),
            ..CheckOptions::default()
        })
        .map_err(Error::Check)?
    };
    let client = &options.client;
    let Some(area) = checked.layout.client(client) else {
        return Err(not_a_client(root, &checked, client));
    };
    let area = area.clone();
    let crate_dir_abs = Utf8PathBuf::from_path_buf(area.dir.clone())
        .map_err(|p| Error::Workspace(format!("{} is not a UTF-8 path", p.display())))?;
    let crate_dir = checked.layout.display(&area.dir);

    let mut reasons = dependents(&checked, &area.dir, root)?;
    let manifest = Manifest::load(&manifest_path).map_err(Error::Policy)?;
    let config = Config::from_manifest(&manifest).map_err(Error::Policy)?;
    for entry in config
        .allow
        .iter()
        .filter(|e| &e.from == client || &e.to == client)
    {
        reasons.push(format!(
            "the `allow` entry at Cargo.toml:{} (from `{}` to `{}`) names it; remove the entry first, it would excuse nothing once `{client}` is gone",
            entry.location.line, entry.from, entry.to
        ));
    }
    if !reasons.is_empty() {
        return Err(Error::OffboardRefused {
            client: client.clone(),
            reasons: format!("it is still referenced:\n  - {}", reasons.join("\n  - ")),
        });
    }

    let client_toml = ClientToml::load(&area.name, &area.dir).map_err(Error::Policy)?;
    let database = DeclaredDatabase {
        engine: client_toml
            .as_ref()
            .and_then(|c| c.database_kind.as_ref())
            .map_or_else(|| "sqlite".to_owned(), |k| k.value.clone()),
        path: client_toml
            .as_ref()
            .and_then(|c| c.database_path.as_ref())
            .map(|p| p.value.clone()),
        url_env: client_toml
            .as_ref()
            .and_then(|c| c.database_url_env.as_ref())
            .map(|e| e.value.clone()),
    };
    let prefix = env_prefix(client);
    let credentials = ["SHOPIFY_CLIENT_ID", "SHOPIFY_CLIENT_SECRET"]
        .iter()
        .map(|name| {
            let var = format!("{prefix}_{name}");
            let set = std::env::var_os(&var).is_some_and(|v| !v.is_empty());
            (var, set)
        })
        .collect();
    let export_dir = match &options.export {
        Some(dir) => Some(export_dir(root, dir)?),
        None => None,
    };
    let manifest_before = safe_read::read_to_string(manifest_path.as_std_path())
        .map_err(|e| Error::io("read", &manifest_path, e))?;
    let unregistered = unregister::unregister(&manifest_before, &crate_dir)?;
    let covering_glob = unregister::covering_glob(&manifest_before, &crate_dir);
    let glob_left_empty = match &covering_glob {
        Some(glob) => {
            let dirs = existing::member_dirs(root, glob)?;
            dirs.iter()
                .all(|d| d == &crate_dir_abs)
                .then(|| glob.clone())
        }
        None => None,
    };
    let commit = clientwall_lint::git::commit(root.as_std_path()).map_err(Error::Policy)?;
    Ok(Plan {
        root: root.to_owned(),
        client: client.clone(),
        standalone: is_standalone(&crate_dir_abs)?,
        shop: client_toml
            .as_ref()
            .and_then(|c| c.shop.as_ref())
            .map(|s| s.value.clone()),
        files: count_files(crate_dir_abs.as_std_path()),
        data: describe_data(&database, &prefix, client),
        database,
        credentials,
        export_dir,
        manifest_before,
        manifest_after: unregistered.manifest,
        manifest_edits: unregistered.edits,
        covering_glob,
        glob_left_empty,
        commit_note: commit
            .is_none()
            .then(|| clientwall_lint::git::no_commit_reason(root.as_std_path()).to_owned()),
        commit,
        violations_now: checked.report.violations.len(),
        crate_dir,
    })
}

/// No client of that name: say so, and say when it was offboarded already.
fn not_a_client(root: &Utf8Path, checked: &Checked, client: &str) -> Error {
    let certificates = clientwall_lint::offboarded::load_all(root)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.certificate.client == client)
        .map(|s| {
            s.json_path
                .strip_prefix(root)
                .unwrap_or(&s.json_path)
                .to_string()
        })
        .collect::<Vec<_>>();
    let known: Vec<&str> = checked
        .layout
        .clients
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let reasons = if certificates.is_empty() {
        format!(
            "there is no client named `{client}` in this workspace (clients: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    } else {
        format!(
            "there is no client named `{client}` in this workspace: it was offboarded already ({})",
            certificates.join(", ")
        )
    };
    Error::OffboardRefused {
        client: client.to_owned(),
        reasons,
    }
}

/// Every dependency of a crate outside the client's directory on a crate inside it, with the
/// line that declares it.
fn dependents(checked: &Checked, client_dir: &Path, root: &Utf8Path) -> Result<Vec<String>> {
    let graph = checked.graph.as_ref().expect("a full run keeps its graph");
    let inside = |n: usize| {
        let node = &graph.nodes[n];
        node.source.is_local() && node.manifest_path.as_std_path().starts_with(client_dir)
    };
    let mut found = Vec::new();
    for edge in &graph.edges {
        if !inside(edge.to) || inside(edge.from) {
            continue;
        }
        let from = &graph.nodes[edge.from];
        let location = Manifest::load(&from.manifest_path)
            .map_err(Error::Policy)?
            .dependency_location(edge.kind, edge.target.as_deref(), &edge.key);
        let line = format!(
            "`{}` depends on `{}` ({}, {}:{}); remove that dependency first",
            from.name,
            graph.nodes[edge.to].name,
            clientwall_lint::graph::kind_name(edge.kind),
            location.relative_file(root),
            location.line
        );
        if !found.contains(&line) {
            found.push(line);
        }
    }
    Ok(found)
}

/// Does the client have a `[workspace]` table of its own?
fn is_standalone(crate_dir: &Utf8Path) -> Result<bool> {
    let path = crate_dir.join("Cargo.toml");
    let text =
        safe_read::read_to_string(path.as_std_path()).map_err(|e| Error::io("read", &path, e))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse {path}: {e}")))?;
    Ok(doc.contains_key("workspace"))
}

fn count_files(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .count() as u64
}

/// An absolute path for `dir`, relative to the current directory.
pub(crate) fn absolute(dir: &Utf8Path) -> Result<Utf8PathBuf> {
    if dir.is_absolute() {
        return Ok(dir.to_owned());
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("resolve", ".", e))?;
    let cwd = Utf8PathBuf::from_path_buf(cwd)
        .map_err(|p| Error::Workspace(format!("{} is not a UTF-8 path", p.display())))?;
    Ok(cwd.join(dir))
}

/// `--export DIR`, absolute, and outside the workspace: the export is the client's data, and
/// a repository is no place for it.
fn export_dir(root: &Utf8Path, dir: &Utf8Path) -> Result<Utf8PathBuf> {
    let dir = absolute(dir)?;
    // The nearest existing ancestor, canonical, says where it really is.
    let existing = dir
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(Utf8Path::new("/"));
    let canonical = existing
        .canonicalize_utf8()
        .map_err(|e| Error::io("resolve", existing, e))?;
    if canonical.starts_with(root) {
        return Err(Error::Value {
            flag: "--export",
            value: dir.to_string(),
            reason:
                "the export holds the client's data; put it outside the workspace (and out of git)"
                    .into(),
        });
    }
    Ok(dir)
}

/// Where the data is, as far as the environment and `client.toml` tell.
fn describe_data(database: &DeclaredDatabase, prefix: &str, client: &str) -> Vec<String> {
    match database.engine.as_str() {
        "postgres" => {
            let Some(var) = &database.url_env else {
                return vec!["PostgreSQL, but `client.toml` names no `url_env`".to_owned()];
            };
            match std::env::var(var) {
                Ok(url) if !url.is_empty() => vec![format!(
                    "PostgreSQL database {} (from ${var}): the client's tables, or the whole database when the URL's role may drop it",
                    redact_url(&url)
                )],
                _ => vec![format!(
                    "PostgreSQL database named by ${var}, which is not set here: set it before `--yes`, or the destroy step fails"
                )],
            }
        }
        _ => {
            let override_var = format!("{prefix}_DATABASE_PATH");
            let (path, from) = match std::env::var(&override_var) {
                Ok(path) if !path.is_empty() => (path, format!("from ${override_var}; ")),
                _ => match &database.path {
                    Some(path) => (expand_home(path), String::new()),
                    None => {
                        return vec!["SQLite, but `client.toml` names no `path`".to_owned()];
                    }
                },
            };
            let path = Utf8PathBuf::from(path);
            let state = match std::fs::metadata(&path) {
                Ok(meta) => format!("exists, {} bytes", meta.len()),
                Err(_) => "not there".to_owned(),
            };
            let mut lines = vec![format!(
                "SQLite file {path} ({from}{state}), with its -wal, -shm and -journal files"
            )];
            if let Some(dir) = path.parent().filter(|d| d.file_name() == Some(client)) {
                lines.push(format!("the client's data directory {dir}"));
            }
            lines
        }
    }
}

fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_owned(),
    }
}

/// A database URL without its password (a key=value connection string is not shown at all).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(None);
            }
            parsed.set_query(None);
            parsed.to_string()
        }
        _ => "(a connection string, not shown)".to_owned(),
    }
}

/// The `Cargo.lock` files as they were, put back when dropped: a plan must write nothing, and
/// `cargo metadata` rewrites a lock file that is out of date.
struct LockFiles(Vec<(Utf8PathBuf, Option<Vec<u8>>)>);

impl LockFiles {
    fn save(root: &Utf8Path) -> LockFiles {
        let mut paths = vec![root.join("Cargo.lock")];
        if let Ok(manifest) = Manifest::load(&root.join("Cargo.toml"))
            && let Ok(config) = Config::from_manifest(&manifest)
            && let Ok(dirs) = clientwall_lint::workspace::client_dirs(root, &config)
        {
            paths.extend(dirs.iter().map(|m| m.with_file_name("Cargo.lock")));
        }
        LockFiles(
            paths
                .into_iter()
                .filter_map(|path| {
                    match safe_read::read_limited(path.as_std_path(), safe_read::MAX_CARGO_BYTES) {
                        Ok(bytes) => Some((path, Some(bytes))),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some((path, None)),
                        // Not a regular file, or unreadable: left alone, never removed as if
                        // it had not been there.
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
            let now = safe_read::read_limited(path.as_std_path(), safe_read::MAX_CARGO_BYTES).ok();
            if &now == before {
                continue;
            }
            let _ = match before {
                Some(bytes) => safe_read::write::atomic(path.as_std_path(), bytes),
                None => std::fs::remove_file(path),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://acme:s3cret@db.example.com:5432/acme?sslmode=require"),
            "postgres://acme@db.example.com:5432/acme"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:54329/t"),
            "postgres://postgres@127.0.0.1:54329/t"
        );
        assert_eq!(
            redact_url("host=db password=s3cret"),
            "(a connection string, not shown)"
        );
    }
}
