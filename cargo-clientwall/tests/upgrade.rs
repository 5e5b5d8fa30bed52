//! `cargo clientwall upgrade` end to end, across a real template change: template 0.1.0 (the
//! first release) to the fixture 0.1.1 (`template/tests/fixtures/template-0.1.1`: a new
//! `markdown` function in the managed `src/report.rs` and a fix in the locked `src/token.rs`),
//! in real git repositories, with real `cargo` afterwards.

use assert_cmd::cargo::cargo_bin;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall::clientwall_template::{self, Catalog, Variables, fixture};
use std::collections::BTreeMap;
use std::process::{Command, Output};

use crate::support::WithoutCargoTestEnv;
use crate::support::postgres::PgClient;

/// A consultancy workspace in git with clients generated at template 0.1.0, and the fixture
/// template versions beside it.
struct Workspace {
    _dir: tempfile::TempDir,
    root: Utf8PathBuf,
    releases: Utf8PathBuf,
}

fn repo_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

impl Workspace {
    fn new(clients: &[&str]) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let releases = base.join("releases");
        fixture::write_releases(&releases).unwrap();
        let root = base.join("workspace");
        std::fs::create_dir_all(&root).unwrap();
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(
                repo_root().join("examples/consultancy").join(file),
                root.join(file),
            )
            .unwrap();
        }
        let catalog = Catalog::from_dir(&releases).unwrap();
        for name in clients {
            write_client(&root, &catalog, name);
        }
        let ws = Workspace {
            _dir: dir,
            root,
            releases,
        };
        ws.git(&["init", "-q"]);
        ws.commit("clients at template 0.1.0");
        ws
    }

    fn client(&self, name: &str) -> Utf8PathBuf {
        self.root.join("clients").join(name)
    }

    fn git(&self, args: &[&str]) -> Output {
        Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
    }

    fn commit(&self, message: &str) {
        assert!(self.git(&["add", "-A"]).status.success());
        let out = self.git(&["commit", "-q", "-m", message]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `cargo clientwall ARGS` in the workspace.
    fn clientwall(&self, args: &[&str]) -> Output {
        Command::new(cargo_bin("cargo-clientwall"))
            .arg("clientwall")
            .args(args)
            .current_dir(&self.root)
            .output()
            .unwrap()
    }

    /// `cargo clientwall check ARGS --template-releases RELEASES`: the check against this
    /// workspace's template versions (release 0.1.0 and the fixture), not the built-in ones.
    fn check(&self, args: &[&str]) -> Output {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--template-releases", self.releases.as_str()]);
        self.clientwall(&all)
    }

    /// `cargo clientwall upgrade ARGS --template-releases RELEASES`.
    fn upgrade(&self, args: &[&str]) -> Output {
        let mut all = vec!["upgrade"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--template-releases", self.releases.as_str()]);
        self.clientwall(&all)
    }

    fn edit(&self, client: &str, file: &str, from: &str, to: &str) {
        let path = self.client(client).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{path} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn read(&self, client: &str, file: &str) -> String {
        std::fs::read_to_string(self.client(client).join(file)).unwrap()
    }
}

fn vars(name: &str) -> Variables {
    Variables::new(name, None, None, None).unwrap()
}

fn write_client(root: &Utf8Path, catalog: &Catalog, name: &str) {
    let files =
        clientwall_template::client_files_at(catalog, fixture::BASE, &vars(name), false).unwrap();
    write_files(&root.join("clients").join(name), &files);
}

fn write_files(dir: &Utf8Path, files: &[clientwall_template::RenderedFile]) {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
}

/// What a client freshly generated at the fixture's new version holds.
fn fresh_at_next(releases: &Utf8Path, name: &str) -> BTreeMap<String, Vec<u8>> {
    let catalog = Catalog::from_dir(releases).unwrap();
    clientwall_template::client_files_at(&catalog, fixture::NEXT, &vars(name), false)
        .unwrap()
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// Every file below `dir` (`target/` and `.git/` skipped).
fn tree(dir: &Utf8Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git")
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != ".new-client.lock")
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Assert two trees are equal, naming the files that differ (not dumping their bytes).
#[track_caller]
fn assert_same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    let differing: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: these files differ: {differing:?}"
    );
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const REPORT_EDIT: (&str, &str) = (
    "/// 1234 → `12.34`.",
    "/// Minor units as a decimal string, as our auditors want it: 1234 → `12.34`.",
);
const CONFLICTING_EDIT: (&str, &str) = (
    "#[cfg(test)]\nmod tests {",
    "/// Our own export, where the template later put its own.\npub fn tsv(report: &Report) -> String {\n    csv(report).replace(',', \"\\t\")\n}\n\n#[cfg(test)]\nmod tests {",
);
const TAMPER: (&str, &str) = (
    ".filter(|s| !s.starts_with(\"read_\"))",
    ".filter(|s| s.starts_with(\"write_orders\"))",
);

/// The four clients of the issue: untouched, a local edit the template does not touch, a local
/// edit where the template changes too, and a hand-edited locked file.
fn four_clients() -> Workspace {
    let ws = Workspace::new(&["untouched", "edited", "conflicted", "tampered"]);
    ws.edit("edited", "src/report.rs", REPORT_EDIT.0, REPORT_EDIT.1);
    ws.edit(
        "conflicted",
        "src/report.rs",
        CONFLICTING_EDIT.0,
        CONFLICTING_EDIT.1,
    );
    ws.edit("tampered", "src/scopes.rs", TAMPER.0, TAMPER.1);
    ws.commit("local edits");
    ws
}

/// Violations of the JSON report as (rule, client, file, line).
fn violations(out: &Output) -> Vec<(String, String, String, u64)> {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_owned(),
                v["client"].as_str().unwrap().to_owned(),
                v["file"].as_str().unwrap().to_owned(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn four_clients_upgrade_across_a_real_template_change() {
    let ws = four_clients();

    // Before the upgrade, the check catches the hand-edited locked file, and only that.
    let check = ws.check(&["--format", "json"]);
    assert_eq!(check.status.code(), Some(1), "{:?}", text(&check));
    assert_eq!(
        violations(&check),
        [(
            "template-drift".to_owned(),
            "tampered".to_owned(),
            "clients/tampered/src/scopes.rs".to_owned(),
            25
        )]
    );
    let human = text(&ws.check(&["--color", "never"])).0;
    assert!(
        human.contains("error[template-drift]: client `tampered`'s locked file `clients/tampered/src/scopes.rs` differs from template 0.1.0"),
        "{human}"
    );

    // --check: every client is behind; nothing written.
    let before = tree(&ws.root);
    let behind = ws.upgrade(&["--check"]);
    assert_eq!(behind.status.code(), Some(1), "{:?}", text(&behind));
    insta::assert_snapshot!("upgrade_check", text(&behind).0);

    // --dry-run: the whole plan; nothing written.
    let dry = ws.upgrade(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{:?}", text(&dry));
    insta::assert_snapshot!("upgrade_dry_run", text(&dry).0);
    assert_same_tree(
        &tree(&ws.root),
        &before,
        "--check or --dry-run wrote something",
    );

    // The upgrade: exit 1, because one client is left with a conflict (which the check after
    // the upgrade reports as template-drift).
    let done = ws.upgrade(&[]);
    let (stdout, stderr) = text(&done);
    assert_eq!(done.status.code(), Some(1), "{stdout}{stderr}");
    insta::assert_snapshot!("upgrade_apply", stdout);
    assert!(
        stderr.contains("error[template-drift]: client `conflicted`'s `clients/conflicted/src/report.rs` holds an unresolved conflict"),
        "{stderr}"
    );

    // Untouched: exactly a client generated at the new version.
    assert_same_tree(
        &tree(&ws.client("untouched")),
        &fresh_at_next(&ws.releases, "untouched"),
        "the untouched client is not a fresh 0.1.1 client",
    );

    // The non-conflicting edit: kept, with the template's new function and the locked fix.
    let report = ws.read("edited", "src/report.rs");
    assert!(
        report.contains(REPORT_EDIT.1) && report.contains("pub fn markdown"),
        "{report}"
    );
    let fresh = fresh_at_next(&ws.releases, "edited");
    assert_eq!(
        ws.read("edited", "src/token.rs").as_bytes(),
        fresh["src/token.rs"]
    );
    assert!(
        ws.read("edited", ".clientwall-template.toml")
            .contains("template-version = \"0.1.1\"")
    );

    // The conflicting edit: diff3 markers with the base visible, which git reports.
    let conflicted = ws.read("conflicted", "src/report.rs");
    assert!(
        conflicted.contains("<<<<<<< conflicted (yours)\n")
            && conflicted.contains("\n||||||| template 0.1.0\n")
            && conflicted.contains("\n=======\n")
            && conflicted.contains("\n>>>>>>> template 0.1.1\n"),
        "{conflicted}"
    );
    assert!(conflicted.contains("pub fn tsv") && conflicted.contains("pub fn markdown"));
    let diff_check = ws.git(&["diff", "--check"]);
    assert!(!diff_check.status.success());
    let reported = String::from_utf8_lossy(&diff_check.stdout);
    assert!(
        reported.contains("clients/conflicted/src/report.rs")
            && reported.contains("leftover conflict marker"),
        "{reported}"
    );
    assert!(!reported.contains("clients/edited"), "{reported}");

    // The hand-edited locked file: restored to the new render (the change is in the summary).
    assert_eq!(
        ws.read("tampered", "src/scopes.rs").as_bytes(),
        fresh_at_next(&ws.releases, "tampered")["src/scopes.rs"]
    );

    // After the upgrade only the conflict is left.
    let check = ws.check(&["--format", "json"]);
    assert_eq!(
        violations(&check)
            .into_iter()
            .map(|v| (v.0, v.1, v.2))
            .collect::<Vec<_>>(),
        [(
            "template-drift".to_owned(),
            "conflicted".to_owned(),
            "clients/conflicted/src/report.rs".to_owned()
        )]
    );

    // A second run finds nothing to do.
    ws.git(&["checkout", "--", "clients/conflicted"]);
    let again = ws.upgrade(&["--check"]);
    let (again_out, _) = text(&again);
    assert!(
        again_out.contains("untouched   0.1.0  ->  0.1.1  current")
            || again_out.contains("current")
    );

    // The upgraded crates build and pass their own tests, with real cargo.
    let output = Command::new(env!("CARGO"))
        .args([
            "test",
            "--quiet",
            "-p",
            "untouched",
            "-p",
            "edited",
            "-p",
            "tampered",
        ])
        .current_dir(&ws.root)
        .env("CARGO_TARGET_DIR", repo_root().join("target/consultancy"))
        .without_cargo_test_env()
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the upgraded clients do not build or pass their tests:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_client_with_uncommitted_changes_is_refused_unless_allowed() {
    let ws = Workspace::new(&["acme", "globex"]);
    ws.edit("acme", "src/main.rs", "//!", "//! (work in progress)\n//!");
    let acme_before = tree(&ws.client("acme"));
    let out = ws.upgrade(&[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("acme    0.1.0  ->  0.1.1  refused: uncommitted changes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("globex  0.1.0  ->  0.1.1  clean (5 files)"),
        "{stdout}"
    );
    assert_same_tree(
        &tree(&ws.client("acme")),
        &acme_before,
        "a refused client was written",
    );

    let out = ws.upgrade(&["acme", "--allow-dirty"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        ws.read("acme", "src/main.rs")
            .contains("(work in progress)")
    );
    assert!(ws.read("acme", "src/report.rs").contains("pub fn markdown"));
}

#[test]
fn outside_git_nothing_is_upgraded_without_allow_dirty() {
    let ws = Workspace::new(&["acme"]);
    std::fs::remove_dir_all(ws.root.join(".git")).unwrap();
    let before = tree(&ws.root);
    let out = ws.upgrade(&[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout.contains("is not in a git repository"), "{stdout}");
    assert_same_tree(&tree(&ws.root), &before, "outside git");
}

#[test]
fn an_injected_failure_leaves_the_client_as_it_was() {
    let ws = Workspace::new(&["acme"]);
    for failpoint in ["after-backup", "after-first-file", "before-commit"] {
        let before = tree(&ws.root);
        let out = Command::new(cargo_bin("cargo-clientwall"))
            .args([
                "clientwall",
                "upgrade",
                "--template-releases",
                ws.releases.as_str(),
            ])
            .env("CLIENTWALL_UPGRADE_FAILPOINT", failpoint)
            .current_dir(&ws.root)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{failpoint}: {stdout}{stderr}");
        assert!(
            stdout.contains("injected failure; nothing of it was written"),
            "{stdout}"
        );
        let mut after = tree(&ws.root);
        after.remove(".new-client.lock");
        let mut before = before.clone();
        before.remove(".new-client.lock");
        assert_same_tree(&after, &before, failpoint);
    }
}

/// Kill the upgrade at spread delays (each file write slowed down so kills land inside a
/// client's upgrade), then let the next run recover: every client is exactly as before or
/// exactly as upgraded, never anything in between.
#[test]
fn a_kill_during_upgrade_leaves_each_client_before_or_after() {
    let names = ["acme", "globex", "initech"];
    let ws = Workspace::new(&names);
    ws.edit("globex", "src/report.rs", REPORT_EDIT.0, REPORT_EDIT.1);
    ws.commit("a local edit");
    let before: BTreeMap<&str, _> = names.iter().map(|n| (*n, tree(&ws.client(n)))).collect();
    // The complete upgrade, on a copy.
    let reference = tempfile::tempdir().unwrap();
    let reference_root = Utf8PathBuf::from_path_buf(reference.path().join("ws")).unwrap();
    copy_dir(&ws.root, &reference_root);
    let started = std::time::Instant::now();
    let out = Command::new(cargo_bin("cargo-clientwall"))
        .args([
            "clientwall",
            "upgrade",
            "--template-releases",
            ws.releases.as_str(),
        ])
        .env("CLIENTWALL_UPGRADE_STEP_DELAY_MS", "15")
        .current_dir(&reference_root)
        .output()
        .unwrap();
    let whole_run = started.elapsed().as_millis() as u64;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let after: BTreeMap<&str, _> = names
        .iter()
        .map(|n| (*n, tree(&reference_root.join("clients").join(n))))
        .collect();

    let mut seen = BTreeMap::new();
    // Kills spread over the whole run (the check after the upgrade included).
    for i in 0..12u64 {
        let delay_ms = whole_run * (i + 1) / 13;
        let run = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(run.path().join(format!("ws{i}"))).unwrap();
        copy_dir(&ws.root, &root);
        let mut child = Command::new(cargo_bin("cargo-clientwall"))
            .args([
                "clientwall",
                "upgrade",
                "--template-releases",
                ws.releases.as_str(),
            ])
            .env("CLIENTWALL_UPGRADE_STEP_DELAY_MS", "15")
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        clientwall::generator::upgrade::recover(&root).unwrap();
        assert!(!root.join(".clientwall-upgrade").exists());
        for name in names {
            let now = tree(&root.join("clients").join(name));
            let state = if now == before[name] {
                "before"
            } else if now == after[name] {
                "after"
            } else {
                panic!(
                    "killed after {delay_ms} ms: {name} is neither before nor after the upgrade"
                );
            };
            *seen.entry(state).or_insert(0) += 1;
        }
    }
    assert!(
        seen.contains_key("before") && seen.contains_key("after"),
        "the kills did not land inside the run: {seen:?}"
    );
}

fn copy_dir(from: &Utf8Path, to: &Utf8Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
    {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap().to_str().unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `examples/consultancy` as a client pair generated before records existed (template 0.1.0
/// wrote only `template-version` into Cargo.toml): its answers are recovered from its own
/// files, and the record its first upgrade writes is exactly what `new-client` records today.
/// The clients of the README's consultancy as release 0.1.0 generated them: no
/// `.clientwall-template.toml` yet (0.1.0 wrote none), with their display names and databases.
const FIRST_RELEASE_CLIENTS: [(&str, &str, &str); 2] = [
    ("acme", "Acme Outdoor", "sqlite"),
    ("globex", "Globex Home", "postgres"),
];

#[test]
fn clients_older_than_records_are_recovered_from_their_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    let root = base.join("ws");
    let fresh = base.join("fresh");
    for ws in [&root, &fresh] {
        std::fs::create_dir_all(ws).unwrap();
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(
                repo_root().join("examples/consultancy").join(file),
                ws.join(file),
            )
            .unwrap();
        }
    }
    for (name, display, database) in FIRST_RELEASE_CLIENTS {
        let vars = Variables::new(
            name,
            Some(display.to_owned()),
            None,
            Some(database.to_owned()),
        )
        .unwrap();
        let files: Vec<_> =
            clientwall_template::client_files_at(Catalog::embedded(), "0.1.0", &vars, false)
                .unwrap()
                .into_iter()
                .filter(|f| f.path != ".clientwall-template.toml")
                .collect();
        write_files(&root.join("clients").join(name), &files);
    }
    let ws = Workspace {
        _dir: dir,
        releases: base.join("unused"),
        root,
    };
    ws.git(&["init", "-q"]);
    ws.commit("a 0.1.0 consultancy, before records");

    // The check recovers the answers to render the locked files: clean, then a tamper fails.
    let check = ws.clientwall(&["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{:?}", text(&check));
    ws.edit("acme", "src/scopes.rs", TAMPER.0, TAMPER.1);
    let check = ws.clientwall(&["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1), "{:?}", text(&check));
    assert_eq!(
        violations(&check)
            .into_iter()
            .map(|(rule, client, file, _)| (rule, client, file))
            .collect::<Vec<_>>(),
        [(
            "template-drift".to_owned(),
            "acme".to_owned(),
            "clients/acme/src/scopes.rs".to_owned()
        )]
    );
    assert!(ws.git(&["checkout", "--", "."]).status.success());

    // The built-in template versions: 0.1.0 up to the current template.
    let out = ws.clientwall(&["upgrade"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("answers recovered from the client's own files"),
        "{stdout}"
    );

    // What they became is, byte for byte, what `new` generates today with the same answers.
    for (name, display, database) in FIRST_RELEASE_CLIENTS {
        let out = Command::new(cargo_bin("cargo-clientwall"))
            .args(["clientwall", "new", name, "--workspace", fresh.as_str()])
            .args([
                "--display-name",
                display,
                "--database",
                database,
                "--no-check",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{:?}", text(&out));
        assert_same_tree(
            &tree(&ws.client(name)),
            &tree(&fresh.join("clients").join(name)),
            &format!("{name} upgraded from 0.1.0 against {name} generated today"),
        );
    }
    // Now they are current, with their records, and clean.
    let check = ws.clientwall(&["upgrade", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{:?}", text(&check));
    let check = ws.clientwall(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{:?}", text(&check));
}

/// The record cannot unlock what the template locks, nor lend a client another's answers: the
/// locked files would then be rendered (and compared) with another client's variables.
#[test]
fn a_record_edited_to_unlock_a_file_or_borrow_answers_is_drift() {
    let ws = Workspace::new(&["acme", "globex"]);
    let check = |ws: &Workspace| {
        let out = ws.check(&["--format", "json"]);
        let found: Vec<(String, String, String)> = match out.status.code() {
            Some(0) => Vec::new(),
            Some(1) => violations(&out)
                .into_iter()
                .map(|(rule, client, file, _)| (rule, client, file))
                .collect(),
            other => panic!("{other:?}: {:?}", text(&out)),
        };
        found
    };
    let drift = |file: &str| {
        vec![(
            "template-drift".to_owned(),
            "acme".to_owned(),
            format!("clients/acme/{file}"),
        )]
    };
    assert_eq!(check(&ws), []);

    // "managed" in the record does not make a locked security file the client's to change.
    ws.edit(
        "acme",
        ".clientwall-template.toml",
        "\"src/scopes.rs\" = \"locked\"",
        "\"src/scopes.rs\" = \"managed\"",
    );
    ws.edit("acme", "src/scopes.rs", TAMPER.0, TAMPER.1);
    assert_eq!(check(&ws), drift("src/scopes.rs"));
    assert!(ws.git(&["checkout", "--", "."]).status.success());

    // Another client's prefix: acme's locked config would read globex's credentials.
    for (from, to) in [
        ("env_prefix = \"ACME\"", "env_prefix = \"GLOBEX\""),
        ("client = \"acme\"", "client = \"globex\""),
    ] {
        ws.edit("acme", ".clientwall-template.toml", from, to);
        let found = check(&ws);
        assert!(
            found.contains(&drift(".clientwall-template.toml")[0]),
            "{to}: {found:?}"
        );
        assert!(ws.git(&["checkout", "--", "."]).status.success());
    }
    assert_eq!(check(&ws), []);
}

#[test]
fn unknown_clients_and_broken_records_fail_closed() {
    let ws = Workspace::new(&["acme", "globex"]);
    let out = ws.upgrade(&["acmee"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("no client named `acmee` in this workspace; did you mean `acme`?"),
        "{:?}",
        text(&out)
    );

    ws.edit(
        "globex",
        ".clientwall-template.toml",
        "database = \"sqlite\"",
        "database = \"oracle\"",
    );
    ws.commit("a broken record");
    let check = ws.clientwall(&["check"]);
    let (_, stderr) = text(&check);
    assert_eq!(check.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("clients/globex/.clientwall-template.toml:")
            && stderr.contains("invalid --database `oracle`"),
        "{stderr}"
    );
    let out = ws.upgrade(&[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("refused: invalid ")
            && stdout.contains("clients/globex/.clientwall-template.toml:")
            && stdout.contains("invalid --database `oracle`"),
        "{stdout}"
    );
    assert!(
        ws.read("acme", "src/report.rs").contains("pub fn markdown"),
        "acme was still upgraded"
    );
    // A client at a version this clientwall does not know stops the check: it fails closed.
    let check = ws.clientwall(&["check"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(
        text(&check)
            .1
            .contains("template version 0.1.1 is not one this clientwall knows"),
        "{:?}",
        text(&check)
    );
}

#[test]
fn new_is_new_client() {
    let dir = tempfile::tempdir().unwrap();
    let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    for ws in ["a", "b"] {
        std::fs::create_dir_all(base.join(ws)).unwrap();
        std::fs::copy(
            repo_root().join("examples/consultancy/Cargo.toml"),
            base.join(ws).join("Cargo.toml"),
        )
        .unwrap();
    }
    let ours = Command::new(cargo_bin("cargo-clientwall"))
        .args([
            "clientwall",
            "new",
            "acme",
            "--display-name",
            "Acme Outdoor",
            "--no-check",
            "--workspace",
            base.join("a").as_str(),
        ])
        .output()
        .unwrap();
    assert!(ours.status.success(), "{:?}", text(&ours));
    clientwall::generator::generate(&clientwall::generator::Options {
        name: "acme".into(),
        workspace: base.join("b"),
        display_name: Some("Acme Outdoor".into()),
        shop: None,
        database: None,
        standalone: false,
        template: None,
        check: false,
    })
    .unwrap();
    let example = tree(&repo_root().join("examples/consultancy/clients/acme"));
    let created = format!(
        "new-client: created clients/acme ({} files) from the embedded template",
        example.len()
    );
    assert!(
        String::from_utf8_lossy(&ours.stdout).starts_with(&created),
        "{:?}",
        text(&ours)
    );
    assert_same_tree(
        &tree(&base.join("a")),
        &tree(&base.join("b")),
        "new vs new-client",
    );
    assert_same_tree(
        &tree(&base.join("a/clients/acme")),
        &example,
        "examples/consultancy is what new-client generates",
    );
}

/// The pre-commit path: a staged hand edit of a locked file fails `check --staged`.
#[test]
fn a_staged_edit_of_a_locked_file_fails_the_pre_commit_check() {
    let ws = Workspace::new(&["acme", "globex"]);
    ws.edit(
        "acme",
        "src/token.rs",
        "RENEW_MARGIN_SECS: u64 = 300",
        "RENEW_MARGIN_SECS: u64 = 0",
    );
    assert!(
        ws.git(&["add", "clients/acme/src/token.rs"])
            .status
            .success()
    );
    let out = ws.check(&["--staged", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let found = violations(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].0.as_str(),
            found[0].1.as_str(),
            found[0].2.as_str()
        ),
        ("template-drift", "acme", "clients/acme/src/token.rs")
    );
    // An edit to a managed file is the client's business.
    assert!(ws.git(&["reset", "-q", "--hard"]).status.success());
    ws.edit("acme", "src/report.rs", REPORT_EDIT.0, REPORT_EDIT.1);
    assert!(ws.git(&["add", "-A"]).status.success());
    let out = ws.check(&["--staged", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

// ---------------------------------------------------------------------------------------------
// A client with data: generated at 0.2.2, synced by its own 0.2.2 binary, upgraded, synced once
// more by the upgraded binary, and its report checked to the minor unit, on SQLite and on
// PostgreSQL.

/// Where these clients are built: the target directory of the offboarding tests and of
/// `examples/consultancy`, so the client crates' dependencies are built once for all.
fn client_target_dir() -> Utf8PathBuf {
    repo_root().join("target/consultancy")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The client's own mock Shopify (its example program, as the client's release has it), serving
/// until dropped.
struct MockShop {
    child: std::process::Child,
    url: String,
    client_id: String,
    client_secret: String,
}

impl MockShop {
    fn start(client_dir: &Utf8Path, name: &str, orders: usize, customers: usize) -> MockShop {
        use std::io::BufRead;
        let mut child = Command::new(cargo())
            .args(["run", "--quiet", "--manifest-path"])
            .arg(client_dir.join("Cargo.toml"))
            .args(["--example", &format!("{name}-mock-shopify"), "--"])
            .args(["--orders", &orders.to_string()])
            .args(["--customers", &customers.to_string()])
            .env("CARGO_TARGET_DIR", client_target_dir())
            .without_cargo_test_env()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let hello: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the mock did not start ({e}): {line:?}"));
        let field = |key: &str| hello[key].as_str().unwrap().to_owned();
        MockShop {
            url: field("url"),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
            child,
        }
    }
}

impl Drop for MockShop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the client keeps its data: a SQLite file, or a database of its own on the test
/// PostgreSQL server. Each kind of store has a client of its own name: the client crates of
/// all these tests share one target directory, where a binary is named after its crate, and
/// the two tests run at the same time with different sources.
enum Store {
    Sqlite(Utf8PathBuf),
    Postgres(PgClient),
}

impl Store {
    /// The client's name.
    fn client(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "upgraded-sqlite",
            Store::Postgres(_) => "upgraded-postgres",
        }
    }

    /// The `database` answer the client is generated with.
    fn answer(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The client's environment variables' prefix.
    fn env_prefix(&self) -> String {
        clientwall::client_toml::env_prefix(self.client())
    }

    /// The client's environment variable naming its database, and its value.
    fn env(&self) -> (String, String) {
        match self {
            Store::Sqlite(path) => (
                format!("{}_DATABASE_PATH", self.env_prefix()),
                path.to_string(),
            ),
            Store::Postgres(pg) => (format!("{}_DATABASE_URL", self.env_prefix()), pg.url()),
        }
    }

    /// Whether the client wrote its tables.
    fn holds_data(&self) -> bool {
        match self {
            Store::Sqlite(path) => path.is_file(),
            Store::Postgres(pg) => pg.tables().iter().any(|t| t == "orders"),
        }
    }
}

/// `CLIENT ARGS` (the client's own binary, built from its current sources) against `mock`, with
/// its data in `store`.
fn run_client(client_dir: &Utf8Path, args: &[&str], mock: &MockShop, store: &Store) -> Output {
    let (database_var, database) = store.env();
    let prefix = store.env_prefix();
    Command::new(cargo())
        .args(["run", "--quiet", "--manifest-path"])
        .arg(client_dir.join("Cargo.toml"))
        .arg("--")
        .args(args)
        .env("CARGO_TARGET_DIR", client_target_dir())
        .without_cargo_test_env()
        .env(format!("{prefix}_SHOPIFY_CLIENT_ID"), &mock.client_id)
        .env(
            format!("{prefix}_SHOPIFY_CLIENT_SECRET"),
            &mock.client_secret,
        )
        .env(format!("{prefix}_SHOPIFY_BASE_URL"), &mock.url)
        .env(database_var, database)
        .current_dir(client_dir)
        .output()
        .unwrap()
}

/// What the mock shop's first `orders` orders add up to, worked out from how the mock makes
/// order `i` (`tests/support/shop.rs` of the client): one product sale of the whole total, in
/// EUR when `i % 10 == 0`, JPY (no minor unit) at 3, KWD (three decimals) at 7, else USD. Per
/// currency: (orders, total in minor units, decimals).
fn mock_shop_totals(orders: usize) -> BTreeMap<&'static str, (i64, i64, u32)> {
    let mut totals = BTreeMap::new();
    for i in 0..orders {
        let step = (i % 97) as i64;
        let (currency, minor, decimals) = match i % 10 {
            0 => ("EUR", step * 100 + 99, 2),
            3 => ("JPY", step * 10 + 5, 0),
            7 => ("KWD", step * 1000 + 125, 3),
            _ => ("USD", step * 100 + 99, 2),
        };
        let total = totals.entry(currency).or_insert((0, 0, decimals));
        total.0 += 1;
        total.1 += minor;
    }
    totals
}

/// Minor units as the report writes them: `12345` with 2 decimals is `123.45`.
fn decimal(minor: i64, decimals: u32) -> String {
    if decimals == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(decimals);
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = decimals as usize
    )
}

#[test]
fn a_client_with_data_at_0_2_2_upgrades_and_reports_correctly_after_one_sync() {
    let dir = tempfile::tempdir().unwrap();
    let database = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap())
        .unwrap()
        .join("data/client.sqlite3");
    upgrades_with_data_and_reports(dir, Store::Sqlite(database));
}

#[test]
fn a_postgres_client_with_data_at_0_2_2_upgrades_and_reports_correctly_after_one_sync() {
    upgrades_with_data_and_reports(
        tempfile::tempdir().unwrap(),
        Store::Postgres(PgClient::new(true)),
    );
}

/// A client generated at 0.2.2 on `store`, synced by its own 0.2.2 binary, upgraded by the tool,
/// synced once by the upgraded binary: its report is exact to the minor unit.
fn upgrades_with_data_and_reports(dir: tempfile::TempDir, store: Store) {
    let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    let root = base.join("workspace");
    std::fs::create_dir_all(&root).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(
            repo_root().join("examples/consultancy").join(file),
            root.join(file),
        )
        .unwrap();
    }
    let name = store.client();
    let answers = Variables::new(name, None, None, Some(store.answer().to_owned())).unwrap();
    let files = clientwall_template::client_files_at(Catalog::embedded(), "0.2.2", &answers, false)
        .unwrap();
    write_files(&root.join("clients").join(name), &files);
    let ws = Workspace {
        _dir: dir,
        root,
        releases: base.join("unused"),
    };
    ws.git(&["init", "-q"]);
    ws.commit("the client at template 0.2.2");
    let client = ws.client(name);

    // 0.2.2 syncs 300 orders (its own mock, as 0.2.2 shipped it) into its SQLite database.
    let mock = MockShop::start(&client, name, 300, 40);
    let sync = run_client(&client, &["sync"], &mock, &store);
    let (stdout, stderr) = text(&sync);
    assert_eq!(sync.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("synced 300 orders and 40 customers"),
        "{stdout}"
    );
    drop(mock);
    assert!(store.holds_data(), "0.2.2 wrote its database");

    // The upgrade, by the tool, to the current template.
    let upgrade = ws.clientwall(&["upgrade"]);
    let (stdout, stderr) = text(&upgrade);
    assert_eq!(upgrade.status.code(), Some(0), "{stdout}{stderr}");
    let current = Catalog::embedded().current_version().to_owned();
    assert!(
        ws.read(name, ".clientwall-template.toml")
            .contains(&format!("template-version = \"{current}\"")),
        "{stdout}"
    );

    // Meanwhile the shop took 60 more orders. One sync of the upgraded binary (its own mock, of
    // the current template, with sales agreements) on the same database.
    let mock = MockShop::start(&client, name, 360, 40);
    let sync = run_client(&client, &["sync"], &mock, &store);
    let (stdout, stderr) = text(&sync);
    assert_eq!(sync.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("synced 360 orders and"),
        "the whole history is read again for its sales: {stdout}"
    );
    let report = run_client(&client, &["report", "--format", "json"], &mock, &store);
    let (stdout, stderr) = text(&report);
    assert_eq!(report.status.code(), Some(0), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    assert_eq!(report["complete_history"], true, "{report:#}");
    assert_eq!(report["warnings"], serde_json::json!([]), "{report:#}");
    let months = report["months"].as_array().unwrap();
    assert_eq!(
        months
            .iter()
            .map(|m| m["orders"].as_i64().unwrap())
            .sum::<i64>(),
        360,
        "every order once: {report:#}"
    );
    let expected = mock_shop_totals(360);
    let totals = report["totals"].as_array().unwrap();
    assert_eq!(
        totals
            .iter()
            .map(|t| t["currency"].as_str().unwrap())
            .collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>()
    );
    for row in totals {
        let currency = row["currency"].as_str().unwrap();
        let (orders, minor, decimals) = expected[currency];
        let zero = decimal(0, decimals);
        let sales = decimal(minor, decimals);
        // Average order value: rounded half away from zero.
        let average = decimal((2 * minor + orders) / (2 * orders), decimals);
        assert_eq!(
            (
                row["orders"].as_i64().unwrap(),
                row["gross_sales"].as_str().unwrap(),
                row["discounts"].as_str().unwrap(),
                row["returns"].as_str().unwrap(),
                row["net_sales"].as_str().unwrap(),
                row["shipping"].as_str().unwrap(),
                row["taxes"].as_str().unwrap(),
                row["total_sales"].as_str().unwrap(),
                row["average_order_value"].as_str().unwrap(),
            ),
            (
                orders,
                sales.as_str(),
                zero.as_str(),
                zero.as_str(),
                sales.as_str(),
                zero.as_str(),
                zero.as_str(),
                sales.as_str(),
                average.as_str(),
            ),
            "{currency}: {row:#}"
        );
    }
}
