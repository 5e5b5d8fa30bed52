//! `cargo clientwall offboard`: the plan (a dry run writes nothing), the refusals, and the
//! procedure end to end against the mock Shopify and both real database engines, killed at
//! every step and resumed.

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;

use crate::support::postgres::PgClient;
use crate::support::{WithoutCargoTestEnv, copy_tree_keeping_mtimes};

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

# Every client crate is built and tested: line tables keep backtraces readable at a fraction of
# the build and link time of full debug info; dependencies carry none.
[profile.dev]
debug = \"line-tables-only\"

[profile.dev.package.\"*\"]
debug = false
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
        // The clients' files keep their times: every test's copy reuses the one build of
        // them in the shared target directory (`client_target_dir`).
        copy_tree_keeping_mtimes(&example.join("clients"), &root.join("clients"));
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

    /// The offboarding builds and runs the client's binary with cargo: without the test's own
    /// cargo variables, as every other build in the client target directory.
    fn offboard(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"))
            .current_dir(&self.root)
            .args(["clientwall", "offboard"])
            .args(args)
            .without_cargo_test_env()
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

/// The paths whose contents differ between two [`tree`]s (added, removed or changed).
fn changed_paths(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
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
    assert_eq!(
        changed_paths(&before, &tree(&ws.root)),
        Vec::<String>::new(),
        "a dry run changed the workspace"
    );
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
            stderr.contains("the `allow` entry at Cargo.toml:23 (from `globex` to `acme`)"),
            "{run}"
        );
        assert_eq!(
            changed_paths(&before, &tree(&ws.root)),
            Vec::<String>::new(),
            "{args:?} changed the workspace"
        );
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
    assert_eq!(
        changed_paths(&before, &tree(&ws.root)),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// End to end: the client's own binary against the mock Shopify and a real database.

/// Where the generated clients are built: one target directory for every offboarding test and
/// run, so the client crates' dependencies are built once, and the clients themselves once for
/// as long as `examples/consultancy`'s files stay as they are (every test's copy keeps their
/// times, and nothing else builds them here; the standalone test's edited manifest is newer and
/// its own profile rebuilds that crate). Not the live attestation's
/// (`target/consultancy`): its clients are named `acme` too but differ (their `client.toml` is
/// built in), and a binary is named after its crate in a target directory.
fn client_target_dir() -> Utf8PathBuf {
    repo_root().join("target/offboard-clients")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The mock Shopify of the generated client's own tests, run as its example program.
struct Mock {
    child: std::process::Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    url: String,
    client_id: String,
    client_secret: String,
}

impl Mock {
    fn start(ws: &Workspace, client: &str, orders: usize, customers: usize) -> Mock {
        use std::io::BufRead;
        let mut child = std::process::Command::new(cargo())
            .args(["run", "--quiet", "--manifest-path"])
            .arg(ws.root.join(format!("clients/{client}/Cargo.toml")))
            .args(["--example", &format!("{client}-mock-shopify"), "--"])
            .args(["--orders", &orders.to_string()])
            .args(["--customers", &customers.to_string()])
            .env("CARGO_TARGET_DIR", client_target_dir())
            .without_cargo_test_env()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let hello: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the mock did not start ({e}): {line:?}"));
        Mock {
            child,
            stdout,
            url: hello["url"].as_str().unwrap().to_owned(),
            client_id: hello["client_id"].as_str().unwrap().to_owned(),
            client_secret: hello["client_secret"].as_str().unwrap().to_owned(),
        }
    }

    /// Ask the token endpoint for a token with the client's credentials: the HTTP status.
    fn grant_status(&self) -> u16 {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            self.client_id, self.client_secret
        );
        write!(
            stream,
            "POST /admin/oauth/access_token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head[9..12]).parse().unwrap()
    }

    /// Stop it: what it saw (`uninstalls`, `refused_grants`, `issued` tokens, ...).
    fn finish(mut self) -> serde_json::Value {
        use std::io::BufRead;
        drop(self.child.stdin.take());
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let _ = self.child.wait();
        serde_json::from_str(&line).unwrap()
    }

    /// The client's environment, pointed at this mock.
    fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            (
                format!("{prefix}_SHOPIFY_CLIENT_ID"),
                self.client_id.clone(),
            ),
            (
                format!("{prefix}_SHOPIFY_CLIENT_SECRET"),
                self.client_secret.clone(),
            ),
            (format!("{prefix}_SHOPIFY_BASE_URL"), self.url.clone()),
        ]
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An environment for the offboarding and the client's commands.
struct Env(Vec<(String, String)>);

impl Env {
    fn new(vars: Vec<(String, String)>) -> Env {
        let mut vars = vars;
        vars.push((
            "CARGO_TARGET_DIR".to_owned(),
            client_target_dir().to_string(),
        ));
        Env(vars)
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn with<'a>(&'a self, key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut pairs = self.pairs();
        pairs.push((key, value));
        pairs
    }
}

/// Run the client's own binary in the workspace (as the consultant would).
fn client(ws: &Workspace, client: &str, args: &[&str], env: &Env) -> Run {
    let output = std::process::Command::new(cargo())
        .args(["run", "--quiet", "--manifest-path"])
        .arg(ws.root.join(format!("clients/{client}/Cargo.toml")))
        .arg("--")
        .args(args)
        .without_cargo_test_env()
        .envs(env.pairs())
        .current_dir(&ws.root)
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The one certificate of `client`, loaded (a checksum that does not match is an error).
fn certificate(ws: &Workspace, client: &str) -> clientwall::offboarded::Stored {
    let stored: Vec<_> = clientwall::offboarded::load_all(&ws.root)
        .unwrap()
        .into_iter()
        .filter(|s| s.certificate.client == client)
        .collect();
    assert_eq!(stored.len(), 1, "one certificate of {client}");
    stored.into_iter().next().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// No file of the workspace and no output holds any of `secrets`.
fn assert_no_secret(ws: &Workspace, runs: &[&Run], secrets: &[String]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for (path, bytes) in tree(&ws.root) {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{path} holds a secret"
            );
        }
        for run in runs {
            assert!(
                !run.to_string().contains(secret.as_str()),
                "a secret in the output:\n{run}"
            );
        }
    }
}

/// The root manifest without `acme`'s entry: everything else, comments included, as it was.
fn manifest_without(client_line: &str) -> String {
    let out = ROOT_MANIFEST.replace(client_line, "");
    assert_ne!(out, ROOT_MANIFEST);
    out
}

#[test]
fn offboards_an_sqlite_client_end_to_end_with_an_export() {
    let ws = Workspace::new();
    let (_data, db) = data_dir();
    let mock = Mock::start(&ws, "acme", 300, 40);
    let mut vars = mock.env("ACME");
    vars.push(("ACME_DATABASE_PATH".into(), db.to_string()));
    let env = Env::new(vars);
    let sync = client(&ws, "acme", &["sync"], &env);
    assert_eq!(sync.code, Some(0), "{sync}");
    assert!(
        sync.stdout.contains("300 orders and 40 customers"),
        "{sync}"
    );
    let export = tempfile::tempdir().unwrap();
    let export_dir = Utf8Path::from_path(export.path())
        .unwrap()
        .join("acme-export");

    let run = ws.offboard(
        &["acme", "--yes", "--export", export_dir.as_str()],
        &env.pairs(),
    );
    assert_eq!(run.code, Some(0), "{run}");
    let said = |text: &str| {
        run.stdout
            .find(text)
            .unwrap_or_else(|| panic!("`{text}` not said:\n{run}"))
    };
    assert!(said("destroy: about to destroy") < said("destroy: verified"));
    assert!(said("remove: deleting clients/acme") < said("check: clientwall"));

    // Access: uninstalled, and the grant refuses the credentials.
    assert_eq!(mock.grant_status(), 400, "the token endpoint still grants");
    // Data: the file, its companions and the client's data directory are gone.
    for suffix in ["", "-wal", "-shm", "-journal"] {
        assert!(
            !Utf8PathBuf::from(format!("{db}{suffix}")).exists(),
            "{db}{suffix}"
        );
    }
    assert!(
        !db.parent().unwrap().exists(),
        "the data directory is still there"
    );
    // Code: the crate and its entry are gone, every comment of the root manifest kept.
    assert!(!ws.root.join("clients/acme").exists());
    assert_eq!(
        std::fs::read_to_string(ws.root.join("Cargo.toml")).unwrap(),
        manifest_without("    \"clients/acme\", # SQLite\n")
    );
    let status = ws.git(&["status", "--porcelain", "--untracked-files=all"]);
    for leftover in [".offboard.journal", ".new-client.lock", ".offboard-trash"] {
        assert!(!status.contains(leftover), "{leftover} left:\n{status}");
    }
    assert!(status.contains("?? offboarded/acme-"), "{status}");
    // The check on what remains is green.
    let check = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(&ws.root)
        .args(["clientwall", "check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");

    // The certificate: its checksum verifies, its Markdown is its JSON, it says what happened.
    let stored = certificate(&ws, "acme");
    assert!(stored.markdown_matches);
    let c = &stored.certificate;
    assert!(c.verifies());
    use clientwall::offboarded::RevocationOutcome;
    assert_eq!(c.revocation.outcome, RevocationOutcome::Revoked);
    assert!(c.revocation.uninstalled && c.revocation.token_refused);
    let rows = |table: &str| {
        c.data
            .rows_before
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.rows)
    };
    assert_eq!((rows("orders"), rows("customers")), (Some(300), Some(40)));
    assert!(c.data.verified);
    assert_eq!(c.data.location, db.as_str());
    assert_eq!(
        c.code.manifest_edits,
        ["removed \"clients/acme\" from `workspace.members`"]
    );
    assert!(c.check.ran && c.check.passed, "{:?}", c.check);
    // The commit it started from (`+dirty`: the client's first build may have added to
    // Cargo.lock).
    let head = ws.git(&["rev-parse", "HEAD"]);
    assert!(
        c.commit.as_deref().unwrap().starts_with(head.trim()),
        "{:?}",
        c.commit
    );
    // The export: every file's sum is the manifest's, and the manifest's is the certificate's.
    let export_record = c.export.as_ref().unwrap();
    let manifest = std::fs::read(export_dir.join("manifest.json")).unwrap();
    assert_eq!(sha256(&manifest), export_record.manifest_sha256);
    for table in &export_record.tables {
        let bytes = std::fs::read(export_dir.join(&table.file)).unwrap();
        assert_eq!(sha256(&bytes), table.sha256, "{}", table.file);
        assert_eq!(
            bytes.iter().filter(|&&b| b == b'\n').count() as u64,
            table.rows
        );
        assert_eq!(Some(table.rows), rows(&table.table), "{}", table.table);
    }
    // attest knows the offboarded client.
    let attest = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(&ws.root)
        .args(["clientwall", "attest", "acme"])
        .output()
        .unwrap();
    assert_eq!(attest.status.code(), Some(0), "{attest:?}");
    assert!(String::from_utf8_lossy(&attest.stdout).contains("# Offboarding attestation: `acme`"));

    let log = mock.finish();
    assert_eq!(log["uninstalls"], 1, "{log}");
    assert!(log["refused_grants"].as_u64().unwrap() >= 1, "{log}");
    let mut secrets: Vec<String> = log["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    assert!(!secrets.is_empty());
    secrets.push(env.0[1].1.clone());
    assert_no_secret(&ws, &[&run, &sync], &secrets);

    // Half-restored from git: acme is back with the old data path, and the check fails.
    ws.git(&["checkout", "HEAD", "--", "clients/acme", "Cargo.toml"]);
    let check = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(&ws.root)
        .args(["clientwall", "check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["violations"][0]["rule"], "shared-database");
    assert!(
        report["violations"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the offboarded client `acme` is back with its old database path"),
        "{report}"
    );
}

const STEPS: [&str; 6] = [
    "revoke",
    "export",
    "destroy",
    "remove",
    "check",
    "certificate",
];

/// Abort the run at `step:when` (as a kill would), and check it died there, leaving a journal
/// that holds none of `secrets`.
fn killed_at(ws: &Workspace, args: &[&str], env: &Env, point: &str, secrets: &[&str]) {
    let run = ws.offboard(args, &env.with("CLIENTWALL_OFFBOARD_ABORT_AT", point));
    assert_eq!(run.code, None, "{point}: the run was not killed:\n{run}");
    let journal = std::fs::read_to_string(ws.root.join(".offboard.journal"))
        .unwrap_or_else(|e| panic!("{point}: no journal ({e})"));
    for secret in secrets {
        assert!(
            !journal.contains(secret),
            "{point}: the journal holds a secret"
        );
        assert!(
            !run.to_string().contains(secret),
            "{point}: a secret in the output"
        );
    }
    let journal: serde_json::Value = serde_json::from_str(&journal).unwrap();
    let step = point.split(':').next().unwrap();
    assert!(
        journal["begun"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == step),
        "{point}: {journal}"
    );
}

#[test]
fn an_sqlite_offboarding_killed_at_every_step_is_continued_by_the_same_command() {
    let ws = Workspace::new();
    let (_data, db) = data_dir();
    let mock = Mock::start(&ws, "acme", 120, 25);
    let mut vars = mock.env("ACME");
    vars.push(("ACME_DATABASE_PATH".into(), db.to_string()));
    let env = Env::new(vars);
    assert_eq!(client(&ws, "acme", &["sync"], &env).code, Some(0));
    let export = tempfile::tempdir().unwrap();
    let export_dir = Utf8Path::from_path(export.path()).unwrap().join("returned");
    let args = ["acme", "--yes", "--export", export_dir.as_str()];

    for step in STEPS {
        for when in ["before", "after"] {
            killed_at(
                &ws,
                &args,
                &env,
                &format!("{step}:{when}"),
                &[&mock.client_secret],
            );
        }
        if step == "destroy" {
            // Resumed without the client's database variable, `destroy` would look at the
            // default path, find nothing and certify it: refused, nothing touched.
            let before = tree(&ws.root);
            let pairs: Vec<(&str, &str)> = env
                .pairs()
                .into_iter()
                .filter(|(k, _)| *k != "ACME_DATABASE_PATH")
                .collect();
            let elsewhere = ws.offboard(&args, &pairs);
            assert_eq!(elsewhere.code, Some(2), "{elsewhere}");
            assert!(
                elsewhere
                    .stderr
                    .contains("when this offboarding began, but `destroy` now looks at"),
                "{elsewhere}"
            );
            assert!(!ws.root.join("offboarded").exists());
            assert!(
                changed_paths(&before, &tree(&ws.root))
                    .iter()
                    .all(|p| p == ".offboard.journal" || p == ".new-client.lock"),
                "{:?}",
                changed_paths(&before, &tree(&ws.root))
            );
        }
        // A dry run in between says where it stands, and touches nothing.
        let before = tree(&ws.root);
        let preview = ws.offboard(&["acme"], &env.pairs());
        assert_eq!(preview.code, Some(0), "{preview}");
        assert!(preview.stdout.contains("is in progress"), "{preview}");
        assert_eq!(
            changed_paths(&before, &tree(&ws.root)),
            Vec::<String>::new()
        );
        if step == "revoke" {
            // Another client cannot be offboarded meanwhile, nor this one with other options.
            let other = ws.offboard(&["globex", "--yes"], &env.pairs());
            assert_eq!(other.code, Some(2), "{other}");
            assert!(
                other.stderr.contains("the offboarding of `acme`"),
                "{other}"
            );
            // Nor a client added before the offboarding is finished.
            for dry_run in [&["--dry-run"][..], &[]] {
                let added = Command::cargo_bin("cargo-clientwall")
                    .unwrap()
                    .current_dir(&ws.root)
                    .args(["clientwall", "new", "initech", "--no-check"])
                    .args(dry_run)
                    .output()
                    .unwrap();
                let added_err = String::from_utf8_lossy(&added.stderr);
                assert_eq!(added.status.code(), Some(2), "{dry_run:?}: {added_err}");
                assert!(
                    added_err.contains("the offboarding of `acme` is not finished")
                        && added_err.contains("cargo clientwall offboard acme --yes"),
                    "{added_err}"
                );
            }
            assert!(!ws.root.join("clients/initech").exists());
            let changed = ws.offboard(&["acme", "--yes"], &env.pairs());
            assert_eq!(changed.code, Some(2), "{changed}");
            assert!(
                changed.stderr.contains("give the same options"),
                "{changed}"
            );
            // Only the killed run's lock file is gone: the refused runs took the lock and let
            // it go.
            assert_eq!(
                changed_paths(&before, &tree(&ws.root)),
                [".new-client.lock"]
            );
        }
    }

    let run = ws.offboard(&args, &env.pairs());
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!ws.root.join(".offboard.journal").exists());
    assert!(!ws.root.join("clients/acme").exists());
    assert!(!db.exists() && !db.parent().unwrap().exists());
    assert_eq!(
        std::fs::read_to_string(ws.root.join("Cargo.toml")).unwrap(),
        manifest_without("    \"clients/acme\", # SQLite\n")
    );
    let c = certificate(&ws, "acme").certificate;
    // Killed after the uninstall, the revocation found the credentials refused when it ran
    // again; the app was uninstalled once.
    use clientwall::offboarded::RevocationOutcome;
    assert_eq!(
        c.revocation.outcome,
        RevocationOutcome::AlreadyRefused,
        "{c:?}"
    );
    assert!(
        c.revocation.detail.contains("interrupted first attempt"),
        "{}",
        c.revocation.detail
    );
    // Killed after the destroy, the row counts still come from before it.
    let orders = c
        .data
        .rows_before
        .iter()
        .find(|t| t.table == "orders")
        .unwrap();
    assert_eq!(orders.rows, 120);
    assert!(
        c.data.removed.iter().any(|r| r.name == db.as_str()),
        "{:?}",
        c.data.removed
    );
    assert!(c.check.passed);
    assert_eq!(
        certificate(&ws, "acme").certificate,
        c,
        "one certificate, written once"
    );
    let offboarded: Vec<String> = std::fs::read_dir(ws.root.join("offboarded"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(offboarded.len(), 2, "{offboarded:?}");
    assert_eq!(mock.grant_status(), 400);
    let log = mock.finish();
    assert_eq!(log["uninstalls"], 1, "{log}");
}

// --- PostgreSQL: the test server of scripts/test.sh and .ci/postgres (`support::postgres`).

#[test]
fn offboards_a_postgres_client_whose_role_may_drop_its_database() {
    let ws = Workspace::new();
    let pg = PgClient::new(true);
    let mock = Mock::start(&ws, "globex", 150, 30);
    let mut vars = mock.env("GLOBEX");
    vars.push(("GLOBEX_DATABASE_URL".into(), pg.url()));
    let env = Env::new(vars);
    let sync = client(&ws, "globex", &["sync"], &env);
    assert_eq!(sync.code, Some(0), "{sync}");
    assert!(!pg.tables().is_empty());

    let run = ws.offboard(&["globex", "--yes"], &env.pairs());
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!pg.database_exists(), "the database is still there");
    assert_eq!(mock.grant_status(), 400);
    assert!(!ws.root.join("clients/globex").exists());
    assert_eq!(
        std::fs::read_to_string(ws.root.join("Cargo.toml")).unwrap(),
        manifest_without("    \"clients/globex\", # PostgreSQL\n")
    );
    let stored = certificate(&ws, "globex");
    assert!(stored.markdown_matches);
    let c = stored.certificate;
    assert!(c.verifies());
    assert_eq!(
        c.revocation.outcome,
        clientwall::offboarded::RevocationOutcome::Revoked
    );
    assert_eq!(
        c.data.removed,
        [clientwall::offboarded::Removed {
            kind: "database".into(),
            name: pg.database.clone()
        }]
    );
    assert!(
        !c.data.location.contains(&pg.password),
        "{}",
        c.data.location
    );
    assert_eq!(
        c.data.declared_url_env.as_deref(),
        Some("GLOBEX_DATABASE_URL")
    );
    let orders = c
        .data
        .rows_before
        .iter()
        .find(|t| t.table == "orders")
        .unwrap();
    assert_eq!(orders.rows, 150);
    assert!(c.check.passed);
    let check = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(&ws.root)
        .args(["clientwall", "check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let log = mock.finish();
    assert_eq!(log["uninstalls"], 1);
    let mut secrets: Vec<String> = log["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    secrets.push(pg.password.clone());
    secrets.push(env.0[1].1.clone());
    assert_no_secret(&ws, &[&run, &sync], &secrets);
}

/// A role that may not drop its database: its tables go, the database stays. Without the
/// client's credentials the revocation is left to the client, and the certificate says so.
/// Killed before and after the destroy (after it, the database has no tables left to count).
#[test]
fn a_postgres_client_without_drop_rights_or_credentials_killed_around_the_destroy() {
    let ws = Workspace::new();
    let pg = PgClient::new(false);
    let mock = Mock::start(&ws, "globex", 90, 12);
    let mut vars = mock.env("GLOBEX");
    vars.push(("GLOBEX_DATABASE_URL".into(), pg.url()));
    let env = Env::new(vars);
    assert_eq!(client(&ws, "globex", &["sync"], &env).code, Some(0));
    let tables = pg.tables();
    assert!(tables.contains(&"orders".to_owned()), "{tables:?}");
    // The offboarding runs without the Shopify credentials.
    let env = Env::new(vec![("GLOBEX_DATABASE_URL".into(), pg.url())]);

    killed_at(
        &ws,
        &["globex", "--yes"],
        &env,
        "destroy:before",
        &[&pg.password],
    );
    killed_at(
        &ws,
        &["globex", "--yes"],
        &env,
        "destroy:after",
        &[&pg.password],
    );
    assert!(pg.tables().is_empty(), "{:?}", pg.tables());
    let run = ws.offboard(&["globex", "--yes"], &env.pairs());
    assert_eq!(run.code, Some(0), "{run}");
    assert!(pg.database_exists(), "the database is the server admin's");
    assert!(pg.tables().is_empty());

    let c = certificate(&ws, "globex").certificate;
    use clientwall::offboarded::RevocationOutcome;
    assert_eq!(c.revocation.outcome, RevocationOutcome::ClientToDo);
    assert!(!c.revocation.uninstalled);
    assert!(
        c.remaining_duties[0].starts_with("Revocation is the client's to do"),
        "{:?}",
        c.remaining_duties
    );
    let md = std::fs::read_to_string(ws.root.join(format!("offboarded/{}.md", c.stem()))).unwrap();
    assert!(
        md.contains("NOT revoked by the consultant: the client must delete the app"),
        "{md}"
    );
    let removed: Vec<&str> = c.data.removed.iter().map(|r| r.name.as_str()).collect();
    for table in &tables {
        assert!(
            removed.contains(&table.as_str()),
            "{table} not in {removed:?}"
        );
    }
    let orders = c
        .data
        .rows_before
        .iter()
        .find(|t| t.table == "orders")
        .unwrap();
    assert_eq!(orders.rows, 90, "the counts from before the killed destroy");
    assert_eq!(
        mock.grant_status(),
        200,
        "nobody revoked: the grant still works"
    );
    assert_eq!(mock.finish()["uninstalls"], 0);
}

/// A standalone client (its own workspace, in the root's `exclude`): planned, then offboarded
/// without credentials or data; its `exclude` entry goes, the `members` glob stays.
#[test]
fn a_standalone_client_leaves_the_root_exclude_list() {
    let manifest = "\
# Root of the consultancy.
[workspace]
resolver = \"2\"
members = [\"clients/globex\"]
# standalone clients, each its own workspace
exclude = [\"clients/acme\"] # SQLite, standalone
";
    let ws = Workspace::with_manifest(manifest);
    let acme = ws.root.join("clients/acme");
    let text = std::fs::read_to_string(acme.join("Cargo.toml")).unwrap();
    std::fs::write(
        acme.join("Cargo.toml"),
        format!("{text}\n# A standalone client: its own workspace, excluded from the root's.\n[workspace]\n"),
    )
    .unwrap();
    std::fs::copy(ws.root.join("Cargo.lock"), acme.join("Cargo.lock")).unwrap();
    ws.commit("acme standalone");
    let (_data, db) = data_dir();
    let env = Env::new(vec![("ACME_DATABASE_PATH".into(), db.to_string())]);

    let before = tree(&ws.root);
    let plan = ws.offboard(&["acme"], &env.pairs());
    assert_eq!(plan.code, Some(0), "{plan}");
    assert!(
        plan.stdout.contains("clients/acme (a standalone workspace"),
        "{plan}"
    );
    assert!(
        plan.stdout
            .contains("Cargo.toml: removed \"clients/acme\" from `workspace.exclude`"),
        "{plan}"
    );
    assert_eq!(
        tree(&ws.root),
        before,
        "the plan rewrote a file (a Cargo.lock?)"
    );

    let run = ws.offboard(&["acme", "--yes"], &env.pairs());
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        std::fs::read_to_string(ws.root.join("Cargo.toml")).unwrap(),
        "\
# Root of the consultancy.
[workspace]
resolver = \"2\"
members = [\"clients/globex\"]
# standalone clients, each its own workspace
exclude = [] # SQLite, standalone
"
    );
    assert!(!acme.exists());
    let c = certificate(&ws, "acme").certificate;
    assert!(c.standalone);
    assert_eq!(
        c.revocation.outcome,
        clientwall::offboarded::RevocationOutcome::ClientToDo
    );
    assert!(c.data.verified && c.data.removed.is_empty(), "{:?}", c.data);
    assert!(c.check.passed, "{:?}", c.check);
}

#[test]
fn help_text() {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["clientwall", "offboard", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("offboard_help", String::from_utf8(output.stdout).unwrap());
}

/// The last client under the `members` glob: cargo cannot load a workspace whose glob matches
/// nothing, so the check after it cannot run; the plan and the certificate say so, and it is a
/// duty left to the consultant, not a failure.
#[test]
fn the_last_client_under_a_glob_leaves_the_check_to_the_next_client() {
    let ws = Workspace::with_manifest("[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\"]\n");
    std::fs::remove_dir_all(ws.root.join("clients/globex")).unwrap();
    ws.commit("only acme");
    let (_data, db) = data_dir();
    let env = Env::new(vec![("ACME_DATABASE_PATH".into(), db.to_string())]);
    let plan = ws.offboard(&["acme"], &env.pairs());
    assert_eq!(plan.code, Some(0), "{plan}");
    assert!(
        plan.stdout
            .contains("note: it is the last crate the glob \"clients/*\" matches"),
        "{plan}"
    );
    let run = ws.offboard(&["acme", "--yes"], &env.pairs());
    assert_eq!(run.code, Some(0), "{run}");
    let c = certificate(&ws, "acme").certificate;
    assert!(!c.check.ran, "{:?}", c.check);
    assert!(
        c.check
            .summary
            .starts_with("not run: `acme` was the last crate"),
        "{}",
        c.check.summary
    );
    assert!(
        c.remaining_duties
            .iter()
            .any(|d| d.starts_with("Run `cargo clientwall check` once the workspace has a client")),
        "{:?}",
        c.remaining_duties
    );
    assert_eq!(
        c.code.manifest_edits,
        ["nothing to edit: the `members` glob \"clients/*\" covers `clients/acme`"]
    );
}

/// Started from inside the client's own directory, which it deletes, the run still finishes.
#[test]
fn an_offboarding_started_inside_the_client_finishes() {
    let ws = Workspace::new();
    let (_data, db) = data_dir();
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"))
        .current_dir(ws.root.join("clients/acme/src"))
        .args(["clientwall", "offboard", "acme", "--yes"])
        .without_cargo_test_env()
        .envs(Env::new(vec![("ACME_DATABASE_PATH".into(), db.to_string())]).pairs())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(!ws.root.join("clients/acme").exists());
    assert!(certificate(&ws, "acme").certificate.check.passed);
}
