//! `cargo clientwall offboard`: the plan (a dry run writes nothing), the refusals, and the
//! procedure end to end against the mock Shopify and both real database engines, killed at
//! every step and resumed.

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;

fn repo_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The root manifest of the test workspaces: an explicit, commented member list, so that the
/// removal of an entry and the comments around it are seen.
const ROOT_MANIFEST: &str = "\
# The consultancy's workspace: one crate per client.
[workspace]
resolver = \"2\"
members = [
    # every client, one crate each
    \"clients/acme\", # SQLite
    \"clients/globex\", # PostgreSQL
]

[workspace.metadata.clientwall]
clients = [\"clients/*\"]  # where clients live
credential-helpers = [\"*-credentials\", \"*-secrets\"]
";

/// A consultancy workspace in a temporary directory: `examples/consultancy`'s two clients
/// (exactly what `new-client` generates) under [`ROOT_MANIFEST`], its `Cargo.lock`, in git with
/// one commit.
struct Workspace {
    _dir: tempfile::TempDir,
    root: Utf8PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace::with_manifest(ROOT_MANIFEST)
    }

    fn with_manifest(manifest: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let example = repo_root().join("examples/consultancy");
        copy_dir(&example.join("clients"), &root.join("clients"));
        std::fs::copy(example.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
        let workspace = Workspace { _dir: dir, root };
        workspace.git(&["init", "-q", "-b", "main"]);
        workspace.commit("two clients");
        workspace
    }

    fn git(&self, args: &[&str]) -> String {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn offboard(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .current_dir(&self.root)
            .args(["clientwall", "offboard"])
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn copy_dir(from: &Utf8Path, to: &Utf8Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap().to_str().unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file below `root` (`.git` aside) with its contents.
fn tree(root: &Utf8Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A data directory outside the workspace holding a file where acme's SQLite database would be.
fn data_dir() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap())
        .unwrap()
        .join("acme")
        .join("acme.sqlite3");
    (dir, path)
}

#[test]
fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let ws = Workspace::new();
    let (_data, db) = data_dir();
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, b"SQLite format 3\0 not really").unwrap();
    let export = tempfile::tempdir().unwrap();
    let export_dir = Utf8Path::from_path(export.path())
        .unwrap()
        .join("acme-export");
    let before = tree(&ws.root);
    let db_before = std::fs::read(&db).unwrap();

    let run = ws.offboard(
        &["acme", "--export", export_dir.as_str()],
        &[
            ("ACME_DATABASE_PATH", db.as_str()),
            ("ACME_SHOPIFY_CLIENT_ID", "an-id"),
            ("ACME_SHOPIFY_CLIENT_SECRET", ""),
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(tree(&ws.root), before, "a dry run changed the workspace");
    assert_eq!(std::fs::read(&db).unwrap(), db_before);
    assert!(!export_dir.exists(), "a dry run made the export directory");
    assert_eq!(ws.git(&["status", "--porcelain"]), "", "git sees a change");

    let commit = ws.git(&["rev-parse", "HEAD"]);
    let stdout = run
        .stdout
        .replace(ws.root.as_str(), "[WORKSPACE]")
        .replace(db.parent().unwrap().parent().unwrap().as_str(), "[DATA]")
        .replace(export_dir.as_str(), "[EXPORT]")
        .replace(commit.trim(), "[COMMIT]");
    insta::assert_snapshot!("dry_run_plan", stdout);
}

#[test]
fn refuses_when_another_crate_depends_on_the_client_or_an_allow_entry_names_it() {
    let ws = Workspace::with_manifest(&format!(
        "{}\n[[workspace.metadata.clientwall.allow]]\nfrom = \"globex\"\nto = \"acme\"\nreason = \"a migration\"\n",
        ROOT_MANIFEST.replace(
            "    \"clients/globex\", # PostgreSQL\n",
            "    \"clients/globex\", # PostgreSQL\n    \"shared/report\",\n"
        )
    ));
    let shared = ws.root.join("shared/report");
    std::fs::create_dir_all(shared.join("src")).unwrap();
    std::fs::write(
        shared.join("Cargo.toml"),
        "[package]\nname = \"report\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nacme = { path = \"../../clients/acme\" }\n",
    )
    .unwrap();
    std::fs::write(shared.join("src/lib.rs"), "").unwrap();
    let globex = ws.root.join("clients/globex/Cargo.toml");
    let text = std::fs::read_to_string(&globex).unwrap();
    std::fs::write(
        &globex,
        format!("{text}\n[dev-dependencies.acme]\npath = \"../acme\"\n"),
    )
    .unwrap();
    ws.commit("wired to acme");
    let before = tree(&ws.root);

    for args in [&["acme"][..], &["acme", "--yes"]] {
        let run = ws.offboard(args, &[]);
        assert_eq!(run.code, Some(2), "{run}");
        let stderr = &run.stderr;
        assert!(stderr.contains("refusing to offboard `acme`"), "{run}");
        assert!(
            stderr.contains("`report` depends on `acme` (normal, shared/report/Cargo.toml:7)"),
            "{run}"
        );
        assert!(
            stderr.contains("`globex` depends on `acme` (dev, clients/globex/Cargo.toml:"),
            "{run}"
        );
        assert!(
            stderr.contains("the `allow` entry at Cargo.toml:15 (from `globex` to `acme`)"),
            "{run}"
        );
        assert_eq!(tree(&ws.root), before, "{args:?} changed the workspace");
        assert_eq!(ws.git(&["status", "--porcelain"]), "");
    }
}

#[test]
fn refuses_an_export_inside_the_workspace_and_an_unknown_client() {
    let ws = Workspace::new();
    let before = tree(&ws.root);
    let run = ws.offboard(&["acme", "--yes", "--export", "exports/acme"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("invalid --export")
            && run.stderr.contains("put it outside the workspace"),
        "{run}"
    );
    let run = ws.offboard(&["acne", "--yes"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("there is no client named `acne` in this workspace (clients: acme, globex)"),
        "{run}"
    );
    assert_eq!(tree(&ws.root), before);
}
