//! `cargo clientwall init`: make (or complete) a consultancy workspace. Writes the root
//! `Cargo.toml` policy table (an existing manifest is edited with toml_edit, comments and layout
//! kept, nothing it already says overwritten), a `.gitignore` covering what must never be
//! committed, a `.pre-commit-config.yaml` and the CI workflow. Idempotent: a second run changes
//! nothing. With `dry_run` it only says what it would do.

use crate::error::{Error, Result};
use crate::transaction::replace_atomically;
use camino::{Utf8Path, Utf8PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, value};

/// The GitHub Actions workflow `init` installs.
pub const WORKFLOW: &str = include_str!("../files/clientwall.yml");
/// Where `init` puts it.
pub const WORKFLOW_PATH: &str = ".github/workflows/clientwall.yml";

/// The lines `init` makes sure `.gitignore` has.
pub const GITIGNORE_LINES: &[&str] = &[
    "/target/",
    ".env",
    "*.env",
    "!.env.example",
    "*.sqlite3",
    "*.sqlite3-*",
    ".new-client.lock",
    ".new-client.journal",
    ".offboard.journal",
    ".offboard-trash/",
    ".clientwall-upgrade/",
    ".new-client.*.backup",
];

/// The pre-commit framework's configuration `init` writes when there is none.
pub const PRE_COMMIT_CONFIG: &str = "\
# clientwall checks the staged files of every commit (https://pre-commit.com).
# No release is tagged yet: pin `rev` to a commit of the clientwall repository, e.g. the output
# of `git ls-remote https://github.com/clientwall/clientwall HEAD`.
repos:
  - repo: https://github.com/clientwall/clientwall
    rev: 0000000000000000000000000000000000000000  # replace with a commit
    hooks:
      - id: clientwall
";

/// What `init` did (or would do) to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create(Utf8PathBuf),
    Update(Utf8PathBuf, String),
    Keep(Utf8PathBuf, String),
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Create(path) => write!(f, "create {path}"),
            Action::Update(path, what) => write!(f, "update {path}: {what}"),
            Action::Keep(path, why) => write!(f, "keep   {path}: {why}"),
        }
    }
}

/// Set up the workspace at `root` (created if missing). Returns one action per file.
pub fn init(root: &Utf8Path, dry_run: bool) -> Result<Vec<Action>> {
    if !dry_run {
        std::fs::create_dir_all(root).map_err(|e| Error::io("create", root, e))?;
    }
    let mut actions = Vec::new();
    let mut writes: Vec<(Utf8PathBuf, String)> = Vec::new();

    let manifest = root.join("Cargo.toml");
    match read(&manifest)? {
        None => {
            writes.push((manifest.clone(), NEW_MANIFEST.to_owned()));
            actions.push(Action::Create(manifest));
        }
        Some(text) => {
            let (updated, what) = complete_manifest(&manifest, &text)?;
            if what.is_empty() {
                actions.push(Action::Keep(manifest, "the policy is there".into()));
            } else {
                writes.push((manifest.clone(), updated));
                actions.push(Action::Update(manifest, what.join(", ")));
            }
        }
    }

    let gitignore = root.join(".gitignore");
    let existing = read(&gitignore)?;
    let text = existing.clone().unwrap_or_default();
    let present: Vec<&str> = text.lines().map(str::trim).collect();
    let missing: Vec<&str> = GITIGNORE_LINES
        .iter()
        .copied()
        .filter(|line| !present.contains(line))
        .collect();
    match (&existing, missing.is_empty()) {
        (Some(_), true) => actions.push(Action::Keep(gitignore, "already ignores it all".into())),
        _ => {
            let mut out = text.clone();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if existing.is_none() {
                out.push_str("# Never committed: build output, credentials, local client data.\n");
            }
            for line in &missing {
                out.push_str(line);
                out.push('\n');
            }
            writes.push((gitignore.clone(), out));
            actions.push(if existing.is_none() {
                Action::Create(gitignore)
            } else {
                Action::Update(gitignore, format!("add {}", missing.join(" ")))
            });
        }
    }

    let pre_commit = root.join(".pre-commit-config.yaml");
    match read(&pre_commit)? {
        None => {
            writes.push((pre_commit.clone(), PRE_COMMIT_CONFIG.to_owned()));
            actions.push(Action::Create(pre_commit));
        }
        Some(text) if text.contains("id: clientwall") => {
            actions.push(Action::Keep(pre_commit, "runs clientwall".into()));
        }
        Some(_) => actions.push(Action::Keep(
            pre_commit,
            "exists without clientwall; add the hook `id: clientwall` (see README)".into(),
        )),
    }

    let workflow = root.join(WORKFLOW_PATH);
    match read(&workflow)? {
        None => {
            writes.push((workflow.clone(), WORKFLOW.to_owned()));
            actions.push(Action::Create(workflow));
        }
        Some(_) => actions.push(Action::Keep(workflow, "exists".into())),
    }

    if !dry_run {
        for (path, text) in writes {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
            }
            replace_atomically(&path, text.as_bytes())?;
        }
    }
    Ok(actions)
}

/// The root manifest of a new consultancy workspace.
pub const NEW_MANIFEST: &str = r#"# A consultancy workspace: one crate per client, each made by `new-client NAME`.
[workspace]
resolver = "2"
members = ["clients/*"]

[workspace.metadata.clientwall]
clients = ["clients/*"]                              # globs of client crate dirs
credential-helpers = ["*-credentials", "*-secrets"]  # crate-name globs no client may reach

# Every client crate is built and tested: line tables keep backtraces readable at a fraction of
# the build and link time of full debug info; dependencies carry none.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"#;

fn read(path: &Utf8Path) -> Result<Option<String>> {
    safe_read::read_to_string_if_exists(path.as_std_path()).map_err(|e| Error::io("read", path, e))
}

/// Add what the manifest lacks: a `[workspace]` table, its `members` glob and the policy
/// table with its two keys. Returns the new text and what was added.
fn complete_manifest(path: &Utf8Path, text: &str) -> Result<(String, Vec<String>)> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse {path}: {e}")))?;
    let mut added = Vec::new();
    if doc.get("workspace").is_none() {
        let mut workspace = Table::new();
        workspace.insert("resolver", value("2"));
        doc.insert("workspace", Item::Table(workspace));
        added.push("[workspace]".to_owned());
    }
    let workspace = doc["workspace"]
        .as_table_like_mut()
        .ok_or_else(|| Error::Workspace(format!("{path}: `workspace` is not a table")))?;
    if workspace.get("members").is_none() {
        let mut members = Array::new();
        members.push("clients/*");
        workspace.insert("members", value(members));
        added.push("workspace.members".to_owned());
    }
    let metadata = workspace
        .entry("metadata")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or_else(|| Error::Workspace(format!("{path}: `workspace.metadata` is not a table")))?;
    if metadata.get("clientwall").is_none() {
        let mut policy = Table::new();
        let mut clients = Array::new();
        clients.push("clients/*");
        policy.insert("clients", value(clients));
        let mut helpers = Array::new();
        helpers.push("*-credentials");
        helpers.push("*-secrets");
        policy.insert("credential-helpers", value(helpers));
        metadata.insert("clientwall", Item::Table(policy));
        added.push("[workspace.metadata.clientwall]".to_owned());
    }
    Ok((doc.to_string(), added))
}
